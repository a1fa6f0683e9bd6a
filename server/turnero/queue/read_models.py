"""Read models: what every channel shows. Views and waits are built here only, on
the places read from the database (places.py), so all channels agree at the same
moment. The branch's setup they read the waits from (services, counters, service
times) is setup.py's."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from .. import branding, clock
from ..access.services import Actor
from ..db import UnitOfWork
from ..models import Branch, Counter, Service, Ticket, TicketEvent
from ..realtime import Encoded
from .lookups import TICKET_LOAD, find_branch, find_counter
from .estimate import Eta
from .places import FollowedRow, ahead_of, older_of
from .rules import Status, day_bounds_utc, local_day
from .setup import BranchSetup, Joining, ServiceInfo, ServiceStats, counts, iso, lines_now, service_stats, setup_for


def state_payload(branch, setup: BranchSetup, stats: dict[int, ServiceStats], lang: str | None = None) -> dict:
    """The `branch.state` payload: codes only, never names or phones. `branch` is the
    ORM row or any row with slug, seq, lang and message."""
    lang = lang or branch.lang
    now = clock.utcnow()
    hours = setup.hours_joining(branch, now)
    return {
        "branch": branch.slug,
        "seq": branch.seq,
        "services": [_service_entry(s, stats[s.id], lang, setup.joining(branch, s, now, hours))
                     for s in setup.services if s.active],
        "calling": list(setup.calling),
        "message": branch.message,
    }


def branch_state(session: Session, branch: Branch, today, lang: str | None = None) -> dict:
    setup = setup_for(session, branch.id, branch.setup_version, today)
    return state_payload(branch, setup, setup.stats(counts(lines_now(session, branch))), lang)


def _service_entry(service: ServiceInfo, stats: ServiceStats, lang: str, joining: Joining) -> dict:
    return {
        "id": service.slug,
        "name": service.name(lang),
        "names": {"es": service.name_es, "en": service.name_en},
        "prefix": service.prefix,
        "color": service.color,
        "waiting": stats.waiting,
        "eta": stats.eta(stats.waiting).as_dict(),
        "serving": stats.open_counters,
        "takes_appointments": service.takes_appointments,
        **joining.as_dict(),
    }


def branch_detail(session: Session, branch: Branch, today, lang: str | None = None) -> dict:
    lang = lang or branch.lang
    state = branch_state(session, branch, today, lang)
    classes = setup_for(session, branch.id, branch.setup_version, today).classes
    counters = session.scalars(select(Counter).where(Counter.branch_id == branch.id)
                               .order_by(Counter.slug)).all()
    return {
        "id": branch.slug,
        "slug": branch.slug,
        "name": branch.name,
        "timezone": branch.timezone,
        "lang": branch.lang,
        "country": branch.country,
        "offers_priority": branch.offers_priority,
        "join_hours": branch.join_hours,
        "last_entry_min": branch.last_entry_min,
        "remote_check_in": branch.remote_check_in,
        "priority_classes": [c.as_dict(lang) for c in classes] if branch.offers_priority else [],
        "message": branch.message,
        "seq": branch.seq,
        "services": state["services"],
        "counters": [{"id": c.slug, "name": c.name, "state": c.state,
                      "services": [s.slug for s in c.services]} for c in counters],
        "recent_calls": state["calling"],
        "brand": branch_brand(branch),
    }


def logo_path(branch: Branch) -> str | None:
    """Where the branch's logo is served, its version in the query (cacheable for good)."""
    return f"/b/{branch.slug}/logo?v={branch.brand_logo_version}" if branch.brand_logo_version else None


def branch_brand(branch: Branch) -> dict:
    return branding.brand(branch.brand_color, logo_path(branch))


def branch_logo(session: Session, slug: str) -> tuple[bytes, str, str] | None:
    """The logo's bytes, media type and version; None when the branch has none."""
    row = session.execute(select(Branch.brand_logo, Branch.brand_logo_type, Branch.brand_logo_version)
                          .where(Branch.slug == slug)).first()
    if row is None:
        find_branch(session, slug)  # raises the branch's own NotFound
    return tuple(row) if row.brand_logo else None


