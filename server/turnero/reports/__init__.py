"""The manager's view: the branch's figures from its ticket log.

    figures.py    the counting: outcomes, percentiles, the target wait, feedback (plain Python)
    visits.py     reading the log for a period: each ticket's visit
    services.py   the figures and the ticket rows
    models.py     each closed day's figures, kept (a cache of the log)
    api.py        REST under /api/v1 (JSON and CSV)     schemas.py
    pages.py      /staff/reports: charts, tables, comments, downloads
"""
from __future__ import annotations

from .. import signals
from ..extensions import csrf
from . import services
from .api import TAG, api
from .pages import bp as pages

__all__ = ["init_app"]


def init_app(app) -> None:
    app.register_blueprint(api)
    csrf.exempt(api)  # JSON API: Bearer tokens, no cookies to forge
    app.register_blueprint(pages)
    app.config["TAGS"] = [*app.config.get("TAGS", []), TAG]
    app.extensions["turnero.db"].ticket_listeners.append(services.forget_changed_day)
    signals.branch_deleting.connect(services.forget_branch)
