"""Every string the lobby display shows, in Spanish and English, in one place.

The display never imports the server, so it keeps this small catalogue instead of
gettext: `text("calls.last", "en")`. A test checks both languages are complete.
"""
from __future__ import annotations

from turnero_qt import wording

LANGS = ("es", "en")
DEFAULT_LANG = "es"

STRINGS: dict[str, dict[str, str]] = {
    "calls.now": {"es": "Turno", "en": "Now serving"},
    "calls.counter": {"es": "Pase a", "en": "Go to"},
    "calls.last": {"es": "Últimos llamados", "en": "Last calls"},
    "calls.none": {"es": "Aún no hay llamados", "en": "No calls yet"},
    "calls.recall": {"es": "Llamado de nuevo", "en": "Called again"},
    "services.title": {"es": "En espera", "en": "Waiting"},
    "services.people.0": {"es": "Nadie en fila", "en": "Nobody in line"},
    "services.people.1": {"es": "1 persona", "en": "1 person"},
    "services.people.n": {"es": "{n} personas", "en": "{n} people"},
    "wait.label": {"es": "Espera", "en": "Wait"},
    "wait.none": {"es": "Sin espera", "en": "No wait"},
    "wait.no_one_serving": {"es": "Nadie atendiendo ahora", "en": "No one serving now"},
    "wait.upto": {"es": "hasta {high}", "en": "up to {high}"},
    "wait.range": {"es": "{low}–{high}", "en": "{low}–{high}"},
    "wait.minutes": {"es": "{n} min", "en": "{n} min"},
    "wait.hours": {"es": "{h} h", "en": "{h} h"},
    "wait.hours_minutes": {"es": "{h} h {m} min", "en": "{h} h {m} min"},
    "join.title": {"es": "Tome su turno desde su celular", "en": "Join the queue from your phone"},
    "join.hint": {"es": "Escanee el código", "en": "Scan the code"},
    "status.connecting": {"es": "Conectando con el servidor…", "en": "Connecting to the server…"},
    "status.reconnecting": {"es": "Reconectando…", "en": "Reconnecting…"},
    "status.problem": {"es": "Pantalla sin configurar: {message}", "en": "Display not set up: {message}"},
}


def text(key: str, lang: str, **params) -> str:
    entry = STRINGS[key]
    value = entry.get(lang) or entry[DEFAULT_LANG]
    return value.format(**params) if params else value


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
