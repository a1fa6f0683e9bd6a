"""The queue's use cases, one function each. Every one runs inside a unit of work,
locks its branch first (so each branch's changes are applied one at a time and
`seq` follows commit order), commits once, and queues its events for after the commit."""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from .. import clock
from ..access.services import Actor, new_secret
from ..customers import customer_for
from ..db import UnitOfWork
from ..errors import N_, Conflict, Forbidden, Invalid
from ..models import (
    Branch,
    Counter,
    Customer,
    DailyNumber,
    Feedback,
    Service,
    Ticket,
    TicketEvent,
    new_uuid,
    new_version,
)
from ..realtime import branch_room, ticket_room
from . import read_models as views
from .lookups import (
    TICKET_LOAD,
    find_branch,
    find_counter,
    find_service,
    find_ticket_by_id,
    find_ticket_by_token,
    no_branch,
    no_service,
)
from .rules import (
    CHANNELS,
    COUNTER_STATES,
    Action,
    Status,
    TransitionNotAllowed,
    format_code,
    local_day,
    next_status,
    sort_time,
)

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- reading

def get_ticket(uow: UnitOfWork, token: str) -> dict:
    ticket = find_ticket_by_token(uow.session, token)
    return _view(uow, ticket)


def get_branch(uow: UnitOfWork, slug: str, lang: str | None = None) -> dict:
    branch = find_branch(uow.session, slug)
    return views.branch_detail(uow.session, branch, _today(branch), lang)


def get_branch_state(uow: UnitOfWork, slug: str, lang: str | None = None) -> dict:
    branch = find_branch(uow.session, slug)
    return views.branch_state(uow.session, branch, _today(branch), lang)


def list_branches(uow: UnitOfWork) -> list[dict]:
    return [views.branch_summary(b) for b in uow.session.scalars(select(Branch).order_by(Branch.slug))]


def list_tickets(uow: UnitOfWork, slug: str, actor: Actor, status: str | None = None,
                 service: str | None = None) -> list[dict]:
    """Today's tickets of a branch, in call order, for staff."""
    session = uow.session
    branch = find_branch(session, slug)
    actor.require_staff(branch)
    query = (select(Ticket).options(*TICKET_LOAD)
             .where(Ticket.branch_id == branch.id, Ticket.day == _today(branch)))
    if status:
        if status not in set(Status):
            raise Invalid(N_("Unknown ticket status."), errors={"status": [N_("Unknown ticket status.")]})
        query = query.where(Ticket.status == status)
    if service:
        query = query.where(Ticket.service_id == find_service(session, branch, service).id)
    tickets = session.scalars(query.order_by(Ticket.sort_at, Ticket.seq)).all()
    stats = views.service_stats(session, branch, _today(branch))
    positions = {t.seq: ahead for t, ahead in
                 views.waiting_with_positions(session, branch.id, stats.keys())}
    return [views.ticket_view(t, ahead=positions.get(t.seq), stats=stats[t.service_id],
                              public_url=uow.db.public_url, staff=True) for t in tickets]


def ticket_history(uow: UnitOfWork, ticket_id: str, actor: Actor) -> list[dict]:
    ticket = find_ticket_by_id(uow.session, ticket_id)
    actor.require_staff(ticket.branch)
    events = uow.session.scalars(
        select(TicketEvent).options(joinedload(TicketEvent.counter), joinedload(TicketEvent.user))
        .where(TicketEvent.ticket_seq == ticket.seq).order_by(TicketEvent.id)).all()
    return [{"kind": e.kind, "at": views.iso(e.at), "channel": e.channel,
             "counter": e.counter.slug if e.counter else None,
             "user": e.user.username if e.user else None, "data": e.data or {}} for e in events]


# ---------------------------------------------------------------- taking a turn

def fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


_BRANCHES = Branch.__table__
# Taking a turn locks the branch row by bumping its `seq` and reads its settings in
# the same statement; the rest of the hot path is plain Core on the session's
# connection (same transaction), with no ORM object made for the new ticket.
_TAKE_BRANCH = (update(_BRANCHES).where(_BRANCHES.c.slug == bindparam("b_slug"))
                .values(seq=_BRANCHES.c.seq + 1).returning(*_BRANCHES.c))
