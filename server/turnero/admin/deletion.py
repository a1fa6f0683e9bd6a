"""Deleting a branch, with everything of its own, in one transaction.

The core's rows (services, counters, devices, daily numbers, tickets with their
events and ratings) are deleted here; every feature that keeps rows of a branch
answers `signals.branch_contents` (what it holds, what stops a deletion now) and
`signals.branch_deleting` (it deletes or detaches its own rows).
"""
from __future__ import annotations

import logging

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from .. import clock, signals
from ..access import audit
from ..access.services import Actor
from ..db import UnitOfWork
from ..errors import N_, Conflict, Invalid, Message
from ..models import (Branch, Counter, DailyNumber, Device, Feedback, PairingCode, Service, Ticket, TicketEvent, User,
                      counter_services)
from ..queue.rules import ACTIVE, local_day
from ..signals import BranchContents
from .services import managed_branch

log = logging.getLogger(__name__)

TICKETS_SHOWN = 10


class BranchInUse(Conflict):
    """The branch still has customers: tickets in line today or appointments to come.
    `errors` names each reason ("tickets", "appointments") with what it counted."""


def _core_contents(session: Session, branch: Branch, now) -> BranchContents:
    def count(model) -> int:
        return session.scalar(select(func.count()).select_from(model).where(model.branch_id == branch.id))

    today = local_day(now, branch.timezone)
    busy = list(session.scalars(
        select(Ticket.code).where(Ticket.branch_id == branch.id, Ticket.day == today, Ticket.status.in_(ACTIVE))
        .order_by(Ticket.sort_at, Ticket.seq)))
    staff = list(session.scalars(select(User.username).where(User.branch_id == branch.id).order_by(User.username)))
    contents = BranchContents(counts={"services": count(Service), "counters": count(Counter),
                                      "devices": count(Device), "tickets": count(Ticket), "staff": staff})
    if busy:
        codes = ", ".join(busy[:TICKETS_SHOWN]) + ("…" if len(busy) > TICKETS_SHOWN else "")
        contents.blockers["tickets"] = [Message(N_("Tickets waiting, called or being served today: %(count)d "
                                                   "(%(codes)s). Serve, finish or cancel them first."),
                                                count=len(busy), codes=codes)]
    return contents


def _contents(session: Session, branch: Branch) -> dict:
    """What deleting `branch` would remove (the core's and every feature's counts),
    and under "blockers" what stops it now."""
    now = clock.utcnow()
    parts = [_core_contents(session, branch, now)]
    parts += [answer for _receiver, answer in signals.branch_contents.send(session, branch=branch, now=now)
              if answer is not None]
    found = {"slug": branch.slug, "name": branch.name, "timezone": branch.timezone, "blockers": {}}
    for part in parts:
        found.update(part.counts)
        found["blockers"].update(part.blockers)
    return found


def branch_contents(uow: UnitOfWork, actor: Actor, slug: str) -> dict:
    """For the confirmation page: what goes with the branch and whether it can go now."""
    actor.require_admin()
    return _contents(uow.session, managed_branch(uow.session, actor, slug))


def in_use(contents: dict) -> BranchInUse | None:
    if not contents["blockers"]:
        return None
    return BranchInUse(N_("“%(name)s” cannot be deleted while it has customers."), errors=dict(contents["blockers"]),
                       name=contents["name"])


def delete_branch(uow: UnitOfWork, actor: Actor, slug: str, *, confirm: str | None) -> dict:
    """Delete a branch with everything of its own, in one transaction: services,
    counters, devices, daily numbers, past tickets with their events and ratings, and
    what each feature keeps (opening hours, closures, past appointments, notices). Its
    staff stay, without a branch; customers stay (they may use other branches); texts
    already sent stay in the messages log without the branch. Only administrators; the
    short name must be typed to confirm; refused (BranchInUse, nothing changed) while
    customers are in line today or have appointments to come."""
    actor.require_admin()
    session = uow.session
    branch = managed_branch(session, actor, slug, lock=True)  # no ticket or booking can start meanwhile
    contents = _contents(session, branch)
    refused = in_use(contents)
    if refused is not None:
        raise refused
    if (confirm or "").strip() != branch.slug:
        raise Invalid(N_("Some fields are not valid."), errors={
            "confirm": [Message(N_("That is not “%(slug)s”. Type it exactly as shown."), slug=branch.slug)]})

    bid = branch.id
    tickets = select(Ticket.seq).where(Ticket.branch_id == bid).scalar_subquery()
    services = select(Service.id).where(Service.branch_id == bid).scalar_subquery()
    counters = select(Counter.id).where(Counter.branch_id == bid).scalar_subquery()
    # Children first, so no foreign key is left pointing at a deleted row (whether or
    # not the database cascades by itself): the features' rows, then the core's.
    signals.branch_deleting.send(session, branch_id=bid, tickets=tickets)
    session.execute(delete(Feedback).where(Feedback.ticket_seq.in_(tickets)))
    session.execute(delete(TicketEvent).where(TicketEvent.branch_id == bid))
    session.execute(delete(TicketEvent).where(TicketEvent.ticket_seq.in_(tickets)))
    session.execute(delete(Ticket).where(Ticket.branch_id == bid))
    session.execute(delete(DailyNumber).where(DailyNumber.service_id.in_(services)))
    session.execute(delete(counter_services).where(counter_services.c.counter_id.in_(counters)))
    session.execute(delete(Counter).where(Counter.branch_id == bid))
    session.execute(delete(Service).where(Service.branch_id == bid))
    session.execute(delete(PairingCode).where(PairingCode.branch_id == bid))
    session.execute(delete(Device).where(Device.branch_id == bid))
    session.execute(update(User).where(User.branch_id == bid).values(branch_id=None))
    session.expunge(branch)
    session.execute(delete(Branch).where(Branch.id == bid))
    audit.record(session, actor, "branch.deleted", branch=contents["slug"], target=contents["name"],
                 changes={"tickets": [contents["tickets"], 0], "appointments": [contents.get("appointments", 0), 0]})
    uow.on_commit(lambda: uow.db.forget_branch(bid))
    uow.commit()
    log.info("branch %s deleted by %s (%d tickets, %d appointments; staff without branch: %s)", contents["slug"],
             actor.username, contents["tickets"], contents.get("appointments", 0),
             ", ".join(contents["staff"]) or "none")
    return contents
