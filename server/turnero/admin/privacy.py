"""Personal data over time and on request.

Over time: each branch keeps phones, names, message texts and feedback comments for
`retention_days` (90 by default); `purge` erases older ones and keeps the rows, so
the figures (waits, service times, ratings, counts) stay. `turnero purge` runs it,
and `turnero serve` runs it once a day.

On request: an administrator finds what is kept about a phone number, hands the
customer a copy (`export`), or erases it (`erase`), each entered in the audit log
with the number's last two digits only.

The core erases what it keeps (tickets, ratings, the customer); appointments and
messaging erase theirs when asked through `signals` (the core imports no feature).
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from .. import clock, signals
from ..access import audit
from ..access.services import SYSTEM, Actor
from ..customers import find_customer, normalize_phone
from ..db import UnitOfWork
from ..errors import N_, Conflict, Message
from ..leader import always
from ..models import Branch, Customer, Feedback, Service, Ticket
from ..queue.rules import ACTIVE
from .services import DEFAULT_RETENTION_DAYS

log = logging.getLogger(__name__)

PURGE_EVERY_S = 24 * 3600


# ---------------------------------------------------------------- over time

def purge(uow: UnitOfWork, actor: Actor = SYSTEM, now: datetime | None = None) -> dict[str, int]:
    """Erase the personal data each branch keeps longer than its retention; rows of no
    branch (texts from unknown numbers, a deleted branch's log) after the shortest
    retention of any branch. Returns how many rows of each kind changed."""
    session = uow.session
    now = now or clock.utcnow()
    counts: Counter[str] = Counter()
    branches = session.execute(select(Branch.id, Branch.retention_days)).all()
    for branch_id, days in branches:
        before = now - timedelta(days=days)
        counts.update(_expire_tickets(session, branch_id, before))
        for _receiver, changed in signals.personal_data_expiring.send(session, branch_id=branch_id, before=before):
            counts.update(changed)
    shortest = now - timedelta(days=min([days for _id, days in branches] or [DEFAULT_RETENTION_DAYS]))
    for _receiver, changed in signals.personal_data_expiring.send(session, branch_id=None, before=shortest):
        counts.update(changed)
    counts.update(_forget_unused_customers(session, shortest))
    counts = Counter({kind: n for kind, n in counts.items() if n})
    if counts:
        audit.record(session, actor, "data.purged", changes=dict(sorted(counts.items())))
    uow.commit()
    log.info("personal data purged: %s", dict(counts) or "nothing to erase")
    return dict(counts)


def _expire_tickets(session: Session, branch_id: int, before: datetime) -> dict[str, int]:
    old = select(Ticket.seq).where(Ticket.branch_id == branch_id, Ticket.created_at < before)
    tickets = session.execute(
        update(Ticket).where(Ticket.branch_id == branch_id, Ticket.created_at < before,
                             (Ticket.name.is_not(None)) | (Ticket.customer_id.is_not(None)))
        .values(name=None, customer_id=None)).rowcount
    comments = session.execute(
        update(Feedback).where(Feedback.ticket_seq.in_(old.scalar_subquery()), Feedback.comment.is_not(None))
        .values(comment=None)).rowcount
    return {"tickets": tickets, "comments": comments}


def _forget_unused_customers(session: Session, before: datetime) -> dict[str, int]:
    """Customers no ticket or appointment points to any more are forgotten; one who
    asked for no more texts keeps only the number and that wish (or texts would start
    again)."""
    unused = [Customer.created_at < before, *(~exists().where(column == Customer.id)
                                               for column in _customer_references())]
    quiet = session.execute(update(Customer).where(*unused, Customer.opted_out.is_(True),
                                                   (Customer.name.is_not(None)) | (Customer.lang.is_not(None)))
                            .values(name=None, lang=None)).rowcount
    gone = session.execute(delete(Customer).where(*unused, Customer.opted_out.is_(False))).rowcount
    return {"customers": quiet + gone}


def _customer_references() -> list:
    """The columns that point to customers (tickets', and those of the features)."""
    return [fk.parent for table in Customer.metadata.tables.values()
            for fk in table.foreign_keys if fk.column.table.name == "customers"]


def start_in_serve(app, every_s: float = PURGE_EVERY_S, leads: Callable[[], bool] = always):
    """The daily purge as a greenlet of `turnero serve` (first run a minute after start),
    in the process that `leads` the background jobs when the round comes."""
    import gevent

    db = app.extensions["turnero.db"]

    def _run():
        gevent.sleep(60)
        while True:
            try:
                if leads():
                    with app.app_context(), db.unit_of_work(write=True) as uow:
                        purge(uow)
            except Exception:  # a database hiccup must not stop the loop
                log.exception("purging old personal data failed")
            gevent.sleep(every_s)

    return gevent.spawn(_run)


# ---------------------------------------------------------------- on request

def _phone(raw: str, country: str) -> str:
    return normalize_phone(raw, (country or "").strip().upper() or "MX")


def customer_records(uow: UnitOfWork, actor: Actor, phone: str, country: str) -> dict:
    """Everything kept about a phone number: the customer, their tickets and each
    feature's records (appointments, messages), with what stops erasing them now."""
    actor.require_admin()
    return _records(uow.session, _phone(phone, country))


def _records(session: Session, phone: str) -> dict:
    now = clock.utcnow()
    customer = find_customer(session, phone)
    found = signals.CustomerRecords()
    if customer is not None:
        found.records["customer"] = [{"phone": customer.phone, "name": customer.name, "lang": customer.lang,
                                      "opted_out": customer.opted_out, "created_at": customer.created_at}]
        rows = session.execute(
            select(Ticket, Branch.slug, Service.slug, Feedback.score, Feedback.comment)
            .join(Branch, Branch.id == Ticket.branch_id).join(Service, Service.id == Ticket.service_id)
            .outerjoin(Feedback, Feedback.ticket_seq == Ticket.seq)
            .where(Ticket.customer_id == customer.id).order_by(Ticket.created_at)).all()
        found.records["tickets"] = [
            {"branch": branch, "service": service, "code": t.code, "day": t.day, "channel": t.channel,
             "status": t.status, "name": t.name, "created_at": t.created_at, "called_at": t.called_at,
             "finished_at": t.finished_at, "rating": score, "comment": comment}
            for t, branch, service, score, comment in rows]
        waiting = [t["code"] for t in found.records["tickets"] if t["status"] in ACTIVE]
        if waiting:
            found.blockers["tickets"] = [Message(N_("Tickets still in line: %(codes)s. Finish or cancel them "
                                                    "first."), codes=", ".join(waiting))]
    for _receiver, part in signals.customer_records.send(
            session, customer_id=customer.id if customer else None, phone=phone, now=now):
        found.records.update(part.records)
        found.blockers.update(part.blockers)
    return {"phone": phone, "records": {k: v for k, v in found.records.items() if v},
            "blockers": found.blockers}


def export(uow: UnitOfWork, actor: Actor, phone: str, country: str) -> dict:
    """The customer's copy of what is kept about them (entered in the audit log)."""
    found = customer_records(uow, actor, phone, country)
    audit.record(uow.session, actor, "customer.exported", target=audit.masked_phone(found["phone"]),
                 changes={kind: len(rows) for kind, rows in found["records"].items()})
    uow.commit()
    return {"phone": found["phone"], "exported_at": clock.utcnow(), **found["records"]}


def erase(uow: UnitOfWork, actor: Actor, phone: str, country: str) -> dict[str, int]:
    """Erase a customer's phone, names, texts and comments everywhere, keeping the
    anonymous rows; refused (nothing changed) while they are in line or have an
    appointment to come. A customer who asked for no more texts keeps only that wish."""
    actor.require_admin()
    session = uow.session
    number = _phone(phone, country)
    found = _records(session, number)
    if found["blockers"]:
        raise Conflict(N_("This customer's data cannot be erased yet."), errors=dict(found["blockers"]))
    counts: Counter[str] = Counter()
    customer = find_customer(session, number)
    customer_id = customer.id if customer is not None else None
    if customer is not None:
        mine = select(Ticket.seq).where(Ticket.customer_id == customer.id).scalar_subquery()
        counts["comments"] = session.execute(update(Feedback).where(Feedback.ticket_seq.in_(mine),
                                                                    Feedback.comment.is_not(None))
                                             .values(comment=None)).rowcount
        counts["tickets"] = session.execute(update(Ticket).where(Ticket.customer_id == customer.id)
                                            .values(name=None, customer_id=None)).rowcount
    for _receiver, changed in signals.customer_erasing.send(session, customer_id=customer_id, phone=number):
        counts.update(changed)
    if customer is not None:
        if customer.opted_out:
            customer.name = customer.lang = None
        else:
            session.delete(customer)
        counts["customers"] = 1
    counts = Counter({kind: n for kind, n in counts.items() if n})
    audit.record(session, actor, "customer.erased", target=audit.masked_phone(number),
                 changes=dict(sorted(counts.items())))
    uow.commit()
    log.info("customer data erased on request by %s: %s", actor.username, dict(counts))
    return dict(counts)