def branch_summary(branch: Branch) -> dict:
    return {"id": branch.slug, "slug": branch.slug, "name": branch.name,
            "timezone": branch.timezone, "lang": branch.lang}


# ---------------------------------------------------------------- tickets

@dataclass(frozen=True)
class CounterRef:
    id: str
    name: str


@dataclass
class TicketView:
    """A ticket as every channel shows it. `position`, `ahead` and `eta` only while
    it waits; `counter` while it is called or served; the holder's `token` and
    `track_url`; `phone`, `name` and `target_counter` in staff views only. `seq` is
    the ticket's issue order, for the server's own use (never shown).

    Treat it as a value: nothing changes a view once built (`without_secret` makes a
    new one). It is not a frozen dataclass because building one costs four times as
    much frozen (an object.__setattr__ a field), and a call builds one for each
    followed ticket it moved."""
    id: str
    code: str
    branch: str
    service: str
    service_name: str
    channel: str
    priority: bool
    status: str
    position: int | None
    ahead: int | None
    eta: Eta | None
    counter: CounterRef | None
    lang: str
    recalls: int
    created_at: str | None
    called_at: str | None
    started_at: str | None
    finished_at: str | None
    token: str | None
    track_url: str | None
    seq: int = field(repr=False)
    staff: bool = False
    phone: str | None = None
    name: str | None = None
    target_counter: str | None = None
    customer: int | None = None  # staff: the customer's id (their history, /customers/{id})
    notify_by: str | None = None  # staff: SMS or WhatsApp chosen for this turn alone (a typed number)
    # "I'm here" (arrived_at) and how many times its holder let people pass.
    arrived_at: str | None = None
    late_moves: int = 0
    priority_class: int | None = None

    def without_secret(self) -> TicketView:
        """The same ticket for someone who is not its holder: no token, no link."""
        return replace(self, token=None, track_url=None)

    def to_json(self, *, token: bool = True) -> dict:
        """The JSON of CONTRACT.md; without the holder's secret for a ticket's room."""
        view = {
            "id": self.id, "code": self.code, "branch": self.branch, "service": self.service,
            "service_name": self.service_name, "channel": self.channel, "priority": self.priority,
            "status": self.status, "position": self.position, "ahead": self.ahead,
            "eta": self.eta.as_dict() if self.eta is not None else None,
            "counter": {"id": self.counter.id, "name": self.counter.name} if self.counter is not None else None,
            "lang": self.lang, "recalls": self.recalls, "created_at": self.created_at, "called_at": self.called_at,
            "started_at": self.started_at, "finished_at": self.finished_at,
            "arrived_at": self.arrived_at, "late_moves": self.late_moves, "priority_class": self.priority_class,
        }
        if token:
            view["token"] = self.token
            view["track_url"] = self.track_url
        if self.staff:
            view.update(phone=self.phone, name=self.name, target_counter=self.target_counter,
                        customer=self.customer, notify_by=self.notify_by)
        return view


def ticket_view(ticket: Ticket, *, ahead: int | None, stats: ServiceStats | None, public_url: str,
                staff: bool = False, older: dict[int, int] | None = None) -> TicketView:
    """The view of an ORM ticket (its branch, service, counter loaded with it)."""
    active = ticket.status in (Status.CALLED, Status.SERVING)
    extra = {}
    if staff:
        extra = {"staff": True, "phone": ticket.customer.phone if ticket.customer is not None else None,
                 "name": ticket.name, "customer": ticket.customer_id, "notify_by": ticket.notify_by,
                 "target_counter": ticket.target_counter.slug if ticket.target_counter else None}
    return view_of(ticket, branch_slug=ticket.branch.slug, service=ticket.service,
                   counter=ticket.counter if active else None, ahead=ahead, stats=stats, public_url=public_url,
                   older=older, **extra)