_INSERT_TICKET = insert(Ticket.__table__).returning(Ticket.__table__.c.seq)
_INSERT_EVENT = insert(TicketEvent.__table__)


def take_ticket(uow: UnitOfWork, branch_slug: str, *, service: str, actor: Actor,
                phone: str | None = None, name: str | None = None, priority: bool = False,
                lang: str | None = None, channel: str | None = None,
                idempotency_key: str | None = None, via: str | None = None,
                place_at: datetime | None = None) -> tuple[dict, bool]:
    """Issue a ticket. Returns (ticket, created); a repeated Idempotency-Key returns
    the ticket the first request made, with created False.

    `via` is the channel as the calling door itself knows it (the SMS door says
    "sms", appointment check-in "appointment"): it is not checked against the
    actor, unlike `channel`, which a request asks for. `place_at` fixes the
    ticket's place in time (a checked-in appointment: its time minus the boost)
    instead of issue time minus the priority boost.

    This is the busiest use case, so it runs as few statements as it can: lock and
    bump the branch (reading its settings), take a number, insert the ticket and
    its event. What else a `branch.state` needs is remembered between tickets: the
    branch's setup (services, open counters, service times, recent calls) per
    `setup_version`, and the waiting lines from one ticket to the next as long as
    nothing else changed the branch (see `_waiting_lines`)."""
    session = uow.session
    conn = session.connection()
    branch = conn.execute(_TAKE_BRANCH, {"b_slug": branch_slug}).one_or_none()
    if branch is None:
        raise no_branch(branch_slug)
    _forget_seq(session, branch.id)
    if actor.kind == "device" and actor.branch_id != branch.id:
        raise Forbidden(N_("This device belongs to another branch."))
    if actor.kind == "device" and actor.device_kind != "kiosk":
        raise Forbidden(N_("This device may not do this."))
    request = {"service": service, "phone": phone, "name": name, "priority": priority,
               "lang": lang, "channel": channel}
    if idempotency_key:
        replayed = _replay(session, branch.id, idempotency_key, request)
        if replayed is not None:
            return _view(uow, replayed), False

    now = clock.utcnow()
    day = local_day(now, branch.timezone)
    setup = views.setup_for(session, branch.id, branch.setup_version, day, remember=True)
    svc = setup.service(service)
    if svc is None:
        raise no_service(service)
    channel = via if via in CHANNELS else _resolve_channel(actor, channel)
    if priority and not branch.offers_priority:
        raise Invalid(N_("This branch does not offer priority turns."),
                      errors={"priority": [N_("This branch does not offer priority turns.")]})
    lang = lang or branch.lang
    customer = customer_for(session, phone, branch.country, name, lang) if phone else None

    lines = _waiting_lines(uow, conn, branch)
    number = _next_number(conn, svc.id, day)
    values = {
        "id": new_uuid(), "token": new_secret(), "branch_id": branch.id, "service_id": svc.id, "day": day,
        "number": number, "code": format_code(svc.prefix, number), "channel": channel, "priority": priority,
        "lang": lang, "name": name or None, "customer_id": customer.id if customer is not None else None,
        "status": Status.WAITING.value,
        "sort_at": place_at if place_at is not None else sort_time(now, branch.priority_boost_min if priority else 0),
        "created_at": now, "called_at": None, "started_at": None, "finished_at": None, "counter_id": None,
        "target_counter_id": None, "recalls": 0, "idempotency_key": idempotency_key,
        "request_fingerprint": fingerprint(request) if idempotency_key else None,
    }
    try:
        values["seq"] = conn.execute(_INSERT_TICKET, values).scalar_one()
    except IntegrityError:
        # Requests under one key wait for each other on the branch lock, and the
        # later one finds the earlier one's ticket above; should the unique index
        # still refuse this one, answer with the ticket the key made.
        uow.rollback()
        replayed = _replay(session, branch.id, idempotency_key, request) if idempotency_key else None
        if replayed is None:
            raise
        return _view(uow, replayed), False
    ticket = _NewTicket(session, values, customer=customer)
    conn.execute(_INSERT_EVENT, {
        "ticket_seq": ticket.seq, "branch_id": branch.id, "kind": "issued", "at": now, "channel": channel,
        "user_id": actor.user_id, "device_id": actor.device_id, "counter_id": None, "data": None})
    _tell_listeners(session, "issued", ticket)

    # A ticket usually joins at the end of its line: then everyone waiting is ahead of
    # it and no one's place moved. Only a ticket placed earlier moves the ones behind.
    waiting, last = lines.get(svc.id, (0, None))
    behind = last is not None and last > ticket.sort_at
    lines[svc.id] = (waiting + 1, ticket.sort_at if last is None or ticket.sort_at > last else last)
    stats = setup.stats(views.counts(lines))
    uow.emit("branch.state", views.state_payload(branch, setup, stats), branch_room(branch.slug))
    if behind:
        ahead = views.ahead_of(conn, ticket)
        _moved_lines(uow, branch.id, [svc.id], (ticket.sort_at, ticket.seq), stats)
    else:
        ahead = waiting
    view = dict(branch_slug=branch.slug, service=svc, counter=None, ahead=ahead, stats=stats[svc.id],
                public_url=uow.db.public_url)
    uow.emit("ticket.update", views.ticket_json(ticket, include_token=False, **view), ticket_room(ticket.id))
    result = views.ticket_json(ticket, **view)
    uow.commit()
    # DEBUG: the busiest line of all; turnero_tickets_issued_total counts them (/metrics).
    log.debug("ticket %s issued at %s (%s)", ticket.code, branch.slug, channel)
    return result, True


