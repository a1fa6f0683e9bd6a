"""The counters' use cases: open, pause or close a counter, list a branch's counters as
staff see them, and call a ticket to a counter (the first waiting across its lines, or
one chosen out of turn). As services.py's: each change runs inside a unit of work with
its branch locked first, changes tickets only through rules.py's transitions, commits
once, and queues its events for after the commit (changes.py)."""
from __future__ import annotations

import logging

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..access import audit
from ..access.services import Actor
from ..db import UnitOfWork
from ..errors import N_, Conflict, Invalid, NotFound
from ..models import Branch, Counter, Ticket
from . import day, rules
from . import read_models as views
from .changes import apply, changed, refused, ticket_result, today
from .lookups import NO_TICKET, TICKET_LOAD, find_branch, find_counter, find_ticket_by_id
from .places import first_for_counter, mark_passed
from .rules import COUNTER_STATES, Action, Status, place_of

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- counters

MAX_PAUSE_REASON = 80


def set_counter_state(uow: UnitOfWork, branch_slug: str, counter_slug: str, state: str,
                      actor: Actor, reason: str | None = None) -> dict:
    """Open, pause (with a reason: `break`, `lunch`, `back_office` or free text) or
    close a counter. The audit log keeps who did it and when; the counter keeps who
    opened it and since when it is in its state (the console shows both)."""
    if state not in COUNTER_STATES:
        raise Invalid(N_("Unknown counter state."))
    reason = (reason or "").strip() or None
    if reason and state != "paused":
        raise Invalid(N_("Only a pause takes a reason."), errors={"reason": [N_("Only a pause takes a reason.")]})
    if reason and len(reason) > MAX_PAUSE_REASON:
        raise Invalid(N_("This is too long."), errors={"reason": [N_("This is too long.")]})
    session = uow.session
    branch = find_branch(session, branch_slug, lock=True)
    actor.require_staff(branch)
    counter = find_counter(session, branch, counter_slug)
    if counter.state != state or (state == "paused" and reason != counter.pause_reason):
        moved = counter.state != state
        counter.state, counter.pause_reason, counter.state_since = state, reason, clock.utcnow()
        if state == "open" or (state == "paused" and counter.agent_id is None):
            counter.agent_id = actor.user_id
        elif state == "closed":
            counter.agent_id = None
        audit.record(session, actor, f"counter.{'opened' if state == 'open' else state}", branch=branch.slug,
                     target=counter.slug, changes={"reason": reason} if reason else None)
        # A counter's state moves waits, never places.
        if moved:
            changed(uow, branch, services=[s.id for s in counter.services], eta_changed=True, shifts=[])
        else:
            changed(uow, branch, services=[], setup_changed=False, shifts=[])
    view = views.counter_view(counter)
    uow.commit()
    return view