def view_of(ticket, *, branch_slug: str, service: Service | ServiceInfo, counter: Counter | None,
            ahead: int | None, stats: ServiceStats | None, public_url: str, older: dict[int, int] | None = None,
            **staff) -> TicketView:
    """The view of a ticket from its own columns (an ORM object or a row), with its
    branch, service and counter given apart (the issuing hot path has no ORM row).
    `older`: the tickets of the lines sharing its counters placed before it (`older_of`);
    None for a ticket placed after every one waiting there."""
    waiting = ticket.status == Status.WAITING
    return TicketView(
        id=ticket.id, code=ticket.code, branch=branch_slug, service=service.slug,
        service_name=service.name(ticket.lang), channel=ticket.channel, priority=ticket.priority,
        status=ticket.status,
        position=(ahead + 1) if waiting and ahead is not None else None,
        ahead=ahead if waiting else None,
        eta=stats.eta(ahead, older) if waiting and stats is not None and ahead is not None else None,
        counter=CounterRef(counter.slug, counter.name) if counter is not None else None,
        lang=ticket.lang, recalls=ticket.recalls, created_at=iso(ticket.created_at),
        called_at=iso(ticket.called_at), started_at=iso(ticket.started_at), finished_at=iso(ticket.finished_at),
        token=ticket.token, track_url=f"{public_url}/t/{ticket.token}", seq=ticket.seq,
        arrived_at=iso(ticket.arrived_at), late_moves=ticket.late_moves or 0,
        priority_class=ticket.priority_class_id, **staff)


# The fixed part of a followed ticket's update (all but its place and wait), by the
# row it is made of (places.followed_in_lines keeps each row, one object, while its
# version stands), its branch and its service's name: a call moves a thousand followed
# tickets by one place and changes nothing else of them, so their views are built and
# encoded once, not at every call. Each entry holds its row, so the row's id names it
# alone; emptied when it grows past FIXED_KEPT (under 2 KB each: 40 MB at most).
_FIXED: dict[tuple, tuple[FollowedRow, str, str]] = {}
FIXED_KEPT = 20_000
# The fields of an update that move with its place, in the view's order.
_MOVING = ("position", "ahead", "eta")


def followed_update(row: FollowedRow, ahead: int, *, branch_slug: str, service: ServiceInfo,
                    stats: ServiceStats | None, older: dict[int, int] | None = None) -> Encoded:
    """The `ticket.update` of a waiting followed ticket (its row, `ahead` of it) as its
    text (realtime.Encoded): the JSON of `view_of(row, ...).to_json(token=False)`, its
    fixed part built and encoded once."""
    key = (id(row), branch_slug, service.slug, service.name(row.lang))
    kept = _FIXED.get(key)
    if kept is None or kept[0] is not row:
        if len(_FIXED) >= FIXED_KEPT:
            _FIXED.clear()
        fixed = view_of(row, branch_slug=branch_slug, service=service, counter=None, ahead=None, stats=None,
                        public_url="").to_json(token=False)
        names = list(fixed)
        first, last = names.index(_MOVING[0]), names.index(_MOVING[-1])
        kept = _FIXED[key] = (row, json.dumps({k: fixed[k] for k in names[:first]}, separators=(",", ":"))[:-1],
                              json.dumps({k: fixed[k] for k in names[last + 1:]}, separators=(",", ":"))[1:])
    _row, head, tail = kept
    eta = stats.eta(ahead, older) if stats is not None else None
    return Encoded(f'{head},"position":{ahead + 1},"ahead":{ahead},"eta":'
                   + (f'{{"low_min":{eta.low_min},"high_min":{eta.high_min},"about_min":{"null" if eta.about_min is None else eta.about_min}}},'
                      if eta is not None else "null,")
                   + tail)


def view_now(db: Session, ticket: Ticket, *, public_url: str, stats: dict[int, ServiceStats] | None = None,
             ahead: int | None = None, staff: bool = False) -> TicketView:
    """A ticket's view as every door showing one ticket shows it: while it waits, its
    place (`ahead`, unless the caller has it) and the tickets placed before it in the
    lines sharing its counters are read here, its wait from the branch's `stats` (read
    here too when not given)."""
    if ticket.status != Status.WAITING:
        return ticket_view(ticket, ahead=None, stats=None, public_url=public_url, staff=staff)
    if ahead is None:
        ahead = ahead_of(db, ticket)
    if stats is None:
        stats = service_stats(db, ticket.branch, local_day(clock.utcnow(), ticket.branch.timezone))
    line = stats.get(ticket.service_id)
    older = older_of(db, ticket, line.others) if line is not None and line.others else None
    return ticket_view(ticket, ahead=ahead, stats=line, public_url=public_url, staff=staff, older=older)