def _waiting_lines(uow: UnitOfWork, conn, branch) -> views.Lines:
    """The branch's waiting lines before this new ticket, and once it is committed,
    remembered with it for the next one.

    Every change of a branch bumps its `seq` under the branch lock, so lines that
    this process committed at `seq` N are still the database's when the next ticket
    finds the branch at N + 1 (at N before its own bump): nothing else changed in
    between. The `setup_version` in the key tells a deleted and re-made branch with
    the same id apart."""
    memory = uow.db.lines
    known = memory.get(branch.id)
    if known is not None and known[0] == (branch.seq - 1, branch.setup_version):
        lines = dict(known[1])
    else:
        lines = views.read_lines(conn, branch.id)
    uow.on_commit(lambda: memory.__setitem__(branch.id, ((branch.seq, branch.setup_version), lines)))
    return lines


def _replay(session: Session, branch_id: int, key: str, request: dict) -> Ticket | None:
    """The ticket an Idempotency-Key already made (None if none); another request
    under the same key is a conflict."""
    existing = session.scalar(select(Ticket).options(*TICKET_LOAD).where(
        Ticket.branch_id == branch_id, Ticket.idempotency_key == key))
    if existing is not None and existing.request_fingerprint != fingerprint(request):
        raise Conflict(N_("This Idempotency-Key was already used for a different request."))
    return existing


def _forget_seq(session: Session, branch_id: int) -> None:
    """The branch's `seq` was bumped by a Core statement: an ORM copy of the row in
    this session (a caller that locked it first) must read it again."""
    known = session.identity_map.get(Session.identity_key(Branch, branch_id))
    if known is not None:
        session.expire(known, ["seq"])


class _NewTicket:
    """A ticket just inserted with Core: its columns and its customer as attributes,
    and for anything else (branch, service...) the ORM object, loaded on first use
    only (the listeners of a ticket without a phone need nothing more)."""

    def __init__(self, session: Session, values: dict, customer: Customer | None):
        self.__dict__.update(values)
        self.__dict__["customer"] = customer
        self.__dict__["_session"] = session

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        loaded = self.__dict__.get("_loaded")
        if loaded is None:
            loaded = self.__dict__["_loaded"] = self._session.get(Ticket, self.seq)
        return getattr(loaded, name)


def _resolve_channel(actor: Actor, channel: str | None) -> str:
    if channel is None:
        return actor.default_channel
    if channel not in CHANNELS:
        raise Invalid(N_("Unknown channel."), errors={"channel": [N_("Unknown channel.")]})
    if channel != actor.default_channel and not actor.is_staff:
        raise Forbidden(N_("Only staff may set the channel."))
    return channel


def _numbering(insert):
    return (insert(DailyNumber).values(service_id=bindparam("service_id"), day=bindparam("day"), last=1)
            .on_conflict_do_update(index_elements=["service_id", "day"], set_={"last": DailyNumber.last + 1})
            .returning(DailyNumber.last))


