"""The message catalogs: Spanish complete, compiled files current, nothing in the
source left out. English is the source language, so `en` may stay empty.

To fix a failure here, run `scripts/translations` (extract, update, compile),
translate the new or fuzzy entries in
server/turnero/translations/es/LC_MESSAGES/messages.po, then
`scripts/translations compile`.
"""
from __future__ import annotations

import re
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "server" / "turnero" / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("es", "en")
PYBABEL = Path(sys.executable).parent / "pybabel"
# The same extraction as `scripts/translations extract` (keywords also in babel.cfg).
EXTRACT_ARGS = ["-q", "extract", "-F", "babel.cfg", "-k", "N_", "-k", "lazy_gettext"]

# %-style (what flask_babel.gettext formats) and {}-style placeholders.
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")
_BRACES = re.compile(r"\{[^{}]*\}")


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load_po(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def messages(catalog: Catalog):
    """The catalog's real entries (no header, no obsolete ones)."""
    return [m for m in catalog if m.id]


def ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def placeholders(text: str) -> list[str]:
    return sorted(_PERCENT.findall(text) + _BRACES.findall(text))


def pairs(catalog: Catalog) -> set[tuple]:
    """(msgid, msgstr) of every entry, header included: what gettext will see."""
    return {(m.id if isinstance(m.id, str) else tuple(m.id),
             m.string if isinstance(m.string, str) else tuple(m.string),
             m.context) for m in catalog}


@pytest.fixture(scope="module")
def es() -> Catalog:
    return load_po(po_path("es"), "es")


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory) -> set[str]:
    """Every msgid the source holds now, extracted afresh into a temporary .pot."""
    assert PYBABEL.exists(), f"pybabel not found next to {sys.executable}"
    out = tmp_path_factory.mktemp("extract") / "messages.pot"
    result = subprocess.run([str(PYBABEL), *EXTRACT_ARGS, "-o", str(out), "."],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    found = {m.id if isinstance(m.id, str) else m.id[0] for m in messages(load_po(out))}
    assert found, "the extraction found no messages: check babel.cfg"
    return found


# (a) -------------------------------------------------------------------------

def test_spanish_is_complete_and_not_fuzzy(es):
    untranslated = [m.id for m in messages(es) if not all(s.strip() for s in strings(m))]
    fuzzy = [m.id for m in messages(es) if m.fuzzy]
    assert not (untranslated or fuzzy), (
        "in es/messages.po, untranslated:\n  " + "\n  ".join(map(str, untranslated))
        + "\nfuzzy (check the translation, then remove the flag):\n  " + "\n  ".join(map(str, fuzzy)))
    assert not es.fuzzy, "the header of es/messages.po is marked fuzzy: pybabel compile would skip it"


# (b) -------------------------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match(locale):
    catalog = load_po(po_path(locale), locale)
    wrong = []
    for m in messages(catalog):
        expected = placeholders(ids(m)[0])
        for string in strings(m):
            if string and placeholders(string) != expected:
                wrong.append(f"{m.id!r} -> {string!r}: {placeholders(string)} != {expected}")
    assert not wrong, f"placeholders differ in {locale}/messages.po:\n  " + "\n  ".join(wrong)
    problems = [f"{m.id!r}: {errors}" for m, errors in catalog.check()]
    assert not problems, f"babel finds errors in {locale}/messages.po:\n  " + "\n  ".join(problems)


# (c) -------------------------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_is_current(locale):
    mo_path = po_path(locale).with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run scripts/translations compile"
    buffer = BytesIO()
    write_mo(buffer, load_po(po_path(locale), locale))
    buffer.seek(0)
    expected = pairs(read_mo(buffer))
    with mo_path.open("rb") as f:
        committed = pairs(read_mo(f))
    stale = sorted({str(p[0]) for p in expected ^ committed})
    assert committed == expected, (
        f"{locale}/messages.mo does not match messages.po (run scripts/translations compile); "
        "differing msgids:\n  " + "\n  ".join(stale))


# (d) -------------------------------------------------------------------------

def test_every_source_message_is_translated(source_ids, es):
    translated = {ids(m)[0] for m in messages(es)}
    missing = sorted(source_ids - translated)
    assert not missing, (
        "messages in the source but not in es/messages.po; run scripts/translations, translate "
        "them, then scripts/translations compile:\n  " + "\n  ".join(missing))


def test_template_is_current(source_ids):
    in_pot = {ids(m)[0] for m in messages(load_po(POT))}
    missing = sorted(source_ids - in_pot)
    assert not missing, ("messages.pot lacks (run scripts/translations extract):\n  "
                         + "\n  ".join(missing))


def test_marshmallow_messages_of_our_schemas_are_listed(es):
    """The field types our schemas use produce these messages, which the app passes
    through gettext; when a schema starts using a new field type, add its messages
    to translations/marshmallow_messages.py. Messages with {placeholders} are
    formatted by marshmallow before the app sees them, so they cannot be listed."""
    from marshmallow import Schema, fields

    from turnero.queue import schemas as module

    found: set[str] = set(Schema().error_messages.values())

    def walk(field) -> None:
        found.update(v for v in field.error_messages.values() if isinstance(v, str))
        for validator in getattr(field, "validators", ()):
            if isinstance(getattr(validator, "error", None), str):
                found.add(validator.error)
        if isinstance(field, fields.List):
            walk(field.inner)
        if isinstance(field, fields.Mapping):
            for sub in (field.key_field, field.value_field):
                if sub is not None:
                    walk(sub)

    classes = [c for c in vars(module).values()
               if isinstance(c, type) and issubclass(c, Schema) and c.__module__ == module.__name__]
    assert classes
    for cls in classes:
        for field in cls().fields.values():
            walk(field)
    literal = {m for m in found if "{" not in m}
    missing = sorted(literal - {ids(m)[0] for m in messages(es) if strings(m)[0]})
    assert not missing, ("marshmallow messages missing from es/messages.po (add them to "
                         "server/turnero/translations/marshmallow_messages.py):\n  " + "\n  ".join(missing))


# The catalogs at work -----------------------------------------------------------

@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from turnero import create_app

    instance = tmp_path_factory.mktemp("instance")
    return create_app(environ={"TURNERO_INSTANCE_PATH": str(instance),
                               "TURNERO_DATABASE_URL": f"sqlite:///{instance / 'turnero.db'}"})


def test_the_app_loads_the_compiled_spanish_catalog(app, es):
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("es"):
        wrong = [(m.id, gettext(m.id)) for m in messages(es)
                 if isinstance(m.id, str) and "%(" not in m.id and gettext(m.id) != m.string]
    assert not wrong, f"gettext does not give the es/messages.po translation: {wrong}"


@pytest.mark.parametrize(("language", "title", "detail"), [
    ("es", "No encontrado", "No hay nada en esta dirección."),
    ("es-MX,es;q=0.9,en;q=0.5", "No encontrado", "No hay nada en esta dirección."),
    ("en", "Not found", "There is nothing at this address."),
])
def test_problem_details_follow_accept_language(app, language, title, detail):
    response = app.test_client().get("/api/v1/nothing-here", headers={"Accept-Language": language})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert (body["title"], body["detail"]) == (title, detail)


@pytest.mark.parametrize(("eta", "es", "en"), [
    ({"low_min": 4, "high_min": 9, "about_min": 6}, "aprox. 6 min (4–9)", "about 6 min (4–9)"),
    ({"low_min": 0, "high_min": 5, "about_min": 2}, "aprox. 2 min (hasta 5)", "about 2 min (up to 5)"),
    ({"low_min": 0, "high_min": 1, "about_min": 0}, "hasta 1 min", "up to 1 min"),  # called any moment
    ({"low_min": 4, "high_min": 9}, "4–9 min", "4–9 min"),  # a range alone
])
def test_a_wait_is_told_by_its_about_with_its_range(app, eta, es, en):
    from flask_babel import force_locale

    from turnero.queue.texts import eta_text, unbroken
    for lang, told in (("es", es), ("en", en)):
        with app.test_request_context(), force_locale(lang):
            assert eta_text(eta) == told
            # On a page a number keeps to its words (no-break spaces); it may break before the bracket.
            page = unbroken(told)
            assert page.replace("\u00a0", " ") == told and not re.search(r" (?=\d|min)", page)
            assert (" (" in page) == (" (" in told)
