"""What every change of the queue goes through, inside its unit of work: the event is
logged and heard by the in-transaction listeners (`record`), the branch's `seq` is
bumped and what the change moved is queued for broadcasting after the commit
(`changed`), and the ticket is returned as its holder sees it (`ticket_result`).
A change costs the same however long its line: only the head of a line is read here
(`near_the_front`), and the followers are updated by each process (followers.py)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from .. import clock
from ..access.services import Actor
from ..db import UnitOfWork
from ..errors import N_, Conflict
from ..models import Branch, Counter, Ticket, TicketEvent, new_version
from ..realtime import branch_room, notice_lines_moved
from . import followers, places
from . import read_models as views
from . import setup as branch_setup
from .events import Event, Moved
from .rules import Action, Place, TransitionNotAllowed, local_day, place_of

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
    Action.EXPIRE: N_("Only a waiting or called ticket can expire."),
    Action.LET_PASS: N_("Only a waiting turn can let people pass."),
    Action.ARRIVE: N_("Only a waiting turn can say it has arrived."),
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


def tell_listeners_many(session: Session, told: list[tuple[Ticket, Event]]) -> None:
    """`tell_listeners` for several tickets at once: a listener with a `many` of its own
    hears them together (messaging looks at all of them in one query), the others one
    by one."""
    if not told:
        return
    for listener in session.info["turnero.db"].ticket_listeners:
        many = getattr(listener, "many", None)
        if many is not None:
            many(session, told)
            continue
        for ticket, event in told:
            listener(session, ticket, event)


def today(branch: Branch):
    return local_day(clock.utcnow(), branch.timezone)


def ticket_result(uow: UnitOfWork, ticket: Ticket, stats: dict[int, branch_setup.ServiceStats] | None = None,
                  ahead: int | None = None, staff: bool = False) -> views.TicketView:
    """The ticket as its holder sees it (`staff`: as staff see it); `ahead`/`stats`
    when the caller has them."""
    return views.view_now(uow.session, ticket, public_url=uow.db.public_url, stats=stats, ahead=ahead, staff=staff)


def changed(uow: UnitOfWork, branch: Branch, *, services: Iterable[int], moved_behind: Place | None = None,
            also: Iterable[Ticket] = (), called: Ticket | None = None, counter: Counter | None = None,
            eta_changed: bool = False, setup_changed: bool = True,
            shifts: Iterable[tuple[int, Place, int]] | None = None) -> dict[int, branch_setup.ServiceStats]:
    """A change of the branch, queued for after the commit: bump `seq`, then
    `ticket.called`, the new `branch.state`, and the notice from which every process
    updates the followers of the tickets whose place or wait moved (followers.py).

    `moved_behind` is the place where a ticket entered or left a line: the tickets
    behind it moved. `eta_changed` means every waiting ticket of those lines has a
    new wait (a counter opened or closed, a service time ended). `also` are the
    tickets the change acted on. `setup_changed` (the default) gives the branch a new
    `setup_version`: say False only for a change that touches no service, counter,
    call or service time. `shifts`, when given, is all the change did to the lines'
    order: (service id, place, -1) for a ticket that left a line, +1 for one that
    entered it (see known_lines); leave it None when it did anything else to them.
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
    # Read once for the change, its followers and the next ticket: a change is the
    # last thing its transaction does, with the branch locked.
    lines = branch_setup.read_lines(session, branch.id)
    branch_setup.remember_lines(uow, branch, lines)
    if setup_changed:
        setup = branch_setup.read_setup(session, branch.id, day, lines)
        branch_setup.remember_setup(uow, branch.id, branch.setup_version, day, setup)
    else:
        setup = branch_setup.setup_for(session, branch.id, branch.setup_version, day)
    stats = setup.stats(branch_setup.counts(lines))
    uow.emit("branch.state", views.state_payload(branch, setup, stats), room)
    service_ids = set(services)
    if setup_changed:
        # A new setup moves every line's wait (its counters' turns are reckoned from
        # this change: estimate.estimate_wait, BranchSetup.desks), not only the lines touched.
        service_ids, eta_changed = {s.id for s in setup.services if s.active}, True
    moved = bool(service_ids) and (eta_changed or moved_behind is not None)
    after = None if eta_changed else moved_behind
    if moved:
        near_the_front(uow, branch, service_ids, after)
    tickets = [t.id for t in also]
    if moved or tickets:
        # When no line moved nothing changed in their order (else their followers
        # would hear of it): no shifts. The next notice follows from this one.
        told = (None if shifts is None else list(shifts)) if moved else []
        prev, branch.moved_seq = branch.moved_seq, branch.seq
        notice_lines_moved(uow, followers.moved(branch.id, service_ids if moved else (), after, tickets,
                                                seq=branch.seq, prev=prev, shifts=told))
    return stats


def near_the_front(uow: UnitOfWork, branch, service_ids: Iterable[int], after: Place | None) -> None:
    """Tell the `Moved` listeners (messaging's "your turn is near") about the tickets
    of these lines, behind `after` (all when None), that now stand within the
    branch's `notify_ahead`: only the head of each line is read, however long it is."""
    session = uow.session
    told = []
    for service_id in sorted(service_ids):
        for ahead, ticket in enumerate(places.line_head(session, branch.id, service_id, branch.notify_ahead + 1)):
            if after is None or place_of(ticket) > after:
                told.append((ticket, Moved(at=ticket.created_at, ahead=ahead)))
    tell_listeners_many(session, told)


__all__ = ["apply", "record", "tell_listeners", "tell_listeners_many", "ticket_result", "changed", "near_the_front", "refused", "today"]
