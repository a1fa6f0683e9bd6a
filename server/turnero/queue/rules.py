"""Rules of the queue: states and transitions, order, codes, the wait estimate.

Everything here is a plain function of its arguments so that it can be tested
without a server or a database; the service layer applies it inside a transaction.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from zoneinfo import ZoneInfo


class Status(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class Action(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCEL = "cancel"
    REQUEUE = "requeue"
    TRANSFER = "transfer"


CHANNELS = ("kiosk", "web", "sms", "whatsapp", "voice", "staff", "appointment")
# What a customer may write, on every door (the schemas, the forms, the use cases).
MAX_NAME = 120
MAX_PHONE = 32
MAX_COMMENT = 1000
COUNTER_STATES = ("open", "paused", "closed")
ACTIVE = (Status.WAITING, Status.CALLED, Status.SERVING)

# Which states each action may start from, and where it leads.
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.CALL: (frozenset({Status.WAITING}), Status.CALLED),
    Action.RECALL: (frozenset({Status.CALLED}), Status.CALLED),
    Action.START: (frozenset({Status.CALLED}), Status.SERVING),
    Action.DONE: (frozenset({Status.CALLED, Status.SERVING}), Status.DONE),
    Action.NO_SHOW: (frozenset({Status.CALLED}), Status.NO_SHOW),
    Action.CANCEL: (frozenset({Status.WAITING, Status.CALLED}), Status.CANCELLED),
    Action.REQUEUE: (frozenset({Status.CALLED, Status.NO_SHOW}), Status.WAITING),
    Action.TRANSFER: (frozenset({Status.WAITING, Status.CALLED, Status.SERVING}), Status.WAITING),
}


class TransitionNotAllowed(Exception):
    def __init__(self, action: Action, status: Status):
        super().__init__(f"cannot {action} a ticket that is {status}")
        self.action = action
        self.status = status


def next_status(status: str, action: Action) -> Status:
    """The state a ticket reaches by `action`, or TransitionNotAllowed."""
    allowed_from, to = TRANSITIONS[action]
    current = Status(status)
    if current not in allowed_from:
        raise TransitionNotAllowed(action, current)
    return to


def sort_time(issued_at: datetime, boost_minutes: int) -> datetime:
    """A ticket's place in time: issue time minus the boost the branch grants.

    The value is fixed when the ticket is issued, so the order never changes
    because time passes; a transfer keeps it.
    """
    return issued_at - timedelta(minutes=max(0, boost_minutes))


def order_key(sort_at: datetime, issue_order: int) -> tuple[datetime, int]:
    """Tickets are called by place in time, ties by issue order."""
    return (sort_at, issue_order)


def format_code(prefix: str, number: int) -> str:
    """`A` + 42 -> `A042`; past 999 the number simply grows (`A1000`)."""
    return f"{prefix}{number:03d}"


def local_day(moment: datetime, tz_name: str) -> date:
    """The branch's calendar day at `moment` (codes restart each local day)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(tz_name)).date()


def day_bounds_utc(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """UTC instants (naive) at which a local day starts and ends."""
    tz = ZoneInfo(tz_name)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    end = start + timedelta(days=1)
    to_utc = lambda d: d.astimezone(timezone.utc).replace(tzinfo=None)  # noqa: E731
    return to_utc(start), to_utc(end)


@dataclass(frozen=True)
class Eta:
    low_min: int
    high_min: int

    def as_dict(self) -> dict:
        return {"low_min": self.low_min, "high_min": self.high_min}


# How far the estimate is allowed to stray: services take longer or shorter
# than their mean, so the range widens with the number of people ahead.
ETA_LOW_FACTOR = 0.75
ETA_HIGH_FACTOR = 1.25


def estimate_wait(ahead: int, mean_service_min: float, open_counters: int) -> Eta:
    """The wait of a ticket with `ahead` people before it, as a range of minutes.

    With c counters working in parallel, each taking `mean_service_min` per
    customer, the line in front moves by c customers every mean service time.
    The earliest start is when the people ahead are done; the latest also waits
    for a counter that is still busy with someone. No counter open is treated as
    one counter, so an estimate is still shown before the branch opens.
    """
    if ahead < 0:
        raise ValueError("ahead must be >= 0")
    counters = max(1, open_counters)
    mean = max(0.5, float(mean_service_min))
    per_turn = mean / counters
    low = math.floor(ahead * per_turn * ETA_LOW_FACTOR)
    high = math.ceil((ahead + 1) * per_turn * ETA_HIGH_FACTOR)
    return Eta(low_min=low, high_min=max(high, low + 1))


def mean_service_minutes(recent_durations_s: list[float], configured_min: float,
                         min_samples: int = 3) -> float:
    """Recent real service times when there are enough of them, else the configured
    average; with a few samples the two are blended so one odd visit does not swing it."""
    samples = [d for d in recent_durations_s if d > 0]
    if not samples:
        return float(configured_min)
    observed = sum(samples) / len(samples) / 60.0
    if len(samples) >= min_samples:
        return observed
    weight = len(samples) / min_samples
    return weight * observed + (1 - weight) * float(configured_min)
