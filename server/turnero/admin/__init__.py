"""Administration: branches and their settings, services, counters, staff users and
devices (/admin, and `turnero device add`, `turnero user create`).

    validation.py   checking what a manager typed (all field messages at once)
    services.py     branches, services, counters     users.py   users and devices
    deletion.py     deleting a branch (each feature deletes its own rows)
    forms.py        the WTForms of the pages          staff_pages.py   /admin
    cli.py          device add, user create           demo.py   the demo staff
"""
from __future__ import annotations

from . import cli
from .staff_pages import admin

__all__ = ["init_app"]


def init_app(app) -> None:
    app.register_blueprint(admin)
    cli.register(app)
