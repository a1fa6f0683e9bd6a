"""A console that forgives: the use cases that take back a slip at a counter.

`undo`: seconds after a finish or a no-show (by its button, or by "Call next" while
the ticket was still at the counter), the same agent at the same counter puts
everything back as it was: the ticket at the counter again, and the ticket that was
called next back in line at its place. The log keeps both events and an `undone`
one naming each (reports leave out what was undone).

`recent_no_shows` / a no-show's return (services.act's requeue): a customer marked
as not present who turns up late may go back to the line at their place in time,
for the branch's `no_show_return_min` minutes.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from .. import clock
from ..access.services import Actor
from ..db import UnitOfWork
from ..errors import N_, Conflict
from ..models import Branch, Counter, Ticket, TicketEvent
from . import read_models as views
from . import rules
from .changes import changed, record, ticket_result, today
from .lookups import TICKET_LOAD, find_branch, find_ticket_by_id, locked_ticket
from .rules import Status, place_of
from .setup import undone_events

log = logging.getLogger(__name__)

NOTHING_TO_UNDO = N_("There is nothing to undo for this ticket.")
TOO_LATE = N_("It is too late to undo this; use the ticket's actions instead.")
NOT_YOURS = N_("Only the agent who did it, at the same counter, can undo it.")
MOVED_ON = N_("The counter has moved on since; this can no longer be undone.")


@dataclass(frozen=True)
class Undone:
    """What an undo put back: `ticket` at its counter again; `returned`, the ticket that
    had been called in its place, back in line (None when none was)."""
    ticket: views.TicketView
    returned: views.TicketView | None

    def to_json(self) -> dict:
        return {"ticket": self.ticket.to_json(),
                "returned": self.returned.to_json() if self.returned is not None else None}


def undo(uow: UnitOfWork, ticket_id: str, actor: Actor, counter: str | None = None) -> Undone:
    """Take back the finish or no-show of this ticket (and the call that came with it),
    within seconds, by the agent who did it (at `counter`, the console's, when given):
    under the branch lock, so it never races another counter's call into a ticket
    called twice."""
    session = uow.session
    ticket = find_ticket_by_id(session, ticket_id)
    branch = locked_ticket(session, ticket)
    actor.require_staff(branch)
    now = clock.utcnow()
    ended = _last_event(session, ticket)
    if ended is None or ended.kind not in rules.UNDOABLE or ended.kind != ticket.status \
            or ended.counter_id is None or ended.counter_id != ticket.counter_id:
        raise Conflict(NOTHING_TO_UNDO)
    if actor.user_id is None or ended.user_id != actor.user_id:
        raise Conflict(NOT_YOURS)
    if not rules.may_undo(ended.at, now):
        raise Conflict(TOO_LATE)
    desk = session.get(Counter, ended.counter_id)
    if counter is not None and desk.slug != counter:
        raise Conflict(NOT_YOURS)
    if desk.state != "open":
        raise Conflict(N_("The counter is not open; open it first."))
    # Finished by a call (`auto`): that call is taken back too.
    call = _call_that_followed(session, ended) if (ended.data or {}).get("auto") else None
    called = session.scalar(select(Ticket).options(*TICKET_LOAD).where(Ticket.seq == call.ticket_seq)) \
        if call is not None else None
    if called is not None:
        last = _last_event(session, called)
        if last is None or last.id != call.id or called.status != Status.CALLED or called.counter_id != desk.id:
            raise Conflict(MOVED_ON)
    if _others_at(session, desk, {t.seq for t in (ticket, called) if t is not None}):
        raise Conflict(MOVED_ON)

    services = {ticket.service_id}
    place = None
    if called is not None:
        target, sent_from = _before_call(session, called, call)
        _take_back(uow, branch, called, rules.uncall, now, actor, target_counter_id=target,
                   sent_from_counter_id=sent_from, event=call.id)
        services.add(called.service_id)
        place = place_of(called)
    _take_back(uow, branch, ticket, rules.reopen, now, actor, undid=ended.kind, event=ended.id)
    stats = changed(uow, branch, services=services, moved_behind=place, also=[t for t in (ticket, called) if t],
                    eta_changed=True)
    result = Undone(ticket_result(uow, ticket, stats, staff=True),
                    ticket_result(uow, called, stats, staff=True) if called is not None else None)
    uow.commit()
    log.info("at %s, %s undid %s of %s%s", branch.slug, desk.slug, ended.kind, ticket.code,
             f" and the call of {called.code}" if called is not None else "")
    return result


def _take_back(uow: UnitOfWork, branch: Branch, ticket: Ticket, correction, now, actor: Actor, **kwargs) -> None:
    try:
        event = correction(ticket, now, **kwargs)
    except rules.NothingToUndo:
        raise Conflict(MOVED_ON) from None
    uow.session.expire(ticket, ["counter", "target_counter"])
    record(uow, ticket, event, actor, branch_slug=branch.slug)


def _last_event(session, ticket: Ticket) -> TicketEvent | None:
    """The ticket's latest event that changed it (a rating or a phone does not)."""
    return session.scalar(select(TicketEvent).where(
        TicketEvent.ticket_seq == ticket.seq, TicketEvent.kind.not_in(("feedback", "phone_added")))
        .order_by(TicketEvent.id.desc()).limit(1))


def _call_that_followed(session, ended: TicketEvent) -> TicketEvent | None:
    """The call the same counter made in the same action (call-next finishing what the
    counter still had: one moment for both events, the call logged after)."""
    return session.scalar(select(TicketEvent).where(
        TicketEvent.branch_id == ended.branch_id, TicketEvent.kind == "called",
        TicketEvent.counter_id == ended.counter_id, TicketEvent.at == ended.at, TicketEvent.id > ended.id,
        TicketEvent.user_id == ended.user_id)
        .order_by(TicketEvent.id).limit(1))


def _others_at(session, counter: Counter, ours: set[int]) -> bool:
    """Another ticket is called or served at the counter now."""
    return session.scalar(select(Ticket.seq).where(
        Ticket.counter_id == counter.id, Ticket.status.in_((Status.CALLED, Status.SERVING)),
        Ticket.seq.not_in(ours)).limit(1)) is not None


def _before_call(session, ticket: Ticket, call: TicketEvent) -> tuple[int | None, int | None]:
    """What the call cleared, read back from the log: the counter the ticket had been
    transferred to (the call fulfilled it) and the counter that had transferred it away
    (its call-next passed it over), each None when there was none."""
    target = sent_from = None
    latest = True
    for kind, counter_id, data in session.execute(
            select(TicketEvent.kind, TicketEvent.counter_id, TicketEvent.data).where(
                TicketEvent.ticket_seq == ticket.seq, TicketEvent.id < call.id,
                TicketEvent.kind.in_(("issued", "called", "requeued", "transferred")),
                TicketEvent.id.not_in(undone_events(ticket.branch_id)))
            .order_by(TicketEvent.id.desc())):
        if kind != "transferred":
            break
        if latest and (data or {}).get("to_counter"):
            target = session.scalar(select(Counter.id).where(
                Counter.branch_id == ticket.branch_id, Counter.slug == data["to_counter"]))
        latest = False
        if counter_id is not None:
            sent_from = counter_id
            break
    return target, sent_from


# ---------------------------------------------------------------- late customers

@dataclass(frozen=True)
class NoShow:
    """A recent no-show the front desk may put back in line, until `back_until`."""
    ticket: views.TicketView
    back_until: str

    def to_json(self) -> dict:
        return {**self.ticket.to_json(), "back_until": self.back_until}


def recent_no_shows(uow: UnitOfWork, branch_slug: str, actor: Actor) -> list[NoShow]:
    """Today's no-shows that may still come back to the line, newest first."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    actor.require_staff(branch)
    now = clock.utcnow()
    tickets = session.scalars(
        select(Ticket).options(*TICKET_LOAD)
        .where(Ticket.branch_id == branch.id, Ticket.day == today(branch), Ticket.status == Status.NO_SHOW,
               Ticket.finished_at >= now - timedelta(minutes=max(0, branch.no_show_return_min)))
        .order_by(Ticket.finished_at.desc()).limit(50)).unique()
    return [NoShow(views.ticket_view(t, ahead=None, stats=None, public_url=uow.db.public_url, staff=True),
                   views.iso(rules.return_until(t.finished_at, branch.no_show_return_min))) for t in tickets]


def check_may_return(branch: Branch, ticket: Ticket) -> None:
    """A no-show goes back to the line only within the branch's time for it."""
    if ticket.status == Status.NO_SHOW and not rules.may_return(ticket.finished_at, clock.utcnow(),
                                                                branch.no_show_return_min):
        raise Conflict(N_("This no-show is too old to go back to the line; the customer may take a new turn."))


__all__ = ["undo", "Undone", "recent_no_shows", "NoShow", "check_may_return"]
