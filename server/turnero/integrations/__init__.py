"""Integrations: webhooks that tell integrators a branch's events, signed, through an
outbox of deliveries made from the ticket event log.

    models.py     endpoints and deliveries       services.py   registering, reading the log
    worker.py     sending, retrying (a greenlet of `turnero serve`)
    api.py        REST under /api/v1 (administrators)
"""
from __future__ import annotations

from ..extensions import csrf
from . import models, services  # noqa: F401  (models: the tables join Base.metadata)
from .api import TAG, api
from .pages import bp as pages

__all__ = ["init_app"]


def init_app(app) -> None:
    app.register_blueprint(api)
    csrf.exempt(api)
    app.register_blueprint(pages)
    app.config["TAGS"] = [*app.config.get("TAGS", []), TAG]
