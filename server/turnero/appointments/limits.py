"""How many appointments one client may book: `BOOKING_RATE_LIMIT` (env
`TURNERO_BOOKING_RATE_LIMIT`, "20 per hour" by default), one budget shared by the
booking page and the API. Only bookings made count (a form with a mistake does not);
staff booking for a customer are not limited, devices are (see access/limits.py)."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import ngettext
from flask_limiter import RequestLimit

from ..access.limits import limited, retry_minutes, staff_only_exempt

SCOPE = "appointments-booking"


def too_many_bookings(limit: RequestLimit) -> str:
    return ngettext("Too many appointments were booked from this connection. Try again in %(num)d minute, "
                    "or call the branch.",
                    "Too many appointments were booked from this connection. Try again in %(num)d minutes, "
                    "or call the branch.", retry_minutes(limit))


def booking_limit(on_breach: Callable[[RequestLimit], object], booked: Callable[[object], bool]):
    """The decorator of a view that books: `booked(response)` tells a booking made;
    `on_breach` answers once the budget is spent."""
    return limited("BOOKING_RATE_LIMIT", SCOPE, exempt=staff_only_exempt, counts=booked, on_breach=on_breach)
