"""Reading texts and shaping replies: plain functions, no server."""
from types import SimpleNamespace

import pytest

from turnero.messaging.rules import MAX_READ, fold, match_service, parse
from turnero.messaging.settings import parse_numbers
from turnero.messaging.texts import fit


@pytest.mark.parametrize("body, name, arg, lang", [
    ("TURNO", "join", "", "es"), ("  turnó  caja ", "join", "CAJA", "es"), ("Join cashier", "join", "CASHIER", "en"),
    ("estado", "status", "", "es"), ("Status?", "status", "", "en"),
    ("CANCELAR", "cancel", "", "es"), ("cancel.", "cancel", "", "en"),
    ("Llegué", "here", "", "es"), ("here!", "here", "", "en"),
    ("ayuda", "help", "", "es"), ("HELP", "help", "", "en"),
    ("stop", "stop", "", None), ("Start", "start", "", None),
    ("4", "digit", "4", None), (" 5. ", "digit", "5", None),
    ("hola que tal", "unknown", "HOLA QUE TAL", None), ("", "empty", "", None),
])
def test_commands_in_both_languages_ignore_case_and_accents(body, name, arg, lang):
    command = parse(body)
    assert (command.name, command.arg, command.lang) == (name, arg, lang)


def test_only_the_start_of_a_long_message_is_read():
    assert parse("turno " + "x" * 5000).arg == "X" * (MAX_READ - len("turno "))


SERVICES = [SimpleNamespace(slug="caja", prefix="A", name_es="Caja", name_en="Cashier"),
            SimpleNamespace(slug="plataforma", prefix="B", name_es="Atención a clientes", name_en="Customer service")]


@pytest.mark.parametrize("asked, slug", [
    ("caja", "caja"), ("CASHIER", "caja"), ("a", "caja"), ("b", "plataforma"), ("atencion", "plataforma"),
    ("Atención a clientes", "plataforma"), ("customer", "plataforma"), ("plat", "plataforma"),
    ("pizza", None), ("", None), ("c", None),
])
def test_a_service_is_found_by_slug_letter_or_name(asked, slug):
    found = match_service(asked, SERVICES)
    assert (found.slug if found else None) == slug


def test_fold_removes_accents_and_case():
    assert fold("  Atención   Ñandú ") == "ATENCION NANDU"


def test_long_texts_are_cut_at_a_word_with_an_ellipsis():
    text = "Tu turno es A001 en Sucursal Centro y hay muchas personas esperando delante de ti hoy"
    cut = fit(text, 40)
    assert len(cut) <= 40 and cut.endswith("…")
    assert cut[:-1] == text[:len(cut) - 1] and text[len(cut) - 1] == " "
    assert fit("short", 40) == "short"


def test_twilio_numbers_map_to_branches():
    assert parse_numbers("+15550001111=centro, +15550002222 = norte,bad") == {
        "+15550001111": "centro", "+15550002222": "norte"}
