"""What the lobby display says: numbers in words, codes spelled, the sentence per language."""
from __future__ import annotations

import os
import re
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from turnero_display import i18n  # noqa: E402
from turnero_display.words import announcement, number_to_words, spell_code, spoken_counter  # noqa: E402


@pytest.mark.parametrize("n, es, en", [
    (0, "cero", "zero"),
    (1, "uno", "one"),
    (7, "siete", "seven"),
    (10, "diez", "ten"),
    (15, "quince", "fifteen"),
    (16, "dieciséis", "sixteen"),
    (20, "veinte", "twenty"),
    (21, "veintiuno", "twenty-one"),
    (22, "veintidós", "twenty-two"),
    (29, "veintinueve", "twenty-nine"),
    (30, "treinta", "thirty"),
    (42, "cuarenta y dos", "forty-two"),
    (99, "noventa y nueve", "ninety-nine"),
    (100, "cien", "one hundred"),
    (101, "ciento uno", "one hundred one"),
    (115, "ciento quince", "one hundred fifteen"),
    (200, "doscientos", "two hundred"),
    (555, "quinientos cincuenta y cinco", "five hundred fifty-five"),
    (777, "setecientos setenta y siete", "seven hundred seventy-seven"),
    (999, "novecientos noventa y nueve", "nine hundred ninety-nine"),
    (1000, "mil", "one thousand"),
    (1001, "mil uno", "one thousand one"),
    (1100, "mil cien", "one thousand one hundred"),
    (2024, "dos mil veinticuatro", "two thousand twenty-four"),
    (9999, "nueve mil novecientos noventa y nueve", "nine thousand nine hundred ninety-nine"),
])
def test_numbers_in_words(n, es, en):
    assert number_to_words(n, "es") == es
    assert number_to_words(n, "en") == en


def test_every_number_up_to_9999_has_words_without_gaps_or_doubles():
    for lang in ("es", "en"):
        for n in range(10000):
            words = number_to_words(n, lang)
            assert words == words.strip() and "  " not in words and re.fullmatch(r"[a-záéíóúñ -]+", words)
    with pytest.raises(ValueError):
        number_to_words(10000, "es")


@pytest.mark.parametrize("code, es, en", [
    ("A042", "A cero cuarenta y dos", "A zero forty-two"),
    ("A001", "A cero cero uno", "A zero zero one"),
    ("B100", "B cien", "B one hundred"),
    ("A000", "A cero cero cero", "A zero zero zero"),
    ("C7", "C siete", "C seven"),
    ("A1234", "A mil doscientos treinta y cuatro", "A one thousand two hundred thirty-four"),
])
def test_codes_are_spelled_as_people_read_them(code, es, en):
    assert spell_code(code, "es") == es
    assert spell_code(code, "en") == en


def test_the_announcement_per_language():
    assert announcement("A042", "Ventanilla 3", "es") == "Turno A cero cuarenta y dos, ventanilla tres"
    assert announcement("A042", "Counter 3", "en") == "Ticket A zero forty-two, counter three"
    assert spoken_counter("Caja 12", "es") == "caja doce"


def test_every_display_string_exists_in_spanish_and_english():
    for key, entry in i18n.STRINGS.items():
        assert set(entry) >= set(i18n.LANGS), key
        assert all(entry[lang].strip() for lang in i18n.LANGS), key
        assert set(re.findall(r"{(\w+)}", entry["es"])) == set(re.findall(r"{(\w+)}", entry["en"])), key
    used = set()
    for path in Path(i18n.__file__).parent.glob("*.py"):
        used |= set(re.findall(r"""tr\(\s*["']([\w.]+)["']""", path.read_text()))
        used |= set(re.findall(r"""text\(\s*["']([\w.]+)["']""", path.read_text()))
    assert used and used <= set(i18n.STRINGS), used - set(i18n.STRINGS)


def test_waits_are_worded_not_computed():
    assert i18n.wait_range({"low_min": 4, "high_min": 9}, "es") == "4–9 min"
    assert i18n.wait_range({"low_min": 0, "high_min": 6}, "en") == "up to 6 min"
    assert i18n.wait_range({"low_min": 45, "high_min": 90}, "en") == "45 min–1 h 30 min"
    assert i18n.wait_range({"low_min": 4, "high_min": 9, "about_min": 6}, "es") == "aprox. 6 min (4–9)"
    assert i18n.wait_range({"low_min": 0, "high_min": 6, "about_min": 2}, "en") == "about 2 min (up to 6)"
    assert i18n.people(0, "es") == "Nadie en fila" and i18n.people(3, "en") == "3 people"
