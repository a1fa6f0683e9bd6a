"""Appointments: book a slot on the web, by phone with staff, or through the API;
reminders a day and an hour before; check in at the branch for a ticket of channel
`appointment` that is called near the booked time.

    models.py     opening hours, closures, appointments (tables of turnero.models.Base)
    rules.py      slots, capacity, overlaps, check-in window, reminders, codes (plain functions)
    services.py   slots, booking, cancelling, moving, the staff day list
    checkin.py    checking in (and walking in when late)
    schedule.py   opening hours, closures, the check-in window, reminders
    texts.py      the texts to customers, and where they go      calendar.py   the .ics file
    api.py        REST under /api/v1          schemas.py
    pages.py      the customer's pages        staff_pages.py   /staff/appointments
    cli.py        `turnero appointments ...`  reminders.py   the reminders loop of `turnero serve`
    branches.py   what a branch deletion asks of appointments
    demo.py       the demo opening hours
"""
from __future__ import annotations

from .. import signals
from ..extensions import csrf
from . import branches, checkin, cli, models, privacy, texts  # noqa: F401  (models: the tables join Base.metadata)
from .api import TAG, api
from .pages import bp as pages
from .staff_pages import bp as staff_pages

__all__ = ["init_app"]


def init_app(app) -> None:
    app.register_blueprint(api)
    csrf.exempt(api)  # JSON API: Bearer tokens or anonymous, no cookies to forge
    app.register_blueprint(pages)
    app.register_blueprint(staff_pages)
    app.config["TAGS"] = [*app.config.get("TAGS", []), TAG]
    app.extensions["turnero.db"].ticket_listeners.append(checkin.on_ticket_event)
    signals.branch_contents.connect(branches.contents)
    signals.branch_deleting.connect(branches.deleting)
    signals.personal_data_expiring.connect(privacy.expiring)
    signals.customer_records.connect(privacy.records)
    signals.customer_erasing.connect(privacy.erasing)
    signals.customer_channel_chosen.connect(texts.customer_chose_channel)
    cli.register(app)
