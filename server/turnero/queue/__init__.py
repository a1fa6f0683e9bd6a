"""The queue: the one turn-assignment model every channel reads and changes.

    rules.py        states and transitions, order, codes (plain Python)
    events.py       what happened to a ticket: the transitions' typed events (plain Python)
    estimate.py     the wait estimate (plain Python)
    lookups.py      finding branches, services, counters and tickets
    places.py       where waiting tickets stand in their lines, read from the database
    read_models.py  what every channel shows (ticket views, waits, branch state, the desk)
    services.py     the use cases, one function each, in a unit of work
    counters.py     a counter's use cases: open, pause, close, call the next or a chosen ticket
    alerts.py       where a turn's messages go (SMS or WhatsApp) and who may choose it for the customer
    changes.py      what every change goes through (event, seq, broadcast after commit)
    followers.py    each process updates the tickets its clients follow, after a line moved
    day.py          a branch's day: joining in its hours, the end of the day     cli.py (`turnero day`)
    api.py          REST under /api/v1                    schemas.py
    pages.py        start page, join and track pages, lobby screen    texts.py
    staff_pages.py  the counter console (/staff)          staff_texts.py
    live.py         Socket.IO: subscribe and unsubscribe
    demo.py         the demo branches
"""
from __future__ import annotations

from ..extensions import csrf
from . import followers, live  # noqa: F401  (live: the Socket.IO handlers register on import)
from .api import api
from .cli import group as day_commands
from .pages import web
from .staff_pages import staff

__all__ = ["init_app", "followers"]


def init_app(app) -> None:
    app.register_blueprint(api)
    # The JSON API checks CSRF itself: Bearer tokens need none, and a browser session
    # counts only with a valid X-CSRFToken header (see access.requests).
    csrf.exempt(api)
    app.register_blueprint(web)
    app.register_blueprint(staff)
    app.cli.add_command(day_commands)
