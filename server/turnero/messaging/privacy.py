"""What messaging keeps about customers, answered for the retention purge and for a
customer's copy or erasure (`signals.personal_data_expiring`, `customer_records`,
`customer_erasing`): the texts sent and received, with their numbers. The rows stay
(counts, delivery figures, the replay guard of `provider_sid`); the number, the text
and the reply go. A text still waiting to go out to an erased number is dropped.
A ticket's Web Push subscriptions (push.py) go with its personal data, and the
notifications sent to them lose their text."""
from __future__ import annotations

from sqlalchemy import delete, or_, select, update

from .. import clock
from ..signals import CustomerRecords
from ..models import Ticket
from .models import InboundMessage, OutboxMessage, PushSubscription

_GONE_OUT = {"to": "", "phone": "", "body": "", "error": None}
_GONE_IN = {"sender": "", "body": "", "reply": None, "data": None}
_WAITING = ("queued", "sending")


def expiring(session, *, branch_id, before) -> dict[str, int]:
    """Texts of the branch (None: of no branch) older than `before`."""
    def of_branch(table):
        return table.branch_id.is_(None) if branch_id is None else table.branch_id == branch_id
    # A text that has not gone out in all this time never will: it is given up.
    session.execute(update(OutboxMessage).where(of_branch(OutboxMessage), OutboxMessage.created_at < before,
                                                OutboxMessage.status.in_(_WAITING))
                    .values(status="failed", claim=None, claimed_until=None, status_at=clock.utcnow()))
    sent = session.execute(
        update(OutboxMessage).where(of_branch(OutboxMessage), OutboxMessage.created_at < before,
                                    OutboxMessage.phone != "")
        .values(**_GONE_OUT)).rowcount
    received = session.execute(
        update(InboundMessage).where(of_branch(InboundMessage), InboundMessage.created_at < before,
                                     InboundMessage.sender != "")
        .values(**_GONE_IN)).rowcount
    pushed = session.execute(
        update(OutboxMessage).where(of_branch(OutboxMessage), OutboxMessage.created_at < before,
                                    OutboxMessage.channel == "push", OutboxMessage.body != "")
        .values(body="", error=None)).rowcount
    old_tickets = select(Ticket.seq).where(Ticket.created_at < before, Ticket.branch_id == branch_id) \
        if branch_id is not None else None
    browsers = session.execute(delete(PushSubscription).where(PushSubscription.ticket_seq.in_(
        old_tickets.scalar_subquery()))).rowcount if old_tickets is not None else 0
    return {"messages": sent + received + pushed, "push_subscriptions": browsers}


def _received_from(phone: str):
    return or_(InboundMessage.sender == phone, InboundMessage.sender == f"whatsapp:{phone}")


def records(session, *, customer_id, phone, now) -> CustomerRecords:
    found = CustomerRecords()
    found.records["messages_sent"] = [
        {"channel": m.channel, "kind": m.kind, "body": m.body, "status": m.status, "created_at": m.created_at}
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.phone == phone)
                                 .order_by(OutboxMessage.created_at))]
    found.records["messages_received"] = [
        {"channel": m.channel, "body": m.body, "reply": m.reply, "created_at": m.created_at}
        for m in session.scalars(select(InboundMessage).where(_received_from(phone))
                                 .order_by(InboundMessage.created_at))]
    return found


def erasing(session, *, customer_id, phone) -> dict[str, int]:
    session.execute(update(OutboxMessage).where(OutboxMessage.phone == phone, OutboxMessage.status == "queued")
                    .values(status="failed", claim=None, claimed_until=None, status_at=clock.utcnow()))
    sent = session.execute(update(OutboxMessage).where(OutboxMessage.phone == phone).values(**_GONE_OUT)).rowcount
    received = session.execute(update(InboundMessage).where(_received_from(phone)).values(**_GONE_IN)).rowcount
    return {"messages": sent + received}
