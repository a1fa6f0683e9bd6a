"""One customer across channels and branches, for staff: their earlier visits (every
branch), appointments and messages, and a note staff keep. Only staff of a branch the
customer visited (or booked at) see it, administrators always; public screens never.
What appointments and messaging keep comes through `signals.customer_records`, as for
the customer's own copy."""
from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from .. import clock, signals
from ..access import audit
from ..access.services import Actor
from ..customers import normalize_phone
from ..db import UnitOfWork
from ..errors import N_, Invalid, NotFound
from ..models import Branch, Customer, Feedback, Service, Ticket
from ..queue.alerts import choose_for_customer
from ..queue.read_models import iso
from ..queue.rules import NOTIFY_CHANNELS

MAX_NOTE = 500
VISITS_SHOWN = 50
NO_CUSTOMER = N_("There is no such customer.")


def _visited(session: Session, customer: Customer, branch_id: int | None) -> bool:
    if branch_id is None:
        return False
    if session.scalar(select(exists().where(Ticket.customer_id == customer.id, Ticket.branch_id == branch_id))):
        return True
    slug = session.scalar(select(Branch.slug).where(Branch.id == branch_id))
    found = signals.customer_records.send(session, customer_id=customer.id, phone=customer.phone,
                                          now=clock.utcnow())
    return any(any(row.get("branch") == slug for row in part.records.get("appointments", []))
               for _receiver, part in found)


def _allowed(session: Session, actor: Actor, customer: Customer) -> None:
    """Staff of a branch the customer visited, or an administrator; anyone else gets
    the same 404 as for a customer that does not exist (no probing who is known)."""
    if actor.role == "admin":
        return
    if not _visited(session, customer, actor.branch_id):
        raise NotFound(NO_CUSTOMER)


def _customer(session: Session, customer_id: int, actor: Actor) -> Customer:
    actor.require_staff()
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(NO_CUSTOMER)
    _allowed(session, actor, customer)
    return customer


def find_by_phone(uow: UnitOfWork, actor: Actor, phone: str) -> list[dict]:
    """The customer of a phone number (none, or one), as staff may see them; a number
    without its country code is read as one of the staff member's branch."""
    actor.require_staff()
    country = uow.session.scalar(select(Branch.country).where(Branch.id == actor.branch_id)) or \
        uow.session.scalar(select(Branch.country).order_by(Branch.id).limit(1)) or "MX"
    number = normalize_phone(phone, country)
    customer = uow.session.scalar(select(Customer).where(Customer.phone == number))
    if customer is None:
        return []
    try:
        _allowed(uow.session, actor, customer)
    except NotFound:
        return []
    return [_summary(uow.session, customer)]


def _summary(session: Session, customer: Customer) -> dict:
    visits = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.customer_id == customer.id))
    return {"id": customer.id, "phone": customer.phone, "name": customer.name, "lang": customer.lang,
            "note": customer.note, "opted_out": customer.opted_out, "channel": customer.channel, "visits": visits}


def history(uow: UnitOfWork, customer_id: int, actor: Actor, lang: str = "es") -> dict:
    """The customer, their visits at every branch (newest first), appointments and
    messages."""
    session = uow.session
    customer = _customer(session, customer_id, actor)
    rows = session.execute(
        select(Ticket.id, Ticket.code, Ticket.day, Ticket.channel, Ticket.status, Ticket.created_at, Branch.slug,
               Branch.name, Service.name_es, Service.name_en, Feedback.score)
        .join(Branch, Branch.id == Ticket.branch_id).join(Service, Service.id == Ticket.service_id)
        .outerjoin(Feedback, Feedback.ticket_seq == Ticket.seq)
        .where(Ticket.customer_id == customer.id).order_by(Ticket.seq.desc()).limit(VISITS_SHOWN))
    visits = [{"id": tid, "code": code, "date": day, "channel": channel, "status": status, "created_at": iso(created),
               "branch": slug, "branch_name": branch_name, "service_name": en if lang == "en" else es,
               "feedback": score}
              for tid, code, day, channel, status, created, slug, branch_name, es, en, score in rows]
    records: dict = {}
    for _receiver, part in signals.customer_records.send(session, customer_id=customer.id, phone=customer.phone,
                                                         now=clock.utcnow()):
        records.update(part.records)
    appointments = [{**{k: a.get(k) for k in ("branch", "service", "code", "status", "channel")},
                     "start_at": iso(a.get("start_at"))} for a in records.get("appointments", [])]
    return {**_summary(session, customer), "tickets": visits, "appointments": appointments[-20:][::-1],
            "messages_sent": len(records.get("messages_sent", [])),
            "messages_received": len(records.get("messages_received", []))}


def set_channel(uow: UnitOfWork, customer_id: int, channel: str | None, actor: Actor) -> dict:
    """Staff change where the customer's messages go (they asked at the counter):
    `sms`, `whatsapp`, or None for each ticket's own channel; their turns and
    appointments still to come follow it too. Entered in the audit log."""
    session = uow.session
    customer = _customer(session, customer_id, actor)
    if channel not in (None, *NOTIFY_CHANNELS):
        raise Invalid(N_("Choose SMS or WhatsApp."), errors={"channel": [N_("Choose SMS or WhatsApp.")]})
    choose_for_customer(session, customer, channel)
    audit.record(session, actor, "customer.channel", target=audit.masked_phone(customer.phone),
                 changes={"channel": channel})
    uow.commit()
    return _summary(session, customer)


def set_note(uow: UnitOfWork, customer_id: int, note: str | None, actor: Actor) -> dict:
    """Staff keep a note about the customer (empty: none). Entered in the audit log."""
    session = uow.session
    customer = _customer(session, customer_id, actor)
    text = (note or "").strip() or None
    if text is not None and len(text) > MAX_NOTE:
        raise Invalid(N_("This is too long."), errors={"note": [N_("This is too long.")]})
    customer.note = text
    audit.record(session, actor, "customer.note", target=audit.masked_phone(customer.phone),
                 changes={"note": "set" if text else "cleared"})
    uow.commit()
    return _summary(session, customer)

