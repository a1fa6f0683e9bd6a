"""Taking a turn: the one way every ticket is made, whatever the door (REST, the join
page, SMS, WhatsApp, voice, the kiosk, appointment check-in).

This is the busiest use case, so it runs as few statements as it can: lock and bump
the branch (reading its settings), take a number, insert the ticket and its event.
What else a `branch.state` needs is remembered between tickets (see `_waiting_lines`
and read_models.setup_for). A turn taken a while after the branch's last change has the
waits reckoned again as of its own moment, for every door (setup.BranchSetup.aged)."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clock
from ..access.services import LINK_SECRET_BYTES, Actor, new_secret
from ..customers import customer_for
from ..db import UnitOfWork
from ..errors import N_, Conflict, Forbidden, Invalid
from ..models import Branch, Customer, DailyNumber, Ticket, TicketEvent, new_uuid, new_version
from ..realtime import branch_room, notice_lines_moved
from . import read_models as views
from . import followers, places
from .alerts import choice_for_turn
from .changes import near_the_front, tell_listeners, ticket_result
from .day import refused_join
from .lookups import TICKET_LOAD, no_branch, no_service
from .events import Issued
from .rules import CHANNELS, PHONE_CHANNELS, Status, format_code, local_day, place_of, sort_time
from .setup import Lines, counts, read_lines, remember_lines, remember_setup, setup_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TicketTaken:
    """A ticket as its holder sees it; `created` False when an Idempotency-Key
    answered with the ticket its first request made."""
    ticket: views.TicketView
    created: bool


def fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


_BRANCHES = Branch.__table__
# Taking a turn locks the branch row by bumping its `seq` and reads its settings in
# the same statement; the rest of the hot path is plain Core on the session's
# connection (same transaction), with no ORM object made for the new ticket.
_TAKE_BRANCH = (update(_BRANCHES).where(_BRANCHES.c.slug == bindparam("b_slug"))
                .values(seq=_BRANCHES.c.seq + 1).returning(*_BRANCHES.c))
# A ticket placed before others moved them: its notice is the branch's last (known_lines).
_MOVED = update(_BRANCHES).where(_BRANCHES.c.id == bindparam("b_id")).values(moved_seq=bindparam("b_seq"))
# The waits reckoned again as of a turn taken (BranchSetup.aged): a new setup version.
_RECKONED = update(_BRANCHES).where(_BRANCHES.c.id == bindparam("b_id")).values(
    reckoned_at=bindparam("b_at"), setup_version=bindparam("b_version"))
_INSERT_TICKET = insert(Ticket.__table__).returning(Ticket.__table__.c.seq)
_INSERT_EVENT = insert(TicketEvent.__table__)


def take_ticket(uow: UnitOfWork, branch_slug: str, **request) -> TicketTaken:
    """Issue a ticket (see `issue_ticket`) and commit."""
    taken = issue_ticket(uow, branch_slug, **request)
    if taken.created:
        uow.commit()
    return taken


def issue_ticket(uow: UnitOfWork, branch_slug: str, *, service: str, actor: Actor,
                phone: str | None = None, name: str | None = None, priority: bool = False,
                priority_class: int | None = None,
                lang: str | None = None, channel: str | None = None, notify_by: str | None = None,
                idempotency_key: str | None = None, via: str | None = None,
                place_at: datetime | None = None, turn_notify_by: str | None = None) -> TicketTaken:
    """Issue a ticket in the caller's transaction, which commits it (`take_ticket`, or
    a use case that does more in the same change: appointment check-in). A repeated
    Idempotency-Key returns the ticket the first request made, with `created` False.

    `via` is the channel as the calling door itself knows it (the SMS door says
    "sms", appointment check-in "appointment"): it is not checked against the
    actor, unlike `channel`, which a request asks for. `place_at` fixes the
    ticket's place in time (a checked-in appointment: its time minus the boost)
    instead of issue time minus the priority boost.

    `notify_by` (SMS or WhatsApp) becomes the customer's choice when the number's
    holder (a text or call from it) or staff made it; a number typed on a page or at a
    kiosk may be anyone's, so there it holds for this ticket alone, as does
    `turn_notify_by` (a choice made for the turn before: a checked-in appointment's).

    What a `branch.state` needs besides the new ticket is remembered: the branch's
    setup (services, open counters, service times, recent calls) per
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
    if actor.is_staff and not actor.can_act_on(branch):
        # Staff powers (the channel, priority, no limits) are for their own branch.
        raise Forbidden(N_("You can only act on your own branch."))
    request = {"service": service, "phone": phone, "name": name, "priority": priority,
               "lang": lang, "channel": channel, **({"priority_class": priority_class} if priority_class else {}),
               **({"notify_by": notify_by} if notify_by else {})}
    if idempotency_key:
        replayed = _replay(session, branch.id, idempotency_key, request)
        if replayed is not None:
            return TicketTaken(ticket_result(uow, replayed), created=False)

    now = clock.utcnow()
    day = local_day(now, branch.timezone)
    setup = setup_for(session, branch.id, branch.setup_version, day, remember=True)
    svc = setup.service(service)
    if svc is None:
        raise no_service(service)
    # A paused line, or a branch outside its hours for walk-ins, takes no new turns;
    # staff at the counter and a booked appointment checking in still may.
    if not actor.is_staff and via != "appointment":
        joining = setup.joining(branch, svc, now)
        if not joining.open:
            raise refused_join(joining, branch.timezone)
    channel = via if via in CHANNELS else _resolve_channel(actor, channel)
    # Priority is for whom staff or the kiosk can see: a web page or a script asking
    # for it gets a plain ticket (the join page tells the customer to ask at the counter).
    priority = (bool(priority) or priority_class is not None) and actor.may_grant_priority
    if priority and not branch.offers_priority:
        raise Invalid(N_("This branch does not offer priority turns."),
                      errors={"priority": [N_("This branch does not offer priority turns.")]})
    # A priority class: its own boost; a kiosk offers only the classes marked for it.
    chosen = setup.priority_class(priority_class) if priority and priority_class is not None else None
    if priority and priority_class is not None and (
            chosen is None or (actor.kind == "device" and not chosen.at_kiosk)):
        raise Invalid(N_("This branch has no such priority class."),
                      errors={"priority_class": [N_("This branch has no such priority class.")]})
    boost = chosen.boost_min if chosen is not None else branch.priority_boost_min
    lang = lang or branch.lang
    # A number that texted or called is its holder's; one typed on a page or at a kiosk
    # may be anyone's: it never changes the name or language the customer chose.
    proven = channel in PHONE_CHANNELS
    customer = customer_for(session, phone, branch.country, name, lang, proven=proven) if phone else None
    # SMS or WhatsApp: the customer's choice when the number's holder or staff made it,
    # else this ticket's alone.
    turn_choice = (choice_for_turn(session, customer, notify_by, owner=proven or actor.is_staff) if notify_by
                   else choice_for_turn(session, customer, turn_notify_by, owner=False))

    # The waits were reckoned half a minute or more ago while counters' turns ran on: this
    # turn is told its wait as of now, and so is every door (a new setup version,
    # which every process reads; the followers of every line hear of it below).
    version, reckoned = branch.setup_version, setup.aged(now)
    if reckoned:
        version = new_version()
        conn.execute(_RECKONED, {"b_id": branch.id, "b_at": now, "b_version": version})
    lines = _waiting_lines(uow, conn, branch, version)
    number = _next_number(conn, svc.id, day)
    values = {
        "id": new_uuid(), "token": new_secret(LINK_SECRET_BYTES), "branch_id": branch.id, "service_id": svc.id, "day": day,
        "number": number, "code": format_code(svc.prefix, number), "channel": channel, "priority": priority,
        "lang": lang, "name": name or None, "customer_id": customer.id if customer is not None else None,
        "status": Status.WAITING.value,
        "sort_at": place_at if place_at is not None else sort_time(now, boost if priority else 0),
        "created_at": now, "called_at": None, "started_at": None, "finished_at": None, "counter_id": None,
        "target_counter_id": None, "recalls": 0, "arrived_at": None, "passed_at": None, "late_moves": 0,
        "priority_class_id": chosen.id if chosen is not None else None, "notify_by": turn_choice,
        "idempotency_key": idempotency_key,
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
        return TicketTaken(ticket_result(uow, replayed), created=False)
    ticket = _NewTicket(session, values, customer=customer)

    # A ticket usually joins at the end of its line: then everyone waiting is ahead of
    # it and no one's place moved. Only a ticket placed earlier moves the ones behind.
    waiting, last = lines.get(svc.id, (0, None))
    behind = last is not None and last > ticket.sort_at
    lines[svc.id] = (waiting + 1, ticket.sort_at if last is None or ticket.sort_at > last else last)
    if reckoned:
        # The setup as any process reads it from the database once this commits.
        setup = replace(setup, as_of=now, waiting_then=counts(lines))
        remember_setup(uow, branch.id, version, day, setup)
    stats = setup.stats(counts(lines))
    uow.emit("branch.state", views.state_payload(branch, setup, stats), branch_room(branch.slug))
    place = place_of(ticket)
    if behind:
        ahead = places.ahead_of(conn, ticket)
        near_the_front(uow, branch, [svc.id], place)
    else:
        ahead = waiting
    if behind or reckoned:
        # Behind it, its line moved; reckoned again, every line has new waits.
        conn.execute(_MOVED, {"b_id": branch.id, "b_seq": branch.seq})
        _forget_seq(session, branch.id)
        moved = [s.id for s in setup.services if s.active] if reckoned else [svc.id]
        notice_lines_moved(uow, followers.moved(branch.id, moved, None if reckoned else place, seq=branch.seq,
                                                prev=branch.moved_seq, shifts=[(svc.id, place, +1)] if behind else []))
    # Where its counters serve other lines too, their tickets placed before it count:
    # all that wait there, unless some were placed after it (priority, appointments).
    others = stats[svc.id].others
    older = places.older_of(conn, ticket, others) \
        if any(lines.get(o, (0, None))[1] is not None and lines[o][1] > ticket.sort_at for o in others) else None
    # No `ticket.update` of its own: no one can follow a ticket before its holder has
    # its token, which this answer gives.
    view = views.view_of(ticket, branch_slug=branch.slug, service=svc, counter=None, ahead=ahead,
                         stats=stats[svc.id], public_url=uow.db.public_url, older=older)
    # The log keeps the wait this ticket is shown now, to be measured against its real one.
    issued = Issued(at=now, channel=channel, shown=view.eta, ahead=ahead, configured_min=svc.avg_service_min)
    conn.execute(_INSERT_EVENT, {
        "ticket_seq": ticket.seq, "branch_id": branch.id, "kind": issued.kind, "at": now, "channel": channel,
        "user_id": actor.user_id, "device_id": actor.device_id, "counter_id": None, "data": issued.data})
    tell_listeners(session, ticket, issued)
    uow.committed(branch.slug, issued)
    # DEBUG: the busiest line of all; turnero_tickets_issued_total counts them (/metrics).
    log.debug("ticket %s issued at %s (%s)", ticket.code, branch.slug, channel)
    return TicketTaken(view, created=True)


def _waiting_lines(uow: UnitOfWork, conn, branch, version: str) -> Lines:
    """The branch's waiting lines before this new ticket, and once it is committed,
    remembered with it for the next one.

    Every change of a branch bumps its `seq` under the branch lock, so lines that
    this process committed at `seq` N are still the database's when the next ticket
    finds the branch at N + 1 (at N before its own bump): nothing else changed in
    between. The `setup_version` in the key tells a deleted and re-made branch with
    the same id apart; `version` is the one this ticket leaves (a new one when it had
    the waits reckoned again)."""
    memory = uow.db.lines
    known = memory.get(branch.id)
    if known is not None and known[0] == (branch.seq - 1, branch.setup_version):
        lines = dict(known[1])
    else:
        lines = read_lines(conn, branch.id)
    remember_lines(uow, branch, lines, version)  # the new ticket is added to them below, before the commit
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
    """The branch's `seq` (or `moved_seq`, its setup version) was written by a Core
    statement: an ORM copy of the row in this session (a caller that locked it first)
    must read it again."""
    known = session.identity_map.get(Session.identity_key(Branch, branch_id))
    if known is not None:
        session.expire(known, ["seq", "moved_seq", "setup_version", "reckoned_at"])


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
