"""How many appointments one client address may book: `BOOKING_RATE_LIMIT` (env
`TURNERO_BOOKING_RATE_LIMIT`, "20 per hour" by default), one budget shared by the
booking page and the API. Only bookings made count (a form with a mistake does not),
and staff booking for a customer (a Bearer token, or the console's session with its
X-CSRFToken header, both checked by the view) are not limited."""
from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import current_app, request
from flask_babel import ngettext
from flask_limiter import RequestLimit
from flask_login import current_user

from ..extensions import limiter

SCOPE = "appointments-booking"


def _limit() -> str:
    return current_app.config["TURNERO"].BOOKING_RATE_LIMIT


def _staff_credentials() -> bool:
    """A staff or device credential comes with the request: the view checks it (a wrong
    one is refused with 401 and books nothing), so such requests skip the budget."""
    if request.headers.get("Authorization"):
        return True
    return bool(request.headers.get("X-CSRFToken")) and current_user.is_authenticated


def retry_minutes(limit: RequestLimit) -> int:
    """Whole minutes until the budget has room again (at least 1)."""
    return max(1, math.ceil((limit.reset_at - time.time()) / 60))


def too_many_bookings(limit: RequestLimit) -> str:
    return ngettext("Too many appointments were booked from this connection. Try again in %(num)d minute, "
                    "or call the branch.",
                    "Too many appointments were booked from this connection. Try again in %(num)d minutes, "
                    "or call the branch.", retry_minutes(limit))


def booking_limit(on_breach: Callable[[RequestLimit], object], booked: Callable[[object], bool],
                  staff_exempt: bool = False):
    """The decorator of a view that books: `booked(response)` tells a booking made;
    `on_breach` answers once the budget is spent."""
    return limiter.shared_limit(_limit, scope=SCOPE, methods=["POST"], deduct_when=booked, on_breach=on_breach,
                                exempt_when=_staff_credentials if staff_exempt else None)
