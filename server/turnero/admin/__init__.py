"""Administration: branches and their settings, services, counters, staff users and
devices (/admin, and `turnero device add`, `turnero user create`).

    validation.py   checking what a manager typed (all field messages at once)
    services.py     branches, services, counters     users.py   users and devices
    deletion.py     deleting a branch (each feature deletes its own rows)
    privacy.py      retention purge; a customer's copy and erasure
    forms.py        the WTForms of the pages          staff_pages.py   /admin
    records_pages.py  /admin/audit, /admin/customers
    cli.py          device add, user create, purge    demo.py   the demo staff
"""
from __future__ import annotations

from . import cli, records_pages  # noqa: F401  (records_pages: its routes join the blueprint)
from .staff_pages import admin

__all__ = ["init_app"]


def init_app(app) -> None:
    app.register_blueprint(admin)
    cli.register(app)
