"""Appointment rules as plain functions: slots, capacity, overlaps, the check-in
window, reminders and codes. No database and no Flask here; the service layer
applies them inside a transaction.

Opening hours are wall times of the branch's time zone; every instant handed in or
out is an aware UTC datetime, so a daylight-saving change moves the UTC times of
the slots and never their local times.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from zoneinfo import ZoneInfo

from ..hours import TimeRange, is_closed, local_to_utc

UTC = timezone.utc

# How far ahead customers may book, and the check-in window when a branch sets none.
BOOKING_HORIZON_DAYS = 60
DEFAULT_CHECKIN_BEFORE_MIN = 30
DEFAULT_CHECKIN_AFTER_MIN = 10
DAY_REMINDER = timedelta(hours=24)
HOUR_REMINDER = timedelta(hours=1)


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    NO_SHOW = "no_show"
    DONE = "done"


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware UTC
    end: datetime
    capacity: int  # the service's slot_capacity (see README: not today's open counters)
    booked: int = 0

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


def slot_times(day: date, tz_name: str, ranges: Iterable[TimeRange], slot_minutes: int) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of every slot of a local day: each range is cut into
    whole slots from its opening time; a slot that would run past closing is not
    offered; ranges that overlap do not give the same slot twice."""
    if slot_minutes <= 0:
        raise ValueError("slot_minutes must be positive")
    step = timedelta(minutes=slot_minutes)
    found: dict[datetime, datetime] = {}
    for hours in sorted(ranges, key=lambda r: r.opens):
        wall = datetime.combine(day, hours.opens)
        closing = datetime.combine(day, hours.closes)
        while wall + step <= closing:
            start = local_to_utc(day, wall.time(), tz_name)
            if start is not None:
                found.setdefault(start, start + step)
            wall += step
    return sorted(found.items())


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open ranges [start, end): touching ends do not overlap."""
    return a_start < b_end and b_start < a_end


def booked_in(start: datetime, end: datetime, bookings: Iterable[tuple[datetime, datetime]]) -> int:
    """How many bookings take a place in the slot [start, end) (a booking made with
    another slot length counts in every slot it overlaps)."""
    return sum(1 for b_start, b_end in bookings if overlaps(start, end, b_start, b_end))


def day_slots(day: date, tz_name: str, ranges: Iterable[TimeRange], slot_minutes: int, capacity: int, *,
              closures: Iterable[tuple[date, date]] = (), bookings: Iterable[tuple[datetime, datetime]] = (),
              now: datetime | None = None) -> list[Slot]:
    """The slots customers see for a local day: opening hours cut into slots, none on
    a closed day, none that already began, each with its free places."""
    if is_closed(day, closures):
        return []
    bookings = list(bookings)
    return [Slot(start, end, capacity, booked_in(start, end, bookings))
            for start, end in slot_times(day, tz_name, ranges, slot_minutes)
            if now is None or start > now]


def bookable_day(day: date, today: date, horizon_days: int = BOOKING_HORIZON_DAYS) -> bool:
    return today <= day <= today + timedelta(days=horizon_days)


class CheckIn(StrEnum):
    EARLY = "early"
    OPEN = "open"
    LATE = "late"


def checkin_window(start: datetime, before_min: int, after_min: int) -> tuple[datetime, datetime]:
    """From `before_min` minutes before the appointment to `after_min` after, inclusive."""
    return start - timedelta(minutes=max(0, before_min)), start + timedelta(minutes=max(0, after_min))


def checkin_state(now: datetime, start: datetime, before_min: int, after_min: int) -> CheckIn:
    opens, closes = checkin_window(start, before_min, after_min)
    if now < opens:
        return CheckIn.EARLY
    if now > closes:
        return CheckIn.LATE
    return CheckIn.OPEN


def place_in_line(start: datetime, boost_min: int) -> datetime:
    """A checked-in appointment's place in time: its time minus the branch's boost, so
    it is called near its time, ahead of walk-ins who came after that moment."""
    return start - timedelta(minutes=max(0, boost_min))


def due_reminders(now: datetime, start: datetime, booked_at: datetime, *, day_sent: bool,
                  hour_sent: bool) -> list[str]:
    """Which reminders ("day", "hour") are due now. A reminder is only sent if the
    appointment was booked before its moment (a booking made this morning for this
    afternoon gets no "see you tomorrow"), and the day reminder is dropped once the
    hour reminder is due."""
    if now >= start:
        return []
    due = []
    hour_due = start - HOUR_REMINDER <= now and booked_at < start - HOUR_REMINDER
    if not day_sent and not hour_due and start - DAY_REMINDER <= now and booked_at < start - DAY_REMINDER:
        due.append("day")
    if not hour_sent and hour_due:
        due.append("hour")
    return due


# Six characters from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, G/6).
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
CODE_LENGTH = 6
_NOT_CODE = re.compile(r"[\s\-_.]")


def new_code(choice: Callable[[str], str] = secrets.choice) -> str:
    return "".join(choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What a person typed -> the stored code: case, spaces and dashes ignored."""
    return _NOT_CODE.sub("", text or "").upper()


def looks_like_code(text: str) -> bool:
    code = normalize_code(text)
    return len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code)


def parse_start(text: str, tz_name: str) -> datetime:
    """An appointment time from a request: ISO 8601 with an offset (`Z` included) is
    that instant; without one it is a wall time of the branch. ValueError otherwise,
    also for an instant that is not a datetime in UTC or in the branch's time zone
    (hours from the ends of the calendar)."""
    moment = datetime.fromisoformat((text or "").strip())
    try:
        if moment.tzinfo is not None:
            utc = moment.astimezone(UTC)
        else:
            utc = local_to_utc(moment.date(), moment.time(), tz_name)
            if utc is None:
                raise ValueError("that local time does not exist (daylight-saving change)")
        utc.astimezone(ZoneInfo(tz_name))
    except OverflowError as exc:
        raise ValueError("beyond the ends of the calendar") from exc
    return utc
