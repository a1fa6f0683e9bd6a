"""Every string the lobby display shows, in Spanish and English, in one place.

The display never imports the server, so it keeps this small catalogue instead of
gettext: `text("calls.last", "en")`. A test checks both languages are complete.
"""
from __future__ import annotations

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
    if n < 60:
        return text("wait.minutes", lang, n=n)
    hours, rest = divmod(n, 60)
    return text("wait.hours", lang, h=hours) if rest == 0 else text("wait.hours_minutes", lang, h=hours, m=rest)


def wait_range(eta: dict | None, lang: str) -> str:
    """`{"low_min": 4, "high_min": 9}` -> "4–9 min": the server's range in words (the
    same wording as the kiosk), never computed here."""
    if not eta:
        return ""
    low, high = int(eta.get("low_min") or 0), int(eta.get("high_min") or 0)
    if high <= 0:
        return text("wait.none", lang)
    if low <= 0:
        return text("wait.upto", lang, high=minutes(high, lang))
    if high < 60:
        return text("wait.range", lang, low=low, high=minutes(high, lang))
    return text("wait.range", lang, low=minutes(low, lang), high=minutes(high, lang))
