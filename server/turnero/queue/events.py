"""What happened to a ticket: the typed events the transitions of rules.py return,
which the service layer logs (`kind`, `data`), hands to the in-transaction listeners
(messaging's outbox, appointments) and counts once committed.

Plain Python, as rules.py."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from .estimate import Eta


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
        return {"eta": [self.shown.low_min, self.shown.high_min, self.shown.about_min], "ahead": self.ahead,
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
