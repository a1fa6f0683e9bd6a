"""What the lobby says aloud: numbers in words (es, en; 0-9999), ticket codes spelled
so they are understood across a noisy room, and the announcement per language.

"A042" -> es "A cero cuarenta y dos", en "A zero forty-two": a leading zero is said
(people hold a slip that reads A042), the rest as one number.
"""
from __future__ import annotations

import re

ES_UNITS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
            "diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete",
            "dieciocho", "diecinueve", "veinte", "veintiuno", "veintidós", "veintitrés", "veinticuatro",
            "veinticinco", "veintiséis", "veintisiete", "veintiocho", "veintinueve"]
ES_TENS = {3: "treinta", 4: "cuarenta", 5: "cincuenta", 6: "sesenta", 7: "setenta", 8: "ochenta",
           9: "noventa"}
ES_HUNDREDS = {1: "ciento", 2: "doscientos", 3: "trescientos", 4: "cuatrocientos", 5: "quinientos",
               6: "seiscientos", 7: "setecientos", 8: "ochocientos", 9: "novecientos"}

EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
            "nineteen"]
EN_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty",
           9: "ninety"}

MAX = 9999


def number_to_words(n: int, lang: str) -> str:
    """0 <= n <= 9999 in words, Spanish or English (anything but "es" is English)."""
    if not 0 <= n <= MAX:
        raise ValueError(f"{n} is outside 0-{MAX}")
    return _es(n) if lang == "es" else _en(n)


def _es(n: int) -> str:
    if n < 30:
        return ES_UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return ES_TENS[tens] + (f" y {ES_UNITS[unit]}" if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        if n == 100:
            return "cien"
        return ES_HUNDREDS[hundreds] + (f" {_es(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    head = "mil" if thousands == 1 else f"{_es(thousands)} mil"
    return head + (f" {_es(rest)}" if rest else "")


def _en(n: int) -> str:
    if n < 20:
        return EN_UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return EN_TENS[tens] + (f"-{EN_UNITS[unit]}" if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{EN_UNITS[hundreds]} hundred" + (f" {_en(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    return f"{EN_UNITS[thousands]} thousand" + (f" {_en(rest)}" if rest else "")


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
