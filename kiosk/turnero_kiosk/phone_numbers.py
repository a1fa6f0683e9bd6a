"""Phone numbers as typed at a branch's kiosk: shown grouped as the customer types,
accepted only when valid in the branch's country (a number with a + may be from
anywhere), sent to the server as E.164."""
from __future__ import annotations

import phonenumbers

MAX_PHONE_DIGITS = 15   # the longest E.164 number
MIN_PHONE_DIGITS = 8    # fewer digits are never a phone (appointment codes are shorter)


def normalize_phone(digits: str, country: str | None) -> str | None:
    """Digits typed at a branch of `country` -> E.164, or None when not a valid phone there."""
    try:
        number = phonenumbers.parse(digits, country or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if country and phonenumbers.region_code_for_number(number) != country and not digits.startswith("+"):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_as_typed(digits: str, country: str | None) -> str:
    """"5512345678" -> "55 1234 5678" while typing (the country's own grouping)."""
    if not digits:
        return ""
    formatter = phonenumbers.AsYouTypeFormatter(country or "ZZ")
    shown = ""
    for d in digits:
        shown = formatter.input_digit(d)
    return shown
