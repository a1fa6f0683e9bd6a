"""The manager's figures as plain functions over what happened to each ticket (a
`Visit`): counts by outcome, waits and service times as percentiles, the share called
within the target wait, feedback. No database, no Flask: visits.py reads the visits
from the ticket log, this module only counts."""
from __future__ import annotations

import math
from bisect import bisect_right
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
    # The wait it was shown when taken, in seconds: (low, high, the figure told: "about ...").
    shown: tuple[float, float, float] | None = None
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


def _ms_minutes(ms: float | None) -> float | None:
    return None if ms is None else round(ms / 60000, 1)


@dataclass
class Tally:
    """The figures of a group of visits, filled one visit at a time, or merged from the
    tallies of parts of the group (the days of a year, kept as `state()`)."""
    arrivals: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOME.values(), 0))
    active: int = 0
    # Waits and service times in whole milliseconds: exact (visits carry them to the
    # millisecond), and a year of them reads and sorts faster as integers.
    waits: list[int] = field(default_factory=list)
    services: list[int] = field(default_factory=list)
    scores: list[int] = field(default_factory=lambda: [0] * 5)  # how many of each score, 1-5
    # Honest waits: of the called tickets that were shown an estimate, how many waited
    # within it, and the errors of the wait told ("about ...") and of the naive estimate.
    estimated: int = 0
    inside: int = 0
    error_s: float = 0.0
    naive_error_s: float = 0.0
    width_s: float = 0.0

    def add(self, visit: Visit) -> None:
        self.arrivals += 1
        outcome = OUTCOME.get(visit.status)
        if outcome is None:
            self.active += 1  # still waiting, called or being served
        else:
            self.outcomes[outcome] += 1
        if visit.wait_s is not None:
            self.waits.append(round(visit.wait_s * 1000))
            if visit.shown is not None:
                low, high, about = visit.shown
                self.estimated += 1
                self.inside += low <= visit.wait_s <= high
                self.error_s += abs(visit.wait_s - about)
                self.width_s += high - low
                self.naive_error_s += abs(visit.wait_s - (visit.naive_s or 0.0))
        if visit.service_s is not None and visit.status == "done":
            self.services.append(round(visit.service_s * 1000))
        if visit.score is not None and 1 <= visit.score <= 5:
            self.scores[visit.score - 1] += 1

    def merge(self, other: Tally) -> None:
        """Add another group's tally to this one (the waits stay unsorted until figures)."""
        self.arrivals += other.arrivals
        for outcome, n in other.outcomes.items():
            self.outcomes[outcome] += n
        self.active += other.active
        self.waits += other.waits
        self.services += other.services
        self.scores = [a + b for a, b in zip(self.scores, other.scores)]
        self.estimated += other.estimated
        self.inside += other.inside
        self.error_s += other.error_s
        self.naive_error_s += other.naive_error_s
        self.width_s += other.width_s

    def state(self) -> list:
        """Everything the figures need, as plain JSON values (the waits sorted)."""
        return [self.arrivals, [self.outcomes[o] for o in OUTCOME.values()], self.active, sorted(self.waits),
                sorted(self.services), self.scores, self.estimated, self.inside, self.error_s,
                self.naive_error_s, self.width_s]

    @classmethod
    def of_state(cls, state: list) -> Tally:
        arrivals, outcomes, active, waits, services, scores, estimated, inside, error_s, naive_s, width_s = state
        return cls(arrivals, dict(zip(OUTCOME.values(), outcomes)), active, waits, services, scores, estimated,
                   inside, error_s, naive_s, width_s)

    def figures(self, target_s: float) -> dict:
        waits, services = sorted(self.waits), sorted(self.services)
        scored = sum(self.scores)
        return {
            "arrivals": self.arrivals, **self.outcomes, "active": self.active,
            "called": len(waits),
            "wait_p50_min": _ms_minutes(percentile(waits, 50)), "wait_p90_min": _ms_minutes(percentile(waits, 90)),
            "service_p50_min": _ms_minutes(percentile(services, 50)),
            "service_p90_min": _ms_minutes(percentile(services, 90)),
            # Called within the target: the waits up to it, counted in the sorted list.
            "within_target": round(bisect_right(waits, target_s * 1000) / len(waits), 3) if waits else None,
            "feedback_avg": round(sum(n * s for s, n in enumerate(self.scores, 1)) / scored, 2) if scored else None,
            "feedback_count": scored,
            "feedback_scores": list(self.scores),
            "estimated": self.estimated,
            "estimate_inside": round(self.inside / self.estimated, 3) if self.estimated else None,
            "estimate_error_min": _minutes(self.error_s / self.estimated) if self.estimated else None,
            "naive_error_min": _minutes(self.naive_error_s / self.estimated) if self.estimated else None,
            "estimate_width_min": _minutes(self.width_s / self.estimated) if self.estimated else None,
        }


def key_of(by: str) -> Callable[[Visit], Hashable]:
    return {"hour": lambda v: v.hour, "day": lambda v: v.day, "service": lambda v: v.service,
            "counter": lambda v: v.counter, "agent": lambda v: v.agent, "channel": lambda v: v.channel}[by]


def tally(visits: Iterable[Visit], by: str) -> dict[Hashable, Tally]:
    """One tally per group (`by`), in one pass. The groups part the visits: the whole
    range's tally is their merge (`total`)."""
    groups: dict[Hashable, Tally] = {}
    key = key_of(by)
    for visit in visits:
        k = key(visit)
        group = groups.get(k)
        if group is None:
            group = groups[k] = Tally()
        group.add(visit)
    return groups


def total(groups: Iterable[Tally]) -> Tally:
    whole = Tally()
    for group in groups:
        whole.merge(group)
    return whole


def show_rate(shows: int, no_shows: int) -> float | None:
    """Of the appointments whose time came, the share whose customer checked in."""
    return round(shows / (shows + no_shows), 3) if shows + no_shows else None