_NEXT_NUMBER = {"postgresql": _numbering(pg_insert), "sqlite": _numbering(sqlite_insert)}


def _next_number(conn: Connection, service_id: int, day) -> int:
    """Atomically take the next number of a service's day (an upsert on a counter row)."""
    return conn.execute(_NEXT_NUMBER[conn.dialect.name], {"service_id": service_id, "day": day}).scalar_one()


# ---------------------------------------------------------------- counters

def set_counter_state(uow: UnitOfWork, branch_slug: str, counter_slug: str, state: str,
                      actor: Actor) -> dict:
    if state not in COUNTER_STATES:
        raise Invalid(N_("Unknown counter state."))
    session = uow.session
    branch = find_branch(session, branch_slug, lock=True)
    actor.require_staff(branch)
    counter = find_counter(session, branch, counter_slug)
    if counter.state != state:
        counter.state = state
        _changed(uow, branch, services=[s.id for s in counter.services], eta_changed=True)
    view = views.counter_view(counter)
    uow.commit()
    return view


def call_next(uow: UnitOfWork, branch_slug: str, counter_slug: str, actor: Actor) -> dict | None:
    """Claim the first waiting ticket across the counter's services, or None.

    The branch row is locked first; on PostgreSQL the claimed ticket row is also
    taken with FOR UPDATE SKIP LOCKED, so two counters never get the same ticket.
    Whatever the counter still had called or in service is finished first.
    """
    session = uow.session
    branch = find_branch(session, branch_slug, lock=True)
    actor.require_staff(branch)
    counter = find_counter(session, branch, counter_slug)
    if counter.state != "open":
        raise Conflict(N_("The counter is not open; open it first."))
    now = clock.utcnow()
    touched_services: set[int] = set()
    auto_done = False
    for current in session.scalars(select(Ticket).options(*TICKET_LOAD).where(
            Ticket.counter_id == counter.id,
            Ticket.status.in_((Status.CALLED, Status.SERVING)))):
        _apply(session, current, Action.DONE, actor, now, counter=counter, data={"auto": True})
        touched_services.add(current.service_id)
        auto_done = True

    service_ids = [s.id for s in counter.services]
    mine = Ticket.target_counter_id == counter.id
    eligible = (Ticket.service_id.in_(service_ids) & Ticket.target_counter_id.is_(None)) if service_ids else None
    query = (select(Ticket).where(Ticket.branch_id == branch.id, Ticket.status == Status.WAITING,
                                  or_(mine, eligible) if eligible is not None else mine)
             .order_by(Ticket.sort_at, Ticket.seq).limit(1)
             .with_for_update(skip_locked=True))
    ticket = session.scalar(query)
    if ticket is None:
        if touched_services:
            _changed(uow, branch, services=touched_services, eta_changed=True)
            uow.commit()
        return None
    place = (ticket.sort_at, ticket.seq)
    _apply(session, ticket, Action.CALL, actor, now, counter=counter)
    touched_services.add(ticket.service_id)
    stats = _changed(uow, branch, services=touched_services, moved_behind=place, also=[ticket],
             called=ticket, counter=counter, eta_changed=auto_done)
    result = _view(uow, ticket, stats=stats)
    uow.commit()
    log.info("ticket %s called to %s at %s", ticket.code, counter.slug, branch.slug)
    return result


# ---------------------------------------------------------------- staff actions on one ticket

def act(uow: UnitOfWork, ticket_id: str, action: Action, actor: Actor) -> dict:
    """Recall, start, done, no-show or requeue a ticket (by its UUID)."""
    session = uow.session
    ticket = _locked_ticket(session, ticket_id)
    actor.require_staff(ticket.branch)
    place = (ticket.sort_at, ticket.seq)
    was_waiting = ticket.status == Status.WAITING
    _apply(session, ticket, action, actor, clock.utcnow(), counter=ticket.counter)
    moved = action is Action.REQUEUE or was_waiting
    stats = _changed(uow, ticket.branch, services=[ticket.service_id],
             moved_behind=place if moved else None, also=[ticket],
             called=ticket if action is Action.RECALL else None, counter=ticket.counter,
             eta_changed=action is Action.DONE)
    result = _view(uow, ticket, stats=stats)
    uow.commit()
    return result


