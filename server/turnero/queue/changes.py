"""What every change of the queue goes through, inside its unit of work: the event is
logged and heard by the in-transaction listeners (`record`), the branch's `seq` is
bumped and what the change moved is queued for broadcasting after the commit
(`changed`), and the ticket is returned as its holder sees it (`ticket_result`)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from .. import clock
from ..access.services import Actor
from ..db import UnitOfWork
from ..errors import N_, Conflict
from ..models import Branch, Counter, Ticket, TicketEvent, new_version
from ..realtime import branch_room, ticket_room
from . import read_models as views
from .rules import Action, Event, Moved, Place, Status, TransitionNotAllowed, local_day

TRANSITION_REFUSED = {
    Action.CALL: N_("Only a waiting ticket can be called."),
    Action.RECALL: N_("Only a called ticket can be called again."),
    Action.START: N_("Only a called ticket can start being served."),
    Action.DONE: N_("Only a ticket that was called or is being served can be finished."),
    Action.NO_SHOW: N_("Only a called ticket can be marked as a no-show."),
    Action.CANCEL: N_("This ticket can no longer be cancelled."),
    Action.REQUEUE: N_("Only a called or no-show ticket can go back to the line."),
    Action.TRANSFER: N_("This ticket can no longer be transferred."),
    Action.PRIORITY: N_("Only a waiting ticket's priority can change."),
}


def refused(exc: TransitionNotAllowed) -> Conflict:
    """A transition the ticket's state does not allow, as the 409 every door shows."""
    return Conflict(TRANSITION_REFUSED[exc.action], action=str(exc.action), status=str(exc.status))


def apply(uow: UnitOfWork, ticket: Ticket, transition, *args, actor: Actor | None, channel: str | None = None,
          **kwargs) -> Event:
    """Run one transition of rules.py on the ticket (409 when its state does not allow
    it) and record what happened."""
    try:
        event = transition(ticket, *args, **kwargs)
    except TransitionNotAllowed as exc:
        raise refused(exc) from exc
    # The transition set ids; the relationships follow them on next use.
    uow.session.expire(ticket, ["counter", "target_counter", "service"])
    record(uow, ticket, event, actor, branch_slug=ticket.branch.slug, channel=channel)
    return event


def record(uow: UnitOfWork, ticket: Ticket, event: Event, actor: Actor | None, *,
           branch_slug: str, channel: str | None = None) -> None:
    """Log the event in the ticket's history, tell the in-transaction listeners (what
    they write commits with the change), and count it once committed."""
    if channel is None and actor is not None:
        channel = "staff" if actor.kind == "user" else ("kiosk" if actor.kind == "device" else None)
    session = uow.session
    session.add(TicketEvent(
        ticket_seq=ticket.seq, branch_id=ticket.branch_id, kind=event.kind, at=event.at, channel=channel,
        user_id=actor.user_id if actor else None, device_id=actor.device_id if actor else None,
        counter_id=event.counter_id, data=event.data))
    tell_listeners(session, ticket, event)
    uow.committed(branch_slug, event)


def tell_listeners(session: Session, ticket, event: Event) -> None:
    """In-transaction listeners (messaging's outbox, appointments): what they write
    commits or rolls back with the change itself."""
    for listener in session.info["turnero.db"].ticket_listeners:
        listener(session, ticket, event)


def today(branch: Branch):
    return local_day(clock.utcnow(), branch.timezone)


def ticket_result(uow: UnitOfWork, ticket: Ticket, stats: dict[int, views.ServiceStats] | None = None,
                  ahead: int | None = None) -> views.TicketView:
    """The ticket as its holder sees it; `ahead`/`stats` when the caller has them."""
    if ticket.status != Status.WAITING:
        return views.ticket_view(ticket, ahead=None, stats=None, public_url=uow.db.public_url)
    if ahead is None:
        ahead = views.ahead_of(uow.session, ticket)
    if stats is None:
        stats = views.service_stats(uow.session, ticket.branch, today(ticket.branch))
    return views.ticket_view(ticket, ahead=ahead, stats=stats.get(ticket.service_id), public_url=uow.db.public_url)


def changed(uow: UnitOfWork, branch: Branch, *, services: Iterable[int], moved_behind: Place | None = None,
            also: Iterable[Ticket] = (), called: Ticket | None = None, counter: Counter | None = None,
            eta_changed: bool = False, setup_changed: bool = True) -> dict[int, views.ServiceStats]:
    """A change of the branch, queued for after the commit: bump `seq`, then
    `ticket.called`, the new `branch.state`, and `ticket.update` for every ticket
    whose place or wait moved.

    `moved_behind` is the place where a ticket entered or left a line: the tickets
    behind it moved. `eta_changed` means every waiting ticket of those lines has a
    new wait (a counter opened or closed, a service time ended). `setup_changed` (the
    default) gives the branch a new `setup_version`: say False only for a change that
    touches no service, counter, call or service time.
    """
    session = uow.session
    branch.seq += 1
    if setup_changed:
        branch.setup_version = new_version()
    session.flush()
    day = today(branch)
    room = branch_room(branch.slug)
    if called is not None and counter is not None:
        uow.emit("ticket.called", {
            "branch": branch.slug, "seq": branch.seq, "code": called.code,
            "service": called.service.slug, "counter": {"id": counter.slug, "name": counter.name},
            "recall": called.recalls > 0}, room)
    setup = (views.read_setup(session, branch.id, day) if setup_changed
             else views.setup_for(session, branch.id, branch.setup_version, day))
    stats = setup.stats(views.waiting_counts(session, branch.id))
    uow.emit("branch.state", views.state_payload(branch, setup, stats), room)
    updated: set[int] = set()
    service_ids = set(services)
    if service_ids and (eta_changed or moved_behind is not None):
        updated = moved_lines(uow, branch.id, service_ids, None if eta_changed else moved_behind, stats)
    for ticket in also:
        if ticket.seq in updated:
            continue
        ahead = views.ahead_of(session, ticket) if ticket.status == Status.WAITING else None
        view = views.ticket_view(ticket, ahead=ahead, stats=stats.get(ticket.service_id),
                                 public_url=uow.db.public_url)
        uow.emit("ticket.update", view.to_json(token=False), ticket_room(ticket.id))
    return stats


def moved_lines(uow: UnitOfWork, branch_id: int, service_ids, after: Place | None, stats) -> set[int]:
    """`ticket.update` (and the `Moved` listeners) for the waiting tickets of these
    lines behind `after` (all of them when None). Returns their seqs."""
    session = uow.session
    updated: set[int] = set()
    for ticket, ahead in views.waiting_with_positions(session, branch_id, service_ids, after=after):
        updated.add(ticket.seq)
        tell_listeners(session, ticket, Moved(at=ticket.created_at, ahead=ahead))
        view = views.ticket_view(ticket, ahead=ahead, stats=stats[ticket.service_id], public_url=uow.db.public_url)
        uow.emit("ticket.update", view.to_json(token=False), ticket_room(ticket.id))
    return updated


__all__ = ["apply", "record", "tell_listeners", "ticket_result", "changed", "moved_lines", "refused", "today"]
