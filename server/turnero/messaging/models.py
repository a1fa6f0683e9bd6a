"""Messaging's tables: the outbox of messages to send, the log of messages received,
and the notices already decided per ticket (so each is sent at most once)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base, UTCDateTime, utcnow

BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class OutboxMessage(Base):
    """One message the server sends on its own, written in the transaction of the
    change that causes it, then sent by the worker (see messaging/worker.py)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_phone", "phone", "created_at"),
    )
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    to: Mapped[str] = mapped_column(String(48))  # E.164, or whatsapp:+E.164
    phone: Mapped[str] = mapped_column(String(20))  # E.164, for opt-out and lookups
    channel: Mapped[str] = mapped_column(String(10))  # sms | whatsapp
    body: Mapped[str] = mapped_column(Text)
    # The WhatsApp template that says the same outside the 24-hour window (templates.py),
    # with its values by name; the worker chooses between the two when it sends.
    template: Mapped[str | None] = mapped_column(String(32))
    template_values: Mapped[dict | None] = mapped_column(JSON)
    lang: Mapped[str] = mapped_column(String(5), default="es")
    kind: Mapped[str] = mapped_column(String(20))  # confirm, near, called, recall, feedback_request, ...
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="SET NULL"))
    ticket_seq: Mapped[int | None] = mapped_column(ForeignKey("tickets.seq", ondelete="SET NULL"), index=True)
    # queued -> sending -> sent -> delivered; failed when given up (or refused)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The worker's claim: who is sending it and until when the claim holds.
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An attempt whose outcome is unknown (timeout, crash): ask the provider before resending.
    uncertain_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboundMessage(Base):
    """Every text or call received, with what the server answered."""

    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_messages_sender", "sender", "created_at"),
                      # When a number last wrote on WhatsApp: its 24-hour window.
                      Index("ix_inbound_messages_channel_sender", "channel", "sender", "created_at"))
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    sender: Mapped[str] = mapped_column(String(48))  # E.164 when it could be read, else as received
    to: Mapped[str] = mapped_column(String(48))
    channel: Mapped[str] = mapped_column(String(10))  # sms | whatsapp | voice
    body: Mapped[str] = mapped_column(Text, default="")
    command: Mapped[str | None] = mapped_column(String(20))
    reply: Mapped[str | None] = mapped_column(Text)
    # A pending question, e.g. {"menu": ["caja", "plataforma"]}: the next digit answers it.
    data: Mapped[dict | None] = mapped_column(JSON)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="SET NULL"))
    ticket_seq: Mapped[int | None] = mapped_column(ForeignKey("tickets.seq", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketNotice(Base):
    """A notice decided for a ticket ("near", "feedback_request"): its primary key
    makes each one happen once, even when two changes race."""

    __tablename__ = "ticket_notices"
    ticket_seq: Mapped[int] = mapped_column(ForeignKey("tickets.seq", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PushSubscription(Base):
    """A browser's Web Push subscription for one ticket (the tracking page's "Allow
    notifications"): where the worker sends that ticket's alerts (messaging/push.py).
    It goes with the ticket's personal data (privacy.py) and when the push service
    says it is gone (404/410)."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (Index("ix_push_subscriptions_ticket", "ticket_seq", "endpoint_hash", unique=True),)
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    ticket_seq: Mapped[int] = mapped_column(ForeignKey("tickets.seq", ondelete="CASCADE"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="SET NULL"), index=True)
    # The endpoint is long (up to 2,048 characters): its SHA-256 keeps it unique per ticket.
    endpoint: Mapped[str] = mapped_column(Text)
    endpoint_hash: Mapped[str] = mapped_column(String(64))
    p256dh: Mapped[str] = mapped_column(String(100))  # base64url, the browser's P-256 public key
    auth: Mapped[str] = mapped_column(String(32))  # base64url, 16 random bytes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
