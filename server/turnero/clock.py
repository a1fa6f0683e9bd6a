"""The one clock of the server: every use case asks `clock.utcnow()` (never
`datetime.now` itself), so a test can move time for the whole server at one place."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
