"""The wait estimate: how long a ticket with people ahead of it will wait, as a range
of minutes, from the counters serving its line (when each is free, which lines each
serves), the service times and their spread; and the pieces a line's figures are read
with (the rest of a turn, the pace of recent turns, a pause's expected end, how a
counter serving several lines shares its time).

Plain functions of their arguments, as rules.py: tested without a server or a
database; queue/setup.py reads a branch's figures and calls them."""
from __future__ import annotations

import math
from bisect import insort
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(unsafe_hash=True, slots=True)  # never changed once made (frozen costs twice as much to make)
class Eta:
    """A wait as every door shows it: "about `about_min` min (`low_min`-`high_min`)".
    `about_min` is the wait's median (half wait less, half more), within the range;
    None where it is not known (a range alone)."""
    low_min: int
    high_min: int
    about_min: int | None = None

    def as_dict(self) -> dict:
        return {"low_min": self.low_min, "high_min": self.high_min, "about_min": self.about_min}

    @classmethod
    def of(cls, value: Eta | dict) -> Eta:
        """A range as a read model holds it: an Eta, or its JSON (`as_dict`)."""
        return value if isinstance(value, Eta) else cls(value["low_min"], value["high_min"], value.get("about_min"))


# The range shown is the expected wait give or take ETA_Z standard deviations (a
# normal's 10% below and 10% above: eight waits in ten fall inside).
ETA_Z = 0.9
# How far the line's pace strays beyond the service times' own spread during a wait:
# people placed ahead (priority, appointments), others giving up, the pace changing.
ETA_DRIFT = 0.2
# A service's times' coefficient of variation before any are seen.
DEFAULT_SPREAD = 0.6


class Desk(NamedTuple):
    """A counter as the waits see it: the minutes until it ends what it is doing
    (`free_in`: 0 when idle, the rest of its turn, until it is back from a pause, or
    until it opens as planned), the `lines` it serves (service ids; empty: only the
    line being estimated) and, when it has planned hours, the times it may begin a
    turn in (`hours`: (from, to) in minutes from now, in order; empty: any time)."""
    free_in: float
    lines: frozenset[int] = frozenset()
    hours: tuple[tuple[float, float], ...] = ()


# How many turns are counted one by one before the line is taken to move at its
# steady pace (all counters at work): the estimate costs the same however long the line.
EXACT_PLACES = 50


def estimate_wait(ahead: int, mean_service_min: float, open_counters: float, *, spread: float = DEFAULT_SPREAD,
                  desks: tuple[Desk, ...] | None = None, placed_ahead: tuple[float, float] = (0.0, 0.0),
                  line: int = 0, older: Mapping[int, int] | None = None, here: Mapping[int, float] | None = None,
                  means: Mapping[int, float] | None = None, working: float | None = None) -> Eta:
    """The wait of a ticket of `line` with `ahead` people before it in that line, as a
    range of minutes and its median.

    Each counter (`desks`; else `open_counters` counters of this line alone, each busy
    for an unknown part of its turn) takes the next person once it is free, a turn of
    `mean_service_min`. A counter that serves other lines too calls whoever waited
    longest, so it also calls their tickets placed before this one (`older`: per
    line, how many): of those, the share `here` (per line; 1 where all its counters
    serve this line too) falls to this line's counters, each a turn of that line's
    mean (`means`). The ticket's expected call is when one of its line's counters is
    free after all that. The turns vary (`spread`, their coefficient of variation;
    many counters end turns nearly at random) and so does the pace itself
    (ETA_DRIFT): the range is the expected wait give or take ETA_Z of its standard
    deviations. No counter is treated as one busy counter, so an estimate is still
    shown before the branch opens.

    `placed_ahead` is (how many tickets a minute join the line with a place before
    their time, the mean of that head start in minutes): priority turns and checked-in
    appointments that come during the wait and are called before this ticket.
    `working` is the counters' worth at this line once the line moves at its steady
    pace (past EXACT_PLACES turns; `line_shares`); by default, every counter serving it.

    Estimates of one line with the same inputs but `ahead` and `older` share a
    LineWaits (ServiceStats keeps one), which gives the same figures.
    """
    return LineWaits(mean_service_min, open_counters, spread, desks, placed_ahead, line, here, means,
                     working).eta(ahead, older or {})