def transfer(uow: UnitOfWork, ticket_id: str, actor: Actor, service: str | None = None,
             counter: str | None = None) -> dict:
    """Move a ticket to another service or counter; it keeps its place in time."""
    if bool(service) == bool(counter):
        raise Invalid(N_("Give either a service or a counter."),
                      errors={"service": [N_("Give either a service or a counter.")]})
    session = uow.session
    ticket = _locked_ticket(session, ticket_id)
    actor.require_staff(ticket.branch)
    branch = ticket.branch
    old_service, old_place = ticket.service_id, (ticket.sort_at, ticket.seq)
    data: dict = {"from_service": ticket.service.slug}
    if service:
        target = find_service(session, branch, service)
        ticket.service = target
        ticket.target_counter = None
        data["to_service"] = target.slug
    else:
        target_counter = find_counter(session, branch, counter)
        ticket.target_counter = target_counter
        data["to_counter"] = target_counter.slug
    _apply(session, ticket, Action.TRANSFER, actor, clock.utcnow(), counter=ticket.counter, data=data)
    services = {old_service, ticket.service_id}
    stats = _changed(uow, branch, services=services,
             moved_behind=(min(old_place, (ticket.sort_at, ticket.seq))),
             also=[ticket])
    result = _view(uow, ticket, stats=stats)
    uow.commit()
    return result


def cancel(uow: UnitOfWork, token: str, actor: Actor) -> dict:
    """The holder of the token (or staff for them) cancels the ticket."""
    session = uow.session
    ticket = find_ticket_by_token(session, token)
    branch = find_branch(session, ticket.branch.slug, lock=True)
    session.refresh(ticket)
    if actor.kind == "user":
        actor.require_staff(branch)
    place = (ticket.sort_at, ticket.seq)
    was_waiting = ticket.status == Status.WAITING
    _apply(session, ticket, Action.CANCEL, actor, clock.utcnow(), counter=ticket.counter,
           channel=None if actor.kind == "user" else ticket.channel)
    stats = _changed(uow, branch, services=[ticket.service_id], moved_behind=place if was_waiting else None,
                     also=[ticket], setup_changed=False)
    result = _view(uow, ticket, stats=stats)
    uow.commit()
    return result


def give_feedback(uow: UnitOfWork, token: str, score: int, comment: str | None,
                  channel: str | None = None) -> dict:
    session = uow.session
    ticket = find_ticket_by_token(session, token)
    if ticket.status != Status.DONE:
        raise Conflict(N_("You can rate a visit once it is over."))
    if session.scalar(select(Feedback).where(Feedback.ticket_seq == ticket.seq)) is not None:
        raise Conflict(N_("This visit was already rated. Thank you!"))
    if not 1 <= score <= 5:
        raise Invalid(N_("The score goes from 1 to 5."), errors={"score": [N_("The score goes from 1 to 5.")]})
    session.add(Feedback(ticket_seq=ticket.seq, score=score, comment=comment or None,
                         channel=channel or ticket.channel))
    _record(session, ticket, "feedback", None, channel=channel or ticket.channel, at=clock.utcnow(),
            data={"score": score})
    uow.commit()
    return {"ticket": ticket.id, "score": score, "comment": comment or None}


# ---------------------------------------------------------------- shared steps

def _locked_ticket(session: Session, ticket_id: str) -> Ticket:
    """Find a ticket by UUID, then lock its branch and read it again under the lock."""
    ticket = find_ticket_by_id(session, ticket_id)
    find_branch(session, ticket.branch.slug, lock=True)
    session.refresh(ticket)
    return ticket


