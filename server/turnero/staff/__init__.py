"""Staff pages: sign-in, the counter console (/staff) and the administration (/admin).

Both are thin doors: each view parses a form, calls one use case of
services/admin.py, services/desk.py or services/queue.py, and renders the result.
"""
from __future__ import annotations

from ..extensions import login_manager
from .blueprints import admin, staff

__all__ = ["init_app", "staff", "admin"]


def init_app(app) -> None:
    from . import admin_views, auth, console  # noqa: F401 - registers the views

    login_manager.init_app(app)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.register_blueprint(staff)
    app.register_blueprint(admin)
