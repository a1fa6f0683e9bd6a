"""The tables of webhooks: the endpoints admins register per branch (each with its
place in the branch's event log), and each delivery the worker made from the log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base, UTCDateTime, new_uuid, utcnow

BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(64))
    events: Mapped[list] = mapped_column(JSON)  # the event names it wants
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last ticket event of the log already turned into deliveries (or seen), and
    # the same in the appointments' log.
    cursor: Mapped[int] = mapped_column(BIG_ID, default=0)
    appointment_cursor: Mapped[int] = mapped_column(BIG_ID, default=0, server_default="0")


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
                      UniqueConstraint("endpoint_id", "event_id"),
                      Index("ix_webhook_deliveries_appointment_event", "endpoint_id", "appointment_event_id",
                            unique=True))
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)  # the receiver's dedupe key
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    # The event it tells: a ticket event (ticket_events.id) or an appointment's
    # (appointment_events.id); never two deliveries of one to an endpoint.
    event_id: Mapped[int | None] = mapped_column(BIG_ID)
    appointment_event_id: Mapped[int | None] = mapped_column(BIG_ID)
    body: Mapped[str] = mapped_column(Text)  # the exact JSON signed and sent
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | delivered | failed
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_code: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
