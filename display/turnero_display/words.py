"""What the lobby says aloud: numbers in words (es, en; 0-9999), ticket codes spelled
so they are understood across a noisy room, and the announcement per language.

"A042" -> es "A cero cuarenta y dos", en "A zero forty-two": a leading zero is said
(people hold a slip that reads A042), the rest as one number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Numbers:
    """How a language says 0-9999: one algorithm, a table per language."""

    small: tuple[str, ...]      # said as one word: 0-29 in Spanish, 0-19 in English
    tens: dict[int, str]        # 2-9 -> "veinte"/"twenty" ... (only those past `small` are used)
    tens_joiner: str            # between tens and units: "treinta y uno", "thirty-one"
    hundreds: dict[int, str]    # 1-9 -> "ciento", "doscientos" / "one hundred", ...
    one_thousand: str           # 1000 on its own and leading a larger number
    thousand: str               # after a count: "dos mil", "two thousand"
    exact: dict[int, str]       # numbers said their own way: "cien", not "ciento"


ES_UNITS = ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
            "diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete",
            "dieciocho", "diecinueve", "veinte", "veintiuno", "veintidós", "veintitrés", "veinticuatro",
            "veinticinco", "veintiséis", "veintisiete", "veintiocho", "veintinueve")
EN_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
            "nineteen")

NUMBERS = {
    "es": Numbers(
        small=ES_UNITS,
        tens={3: "treinta", 4: "cuarenta", 5: "cincuenta", 6: "sesenta", 7: "setenta", 8: "ochenta",
              9: "noventa"},
        tens_joiner=" y ",
        hundreds={1: "ciento", 2: "doscientos", 3: "trescientos", 4: "cuatrocientos", 5: "quinientos",
                  6: "seiscientos", 7: "setecientos", 8: "ochocientos", 9: "novecientos"},
        one_thousand="mil", thousand="mil", exact={100: "cien"}),
    "en": Numbers(
        small=EN_UNITS,
        tens={2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty",
              9: "ninety"},
        tens_joiner="-",
        hundreds={n: f"{EN_UNITS[n]} hundred" for n in range(1, 10)},
        one_thousand="one thousand", thousand="thousand", exact={}),
}

MAX = 9999


def number_to_words(n: int, lang: str) -> str:
    """0 <= n <= 9999 in words, Spanish or English (anything but "es" is English)."""
    if not 0 <= n <= MAX:
        raise ValueError(f"{n} is outside 0-{MAX}")
    return _words(n, NUMBERS["es" if lang == "es" else "en"])


def _words(n: int, say: Numbers) -> str:
    if n in say.exact:
        return say.exact[n]
    if n < len(say.small):
        return say.small[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return say.tens[tens] + (say.tens_joiner + say.small[unit] if unit else "")
    if n < 1000:
        count, rest = divmod(n, 100)
        head = say.hundreds[count]
    else:
        count, rest = divmod(n, 1000)
        head = say.one_thousand if count == 1 else f"{_words(count, say)} {say.thousand}"
    return head + (f" {_words(rest, say)}" if rest else "")


_CODE = re.compile(r"^([^\d]*)(\d+)$")
_NUMBER = re.compile(r"\d+")


def spell_code(code: str, lang: str) -> str:
    """"A042" -> "A cero cuarenta y dos" / "A zero forty-two"; "A100" -> "A cien"."""
    match = _CODE.match(code.strip())
    if not match:
        return " ".join(code)
    prefix, digits = match.groups()
    zero = number_to_words(0, lang)
    leading = len(digits) - len(digits.lstrip("0"))
    rest = digits[leading:]
    if not rest:  # all zeros
        leading, rest = leading - 1, "0"
    parts = [" ".join(prefix.strip())] if prefix.strip() else []
    parts += [zero] * leading
    parts.append(_say_number(rest, lang))
    return " ".join(parts)


def _say_number(digits: str, lang: str) -> str:
    value = int(digits)
    if value <= MAX:
        return number_to_words(value, lang)
    return " ".join(number_to_words(int(d), lang) for d in digits)


def spoken_counter(name: str, lang: str) -> str:
    """"Ventanilla 3" -> "ventanilla tres" (numbers in words, lower case mid-sentence)."""
    return _NUMBER.sub(lambda m: _say_number(m.group(0), lang), name).strip().lower()


TEMPLATES = {
    "es": "Turno {code}, {counter}",
    "en": "Ticket {code}, {counter}",
}


def announcement(code: str, counter_name: str, lang: str) -> str:
    """The sentence said for a call (and again for a recall)."""
    lang = lang if lang in TEMPLATES else "en"
    return TEMPLATES[lang].format(code=spell_code(code, lang), counter=spoken_counter(counter_name, lang))