class LineWaits:
    """estimate_wait for one line's inputs, but `ahead` and `older`: what is reckoned
    of the line itself (its counters as they race, its pace) once, and the first
    EXACT_PLACES turns counted one by one once for every ticket further back. A
    thousand followed tickets each ask for theirs (ServiceStats.eta)."""

    __slots__ = ("mean", "served", "raced", "counters", "working", "per_turn", "turn_cv2", "line", "here",
                 "means", "rate", "head_start", "heads", "everyone", "_everyone")

    def __init__(self, mean_service_min: float, open_counters: float, spread: float, desks: tuple[Desk, ...] | None,
                 placed_ahead: tuple[float, float], line: int, here: Mapping[int, float] | None,
                 means: Mapping[int, float] | None, working: float | None,
                 everyone: Mapping[int, int] | None = None) -> None:
        (self.mean, self.served, self.raced, self.counters, self.working, self.per_turn,
         self.turn_cv2) = _line(mean_service_min, open_counters, spread, desks, line, working)
        self.line, self.here, self.means = line, here or {}, means or {}
        rate, head_start = placed_ahead
        self.rate, self.head_start = max(0.0, rate), max(0.0, head_start)
        self.heads: dict[tuple, float] = {}
        self.everyone = everyone or {}
        self._everyone = tuple(sorted(self.everyone.items()))

    def eta(self, ahead: int, older: Mapping[int, int] | None = None) -> Eta:
        """estimate_wait's range; `older` None: placed after `everyone` (per other
        line, how many wait there; read once, when this is made)."""
        if ahead < 0:
            raise ValueError("ahead must be >= 0")
        mean = self.mean
        if not self.served:  # no counter of this line: the others' tickets are not counted
            older = {}
        exact = ahead if ahead < EXACT_PLACES else EXACT_PLACES
        if older is None:  # placed after everyone waiting in the other lines
            older, counts = self.everyone, self._everyone
        else:
            counts = tuple(sorted(older.items()))
        key = (exact, counts)
        head = self.heads.get(key)
        if head is None:
            head = self.heads[key] = time_to_be_called(exact, mean, self.raced, self.line, older, self.here,
                                                       self.means, self.working)
        middle = head + (ahead - exact) * mean / max(self.working, 1e-3)
        # One coming `head_start` minutes early is placed before this ticket if it comes
        # within that time of it; each adds a turn.
        middle += self.rate * min(middle, self.head_start) * mean / self.counters
        per_turn = self.per_turn
        turns = middle / per_turn
        deviation = math.sqrt(turns * per_turn ** 2 * self.turn_cv2 + (ETA_DRIFT * middle) ** 2)
        # A wait is skewed (never below 0, sometimes long): the range is centred on its
        # median, which a lognormal of this mean and deviation puts below the mean.
        # (A middle so small that the ratio's square would overflow has its median at 0.)
        ratio = deviation / middle if middle > 0 else math.inf
        centre = middle / math.sqrt(1 + ratio ** 2) if ratio < 1e150 else 0.0
        low = math.floor(max(0.0, centre - ETA_Z * deviation))
        high = math.ceil(centre + ETA_Z * deviation)
        # The median in whole minutes (half up), which the range holds: it is the figure a
        # wait is best told by (the mean absolute error of a guess is least at the median).
        return Eta(low, high if high > low else low + 1, math.floor(centre + 0.5))


def _line(mean_service_min: float, open_counters: float, spread: float, desks: tuple[Desk, ...] | None,
          line: int, working: float | None) -> tuple:
    """What every estimate of one line shares: (mean turn, whether `desks` has a
    counter serving it, the counters it reckons with as they race (`racing`; when
    none of `desks` serves it, `open_counters` counters met busy), how many, the
    counters' worth at the steady pace, a turn's share of the line's pace, how varied
    the moments turns end are)."""
    mean = max(0.5, float(mean_service_min))
    pool = tuple(d for d in desks or () if not d.lines or line in d.lines)
    served = bool(pool)
    if not served:
        # A counter met busy at a random moment has (1 + spread²) / 2 of a turn left.
        unknown = (1 + spread ** 2) / 2 * mean
        pool = tuple(Desk(unknown) for _ in range(max(1, math.ceil(open_counters - 1e-9))))
    counters = float(len(pool))
    # One counter ends turns as varied as the service times; many, nearly at random (1).
    turn_cv2 = (spread ** 2 + max(0.0, counters - 1)) / max(1.0, counters)
    return mean, served, racing(pool, spread), counters, working or counters, mean / counters, turn_cv2


