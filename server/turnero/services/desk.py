"""Read models of the staff console: the counters an agent may take, and one
counter's desk (its state, the ticket it is serving, where a ticket can be sent)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..db import UnitOfWork
from ..domain.rules import Status
from ..models import Branch, Counter, Service, Ticket
from . import queue, views
from .access import Actor


def counters_to_choose(uow: UnitOfWork, actor: Actor, lang: str) -> list[dict]:
    """Every branch the actor works at, with its counters and what each serves."""
    actor.require_staff()
    query = select(Branch).order_by(Branch.name)
    if actor.role != "admin":
        query = query.where(Branch.id == actor.branch_id)
    result = []
    for branch in uow.session.scalars(query):
        counters = uow.session.scalars(select(Counter).options(joinedload(Counter.services))
                                       .where(Counter.branch_id == branch.id).order_by(Counter.slug)).unique()
        result.append({"slug": branch.slug, "name": branch.name, "counters": [
            {"id": c.slug, "name": c.name, "state": c.state,
             "services": [s.name(lang) for s in c.services if s.active]} for c in counters]})
    return result


def counter_desk(uow: UnitOfWork, branch_slug: str, counter_slug: str, actor: Actor, lang: str) -> dict:
    """What the console shows when it opens: the counter, its current ticket (called
    or being served there), and the services and counters a ticket can go to."""
    session = uow.session
    branch = queue.find_branch(session, branch_slug)
    actor.require_staff(branch)
    counter = queue.find_counter(session, branch, counter_slug)
    current = session.scalar(
        select(Ticket).options(*queue.TICKET_LOAD)
        .where(Ticket.counter_id == counter.id, Ticket.status.in_((Status.CALLED, Status.SERVING)))
        .order_by(Ticket.called_at.desc()).limit(1))
    services = session.scalars(select(Service).where(Service.branch_id == branch.id, Service.active)
                               .order_by(Service.prefix)).all()
    counters = session.scalars(select(Counter).where(Counter.branch_id == branch.id).order_by(Counter.slug)).all()
    return {
        "branch": {"slug": branch.slug, "name": branch.name, "timezone": branch.timezone},
        "counter": queue.counter_view(counter),
        "current": (views.ticket_view(current, ahead=None, stats=None, public_url=uow.db.public_url, staff=True)
                    if current is not None else None),
        "services": [{"id": s.slug, "name": s.name(lang), "prefix": s.prefix, "color": s.color}
                     for s in services],
        "counters": [{"id": c.slug, "name": c.name} for c in counters],
    }
