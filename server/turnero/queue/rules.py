"""Rules of the queue: states and transitions, order, codes, the wait estimate.

Everything here is a plain function of its arguments so that it can be tested
without a server or a database; the service layer applies it inside a transaction.

A ticket changes only through the transition functions below (`call`, `recall`,
`start`, `finish`, `no_show`, `cancel`, `expire`, `requeue`, `transfer`,
`set_priority`): each checks that the change is allowed from the ticket's state,
makes it, and returns what happened as a typed event, which the service layer logs,
hands to the in-transaction listeners (messaging's outbox, appointments) and counts
once committed.
"""
from __future__ import annotations

import math
from bisect import insort
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import ClassVar, NamedTuple, Protocol
from zoneinfo import ZoneInfo


class Status(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    # The branch's day ended before it was called (or while it was called, unserved).
    EXPIRED = "expired"


class Action(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCEL = "cancel"
    REQUEUE = "requeue"
    TRANSFER = "transfer"
    PRIORITY = "priority"
    EXPIRE = "expire"
    LET_PASS = "let_pass"
    ARRIVE = "arrive"


CHANNELS = ("kiosk", "web", "sms", "whatsapp", "voice", "staff", "appointment")
# Turns taken away from the branch: with `remote_check_in`, they wait for "I'm here".
REMOTE_CHANNELS = ("web", "sms", "whatsapp", "voice")
# How many times a holder may let people pass.
MAX_LATE_MOVES = 2
# The channels where the phone itself reached the branch: a ticket taken there proves
# its number belongs to its holder.
PHONE_CHANNELS = ("sms", "whatsapp", "voice")
# Where a customer may ask their messages to go (their preferred channel).
NOTIFY_CHANNELS = ("sms", "whatsapp")


def alert_channel(turn: str | None, saved: str | None, ticket_channel: str | None) -> str:
    """Where a turn's messages go: the channel chosen for this turn alone (a number typed
    on a page or at a kiosk), else the customer's own choice, else the one they wrote
    from (a turn taken on WhatsApp), else SMS."""
    for chosen in (turn, saved):
        if chosen in NOTIFY_CHANNELS:
            return chosen
    return "whatsapp" if ticket_channel == "whatsapp" else "sms"


def notify_choice(raw: str | None, whatsapp: bool) -> str | None:
    """The channel a form chose, when the server can send by it (`whatsapp`), else None."""
    if raw == "whatsapp" and not whatsapp:
        return None
    return raw if raw in NOTIFY_CHANNELS else None
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
    Action.PRIORITY: (frozenset({Status.WAITING}), Status.WAITING),
    Action.EXPIRE: (frozenset({Status.WAITING, Status.CALLED}), Status.EXPIRED),
    Action.LET_PASS: (frozenset({Status.WAITING}), Status.WAITING),
    Action.ARRIVE: (frozenset({Status.WAITING}), Status.WAITING),
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


class TicketState(Protocol):
    """What the transitions read and change of a ticket (the ORM row, or any object
    with these attributes)."""
    status: str
    counter_id: int | None
    target_counter_id: int | None
    sent_from_counter_id: int | None
    service_id: int
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    recalls: int
    priority: bool
    sort_at: datetime


# ---------------------------------------------------------------- what happened to a ticket

@dataclass(frozen=True)
class Event:
    """One thing that happened to a ticket. `kind` is its name in the ticket's event
    log; `data` what the log keeps beside it."""
    kind: ClassVar[str]
    at: datetime

    @property
    def counter_id(self) -> int | None:
        return None

    @property
    def data(self) -> dict | None:
        return None


@dataclass(frozen=True)
class Issued(Event):
    """A new ticket; with the wait it was shown (`shown`), the people ahead of it then
    and its service's configured average: how good the estimates are is measured
    against them (the reports' "honest waits")."""
    kind: ClassVar[str] = "issued"
    channel: str = "web"
    shown: Eta | None = None
    ahead: int | None = None
    configured_min: float | None = None

    @property
    def data(self) -> dict | None:
        if self.shown is None:
            return None
        return {"eta": [self.shown.low_min, self.shown.high_min], "ahead": self.ahead,
                "configured_min": self.configured_min}


@dataclass(frozen=True)
class AtCounter(Event):
    """An event that happens at a counter (the one calling, serving or finishing)."""
    counter: int | None = None

    @property
    def counter_id(self) -> int | None:
        return self.counter


# Events that carry nothing besides their time and counter (subclasses of a frozen
# dataclass stay dataclasses: they only name their kind).
class Started(AtCounter): kind = "started"  # noqa: E701
class Cancelled(AtCounter): kind = "cancelled"  # noqa: E701
class Requeued(AtCounter): kind = "requeued"  # noqa: E701


@dataclass(frozen=True)
class Expired(AtCounter):
    """The branch's day ended before the ticket was served; or (`reason`
    "not_arrived") its remote holder did not arrive in time."""
    kind: ClassVar[str] = "expired"
    reason: str | None = None

    @property
    def data(self) -> dict | None:
        return {"reason": self.reason} if self.reason else None


@dataclass(frozen=True)
class NoShow(AtCounter):
    """The customer did not come; `auto` when the counter moved on after the branch's
    number of recalls."""
    kind: ClassVar[str] = "no_show"
    auto: bool = False

    @property
    def data(self) -> dict | None:
        return {"auto": True} if self.auto else None


@dataclass(frozen=True)
class Called(AtCounter):
    """A counter called the ticket: the next in line, or this one chosen by staff,
    who say why (`reason`: the customer in a wheelchair at the door, the one who was
    in the restroom when called)."""
    kind: ClassVar[str] = "called"
    reason: str | None = None

    @property
    def data(self) -> dict | None:
        return {"chosen": True, "reason": self.reason} if self.reason else None


@dataclass(frozen=True)
class Recalled(AtCounter):
    kind: ClassVar[str] = "recalled"
    recalls: int = 1


@dataclass(frozen=True)
class Finished(AtCounter):
    """The visit is over; `auto` when the counter called its next ticket without
    finishing this one first."""
    kind: ClassVar[str] = "done"
    auto: bool = False

    @property
    def data(self) -> dict | None:
        return {"auto": True} if self.auto else None


@dataclass(frozen=True)
class Transferred(AtCounter):
    """To another service (`to_service`) or to one counter (`to_counter`), slugs."""
    kind: ClassVar[str] = "transferred"
    from_service: str = ""
    to_service: str | None = None
    to_counter: str | None = None

    @property
    def data(self) -> dict | None:
        data = {"from_service": self.from_service}
        if self.to_service:
            data["to_service"] = self.to_service
        if self.to_counter:
            data["to_counter"] = self.to_counter
        return data


@dataclass(frozen=True)
class Undone(AtCounter):
    """Staff took back, within seconds, what they had just done at their counter:
    `undid` is the kind of the event taken back (`done`, `no_show`: the ticket is at
    the counter again; `called`: back in line at its place), `event` that event's id
    in the log (reports and the lobby's calls leave it out)."""
    kind: ClassVar[str] = "undone"
    undid: str = ""
    event: int = 0

    @property
    def data(self) -> dict | None:
        return {"undid": self.undid, "event": self.event}


@dataclass(frozen=True)
class PriorityChanged(Event):
    """Staff granted priority to a waiting ticket (`priority`), or removed it."""
    kind: ClassVar[str] = "priority"
    priority: bool = False

    @property
    def data(self) -> dict | None:
        return {"priority": self.priority}


@dataclass(frozen=True)
class LetPass(Event):
    """The holder is running late and let `places` people pass."""
    kind: ClassVar[str] = "let_pass"
    places: int = 0

    @property
    def data(self) -> dict | None:
        return {"places": self.places}


class Arrived(Event):
    """The holder of a remote turn said "I'm here"."""
    kind = "arrived"


class PhoneAdded(Event):
    """The holder left a phone number for updates."""
    kind = "phone_added"


@dataclass(frozen=True)
class Rated(Event):
    kind: ClassVar[str] = "feedback"
    score: int = 0

    @property
    def data(self) -> dict | None:
        return {"score": self.score}


@dataclass(frozen=True)
class Moved(Event):
    """The line in front of a waiting ticket changed: `ahead` people are now before
    it. Not logged; listeners hear it (messaging's "near the front")."""
    kind: ClassVar[str] = "moved"
    ahead: int = field(default=0)


# ---------------------------------------------------------------- the transitions

def _move(ticket: TicketState, action: Action) -> None:
    ticket.status = next_status(ticket.status, action)


def call(ticket: TicketState, counter_id: int, now: datetime, reason: str | None = None) -> Called:
    """A counter calls a waiting ticket (a transfer to a counter is then fulfilled);
    `reason` when staff chose it out of turn."""
    _move(ticket, Action.CALL)
    ticket.counter_id, ticket.called_at, ticket.target_counter_id = counter_id, now, None
    ticket.sent_from_counter_id = None
    return Called(at=now, counter=counter_id, reason=reason)


def recall(ticket: TicketState, now: datetime) -> Recalled:
    _move(ticket, Action.RECALL)
    ticket.recalls += 1
    ticket.called_at = now
    return Recalled(at=now, counter=ticket.counter_id, recalls=ticket.recalls)


def start(ticket: TicketState, now: datetime) -> Started:
    _move(ticket, Action.START)
    ticket.started_at = now
    return Started(at=now, counter=ticket.counter_id)


def finish(ticket: TicketState, now: datetime, *, auto: bool = False) -> Finished:
    _move(ticket, Action.DONE)
    ticket.finished_at = now
    return Finished(at=now, counter=ticket.counter_id, auto=auto)


def no_show(ticket: TicketState, now: datetime, *, auto: bool = False) -> NoShow:
    _move(ticket, Action.NO_SHOW)
    ticket.finished_at = now
    return NoShow(at=now, counter=ticket.counter_id, auto=auto)


def cancel(ticket: TicketState, now: datetime) -> Cancelled:
    _move(ticket, Action.CANCEL)
    ticket.finished_at = now
    return Cancelled(at=now, counter=ticket.counter_id)


def expire(ticket: TicketState, now: datetime, reason: str | None = None) -> Expired:
    """The branch's day ended with the ticket still waiting or called: it is over, and
    no later day calls it (codes start again each day). `reason` "not_arrived": a
    remote turn whose holder did not come in the grace time."""
    _move(ticket, Action.EXPIRE)
    ticket.finished_at = now
    return Expired(at=now, counter=ticket.counter_id, reason=reason)


class TooLate(ValueError):
    """The holder already let people pass MAX_LATE_MOVES times."""


def let_pass(ticket, sort_at: datetime, places: int, now: datetime) -> LetPass:
    """The holder, running late, moves back behind `places` people: the ticket takes
    the place in time `sort_at` (`place_after`); everyone else keeps their order. At
    most MAX_LATE_MOVES times."""
    if ticket.late_moves >= MAX_LATE_MOVES:
        raise TooLate()
    _move(ticket, Action.LET_PASS)
    ticket.sort_at, ticket.late_moves = sort_at, ticket.late_moves + 1
    return LetPass(at=now, places=places)


def place_after(behind: list[Place], places: int) -> tuple[datetime, int] | None:
    """Where a ticket goes to let `places` people pass, given the places behind it in
    order: a time between the last one it lets pass and the one after (or just after
    the end), and how many it really lets pass (fewer at the end of the line; more
    only when two behind share a time, which no time can go between). None when no
    one is behind."""
    if not behind:
        return None
    k = max(1, min(places, len(behind)))
    while k < len(behind):
        before, after = behind[k - 1].sort_at, behind[k].sort_at
        middle = before + (after - before) / 2
        if before < middle < after:
            return middle, k
        k += 1
    return behind[-1].sort_at + timedelta(microseconds=1), len(behind)


def arrive(ticket, now: datetime) -> Arrived:
    """The holder of a waiting remote turn is at the branch: it may now be called."""
    if ticket.arrived_at is not None:
        raise ValueError("already arrived")
    _move(ticket, Action.ARRIVE)
    ticket.arrived_at = now
    return Arrived(at=now)


def needs_arrival(ticket, remote_check_in: bool) -> bool:
    """A remote turn that waits for "I'm here" before it can be called."""
    return remote_check_in and ticket.channel in REMOTE_CHANNELS and ticket.arrived_at is None


def requeue(ticket: TicketState, now: datetime) -> Requeued:
    """Back in line at its original place in time."""
    counter_id = ticket.counter_id
    _move(ticket, Action.REQUEUE)
    ticket.counter_id = ticket.called_at = ticket.started_at = None
    return Requeued(at=now, counter=counter_id)


# ---------------------------------------------------------------- taking back a slip

# The console offers "Undo" this long after a finish or a no-show (and the call that
# came with it); the server allows a little more, for the round trip.
UNDO_WINDOW_S = 10
UNDO_GRACE_S = 5
UNDOABLE = ("done", "no_show")


class NothingToUndo(ValueError):
    """The ticket is not in the state the undone event left it in."""


def may_undo(done_at: datetime, now: datetime) -> bool:
    return timedelta(0) <= now - done_at <= timedelta(seconds=UNDO_WINDOW_S + UNDO_GRACE_S)


def reopen(ticket: TicketState, now: datetime, *, undid: str, event: int) -> Undone:
    """A finished or no-show ticket back at its counter exactly as it was: being served
    when its service had started, else called."""
    if ticket.status not in (Status.DONE, Status.NO_SHOW) or ticket.counter_id is None:
        raise NothingToUndo(ticket.status)
    ticket.status = Status.SERVING if ticket.started_at is not None else Status.CALLED
    ticket.finished_at = None
    return Undone(at=now, counter=ticket.counter_id, undid=undid, event=event)


def uncall(ticket: TicketState, now: datetime, *, target_counter_id: int | None, sent_from_counter_id: int | None,
           event: int) -> Undone:
    """A called ticket back in line as before the call: its place in time never
    changed; sent to one counter again when it had been (`target_counter_id`), and
    again passed over by the counter that had transferred it (`sent_from_counter_id`)."""
    if ticket.status != Status.CALLED:
        raise NothingToUndo(ticket.status)
    counter_id = ticket.counter_id
    ticket.status = Status.WAITING
    ticket.counter_id = ticket.called_at = None
    ticket.target_counter_id, ticket.sent_from_counter_id = target_counter_id, sent_from_counter_id
    return Undone(at=now, counter=counter_id, undid="called", event=event)


# ---------------------------------------------------------------- a late customer

def may_return(no_show_at: datetime | None, now: datetime, minutes: int) -> bool:
    """A no-show may come back to the line (at its place in time) this many minutes
    after it was marked, when the customer turns up late at the front desk."""
    return no_show_at is not None and now - no_show_at <= timedelta(minutes=max(0, minutes))


def return_until(no_show_at: datetime, minutes: int) -> datetime:
    return no_show_at + timedelta(minutes=max(0, minutes))


def transfer(ticket: TicketState, now: datetime, *, from_service: str, to_service: tuple[int, str] | None = None,
             to_counter: tuple[int, str] | None = None) -> Transferred:
    """To another service, or to one counter (which alone may then call it); either
    way back in line at its place in time. `to_service`/`to_counter` are (id, slug)."""
    if (to_service is None) == (to_counter is None):
        raise ValueError("transfer to a service or to a counter")
    counter_id = ticket.counter_id
    _move(ticket, Action.TRANSFER)
    # The counter that had it does not get it back from its call-next (a waiting
    # ticket moved by staff keeps what it had).
    if counter_id is not None:
        ticket.sent_from_counter_id = counter_id
    if to_service is not None:
        ticket.service_id, ticket.target_counter_id = to_service[0], None
    else:
        ticket.target_counter_id = to_counter[0]
    ticket.counter_id = ticket.called_at = ticket.started_at = None
    return Transferred(at=now, counter=counter_id, from_service=from_service,
                       to_service=to_service[1] if to_service else None,
                       to_counter=to_counter[1] if to_counter else None)


def set_priority(ticket: TicketState, priority: bool, boost_minutes: int, now: datetime) -> PriorityChanged:
    """Grant or remove priority while the ticket waits: its place in time moves by the
    branch's boost, as if it had been taken that much earlier (or later again)."""
    if ticket.priority == priority:
        raise ValueError("the ticket already has that priority")
    _move(ticket, Action.PRIORITY)
    boost = timedelta(minutes=max(0, boost_minutes))
    ticket.priority = priority
    ticket.sort_at = ticket.sort_at - boost if priority else ticket.sort_at + boost
    return PriorityChanged(at=now, priority=priority)


# ---------------------------------------------------------------- order

class Place(NamedTuple):
    """A ticket's place in its line: tickets are called by place in time (`sort_at`),
    ties by issue order (`seq`). Every query orders the line by these two, in this
    order (queue.read_models.LINE_ORDER)."""
    sort_at: datetime
    seq: int


def place_of(ticket) -> Place:
    return Place(ticket.sort_at, ticket.seq)


def sort_time(issued_at: datetime, boost_minutes: int) -> datetime:
    """A ticket's place in time: issue time minus the boost the branch grants.

    The value is fixed when the ticket is issued, so the order never changes
    because time passes; a transfer keeps it.
    """
    return issued_at - timedelta(minutes=max(0, boost_minutes))


def format_code(prefix: str, number: int) -> str:
    """`A` + 42 -> `A042`; past 999 the number simply grows (`A1000`)."""
    return f"{prefix}{number:03d}"


def local_day(moment: datetime, tz_name: str) -> date:
    """The branch's calendar day at `moment` (codes restart each local day)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(tz_name)).date()


def day_bounds_utc(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """UTC instants (naive) at which a local day starts and ends; at the very ends of
    the calendar (year 1, year 9999), where one of them is not a datetime, the
    earliest or latest datetime instead."""
    tz = ZoneInfo(tz_name)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)

    def to_utc(moment: datetime) -> datetime:
        try:
            return moment.astimezone(timezone.utc).replace(tzinfo=None)
        except OverflowError:
            return datetime.min if moment.year == 1 else datetime.max
    return to_utc(start), (to_utc(start + timedelta(days=1)) if day < date.max else datetime.max)


@dataclass(frozen=True)
class Eta:
    low_min: int
    high_min: int

    def as_dict(self) -> dict:
        return {"low_min": self.low_min, "high_min": self.high_min}

    @classmethod
    def of(cls, value: Eta | dict) -> Eta:
        """A range as a read model holds it: an Eta, or its JSON (`as_dict`)."""
        return value if isinstance(value, Eta) else cls(value["low_min"], value["high_min"])


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
    (`free_in`: 0 when idle, the rest of its turn, or until it is back from a pause)
    and the `lines` it serves (service ids; empty: only the line being estimated)."""
    free_in: float
    lines: frozenset[int] = frozenset()


# How many turns are counted one by one before the line is taken to move at its
# steady pace (all counters at work): the estimate costs the same however long the line.
EXACT_PLACES = 50


def estimate_wait(ahead: int, mean_service_min: float, open_counters: float, *, spread: float = DEFAULT_SPREAD,
                  desks: tuple[Desk, ...] | None = None, placed_ahead: tuple[float, float] = (0.0, 0.0),
                  line: int = 0, older: Mapping[int, int] | None = None, here: Mapping[int, float] | None = None,
                  means: Mapping[int, float] | None = None, working: float | None = None,
                  memo: dict | None = None) -> Eta:
    """The wait of a ticket of `line` with `ahead` people before it in that line, as a
    range of minutes.

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

    `memo`, a dict kept by the caller for estimates of one line with the same inputs
    but `ahead` and `older` (ServiceStats keeps one): the first EXACT_PLACES turns
    counted one by one are the same for every ticket further back, so they are counted
    once for all of them. The figures are the same with it or without.
    """
    if ahead < 0:
        raise ValueError("ahead must be >= 0")
    mean = max(0.5, float(mean_service_min))
    pool = tuple(d for d in desks or () if not d.lines or line in d.lines)
    if not pool:
        # A counter met busy at a random moment has (1 + spread²) / 2 of a turn left.
        unknown = (1 + spread ** 2) / 2 * mean
        pool = tuple(Desk(unknown) for _ in range(max(1, math.ceil(open_counters - 1e-9))))
        older = None
    counters = float(len(pool))
    working = working or counters
    exact = min(ahead, EXACT_PLACES)
    key = (exact, tuple(sorted(older.items())) if older else ())
    head = memo.get(key) if memo is not None else None
    if head is None:
        head = time_to_be_called(exact, mean, racing(pool, spread), line, older or {}, here or {}, means or {},
                                 working)
        if memo is not None:
            memo[key] = head
    middle = head + (ahead - exact) * mean / max(working, 1e-3)
    rate, head_start = placed_ahead
    # One coming `head_start` minutes early is placed before this ticket if it comes
    # within that time of it; each adds a turn.
    middle += max(0.0, rate) * min(middle, max(0.0, head_start)) * mean / counters
    per_turn = mean / counters
    turns = middle / per_turn
    # One counter ends turns as varied as the service times; many, nearly at random (1).
    turn_cv2 = (spread ** 2 + max(0.0, counters - 1)) / max(1.0, counters)
    deviation = math.sqrt(turns * per_turn ** 2 * turn_cv2 + (ETA_DRIFT * middle) ** 2)
    # A wait is skewed (never below 0, sometimes long): the range is centred on its
    # median, which a lognormal of this mean and deviation puts below the mean.
    centre = middle / math.sqrt(1 + (deviation / middle) ** 2) if middle > 0 else 0.0
    low = math.floor(max(0.0, centre - ETA_Z * deviation))
    high = math.ceil(centre + ETA_Z * deviation)
    return Eta(low_min=low, high_min=max(high, low + 1))


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
        raced[n] = Desk((1 - weight) * free_in + weight * min(free_in, at), pool[n].lines)
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
    call forward."""
    free = [max(0.0, d.free_in) for d in pool]
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
        taken = _turns([(free[n], n) for n in at_it], math.floor(counted), length)
        taken[0] = (taken[0][0] + (counted - math.floor(counted)) * length, taken[0][1])
        for at, n in taken:
            free[n] = at + (tickets - counted) * length / len(at_it)
    exact = min(ahead, EXACT_PLACES)
    return min(_turns([(at, n) for n, at in enumerate(free)], exact, mean))[0] \
        + (ahead - exact) * mean / max(working, 1e-3)


def _turns(free: list[tuple[float, int]], turns: int, length: float) -> list[tuple[float, int]]:
    """The counters' (free moment, index) after `turns` turns of `length`, each taken by
    the counter free first, in order of when they are free. A counter free well before
    the next takes the turns until then at once; once they are all free within a turn
    of each other they take turns in that order, whole rounds at once."""
    free = sorted(free)
    while turns > 0 and free[-1][0] - free[0][0] > length:
        at, n = free.pop(0)
        alone = min(turns, int((free[0][0] - at) // length) + 1)
        insort(free, (at + alone * length, n))
        turns -= alone
    rounds, rest = divmod(turns, len(free))
    moved = [(at + (rounds + (k < rest)) * length, n) for k, (at, n) in enumerate(free)]
    return moved[rest:] + moved[:rest]


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


def line_shares(counters: list[frozenset[int]], work: dict[int, float], rounds: int = 30) -> list[dict[int, float]]:
    """How each counter's time splits between the lines it serves (per counter, line ->
    share). A counter of several lines calls the one whose first ticket waited longest,
    so its time goes where the wait is longest until the waits even out: the shares
    are moved, round by round, towards the lines whose `work` (minutes of work waiting,
    positive: a line with no one waiting counts as one, the next to come) per share of
    counter is largest."""
    shares = [{s: 1 / len(services) for s in services} for services in counters]
    for _ in range(rounds if any(len(services) > 1 for services in counters) else 0):
        capacity: dict[int, float] = {}
        for split in shares:
            for s, share in split.items():
                capacity[s] = capacity.get(s, 0.0) + share
        wait = {s: work[s] / max(capacity[s], 1e-6) for s in capacity}
        for n, split in enumerate(shares):
            if len(split) > 1:
                weights = {s: share * wait[s] for s, share in split.items()}
                total = sum(weights.values())
                shares[n] = {s: w / total for s, w in weights.items()}
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
