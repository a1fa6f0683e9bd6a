"""A branch's week as plain functions: its opening ranges per weekday and its closure
days, in the branch's wall time. Appointments cut their slots from it; the queue asks
it when walk-ins may join and when a day ends.

Every instant handed in or out is an aware UTC datetime, so a daylight-saving change
moves the UTC times of an opening and never its local time. No database and no Flask
here (the tables are `models.OpeningHours` and `models.Closure`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
# How far ahead `Week.next_opening` looks for an opening (a closure may last months).
OPENING_HORIZON_DAYS = 400


@dataclass(frozen=True)
class TimeRange:
    """One opening range of a day, in the branch's wall time."""

    opens: time
    closes: time

    def __post_init__(self):
        if not self.opens < self.closes:
            raise ValueError("a range must open before it closes")


def local_to_utc(day: date, wall: time, tz_name: str) -> datetime | None:
    """The UTC instant of a wall time on a local day; None if that wall time does not
    exist there (skipped by a daylight-saving change). A repeated wall time (the
    hour that happens twice in autumn) means its first occurrence."""
    tz = ZoneInfo(tz_name)
    local = datetime.combine(day, wall).replace(tzinfo=tz, fold=0)
    moment = local.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return moment


def to_local(moment: datetime, tz_name: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz_name))


def parse_wall(text: str) -> time:
    """ "9:05" or "09:05" -> 09:05 (24-hour). ValueError otherwise."""
    hours, sep, minutes = (text or "").strip().partition(":")
    if not sep or not hours.isdigit() or len(hours) > 2 or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(text)
    return time(int(hours), int(minutes))


def range_problems(ranges: Sequence[tuple[time, time]]) -> dict[int, str]:
    """What is wrong with a day's ranges, by position: "order" (it does not open before
    it closes) or "overlap" (it overlaps another range of the day; touching ends do
    not). A day with no problems gives {}."""
    problems = {i: "order" for i, (opens, closes) in enumerate(ranges) if not opens < closes}
    sane = sorted((r[0], i) for i, r in enumerate(ranges) if i not in problems)
    latest_close, latest = None, None
    for opens, i in sane:
        if latest_close is not None and opens < latest_close:
            problems.setdefault(i, "overlap")
            problems.setdefault(latest, "overlap")
        if latest_close is None or ranges[i][1] > latest_close:
            latest_close, latest = ranges[i][1], i
    return problems


_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_ranges(text: str) -> list[TimeRange]:
    """"09:00-13:00, 14:00-17:00" -> ranges; "" -> closed that day. ValueError if not
    well formed or if two ranges overlap."""
    ranges = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        match = _RANGE.match(part)
        if not match:
            raise ValueError(part)
        h1, m1, h2, m2 = map(int, match.groups())
        try:
            ranges.append(TimeRange(time(h1, m1), time(h2, m2)))
        except ValueError as exc:  # hour 25, or closing before opening
            raise ValueError(part) from exc
    if range_problems([(r.opens, r.closes) for r in ranges]):
        raise ValueError(f"ranges overlap: {text}")
    return sorted(ranges, key=lambda r: r.opens)


def format_ranges(ranges: Iterable[TimeRange]) -> str:
    return ", ".join(f"{r.opens:%H:%M}-{r.closes:%H:%M}" for r in sorted(ranges, key=lambda r: r.opens))


def hour_covered(ranges: Iterable[TimeRange], hour: int) -> float:
    """How much of the wall-clock hour `hour` (0-23) the ranges cover, 0 to 1."""
    start = hour * 60
    covered = 0
    for r in ranges:
        opens, closes = r.opens.hour * 60 + r.opens.minute, r.closes.hour * 60 + r.closes.minute
        covered += max(0, min(start + 60, closes) - max(start, opens))
    return covered / 60


def is_closed(day: date, closures: Iterable[tuple[date, date]]) -> bool:
    return any(first <= day <= last for first, last in closures)


