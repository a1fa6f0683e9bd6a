"""Rules of the queue: states and transitions, order, codes. The wait estimate is
estimate.py's.

Everything here is a plain function of its arguments so that it can be tested
without a server or a database; the service layer applies it inside a transaction.

A ticket changes only through the transition functions below (`call`, `recall`,
`start`, `finish`, `no_show`, `cancel`, `expire`, `requeue`, `transfer`,
`set_priority`): each checks that the change is allowed from the ticket's state,
makes it, and returns what happened as a typed event (events.py), which the service
layer logs, hands to the in-transaction listeners (messaging's outbox, appointments)
and counts once committed.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

from .events import (Arrived, Called, Cancelled, Expired, Finished, LetPass, NoShow, PriorityChanged, Recalled, Requeued,
                     Started, Transferred, Undone)


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
    order (queue.places.LINE_ORDER)."""
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
