"""What messaging keeps of a branch when an admin deletes it (`signals.branch_deleting`):
texts already sent stay in the log without the branch; those still waiting to go out
are dropped (failed, "branch deleted"); the notices and push subscriptions of its
tickets go."""
from __future__ import annotations

from sqlalchemy import delete, update

from .. import clock
from .models import InboundMessage, OutboxMessage, PushSubscription, TicketNotice


def deleting(session, *, branch_id, tickets) -> None:
    session.execute(update(OutboxMessage).where(OutboxMessage.branch_id == branch_id,
                                                OutboxMessage.status == "queued")
                    .values(status="failed", error="branch deleted", status_at=clock.utcnow()))
    session.execute(update(OutboxMessage).where(OutboxMessage.branch_id == branch_id)
                    .values(branch_id=None, ticket_seq=None))
    session.execute(update(InboundMessage).where(InboundMessage.branch_id == branch_id)
                    .values(branch_id=None, ticket_seq=None))
    for table in (OutboxMessage, InboundMessage):  # a message of another branch about one of these tickets
        session.execute(update(table).where(table.ticket_seq.in_(tickets)).values(ticket_seq=None))
    session.execute(delete(TicketNotice).where(TicketNotice.ticket_seq.in_(tickets)))
    session.execute(delete(PushSubscription).where(PushSubscription.ticket_seq.in_(tickets)))
