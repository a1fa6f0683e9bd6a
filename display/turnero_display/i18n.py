"""Every string the lobby display shows, in Spanish and English, in one place.

The display never imports the server, so it keeps this small catalogue instead of
gettext: `text("calls.last", "en")`. A test checks both languages are complete.
"""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QLocale

from turnero_qt import wording

LANGS = ("es", "en")
DEFAULT_LANG = "es"

# The same words as the web lobby (server/turnero/templates/public/display.html and its
# Spanish catalogue): a screen looks the same whichever of the two drives it.
STRINGS: dict[str, dict[str, str]] = {
    "calls.now": {"es": "Llamando ahora", "en": "Now calling"},
    "calls.counter": {"es": "Pase a", "en": "Go to"},
    "calls.last": {"es": "Últimos llamados", "en": "Last calls"},
    "calls.none": {"es": "Aquí aparecerá el próximo llamado.", "en": "The next call will appear here."},
    "calls.recall": {"es": "Llamado de nuevo", "en": "Called again"},
    "services.title": {"es": "En espera ahora", "en": "Waiting now"},
    "services.people.0": {"es": "Nadie en fila", "en": "Nobody in line"},
    "services.people.1": {"es": "1 persona", "en": "1 person"},
    "services.people.n": {"es": "{n} personas", "en": "{n} people"},
    "wait.label": {"es": "Espera", "en": "Wait"},
    "wait.none": {"es": "Sin espera", "en": "No wait"},
    "wait.no_one_serving": {"es": "Nadie atendiendo ahora", "en": "No one serving now"},
    "wait.upto": {"es": "hasta {high}", "en": "up to {high}"},
    "wait.range": {"es": "{low}–{high}", "en": "{low}–{high}"},
    "wait.about_upto": {"es": "aprox. {about} (hasta {high})", "en": "about {about} (up to {high})"},
    "wait.about_range": {"es": "aprox. {about} ({low}–{high})", "en": "about {about} ({low}–{high})"},
    "wait.minutes": {"es": "{n} min", "en": "{n} min"},
    "wait.hours": {"es": "{h} h", "en": "{h} h"},
    "wait.hours_minutes": {"es": "{h} h {m} min", "en": "{h} h {m} min"},
    "join.title": {"es": "Tome su turno desde su teléfono", "en": "Take your turn from your phone"},
    "join.hint": {"es": "Escanee el código, elija un servicio y espere donde guste: su teléfono le avisará"
                        " cuando sea su turno.",
                  "en": "Scan the code, choose a service and wait where you like: your phone tells you when"
                        " it is your turn."},
    "status.connecting": {"es": "Conectando con el servidor…", "en": "Connecting to the server…"},
    "status.reconnecting": {"es": "Reconectando…", "en": "Reconnecting…"},
    "status.problem": {"es": "Pantalla sin configurar: {message}", "en": "Display not set up: {message}"},
}


def text(key: str, lang: str, **params) -> str:
    entry = STRINGS[key]
    value = entry.get(lang) or entry[DEFAULT_LANG]
    return value.format(**params) if params else value


LOCALES = {"es": "es_MX", "en": "en_US"}


def long_date(day: date, lang: str) -> str:
    """"Jueves, 3 de diciembre de 2026" / "Thursday, December 3, 2026", as the web lobby
    writes the day (its first letter up, as its style sheet shows it)."""
    text = QLocale(LOCALES.get(lang, lang)).toString(QDate(day.year, day.month, day.day),
                                                     QLocale.FormatType.LongFormat)
    return text[:1].upper() + text[1:]


def people(n: int, lang: str) -> str:
    if n == 0:
        return text("services.people.0", lang)
    if n == 1:
        return text("services.people.1", lang)
    return text("services.people.n", lang, n=n)


def minutes(n: int, lang: str) -> str:
    return wording.minutes(n, lang, text)


def wait_range(eta: dict | None, lang: str) -> str:
    """The server's wait range in this app's words (turnero_qt.wording)."""
    return wording.wait_range(eta, lang, text)


def service_wait(service: dict, lang: str) -> str:
    """A line's wait, or that no one is serving it now (turnero_qt.wording)."""
    return wording.service_wait(service, lang, text)
