"""How often one client may do what costs the branch something (a ticket ahead of real
customers, a text message, a login attempt), with Flask-Limiter on the app's store:
Redis when TURNERO_REDIS_URL is set, so every process counts together.

Limits count what anyone can do without an account: staff are not limited by address
(a whole branch works behind one), and a kiosk serves a whole branch, so kiosks are not
limited by address either. Who a request's credentials belong to is looked up here,
before the view runs, so a made-up token does not skip a limit.
"""
from __future__ import annotations

import math
import re
import time
from collections.abc import Callable

from flask import current_app, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..errors import DomainError
from ..extensions import limiter
from ..web import database
from .services import actor_for_token

_DIGITS = re.compile(r"\D")


def setting(name: str) -> Callable[[], str]:
    """A limit read from Config when each request is counted (tests and admins change it)."""
    return lambda: getattr(current_app.config["TURNERO"], name)


def _bearer() -> str | None:
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def acting_kind() -> str:
    """Who the request acts as, as far as limits go: "staff", "kiosk", "display" or
    "anonymous" (a wrong or expired token counts as anonymous)."""
    token = _bearer()
    if token is None:
        if request.headers.get("X-CSRFToken") and current_user.is_authenticated:
            return "staff"  # the console's session (the view checks the CSRF token)
        return "anonymous"
    try:
        with database().unit_of_work() as uow:
            actor = actor_for_token(uow.session, token)
    except DomainError:
        return "anonymous"
    if actor.kind == "user":
        return "staff"
    return actor.device_kind or "anonymous"


def staff_only_exempt() -> bool:
    return acting_kind() == "staff"


def staff_and_kiosks_exempt() -> bool:
    return acting_kind() in ("staff", "kiosk")


def _field(name: str) -> str:
    """A field of the request's JSON object or form ("" when there is none)."""
    body = request.get_json(silent=True) if request.is_json else request.form
    value = body.get(name) if hasattr(body, "get") else None
    return value if isinstance(value, str) else ""


def phone_key() -> str:
    """The phone number of the request (JSON or form), as its last ten digits: the same
    number written with or without its country code counts as one."""
    return "phone:" + _DIGITS.sub("", _field("phone"))[-10:]


def has_phone() -> bool:
    return phone_key() != "phone:"


def no_phone() -> bool:
    return not has_phone()


def ticket_key() -> str:
    return "ticket:" + str((request.view_args or {}).get("token", ""))


def username_key() -> str:
    return "user:" + _field("username").strip().lower()[:80]


def retry_minutes(limit: RequestLimit) -> int:
    """Whole minutes until the budget has room again (at least 1)."""
    return max(1, math.ceil((limit.reset_at - time.time()) / 60))


def limited(name: str, scope: str, *, key: Callable[[], str] = get_remote_address,
            exempt: Callable[[], bool] | None = staff_and_kiosks_exempt,
            counts: Callable[[object], bool] | None = None,
            on_breach: Callable[[RequestLimit], object] | None = None):
    """The decorator of a view that spends from the budget `name` (a Config setting such
    as "20 per minute; 120 per hour") shared by every view with the same `scope`.
    `counts(response)` says which answers spend (default: all of them)."""
    return limiter.shared_limit(setting(name), scope=scope, key_func=key, methods=["POST"], exempt_when=exempt,
                                deduct_when=counts, on_breach=on_breach)


def _failed(response) -> bool:
    return response.status_code == 401


def login_limits(view=None, *, on_breach: Callable[[RequestLimit], object] | None = None):
    """Failed logins, counted per address and per username, the API and the sign-in
    page together: a script cannot try passwords, and cannot lock everyone out either."""
    def wrap(view):
        view = limiter.shared_limit(setting("LOGIN_USER_RATE_LIMIT"), scope="logins-user", key_func=username_key,
                                    methods=["POST"], deduct_when=_failed, on_breach=on_breach)(view)
        return limiter.shared_limit(setting("LOGIN_RATE_LIMIT"), scope="logins", methods=["POST"],
                                    deduct_when=_failed, on_breach=on_breach)(view)
    return wrap(view) if view is not None else wrap


def join_limits(view=None, *, on_breach: Callable[[RequestLimit], object] | None = None):
    """Turns taken without an account, the API and the join page together: per address,
    and per phone number given (a stranger's number cannot be given turn after turn).
    Kiosks and staff are not counted."""
    def wrap(view):
        view = limiter.shared_limit(setting("JOIN_PHONE_RATE_LIMIT"), scope="joins-phone", key_func=phone_key,
                                    methods=["POST"], exempt_when=lambda: no_phone() or staff_and_kiosks_exempt(),
                                    on_breach=on_breach)(view)
        return limiter.shared_limit(setting("JOIN_RATE_LIMIT"), scope="joins", methods=["POST"],
                                    exempt_when=staff_and_kiosks_exempt, on_breach=on_breach)(view)
    return wrap(view) if view is not None else wrap


def phone_change_limits(view=None, *, on_breach: Callable[[RequestLimit], object] | None = None):
    """A phone left for a ticket's updates, the API and the tracking page together, per
    address (each change sends a confirmation text)."""
    def wrap(view):
        return limiter.shared_limit(setting("PHONE_CHANGE_RATE_LIMIT"), scope="phone-changes", methods=["POST"],
                                    exempt_when=staff_only_exempt, on_breach=on_breach)(view)
    return wrap(view) if view is not None else wrap


def ticket_action_limits(view=None, *, on_breach: Callable[[RequestLimit], object] | None = None):
    """A holder's own changes to a ticket ("I'm here", letting people pass), the API and
    the tracking page together, per ticket: a script holding a link cannot hammer them,
    and customers sharing a branch's Wi-Fi (one address) never limit each other."""
    def wrap(view):
        return limiter.shared_limit(setting("TICKET_ACTION_RATE_LIMIT"), scope="ticket-actions", key_func=ticket_key,
                                    methods=["POST"], exempt_when=staff_only_exempt, on_breach=on_breach)(view)
    return wrap(view) if view is not None else wrap


def push_limits(view=None, *, on_breach: Callable[[RequestLimit], object] | None = None):
    """A browser turning a ticket's notifications on or off, per ticket (as the holder's
    other changes: customers on a branch's Wi-Fi never limit each other)."""
    def wrap(view):
        return limiter.shared_limit(setting("PUSH_RATE_LIMIT"), scope="push-subscriptions", key_func=ticket_key,
                                    methods=["POST", "DELETE"], exempt_when=staff_only_exempt,
                                    on_breach=on_breach)(view)
    return wrap(view) if view is not None else wrap