def list_counters(uow: UnitOfWork, branch_slug: str, actor: Actor) -> list[dict]:
    """The branch's counters as staff see them: state, why paused, who opened it, since when."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    actor.require_staff(branch)
    counters = session.scalars(select(Counter).options(joinedload(Counter.agent), joinedload(Counter.services))
                               .where(Counter.branch_id == branch.id).order_by(Counter.slug)).unique()
    return [views.counter_view(c) for c in counters]


def call_next(uow: UnitOfWork, branch_slug: str, counter_slug: str, actor: Actor) -> views.TicketView | None:
    """Claim the first waiting ticket across the counter's services, or None.

    The branch row is locked first (every change of the branch's tickets takes it), and
    on PostgreSQL the claimed ticket row too, FOR UPDATE: two counters never get the
    same ticket.
    The first ticket is found at the head of each line (places.first_for_counter),
    so a call costs the same however many wait.
    Whatever the counter still had called or in service is finished first.
    """
    session = uow.session
    branch, counter, now, finished = _calling_counter(uow, branch_slug, counter_slug, actor)
    touched_services = {t.service_id for t in finished}
    ticket = _first_waiting(session, branch, counter)
    leftovers: list[Ticket] = []
    if ticket is not None and ticket.day < today(branch):
        # An earlier day's turn still waits (its day's end was not closed yet: the server
        # was down): that day ends now, and the line is read again.
        leftovers = day.due_turns(session, branch, now)
        touched_services |= day.expire_turns(uow, leftovers, now)
        finished += leftovers
        session.flush()
        ticket = _first_waiting(session, branch, counter)
    if branch.remote_check_in:
        # Remote turns whose holder has not arrived keep their place and were passed
        # over: their grace time starts (day.due_turns expires them after it).
        mark_passed(session, branch.id, [s.id for s in counter.services],
                    place_of(ticket) if ticket is not None else None, now)
    if ticket is None:
        if touched_services:
            changed(uow, branch, services=touched_services, eta_changed=True, also=finished)
            uow.commit()
        return None
    # An earlier day's turns expired on the way left the lines too: not a plain removal.
    return _call(uow, branch, counter, ticket, now, actor, finished, touched_services, plain=not leftovers)


MAX_REASON = 200


def call_ticket(uow: UnitOfWork, branch_slug: str, counter_slug: str, ticket_id: str, reason: str | None,
                actor: Actor) -> views.TicketView:
    """Call one chosen waiting ticket out of turn (the customer in a wheelchair at the
    door, the one who was in the restroom when called): any ticket of a service the
    counter serves, with the reason, which the log keeps with who called. Under the
    same branch lock and row lock as call-next, so no two counters call it."""
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        message = N_("Say why this ticket is called out of turn.") if not reason else N_("This is too long.")
        raise Invalid(message, errors={"reason": [message]})
    session = uow.session
    ticket = find_ticket_by_id(session, ticket_id)
    branch, counter, now, finished = _calling_counter(uow, branch_slug, counter_slug, actor)
    session.refresh(ticket)
    if ticket.branch_id != branch.id:
        raise NotFound(NO_TICKET)
    if ticket.status != Status.WAITING:
        raise refused(rules.TransitionNotAllowed(Action.CALL, Status(ticket.status)))
    if ticket.service_id not in {s.id for s in counter.services}:
        raise Conflict(N_("This counter does not serve this ticket's service; transfer it first."))
    if ticket.target_counter_id not in (None, counter.id):
        raise Conflict(N_("This ticket was sent to another counter."))
    if ticket.day < today(branch):
        raise Conflict(N_("This ticket is from an earlier day."))
    ticket = session.scalar(select(Ticket).where(Ticket.seq == ticket.seq).with_for_update())
    return _call(uow, branch, counter, ticket, now, actor, finished, {t.service_id for t in finished},
                 reason=reason)


# What a counter has called or is serving, which its next call finishes: looked up in
# ix_tickets_counter_status, not found by walking every ticket the branch ever had.
AT_COUNTER = select(Ticket).options(*TICKET_LOAD).where(Ticket.counter_id == bindparam("counter_id"),
                                                        Ticket.status.in_((Status.CALLED, Status.SERVING)))


def _calling_counter(uow: UnitOfWork, branch_slug: str, counter_slug: str, actor: Actor):
    """Lock the branch, check the counter is open, and finish what it still had
    called or in service: (branch, counter, now, the tickets finished)."""
    session = uow.session
    branch = find_branch(session, branch_slug, lock=True)
    actor.require_staff(branch)
    counter = find_counter(session, branch, counter_slug)
    if counter.state != "open":
        raise Conflict(N_("The counter is not open; open it first."))
    now = clock.utcnow()
    finished = list(session.scalars(AT_COUNTER, {"counter_id": counter.id}))
    for current in finished:
        # Recalled as often as the branch allows and still not here: a no-show.
        if (branch.no_show_after_recalls and current.status == Status.CALLED
                and current.recalls >= branch.no_show_after_recalls):
            apply(uow, current, rules.no_show, now, actor=actor, auto=True)
        else:
            apply(uow, current, rules.finish, now, actor=actor, auto=True)
    return branch, counter, now, finished


def _call(uow: UnitOfWork, branch: Branch, counter, ticket: Ticket, now, actor: Actor, finished: list[Ticket],
          touched_services: set[int], reason: str | None = None, plain: bool = True) -> views.TicketView:
    """Call the ticket. `plain`: leaving its line is all this change does to the lines."""
    place = place_of(ticket)
    apply(uow, ticket, rules.call, counter.id, now, actor=actor, reason=reason)
    eta_changed = bool(touched_services)
    touched_services.add(ticket.service_id)
    stats = changed(uow, branch, services=touched_services, moved_behind=place, also=[*finished, ticket],
                    called=ticket, counter=counter, eta_changed=eta_changed,
                    shifts=[(ticket.service_id, place, -1)] if plain else None)
    result = ticket_result(uow, ticket, stats)
    uow.commit()
    log.info("ticket %s called to %s at %s%s", ticket.code, counter.slug, branch.slug, " (chosen)" if reason else "")
    return result


def _first_waiting(session, branch: Branch, counter) -> Ticket | None:
    """The ticket the counter calls next, its row locked (FOR UPDATE on PostgreSQL)."""
    first = first_for_counter(session, branch.id, counter.id, [s.id for s in counter.services],
                              ready_only=branch.remote_check_in)
    if first is None:
        return None
    return session.scalar(select(Ticket).where(Ticket.seq == first, Ticket.status == Status.WAITING)
                          .with_for_update())
