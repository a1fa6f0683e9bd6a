"""Appointment tables: a branch's opening hours and closures, and the appointments.

They share `turnero.models.Base`, so Alembic, the test fixtures and `create_app`
see one schema. Times are UTC instants (`UTCDateTime`); opening hours are wall
times of the branch's own time zone.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, event, insert, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..models import Base, Branch, Closure, Customer, OpeningHours, Service, Ticket, UTCDateTime, new_uuid, utcnow

BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class Appointment(Base):
    """A booked visit. `token` is its holder's secret (manage page, .ics), `code` what
    people type at the kiosk, `id` (UUID) what staff use."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_slot", "branch_id", "service_id", "start_at", "status"),
        Index("ix_appointments_customer", "customer_id", "status"),
        Index("ix_appointments_status_start", "status", "start_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))  # None once erased
    name: Mapped[str] = mapped_column(String(120))
    lang: Mapped[str] = mapped_column(String(5), default="es")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # booked -> checked_in -> done; booked -> cancelled | no_show; checked_in -> no_show
    status: Mapped[str] = mapped_column(String(12), default="booked")
    channel: Mapped[str] = mapped_column(String(12), default="web")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticket_seq: Mapped[int | None] = mapped_column(ForeignKey("tickets.seq", ondelete="SET NULL"))
    reschedules: Mapped[int] = mapped_column(Integer, default=0)
    # When each reminder went to the outbox (None: not yet); cleared by a reschedule.
    reminded_day_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_hour_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_queued: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where this appointment's messages go when chosen for it alone (a typed number; 0022).
    notify_by: Mapped[str | None] = mapped_column(String(16))

    branch: Mapped[Branch] = relationship()
    service: Mapped[Service] = relationship()
    customer: Mapped[Customer | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship()


class AppointmentEvent(Base):
    """The appointments' log, appended to whenever one is booked, moved or changes
    state (whatever the door: page, text, call, kiosk, console, its ticket ending), in
    the same transaction. Webhooks read it; it holds no personal data."""

    __tablename__ = "appointment_events"
    __table_args__ = (Index("ix_appointment_events_branch", "branch_id", "id"),)
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # booked | rescheduled | a status it reached
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the appointment's time then
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _log(connection, appointment: Appointment, kind: str) -> None:
    connection.execute(insert(AppointmentEvent).values(
        appointment_id=appointment.id, branch_id=appointment.branch_id, kind=kind, start_at=appointment.start_at,
        at=clock.utcnow()))


@event.listens_for(Appointment, "after_insert")
def _booked(_mapper, connection, appointment: Appointment) -> None:
    _log(connection, appointment, appointment.status)  # booked (a kind is the status it reached)


@event.listens_for(Appointment, "after_update")
def _changed(_mapper, connection, appointment: Appointment) -> None:
    state = inspect(appointment)
    if state.attrs.start_at.history.has_changes():
        _log(connection, appointment, "rescheduled")
    if state.attrs.status.history.has_changes():
        _log(connection, appointment, appointment.status)


__all__ = ["OpeningHours", "Closure", "Appointment", "AppointmentEvent"]
