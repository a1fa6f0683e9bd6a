"""The manager's figures as plain functions over what happened to each ticket (a
`Visit`): counts by outcome, waits and service times as percentiles, the share called
within the target wait, feedback. No database, no Flask: services.py reads the visits
from the ticket log, this module only counts."""
from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date

BY = ("hour", "day", "service", "counter", "agent", "channel")
# A ticket's status at the end, as the figures name it.
OUTCOME = {"done": "served", "cancelled": "cancelled", "no_show": "no_show", "expired": "expired"}


@dataclass(frozen=True, slots=True)
class Visit:
    """One ticket, as the figures need it. Times in seconds; None when it did not happen."""
    seq: int
    code: str
    day: date             # the branch's local day of the ticket
    hour: int             # the local hour it was taken (0-23)
    taken_at: float       # epoch seconds
    service: int
    channel: str
    status: str
    counter: int | None   # where it was called (and served)
    agent: int | None     # who served it (the user who finished it, else who called it)
    wait_s: float | None  # taken -> first call
    service_s: float | None  # service started -> done
    score: int | None     # feedback, 1-5
    shown: tuple[float, float] | None = None  # the wait it was shown when taken, in seconds (low, high)
    naive_s: float | None = None  # people ahead then x the service's configured average


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) of sorted `values`, interpolating between the two
    nearest ranks (as numpy's default and PostgreSQL's percentile_cont)."""
    if not values:
        return None
    rank = (len(values) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return values[low] + (values[high] - values[low]) * (rank - low)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


@dataclass
class Tally:
    """The figures of a group of visits, filled one visit at a time."""
    arrivals: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOME.values(), 0))
    active: int = 0
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)
    within: int = 0
    scores: list[int] = field(default_factory=list)
    # Honest waits: of the called tickets that were shown an estimate, how many waited
    # within it, and the errors of its middle and of the naive estimate.
    estimated: int = 0
    inside: int = 0
    error_s: float = 0.0
    naive_error_s: float = 0.0
    width_s: float = 0.0

    def add(self, visit: Visit, target_s: float) -> None:
        self.arrivals += 1
        outcome = OUTCOME.get(visit.status)
        if outcome is None:
            self.active += 1  # still waiting, called or being served
        else:
            self.outcomes[outcome] += 1
        if visit.wait_s is not None:
            self.waits.append(visit.wait_s)
            self.within += visit.wait_s <= target_s
            if visit.shown is not None:
                low, high = visit.shown
                self.estimated += 1
                self.inside += low <= visit.wait_s <= high
                self.error_s += abs(visit.wait_s - (low + high) / 2)
                self.width_s += high - low
                self.naive_error_s += abs(visit.wait_s - (visit.naive_s or 0.0))
        if visit.service_s is not None and visit.status == "done":
            self.services.append(visit.service_s)
        if visit.score is not None and 1 <= visit.score <= 5:
            self.scores.append(visit.score)

    def figures(self) -> dict:
        waits, services = sorted(self.waits), sorted(self.services)
        return {
            "arrivals": self.arrivals, **self.outcomes, "active": self.active,
            "called": len(waits),
            "wait_p50_min": _minutes(percentile(waits, 50)), "wait_p90_min": _minutes(percentile(waits, 90)),
            "service_p50_min": _minutes(percentile(services, 50)),
            "service_p90_min": _minutes(percentile(services, 90)),
            "within_target": round(self.within / len(waits), 3) if waits else None,
            "feedback_avg": round(sum(self.scores) / len(self.scores), 2) if self.scores else None,
            "feedback_count": len(self.scores),
            "feedback_scores": [self.scores.count(n) for n in range(1, 6)],
            "estimated": self.estimated,
            "estimate_inside": round(self.inside / self.estimated, 3) if self.estimated else None,
            "estimate_error_min": _minutes(self.error_s / self.estimated) if self.estimated else None,
            "naive_error_min": _minutes(self.naive_error_s / self.estimated) if self.estimated else None,
            "estimate_width_min": _minutes(self.width_s / self.estimated) if self.estimated else None,
        }


def key_of(by: str) -> Callable[[Visit], Hashable]:
    return {"hour": lambda v: v.hour, "day": lambda v: v.day, "service": lambda v: v.service,
            "counter": lambda v: v.counter, "agent": lambda v: v.agent, "channel": lambda v: v.channel}[by]


def tally(visits: Iterable[Visit], by: str, target_s: float) -> tuple[Tally, dict[Hashable, Tally]]:
    """The whole range's tally and one per group (`by`), in one pass."""
    total, groups = Tally(), {}
    key = key_of(by)
    for visit in visits:
        total.add(visit, target_s)
        k = key(visit)
        group = groups.get(k)
        if group is None:
            group = groups[k] = Tally()
        group.add(visit, target_s)
    return total, groups


def show_rate(shows: int, no_shows: int) -> float | None:
    """Of the appointments whose time came, the share whose customer checked in."""
    return round(shows / (shows + no_shows), 3) if shows + no_shows else None
