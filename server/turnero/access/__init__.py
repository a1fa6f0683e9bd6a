"""Access: who acts (staff users, kiosks and displays, anyone), what each may do,
passwords and tokens; the staff sign-in pages and the token endpoints.

    rules.py         pairing codes' shape, when a device counts as online (plain Python)
    services.py      Actor and its permission checks, passwords, tokens, login
    devices.py       pairing a kiosk or display with a code; when each was last seen
    requests.py      the actor behind a JSON request (Bearer token or staff session)
    api.py           POST /api/v1/auth/token, GET /api/v1/device,
                     POST /api/v1/devices/pair                       schemas.py
    staff_pages.py   /staff/login, /staff/logout (Flask-Login)
"""
from __future__ import annotations

from ..extensions import csrf, login_manager
from .api import api
from .staff_pages import auth

__all__ = ["init_app"]


def init_app(app) -> None:
    login_manager.init_app(app)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.register_blueprint(api)
    csrf.exempt(api)  # Bearer tokens; the staff session counts only with X-CSRFToken (see requests.py)
    app.register_blueprint(auth)