def racing(pool: tuple[Desk, ...], spread: float) -> tuple[Desk, ...]:
    """The counters with the moments they are free as they come, one after another.
    Of several busy counters the first is free sooner than the soonest expected end:
    were the rests of their turns exponential, after 1 / (sum of 1 / rest) minutes,
    then the next of the others the same way. The rest of a turn met at a random
    moment (lognormal, coefficient of variation `spread`) varies less: its squared
    coefficient of variation, 4 (1 + spread²) / 3 - 1, weighs the race against each
    counter's own expected end."""
    weight = min(1.0, max(0.0, 4 * (1 + spread ** 2) / 3 - 1))
    busy = sorted((d.free_in, n) for n, d in enumerate(pool) if d.free_in > 0)
    if len(busy) < 2 or weight <= 0:
        return pool
    raced, at = list(pool), 0.0
    for k, (free_in, n) in enumerate(busy):
        at += 1 / sum(1 / rest for rest, _ in busy[k:])
        raced[n] = pool[n]._replace(free_in=(1 - weight) * free_in + weight * min(free_in, at))
    return tuple(raced)


def time_to_be_called(ahead: int, mean: float, pool: tuple[Desk, ...], line: int, older: Mapping[int, int],
                      here: Mapping[int, float], means: Mapping[int, float], working: float) -> float:
    """Minutes until one of `pool` (the counters serving `line`) calls the ticket with
    `ahead` before it in its line and `older` before it in the other lines.

    First the other lines' tickets placed before it that fall to these counters (the
    share `here` of them; a fraction of a ticket, a fraction of a turn), each to the
    counter of the pool free first that serves that line; then this line's, each to
    the counter free first. Past EXACT_PLACES turns of either kind, the rest is shared
    evenly (the other lines') or goes at the steady pace (this line's, `working`
    counters' worth). The other lines' tickets go first as their places among this
    line's are unknown: so one more ticket before it, in any line, never brings the
    call forward. A counter begins turns only in its planned `hours` while another
    can."""
    free = [max(0.0, d.free_in) for d in pool]
    hours = [d.hours for d in pool]
    room = EXACT_PLACES
    for other in sorted(older):
        at_it = [n for n, d in enumerate(pool) if other in d.lines]
        share = min(1.0, max(0.0, here.get(other, 1.0)))
        if other == line or older[other] <= 0 or not at_it or share <= 0:
            continue
        length = max(0.5, means.get(other, mean))
        tickets = older[other] * share
        counted = min(tickets, room)
        room -= math.floor(counted)
        taken = _turns([(free[n], n) for n in at_it], math.floor(counted), length, hours)
        taken[0] = (taken[0][0] + (counted - math.floor(counted)) * length, taken[0][1])
        for at, n in taken:
            free[n] = at + (tickets - counted) * length / len(at_it)
    exact = min(ahead, EXACT_PLACES)
    return _turns([(at, n) for n, at in enumerate(free)], exact, mean, hours)[0][0] \
        + (ahead - exact) * mean / max(working, 1e-3)