def _apply(session: Session, ticket: Ticket, action: Action, actor: Actor | None, now, *,
           counter: Counter | None = None, data: dict | None = None, channel: str | None = None) -> None:
    try:
        status = next_status(ticket.status, action)
    except TransitionNotAllowed as exc:
        raise Conflict(_TRANSITION_MESSAGES[action], action=str(exc.action), status=str(exc.status)) from exc
    if action is Action.CALL:
        ticket.counter = counter
        ticket.called_at = now
        ticket.target_counter = None
    elif action is Action.RECALL:
        ticket.recalls += 1
        ticket.called_at = now
    elif action is Action.START:
        ticket.started_at = now
    elif action in (Action.DONE, Action.NO_SHOW, Action.CANCEL):
        ticket.finished_at = now
    elif action in (Action.REQUEUE, Action.TRANSFER):
        ticket.counter = None
        ticket.called_at = ticket.started_at = None
    ticket.status = status
    kind = {Action.CALL: "called", Action.RECALL: "recalled", Action.START: "started",
            Action.DONE: "done", Action.NO_SHOW: "no_show", Action.CANCEL: "cancelled",
            Action.REQUEUE: "requeued", Action.TRANSFER: "transferred"}[action]
    _record(session, ticket, kind, actor, channel=channel, at=now, counter=counter, data=data)


_TRANSITION_MESSAGES = {
    Action.CALL: N_("Only a waiting ticket can be called."),
    Action.RECALL: N_("Only a called ticket can be called again."),
    Action.START: N_("Only a called ticket can start being served."),
    Action.DONE: N_("Only a ticket that was called or is being served can be finished."),
    Action.NO_SHOW: N_("Only a called ticket can be marked as a no-show."),
    Action.CANCEL: N_("This ticket can no longer be cancelled."),
    Action.REQUEUE: N_("Only a called or no-show ticket can go back to the line."),
    Action.TRANSFER: N_("This ticket can no longer be transferred."),
}


def _record(session: Session, ticket: Ticket, kind: str, actor: Actor | None, *, at, channel=None,
            counter: Counter | None = None, data: dict | None = None) -> None:
    if channel is None and actor is not None:
        channel = "staff" if actor.kind == "user" else ("kiosk" if actor.kind == "device" else None)
    event = TicketEvent(
        ticket_seq=ticket.seq, branch_id=ticket.branch_id, kind=kind, at=at, channel=channel,
        user_id=actor.user_id if actor else None, device_id=actor.device_id if actor else None,
        counter_id=counter.id if counter is not None else None, data=data or None)
    session.add(event)
    _tell_listeners(session, kind, ticket, event=event, counter=counter)


def _tell_listeners(session: Session, kind: str, ticket: Ticket, **details) -> None:
    """In-transaction listeners (messaging's outbox): what they write commits with the change."""
    for listener in session.info["turnero.db"].ticket_listeners:
        listener(session, kind, ticket, **details)


def _today(branch: Branch):
    return local_day(clock.utcnow(), branch.timezone)


def _view(uow: UnitOfWork, ticket: Ticket, ahead: int | None = None,
          stats: dict[int, views.ServiceStats] | None = None) -> dict:
    """The ticket as its holder sees it; `ahead`/`stats` when the caller has them."""
    session = uow.session
    if ticket.status != Status.WAITING:
        return views.ticket_view(ticket, ahead=None, stats=None, public_url=uow.db.public_url)
    if ahead is None:
        ahead = views.ahead_of(session, ticket)
    if stats is None:
        stats = views.service_stats(session, ticket.branch, _today(ticket.branch))
    return views.ticket_view(ticket, ahead=ahead, stats=stats.get(ticket.service_id),
                             public_url=uow.db.public_url)


def _changed(uow: UnitOfWork, branch: Branch, *, services: Iterable[int], moved_behind=None,
             also: Iterable[Ticket] = (), called: Ticket | None = None, counter: Counter | None = None,
             eta_changed: bool = False, setup_changed: bool = True) -> dict[int, views.ServiceStats]:
    """A change of the branch, queued for after the commit: bump `seq`, then
    `ticket.called`, the new `branch.state`, and `ticket.update` for every ticket
    whose place or wait moved.

    `moved_behind` is the place (sort_at, seq) where a ticket entered or left a
    line: the tickets behind it moved. `eta_changed` means every waiting ticket of
    those lines has a new wait (a counter opened or closed, a service time ended).
    `setup_changed` (the default) gives the branch a new `setup_version`: say False
    only for a change that touches no service, counter, call or service time.
    """
    session = uow.session
    branch.seq += 1
    if setup_changed:
        branch.setup_version = new_version()
    session.flush()
    today = _today(branch)
    room = branch_room(branch.slug)
    if called is not None and counter is not None:
        uow.emit("ticket.called", {
            "branch": branch.slug, "seq": branch.seq, "code": called.code,
            "service": called.service.slug, "counter": {"id": counter.slug, "name": counter.name},
            "recall": called.recalls > 0}, room)
    setup = (views.read_setup(session, branch.id, today) if setup_changed
             else views.setup_for(session, branch.id, branch.setup_version, today))
    stats = setup.stats(views.waiting_counts(session, branch.id))
    uow.emit("branch.state", views.state_payload(branch, setup, stats), room)
    updated: set[int] = set()
    service_ids = set(services)
    if service_ids and (eta_changed or moved_behind is not None):
        updated = _moved_lines(uow, branch.id, service_ids, None if eta_changed else moved_behind, stats)
    for ticket in also:
        if ticket.seq in updated:
            continue
        ahead = views.ahead_of(session, ticket) if ticket.status == Status.WAITING else None
        uow.emit("ticket.update", views.ticket_view(
            ticket, ahead=ahead, stats=stats.get(ticket.service_id), public_url=uow.db.public_url,
            include_token=False), ticket_room(ticket.id))
    return stats


