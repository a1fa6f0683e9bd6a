"""Administration: branches and their settings, services, counters, staff users and
devices (/admin, and `turnero device add`, `turnero user create`).

    validation.py   checking what a manager typed (all field messages at once)
    services.py     branches, services, counters     users.py   users and devices
    deletion.py     deleting a branch (each feature deletes its own rows)
    privacy.py      retention purge; a customer's copy and erasure
    forms.py        the WTForms of the pages          staff_pages.py   /admin
    records_pages.py  /admin/audit, /admin/customers
    schedule.py     a branch's weekly opening hours (the one use case every door calls)
    read_models.py  the setup checklist of a branch    checklist.py   its texts and links
    setup_pages.py  /admin/branches/<slug>/setup and /hours (the weekly editor)
    history.py      one customer for staff: visits, appointments, messages, note
    api.py          /api/v1/customers (staff)
    cli.py          device add, user create, purge    demo.py   the demo staff
"""
from __future__ import annotations

from ..extensions import csrf
from . import cli, records_pages, setup_pages  # noqa: F401  (their routes join the blueprint)
from .api import TAG, api
from .staff_pages import admin

__all__ = ["init_app"]


def init_app(app) -> None:
    app.register_blueprint(admin)
    app.register_blueprint(api)
    csrf.exempt(api)  # JSON API: Bearer tokens, or the console's session with X-CSRFToken
    app.config["TAGS"] = [*app.config.get("TAGS", []), TAG]
    cli.register(app)