def weekday_ranges(rows: Iterable[tuple[int, time, time]]) -> Mapping[int, list[TimeRange]]:
    """(weekday, opens, closes) rows -> {weekday: [ranges]} for every weekday."""
    table: dict[int, list[TimeRange]] = {d: [] for d in range(7)}
    for weekday, opens, closes in rows:
        table[weekday].append(TimeRange(opens, closes))
    return table


def _wall(day: date, wall: time, tz_name: str) -> datetime:
    """Like `local_to_utc`, but a wall time skipped by a daylight-saving change means
    the first instant after the gap (an opening at 02:30 on the night clocks jump from
    02:00 to 03:00 opens at 03:00)."""
    moment = local_to_utc(day, wall, tz_name)
    if moment is None:
        moment = datetime.combine(day, wall).replace(tzinfo=ZoneInfo(tz_name), fold=1).astimezone(UTC)
    return moment


def day_start(day: date, tz_name: str) -> datetime:
    """The instant a local day begins (its first existing wall time: midnight, or the
    end of a daylight-saving gap at midnight)."""
    return _wall(day, time(0, 0), tz_name)


@dataclass(frozen=True)
class Week:
    """A branch's opening hours: `ranges` per weekday (0 = Monday), `closures` as
    (first, last) days, inclusive, and the time zone of both."""

    tz: str
    ranges: Mapping[int, list[TimeRange]] = field(default_factory=dict)
    closures: tuple[tuple[date, date], ...] = ()

    def ranges_on(self, day: date) -> list[TimeRange]:
        """The day's ranges in order; none on a closure day."""
        if is_closed(day, self.closures):
            return []
        return sorted(self.ranges.get(day.weekday(), ()), key=lambda r: r.opens)

    def closing(self, day: date) -> datetime | None:
        """When the branch closes that day (the end of its last range), or None when it
        does not open that day."""
        ranges = self.ranges_on(day)
        return _wall(day, ranges[-1].closes, self.tz) if ranges else None

    def day_end(self, day: date) -> datetime:
        """The end of a branch's day: its closing time, or local midnight when it does not
        open that day."""
        return self.closing(day) or day_start(day + timedelta(days=1), self.tz)

    def turn_ends(self, day: date, taken_at: datetime) -> datetime:
        """When a turn taken on `day` at `taken_at` expires if it was never called: at the
        day's closing time, or at midnight for one taken after closing or on a day the
        branch does not open (the demo, a walk-in after hours when joining is not
        limited to them)."""
        closing = self.closing(day)
        if closing is not None and taken_at < closing:
            return closing
        return day_start(day + timedelta(days=1), self.tz)

    def joining_ranges(self, day: date, last_entry_min: int) -> list[tuple[datetime, datetime]]:
        """The day's ranges as UTC instants, each ending `last_entry_min` before it closes
        (a range too short for that is left out)."""
        cut = timedelta(minutes=max(0, last_entry_min))
        instants = [(_wall(day, r.opens, self.tz), _wall(day, r.closes, self.tz) - cut) for r in self.ranges_on(day)]
        return [(opens, closes) for opens, closes in instants if opens < closes]

    def may_join(self, now: datetime, last_entry_min: int = 0) -> bool:
        """True while a walk-in may join: within an opening range, up to `last_entry_min`
        before it closes."""
        day = to_local(now, self.tz).date()
        return any(opens <= now < closes for opens, closes in self.joining_ranges(day, last_entry_min))

    def next_opening(self, now: datetime, last_entry_min: int = 0) -> datetime | None:
        """The first instant at or after `now` when walk-ins may join; None when the
        branch has no hours at all in the coming months."""
        first = to_local(now, self.tz).date()
        for offset in range(OPENING_HORIZON_DAYS):
            for opens, closes in self.joining_ranges(first + timedelta(days=offset), last_entry_min):
                if now < closes:
                    return max(opens, now)
        return None


__all__ = ["TimeRange", "Week", "parse_wall", "range_problems", "local_to_utc", "to_local", "is_closed", "weekday_ranges", "day_start", "UTC"]
