"""The one phone normaliser: every channel turns numbers into E.164 here."""
from __future__ import annotations

import phonenumbers

from ..errors import N_, Invalid


def normalize_phone(raw: str, country: str, field: str = "phone") -> str:
    """`55 1234 5678` at a Mexican branch -> `+525512345678`; Invalid if not a phone."""
    text = (raw or "").strip()
    if text.lower().startswith("whatsapp:"):
        text = text.split(":", 1)[1]
    try:
        number = phonenumbers.parse(text, country.upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise Invalid(N_("Not a valid phone number."), errors={field: [N_("Not a valid phone number.")]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