def _moved_lines(uow: UnitOfWork, branch_id: int, service_ids, after, stats) -> set[int]:
    """`ticket.update` (and the "moved" listeners) for the waiting tickets of these
    lines behind `after` (all of them when None). Returns their seqs."""
    session = uow.session
    updated: set[int] = set()
    for ticket, ahead in views.waiting_with_positions(session, branch_id, service_ids, after=after):
        updated.add(ticket.seq)
        _tell_listeners(session, "moved", ticket, ahead=ahead)
        uow.emit("ticket.update", views.ticket_view(
            ticket, ahead=ahead, stats=stats[ticket.service_id], public_url=uow.db.public_url,
            include_token=False), ticket_room(ticket.id))
    return updated


# ---------------------------------------------------------------- a phone for a ticket already taken

def set_ticket_phone(uow: UnitOfWork, token: str, phone: str, actor: Actor) -> dict:
    """The holder of a ticket (or staff for them) leaves a phone number for SMS updates.

    The number goes through the one normaliser and becomes the ticket's customer; the
    change is recorded as a `phone_added` event (so messaging's listener sees it) and
    broadcast like any other change of the branch.
    """
    session = uow.session
    ticket = find_ticket_by_token(session, token)
    branch = find_branch(session, ticket.branch.slug, lock=True)
    session.refresh(ticket)
    if actor.kind == "user":
        actor.require_staff(branch)
    if ticket.status not in (Status.WAITING, Status.CALLED):
        raise Conflict(N_("This turn is over: there is nothing left to send you."))
    ticket.customer = customer_for(session, phone, branch.country, ticket.name, ticket.lang)
    _record(session, ticket, "phone_added", actor, at=clock.utcnow(),
            channel=None if actor.kind == "user" else actor.default_channel)
    stats = _changed(uow, branch, services=[], also=[ticket], setup_changed=False)
    result = _view(uow, ticket, stats=stats)
    uow.commit()
    log.info("ticket %s at %s now has a phone for updates", ticket.code, branch.slug)
    return result


def get_feedback(uow: UnitOfWork, token: str) -> dict | None:
    """The rating the holder gave this visit, or None."""
    ticket = find_ticket_by_token(uow.session, token)
    feedback = uow.session.scalar(select(Feedback).where(Feedback.ticket_seq == ticket.seq))
    if feedback is None:
        return None
    return {"ticket": ticket.id, "score": feedback.score, "comment": feedback.comment}




def branch_changed(uow: UnitOfWork, branch: Branch) -> None:
    """An administrative change the displays show (names, colours, counters, settings):
    queue a fresh `branch.state` and new waits for after the commit. Call it with the
    branch row locked (`find_branch(..., lock=True)`)."""
    service_ids = uow.session.scalars(select(Service.id).where(Service.branch_id == branch.id)).all()
    _changed(uow, branch, services=service_ids, eta_changed=True)


__all__ = ["take_ticket", "call_next", "act", "transfer", "cancel", "give_feedback", "set_counter_state",
           "get_ticket", "get_branch", "get_branch_state", "list_branches", "list_tickets",
           "ticket_history", "set_ticket_phone", "get_feedback", "branch_changed"]
