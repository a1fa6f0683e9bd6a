"""Read models of messaging: a ticket's messages (staff) and a phone's
conversation (the dev phone). Received texts and calls come with the reply the
server gave; outgoing notifications with their delivery status."""
from __future__ import annotations

import json

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access.services import Actor
from ..db import UnitOfWork
from ..queue.lookups import find_ticket_by_id
from ..queue.read_models import iso
from . import push
from .models import InboundMessage, OutboxMessage
from .worker import NO_TEMPLATE


def _inbound_items(row: InboundMessage) -> list[dict]:
    items = [{"direction": "in", "channel": row.channel, "kind": row.command, "body": row.body,
              "status": "received", "phone": row.sender, "at": iso(row.created_at), "_sort": (row.created_at, 0, row.id)}]
    if row.reply:
        items.append({"direction": "out", "channel": row.channel, "kind": "reply", "body": row.reply,
                      "status": "sent", "phone": row.sender, "at": iso(row.created_at),
                      "_sort": (row.created_at, 1, row.id)})
    return items


def _outbox_item(row: OutboxMessage) -> dict:
    body = _shown(row.body) if row.channel == push.CHANNEL else row.body
    return {"direction": "out", "channel": row.channel, "kind": row.kind, "body": body, "status": row.status,
            "phone": row.phone, "at": iso(row.created_at), "error": _error(row.error), "attempts": row.attempts,
            "_sort": (row.created_at, 2, row.id)}


def _shown(data: str) -> str:
    """What a push notification showed: its title and text (not its link)."""
    try:
        shown = json.loads(data) if data else {}
    except ValueError:
        return data
    return ": ".join(part for part in (shown.get("title"), shown.get("body")) if part)


def _error(error: str | None) -> str | None:
    """Why a message was not sent, for staff: the provider's words, or ours."""
    if error and error.startswith(NO_TEMPLATE + " "):
        return gettext("Not sent: this number has not written on WhatsApp in the last 24 hours, and WhatsApp then "
                       "needs the approved template %(template)s (TURNERO_TWILIO_TEMPLATES).",
                       template=error.split(" ", 1)[1])
    return error


def _ordered(items: list[dict]) -> list[dict]:
    items.sort(key=lambda item: item["_sort"])
    for item in items:
        del item["_sort"]
    return items


def ticket_messages(uow: UnitOfWork, ticket_id: str, actor: Actor) -> list[dict]:
    """Every message sent or received about one ticket, oldest first (staff)."""
    ticket = find_ticket_by_id(uow.session, ticket_id)
    actor.require_staff(ticket.branch)
    session = uow.session
    items = []
    for row in session.scalars(select(InboundMessage).where(InboundMessage.ticket_seq == ticket.seq)):
        items.extend(_inbound_items(row))
    items.extend(_outbox_item(row) for row in
                 session.scalars(select(OutboxMessage).where(OutboxMessage.ticket_seq == ticket.seq)))
    return _ordered(items)


def conversation(session: Session, phone: str, limit: int = 60) -> list[dict]:
    """What a phone sent and received, oldest first (the last `limit` rows of each kind)."""
    inbound = session.scalars(select(InboundMessage).where(InboundMessage.sender == phone)
                              .order_by(InboundMessage.id.desc()).limit(limit)).all()
    outbox = session.scalars(select(OutboxMessage).where(OutboxMessage.phone == phone)
                             .order_by(OutboxMessage.id.desc()).limit(limit)).all()
    items = []
    for row in inbound:
        items.extend(_inbound_items(row))
    items.extend(_outbox_item(row) for row in outbox)
    return _ordered(items)


def recent_numbers(session: Session, limit: int = 8) -> list[str]:
    """Numbers that texted, called or were texted lately (the dev phone offers them)."""
    seen: list[str] = []
    rows = session.execute(select(InboundMessage.sender).where(InboundMessage.sender.like("+%"))
                           .order_by(InboundMessage.id.desc()).limit(50)).scalars().all()
    rows += session.execute(select(OutboxMessage.phone).where(OutboxMessage.phone != "")  # push rows: no number
                            .order_by(OutboxMessage.id.desc()).limit(50)).scalars().all()
    for phone in rows:
        if phone not in seen:
            seen.append(phone)
    return seen[:limit]


__all__ = ["ticket_messages", "conversation", "recent_numbers"]
