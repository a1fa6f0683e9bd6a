"""Appointments: book a slot on the web, by phone with staff, or through the API;
reminders through messaging's outbox; check in at the branch for a ticket of
channel `appointment` that is called near the booked time.

    models.py    opening hours, closures, appointments (tables of turnero.models.Base)
    rules.py     slots, capacity, overlaps, check-in window, reminders, codes (plain functions)
    services.py  the use cases, one function each
    api.py       REST under /api/v1        pages.py, staff_pages.py   the pages
"""
from __future__ import annotations

__all__ = ["init_app"]


def init_app(app) -> None:
    from ..extensions import csrf
    from . import models  # noqa: F401  (the tables join Base.metadata)
    from . import cli, pages, staff_pages  # noqa: F401  (routes register on import)
    from .api import TAG, api
    from .services import on_ticket_event

    app.register_blueprint(api)
    csrf.exempt(api)  # JSON API: Bearer tokens or anonymous, no cookies to forge
    app.register_blueprint(pages.bp)
    app.config["TAGS"] = [*app.config.get("TAGS", []), TAG]
    app.extensions["turnero.db"].ticket_listeners.append(on_ticket_event)
    cli.register(app)
