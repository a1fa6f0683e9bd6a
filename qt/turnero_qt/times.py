"""Times as the server writes them (ISO 8601, UTC), read the same way by every app."""
from __future__ import annotations

from datetime import datetime, timezone


def parse_server_time(value) -> datetime | None:
    """An aware datetime from the server's ISO text ("...Z" or "+00:00"; a time
    without an offset is taken as UTC), or None when it is missing or unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
