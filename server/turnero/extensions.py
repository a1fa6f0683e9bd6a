"""Flask extensions, created unbound and attached in `create_app`."""
from __future__ import annotations

from flask import g, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect

LANGUAGES = ("es", "en")


def select_locale() -> str:
    """`?lang=` first, then the `lang` cookie (the page switch), then the language the
    holder of this page's ticket or appointment chose (web.speak_holders_language), then
    the browser's languages; Spanish by default."""
    for asked in (request.args.get("lang"), request.cookies.get("lang"), g.get("holder_lang")):
        if asked in LANGUAGES:
            return asked
    return request.accept_languages.best_match(LANGUAGES) or "es"


socketio = SocketIO()
babel = Babel()
csrf = CSRFProtect()
# Flask-Limiter's own headers would put a Retry-After on every limited answer, even a
# 201 or a 503; web.py puts one on each 429 instead.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)
login_manager = LoginManager()

# The busiest endpoints carry no rate limit of their own (kiosks, displays and
# phones call them all day): skip the limiter's per-request bookkeeping for them.
# An endpoint listed here must not be given a `@limiter.limit`.
UNLIMITED_HOT_ENDPOINTS = frozenset({"api.get_ticket", "api.get_branch", "healthz"})
# Taking a turn is limited for anyone without an account; a request with a token (a
# kiosk, staff) skips the bookkeeping, and a made-up token is refused by the view (401)
# before any ticket is made.
LIMITED_FOR_ANONYMOUS = frozenset({"api.take_ticket"})


@limiter.request_filter
def _hot_endpoint() -> bool:
    endpoint = request.endpoint
    return endpoint in UNLIMITED_HOT_ENDPOINTS or (endpoint in LIMITED_FOR_ANONYMOUS
                                                   and bool(request.headers.get("Authorization")))