def _turns(free: list[tuple[float, int]], turns: int, length: float,
           hours: list[tuple[tuple[float, float], ...]]) -> list[tuple[float, int]]:
    """The counters' (free moment, index) after `turns` turns of `length`, each taken by
    the counter free first, the one to take the next turn first. A counter free well
    before the next takes the turns until then at once; once they are all free within
    a turn of each other they take turns in that order, whole rounds at once.

    With planned `hours` (by index) a counter is free for a turn only in them: free in
    a break, at its end; free after its last range, not at all while another is (when
    none is, the one free first carries on: the line is served to its end)."""
    free = sorted(free)
    if any(hours[n] for _at, n in free):
        for _ in range(turns):
            starts = [(_start(at, hours[n]), at, k) for k, (at, n) in enumerate(free)]
            start, _at, k = min(starts) if any(s < math.inf for s, _a, _k in starts) else (free[0][0], 0, 0)
            n = free.pop(k)[1]
            insort(free, (start + length, n))
        ready = [(_start(at, hours[n]), at, n) for at, n in free]
        return [(start if start < math.inf else at, n) for start, at, n in sorted(ready, key=lambda r: (r[0], r[1]))]
    while turns > 0 and free[-1][0] - free[0][0] > length:
        at, n = free.pop(0)
        alone = min(turns, int((free[0][0] - at) // length) + 1)
        insort(free, (at + alone * length, n))
        turns -= alone
    rounds, rest = divmod(turns, len(free))
    moved = [(at + (rounds + (k < rest)) * length, n) for k, (at, n) in enumerate(free)]
    return moved[rest:] + moved[:rest]


def _start(free_at: float, hours: tuple[tuple[float, float], ...]) -> float:
    """When a counter free at `free_at` may begin a turn in its planned `hours` (any
    time when it has none): at once within a range, at the next range's start in a
    break; inf past the last one."""
    if not hours:
        return free_at
    for begins, ends in hours:
        if free_at < ends:
            return max(free_at, begins)
    return math.inf


def remaining_turn(mean_min: float, spread: float, elapsed_min: float) -> float:
    """The expected rest of a turn that has lasted `elapsed_min`, its length lognormal
    with this mean and coefficient of variation: a turn just begun has a whole mean
    left; one that ran long, less, though never quite nothing."""
    mean = max(0.5, float(mean_min))
    if elapsed_min <= 0:
        return mean
    sigma = math.sqrt(math.log(1 + max(0.05, spread) ** 2))
    mu = math.log(mean) - sigma ** 2 / 2
    z = (math.log(elapsed_min) - mu) / sigma
    surviving = 0.5 * math.erfc(z / math.sqrt(2))
    if surviving < 1e-6:
        return mean / 2
    beyond = mean * 0.5 * math.erfc((z - sigma) / math.sqrt(2))
    return max(beyond / surviving - elapsed_min, 0.0)


def line_shares(counters: list[frozenset[int]], work: dict[int, float]) -> list[dict[int, float]]:
    """How each counter's time splits between the lines it serves (per counter, line ->
    share). A counter of several lines calls the one whose first ticket waited longest,
    so more of its time goes where the wait is longer: each line's share of it is in
    proportion to how long that line's `work` (minutes of work waiting, positive: a line
    with no one waiting counts as one, the next to come) would take, the shared counters
    split evenly. Not further: a counter given all its time to the longer line would
    still call the other line's tickets that waited longer (moving the shares round by
    round until the waits even out told the simulated days' waits worse)."""
    shares = [{s: 1 / len(services) for s in services} for services in counters]
    if all(len(services) < 2 for services in counters):
        return shares
    capacity: dict[int, float] = {}
    for split in shares:
        for s, share in split.items():
            capacity[s] = capacity.get(s, 0.0) + share
    wait = {s: work[s] / max(capacity[s], 1e-6) for s in capacity}
    for n, split in enumerate(shares):
        if len(split) > 1:
            total = sum(wait[s] for s in split)
            shares[n] = {s: wait[s] / total for s in split}
    return shares


# How long a pause lasts, by its reason (the staff console's); a pause already longer
# than its usual is taken to end PAUSE_OVERRUN_MIN from now.
PAUSE_MINUTES = {"lunch": 60, "break": 15, "back_office": 30}
PAUSE_OVERRUN_MIN = 10


def back_in(reason: str | None, paused_min: float) -> float | None:
    """Minutes until a counter paused `paused_min` ago for `reason` is expected back;
    None for a reason that says nothing of when (a free text)."""
    usual = PAUSE_MINUTES.get(reason or "")
    if usual is None:
        return None
    return max(usual - paused_min, PAUSE_OVERRUN_MIN)


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


def service_spread(recent_durations_s: list[float], min_samples: int = 5) -> float:
    """The coefficient of variation of recent service times, blended with
    DEFAULT_SPREAD while there are few of them."""
    samples = [d for d in recent_durations_s if d > 0]
    if len(samples) < 2:
        return DEFAULT_SPREAD
    mean = sum(samples) / len(samples)
    observed = math.sqrt(sum((d - mean) ** 2 for d in samples) / (len(samples) - 1)) / mean
    weight = min(1.0, len(samples) / min_samples)
    return weight * observed + (1 - weight) * DEFAULT_SPREAD
