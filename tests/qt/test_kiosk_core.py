"""The kiosk's plain parts: wording of waits and counts, phone numbers as typed at a
branch, the [kiosk] settings, and every string present in both languages."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse
import re

import pytest

from turnero_kiosk import i18n
from turnero_kiosk.config import add_kiosk_arguments, kiosk_options
from turnero_kiosk.phone_numbers import format_as_typed, normalize_phone
from turnero_qt.config import ClientConfig, ConfigError


def test_every_string_has_spanish_and_english_with_the_same_placeholders():
    for key, entry in i18n.STRINGS.items():
        assert set(entry) == {"es", "en"}, key
        assert entry["es"].strip() and entry["en"].strip(), key
        assert set(re.findall(r"{(\w+)}", entry["es"])) == set(re.findall(r"{(\w+)}", entry["en"])), key


@pytest.mark.parametrize("eta,es,en", [
    ({"low_min": 4, "high_min": 9}, "4 – 9 min", "4 – 9 min"),
    ({"low_min": 0, "high_min": 7}, "hasta 7 min", "up to 7 min"),
    ({"low_min": 0, "high_min": 0}, "Sin espera", "No wait"),
    ({"low_min": 45, "high_min": 75}, "45 min – 1 h 15 min", "45 min – 1 h 15 min"),
    ({"low_min": 60, "high_min": 120}, "1 h – 2 h", "1 h – 2 h"),
    ({"low_min": 4, "high_min": 9, "about_min": 6}, "aprox. 6 min (4 – 9)", "about 6 min (4 – 9)"),
    ({"low_min": 0, "high_min": 5, "about_min": 2}, "aprox. 2 min (hasta 5)", "about 2 min (up to 5)"),
    ({"low_min": 0, "high_min": 1, "about_min": 0}, "hasta 1 min", "up to 1 min"),
    ({"low_min": 45, "high_min": 75, "about_min": 58}, "aprox. 58 min (45 min – 1 h 15 min)",
     "about 58 min (45 min – 1 h 15 min)"),
    (None, "", ""),
])
def test_wait_ranges_are_worded_not_computed(eta, es, en):
    assert i18n.wait_range(eta, "es") == es
    assert i18n.wait_range(eta, "en") == en


def test_counts_and_unknown_languages():
    assert i18n.plural("ticket.ahead", 0, "es") == "Usted es el siguiente"
    assert i18n.plural("ticket.ahead", 1, "en") == "1 person ahead of you"
    assert i18n.plural("service.in_line", 12, "es") == "12 personas en fila"
    assert i18n.text("welcome.title", "fr") == "Bienvenido"


def test_phones_of_the_branch_country():
    assert normalize_phone("5512345678", "MX") == "+525512345678"
    assert normalize_phone("551234567", "MX") is None       # one digit short
    assert normalize_phone("2025550123", "MX") is None      # a US number typed at a Mexican branch
    assert normalize_phone("2025550123", "US") == "+12025550123"
    assert format_as_typed("5512345678", "MX") == "55 1234 5678"
    assert format_as_typed("", "MX") == ""


def cfg(**app) -> ClientConfig:
    return ClientConfig(server="http://127.0.0.1:5000", token="t", app={k: str(v) for k, v in app.items()})


def args(*argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_kiosk_arguments(parser)
    return parser.parse_args(list(argv))


def test_kiosk_settings_from_the_ini_section_and_the_command_line():
    options = kiosk_options(cfg(printer="escpos-usb:0x04b8:0x0202", admin_pin="4321", ticket_seconds=30,
                                ask_phone="off", lang="en"), args(), environ={})
    assert options.printer == "escpos-usb:0x04b8:0x0202"
    assert options.admin_pin == "4321"
    assert options.settings.ticket_seconds == 30 and options.settings.ask_phone is False
    assert options.settings.lang == "en" and options.windowed is False
    override = kiosk_options(cfg(printer="qt"), args("--printer", "pdf:/tmp/t", "--windowed"),
                             environ={"TURNERO_ADMIN_PIN": "98765"})
    assert override.printer == "pdf:/tmp/t" and override.windowed and override.admin_pin == "98765"
    assert kiosk_options(cfg(), args(), environ={}).printer == "none"


@pytest.mark.parametrize("bad", [{"admin_pin": "12"}, {"admin_pin": "abcd"}, {"ticket_seconds": "soon"},
                                 {"idle_seconds": "1"}, {"lang": "fr"}])
def test_bad_kiosk_settings_are_explained(bad):
    with pytest.raises(ConfigError):
        kiosk_options(cfg(**bad), args(), environ={})
