"""Pages: the start page, the customer's phone pages (take a turn, follow it) and
the lobby screen. Rendered on the server, working without JavaScript; small scripts
under static/js add live updates over Socket.IO. Each page calls the same use-case
functions as the REST API (services/queue.py)."""
from __future__ import annotations

from flask import Blueprint

web = Blueprint("web", __name__)

from . import common, customer, lobby, texts  # noqa: E402,F401  (routes register on import)

__all__ = ["web"]
