"""Finding a branch, service, counter or ticket, with the friendly NotFound every
door shows when there is none (a missing row and a wrong link answer alike)."""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from ..access.services import Actor
from ..db import one_or_raise
from ..errors import N_, NotFound
from ..models import Branch, Counter, Service, Ticket

TICKET_LOAD = (joinedload(Ticket.branch), joinedload(Ticket.service), joinedload(Ticket.counter),
               joinedload(Ticket.customer), joinedload(Ticket.target_counter))

_BRANCH = select(Branch).where(Branch.slug == bindparam("slug"))
_BRANCH_LOCKED = _BRANCH.with_for_update()
NO_TICKET = N_("This ticket does not exist.")


def no_branch(slug: str) -> NotFound:
    return NotFound(N_("There is no branch “%(branch)s”."), branch=slug)


def no_service(slug: str, field: str = "service") -> NotFound:
    return NotFound(N_("There is no service “%(service)s” at this branch."),
                    errors={field: [N_("Unknown service.")]}, service=slug)


def find_branch(session: Session, slug: str, lock: bool = False) -> Branch:
    """The branch with this slug; `lock` takes its row lock (every change of a
    branch does, so that its changes are applied one at a time)."""
    return one_or_raise(session, _BRANCH_LOCKED if lock else _BRANCH, no_branch(slug), {"slug": slug})


def find_service(session: Session, branch: Branch, slug: str, field: str = "service") -> Service:
    """An active service of the branch."""
    service = session.scalar(select(Service).where(Service.branch_id == branch.id, Service.slug == slug))
    if service is None or not service.active:
        raise no_service(slug, field)
    return service


def find_counter(session: Session, branch: Branch, slug: str, field: str = "counter") -> Counter:
    return one_or_raise(session, select(Counter).where(Counter.branch_id == branch.id, Counter.slug == slug),
                        NotFound(N_("There is no counter “%(counter)s” at this branch."),
                                 errors={field: [N_("Unknown counter.")]}, counter=slug))


def find_ticket_by_token(session: Session, token: str) -> Ticket:
    """The ticket of its holder's secret token."""
    return one_or_raise(session, select(Ticket).options(*TICKET_LOAD).where(Ticket.token == token),
                        NotFound(NO_TICKET))


def find_ticket_by_id(session: Session, ticket_id: str) -> Ticket:
    """The ticket of its public UUID (staff)."""
    return one_or_raise(session, select(Ticket).options(*TICKET_LOAD).where(Ticket.id == ticket_id),
                        NotFound(NO_TICKET))


def locked_ticket(session: Session, ticket: Ticket) -> Branch:
    """Lock the ticket's branch, then read the ticket again under the lock."""
    branch = find_branch(session, ticket.branch.slug, lock=True)
    session.refresh(ticket)
    return branch


def holders_ticket(session: Session, token: str, actor: Actor) -> tuple[Ticket, Branch]:
    """The ticket of a holder's token, its branch locked; staff acting for the holder
    must be staff of that branch."""
    ticket = find_ticket_by_token(session, token)
    branch = locked_ticket(session, ticket)
    if actor.kind == "user":
        actor.require_staff(branch)
    return ticket, branch