# ---------------------------------------------------------------- the staff console

def counter_view(counter: Counter) -> dict:
    """A counter as staff see it (CONTRACT.md's fields, then who and why)."""
    return {"id": counter.slug, "name": counter.name, "state": counter.state,
            "services": [s.slug for s in counter.services], "pause_reason": counter.pause_reason,
            "since": iso(counter.state_since), "agent": counter.agent.username if counter.agent else None,
            "planned_hours": counter.planned_hours}


def counters_to_choose(uow: UnitOfWork, actor: Actor, lang: str) -> list[dict]:
    """Every branch the actor works at, with its counters, what each serves and who
    is at it (the agent of an open or paused counter)."""
    actor.require_staff()
    query = select(Branch).order_by(Branch.name)
    if actor.role != "admin":
        query = query.where(Branch.id == actor.branch_id)
    result = []
    for branch in uow.session.scalars(query):
        counters = uow.session.scalars(select(Counter).options(joinedload(Counter.services), joinedload(Counter.agent))
                                       .where(Counter.branch_id == branch.id).order_by(Counter.slug)).unique()
        result.append({"slug": branch.slug, "name": branch.name, "counters": [
            {"id": c.slug, "name": c.name, "state": c.state,
             "agent": c.agent.username if c.agent is not None and c.state != "closed" else None,
             "mine": c.agent_id is not None and c.agent_id == actor.user_id and c.state != "closed",
             "services": [s.name(lang) for s in c.services if s.active]} for c in counters]})
    return result


def closed_overnight(session: Session, branch: Branch) -> int:
    """How many turns of earlier days expired since the branch's day began: what the
    end of the last day closed, for the staff console."""
    now = clock.utcnow()
    today = local_day(now, branch.timezone)
    start, _ = day_bounds_utc(today, branch.timezone)
    return session.scalar(
        select(func.count()).select_from(TicketEvent).join(Ticket, Ticket.seq == TicketEvent.ticket_seq)
        .where(TicketEvent.branch_id == branch.id, TicketEvent.kind == "expired",
               TicketEvent.at >= start.replace(tzinfo=now.tzinfo), Ticket.day < today)) or 0


def counter_desk(uow: UnitOfWork, branch_slug: str, counter_slug: str, actor: Actor, lang: str) -> dict:
    """What the console shows when it opens: the counter, its current ticket (called
    or being served there), and the services and counters a ticket can go to."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    actor.require_staff(branch)
    counter = find_counter(session, branch, counter_slug)
    current = session.scalar(
        select(Ticket).options(*TICKET_LOAD)
        .where(Ticket.counter_id == counter.id, Ticket.status.in_((Status.CALLED, Status.SERVING)))
        .order_by(Ticket.called_at.desc()).limit(1))
    services = session.scalars(select(Service).where(Service.branch_id == branch.id, Service.active)
                               .order_by(Service.prefix)).all()
    counters = session.scalars(select(Counter).where(Counter.branch_id == branch.id).order_by(Counter.slug)).all()
    return {
        "branch": {"slug": branch.slug, "name": branch.name, "timezone": branch.timezone,
                   "offers_priority": branch.offers_priority, "no_show_return_min": branch.no_show_return_min},
        "counter": counter_view(counter),
        "current": (ticket_view(current, ahead=None, stats=None, public_url=uow.db.public_url, staff=True).to_json()
                    if current is not None else None),
        "services": [{"id": s.slug, "name": s.name(lang), "prefix": s.prefix, "color": s.color}
                     for s in services],
        "counters": [{"id": c.slug, "name": c.name} for c in counters],
        "closed_overnight": closed_overnight(session, branch),
        "priority_classes": [c.as_dict(lang) for c in
                             setup_for(session, branch.id, branch.setup_version, local_day(clock.utcnow(),
                                                                                           branch.timezone)).classes],
    }


# `iso` is defined with the setup (setup.py) and shown from here, as every door prints times with it.
__all__ = ["state_payload", "branch_state", "branch_detail",
           "branch_summary", "ticket_view", "view_of", "TicketView", "CounterRef", "iso", "counter_view",
           "counters_to_choose", "counter_desk"]
