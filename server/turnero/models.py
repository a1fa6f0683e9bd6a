"""The database schema (SQLAlchemy 2 typed models). Alembic migrations create it."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer,
                        LargeBinary, MetaData, SmallInteger, String, Table, Text, Time, TypeDecorator, UniqueConstraint, false,
                        text)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, relationship

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC on every database, handed out as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_version() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


counter_services = Table(
    "counter_services", Base.metadata,
    Column("counter_id", ForeignKey("counters.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)


class Branch(Base):
    __tablename__ = "branches"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Where it is, as customers read it (booking confirmations, reminders, the .ics,
    # the start page); migration 0016.
    address: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    lang: Mapped[str] = mapped_column(String(5), default="es")
    country: Mapped[str] = mapped_column(String(2), default="MX")
    priority_boost_min: Mapped[int] = mapped_column(Integer, default=15)
    appointment_boost_min: Mapped[int] = mapped_column(Integer, default=10)
    # Appointment check-in window around the booked time (migration 0003).
    checkin_before_min: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    checkin_after_min: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    notify_ahead: Mapped[int] = mapped_column(Integer, default=3)
    # After how many days phones, names, message bodies and comments are erased
    # (`turnero purge`, daily in `turnero serve`); the figures stay (migration 0005).
    retention_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    offers_priority: Mapped[bool] = mapped_column(Boolean, default=True)
    # Walk-ins join only during the opening hours, up to `last_entry_min` before
    # closing (migration 0007; every door refuses outside them, saying when it opens).
    join_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_entry_min: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Remote turns (web, SMS, WhatsApp, voice) wait to be called until their holder says
    # "I'm here", keeping their place; unarrived `remote_grace_min` after their place
    # came, they expire. A called ticket recalled `no_show_after_recalls` times becomes
    # a no-show when its counter moves on (0: never by itself). Migration 0008.
    remote_check_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    remote_grace_min: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    no_show_after_recalls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A no-show may be brought back to the line (at its place in time) this many minutes
    # after it was marked: the customer who turns up late at the front desk (0014).
    no_show_return_min: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # The manager's figures: the share of turns called within this wait (0010).
    target_wait_min: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    message: Mapped[str | None] = mapped_column(String(280))
    # Its brand (migration 0021): a colour (#rrggbb) and a logo, a checked PNG or JPEG
    # (branding.checked_logo), loaded only when served; the version is its `?v=`.
    brand_color: Mapped[str | None] = mapped_column(String(7))
    brand_logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    brand_logo_type: Mapped[str | None] = mapped_column(String(20))
    brand_logo_version: Mapped[str | None] = mapped_column(String(16))
    # Grows by one with every committed change of the branch (clients resync on gaps).
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # The `seq` of the last change that told the followers its lines moved (its
    # notice's `seq`; the next notice's `prev`): queue.known_lines checks the places it
    # remembers against it (migration 0026).
    moved_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # A new random value with every change to what a branch.state shows besides who
    # waits: services, counters, calls, service times (migration 0004). While it
    # stands, those parts read once can be reused (queue.setup.BranchSetup).
    setup_version: Mapped[str] = mapped_column(String(32), default=new_version, server_default="")
    # When a turn taken last had every wait reckoned again, a while after the branch's
    # last change (queue.issuing; migration 0028): one of the moments the waits are
    # estimated as of (queue.setup.BranchSetup.as_of).
    reckoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    services: Mapped[list[Service]] = relationship(back_populates="branch", order_by="Service.prefix")
    counters: Mapped[list[Counter]] = relationship(back_populates="branch", order_by="Counter.slug")


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("branch_id", "slug"), UniqueConstraint("branch_id", "prefix"))
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(40))
    prefix: Mapped[str] = mapped_column(String(1))
    name_es: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    color: Mapped[str] = mapped_column(String(7), default="#1f6feb")
    avg_service_min: Mapped[float] = mapped_column(default=5.0)
    takes_appointments: Mapped[bool] = mapped_column(Boolean, default=False)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=20)
    slot_capacity: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Staff stopped new turns to this line (those waiting are still served), with a
    # message for the customers, until a time or until reopened (migration 0007).
    join_paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    join_message: Mapped[str | None] = mapped_column(String(200))
    join_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What a customer with an appointment should bring (migration 0016).
    bring_es: Mapped[str | None] = mapped_column(String(300))
    bring_en: Mapped[str | None] = mapped_column(String(300))

    branch: Mapped[Branch] = relationship(back_populates="services")

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_es

    def bring(self, lang: str) -> str | None:
        """What to bring, in the customer's language (the other one when only it was written)."""
        return (self.bring_en or self.bring_es) if lang == "en" else (self.bring_es or self.bring_en)


class OpeningHours(Base):
    """One range of one weekday (0 = Monday ... 6 = Sunday); a day may have several."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        Index("ix_opening_hours_branch_weekday", "branch_id", "weekday"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("opens < closes", name="opens_before_closes"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    branch: Mapped[Branch] = relationship()


class Closure(Base):
    """Whole days a branch takes no appointments (holidays, works), first to last inclusive."""

    __tablename__ = "branch_closures"
    __table_args__ = (
        Index("ix_branch_closures_branch_days", "branch_id", "first_day", "last_day"),
        CheckConstraint("first_day <= last_day", name="days_in_order"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")

    branch: Mapped[Branch] = relationship()


class Counter(Base):
    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("branch_id", "slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(10), default="closed")
    # Why a paused counter is paused (`break`, `lunch`, `back_office` or free text),
    # since when it is in its state, and who opened it (migration 0007).
    pause_reason: Mapped[str | None] = mapped_column(String(80))
    state_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The hours it is planned to serve each day the branch opens, in the branch's wall
    # time, as "09:00-13:00, 14:00-18:00" (hours.parse_ranges; migration 0029): the
    # waits count it in them (queue.setup). None: no set hours.
    planned_hours: Mapped[str | None] = mapped_column(String(120))

    branch: Mapped[Branch] = relationship(back_populates="counters")
    services: Mapped[list[Service]] = relationship(secondary=counter_services, order_by="Service.prefix")
    agent: Mapped[User | None] = relationship()


class PriorityClass(Base):
    """Who a branch serves first ("Adulto mayor", "Embarazada"...), each with its own
    boost and whether the kiosk offers it (migration 0009)."""

    __tablename__ = "priority_classes"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    name_es: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    boost_min: Mapped[int] = mapped_column(Integer, default=15)
    at_kiosk: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_es


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))  # admin | manager | agent
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    branch: Mapped[Branch | None] = relationship()


class AuthToken(Base):
    """A staff API token; only its SHA-256 is kept."""

    __tablename__ = "auth_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # kiosk | display
    name: Mapped[str] = mapped_column(String(120), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its token was last used (written at most once a minute) and the Socket.IO
    # connection it holds now, if any (0019): the devices page's "online" / "seen 5 min ago".
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    online_sid: Mapped[str | None] = mapped_column(String(64))

    branch: Mapped[Branch] = relationship()


class PairingCode(Base):
    """A short code a manager shows to a new kiosk or display, exchanged once for a
    device token (0019). Only its hash is kept; `lookup` (its first characters) finds the
    rows a mistyped code was meant for, so wrong tries burn the code (access.pairing)."""

    __tablename__ = "pairing_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # kiosk | display
    name: Mapped[str] = mapped_column(String(120), default="")
    lookup: Mapped[str] = mapped_column(String(8), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    name: Mapped[str | None] = mapped_column(String(120))
    lang: Mapped[str | None] = mapped_column(String(5))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What staff keep in mind about the customer ("prefers English"); erased with them (0011).
    note: Mapped[str | None] = mapped_column(String(500))
    # Where their messages go: "sms", "whatsapp", or None for the channel of each ticket (0013).
    channel: Mapped[str | None] = mapped_column(String(10))


class DailyNumber(Base):
    """The last ticket number given per service and local day: the atomic code source."""

    __tablename__ = "daily_numbers"
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("branch_id", "day", "code"),
        UniqueConstraint("branch_id", "idempotency_key"),
        Index("ix_tickets_line", "branch_id", "status", "service_id", "sort_at", "seq"),
        Index("ix_tickets_branch_day", "branch_id", "day"),
        # The day's called tickets, which a branch's setup reads after every call (the
        # pace of each line): as many as were called, however long the line still waiting.
        Index("ix_tickets_called_day", "branch_id", "day", "service_id",
              sqlite_where=text("called_at IS NOT NULL"), postgresql_where=text("called_at IS NOT NULL")),
        Index("ix_tickets_target_counter", "target_counter_id", "status", "sort_at", "seq"),
        # What a counter has called or is serving (finished by its next call): a look,
        # not a walk of every ticket the branch ever had.
        Index("ix_tickets_counter_status", "counter_id", "status"),
    )
    # `seq` is the issue order (ties in the line); `id` is the public UUID for staff.
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    day: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(12))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    lang: Mapped[str] = mapped_column(String(5), default="es")
    name: Mapped[str | None] = mapped_column(String(120))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    sort_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    # Set by a transfer to a counter: only that counter may call the ticket.
    target_counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    # The counter that transferred the ticket away: its call-next passes the ticket over
    # until another counter calls it (a transfer never bounces back; 0015).
    sent_from_counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id", ondelete="SET NULL"))
    recalls: Mapped[int] = mapped_column(SmallInteger, default=0)
    # "I'm here" (page, LLEGUE/HERE, the kiosk); when a remote ticket's place came
    # while it had not arrived; how many times its holder let people pass (0008).
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_moves: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # The priority class the ticket was given, if any (0009).
    priority_class_id: Mapped[int | None] = mapped_column(ForeignKey("priority_classes.id", ondelete="SET NULL"))
    # Where this turn's messages go when chosen for it alone ("sms", "whatsapp"): a number
    # typed on a page or at a kiosk may be anyone's, so its choice is not the customer's (0022).
    notify_by: Mapped[str | None] = mapped_column(String(16))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Bumped by the database at every update of the row, whoever writes it (triggers,
    # 0027): whether a row read before is still as read (queue.places).
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    branch: Mapped[Branch] = relationship()
    service: Mapped[Service] = relationship()
    counter: Mapped[Counter | None] = relationship(foreign_keys=[counter_id])
    target_counter: Mapped[Counter | None] = relationship(foreign_keys=[target_counter_id])
    customer: Mapped[Customer | None] = relationship()


class LineCount(Base):
    """How many tickets wait in each line, kept by the database: triggers on `tickets`
    (migration 0025) change it in the statement that moves a ticket into or out of
    the waiting lines, whatever wrote it. Read, never written, by the code."""

    __tablename__ = "line_counts"
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True,
                                            autoincrement=False)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    waiting: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TicketEvent(Base):
    """Append-only log of everything that happened to a ticket."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_branch_kind_at", "branch_id", "kind", "at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    ticket_seq: Mapped[int] = mapped_column(ForeignKey("tickets.seq", ondelete="CASCADE"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str | None] = mapped_column(String(12))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id", ondelete="SET NULL"))
    data: Mapped[dict | None] = mapped_column(JSON)

    ticket: Mapped[Ticket] = relationship()
    counter: Mapped[Counter | None] = relationship()
    user: Mapped[User | None] = relationship()


class Feedback(Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_seq: Mapped[int] = mapped_column(ForeignKey("tickets.seq", ondelete="CASCADE"), unique=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """One administrative change: who, when, from where, what. Written in the
    transaction of the change; never updated or deleted (triggers refuse it, migration
    0005). No foreign keys: an entry outlives the user, device or branch it names."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_branch_at", "branch", "at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))  # a username, "kiosk 3", "cli"
    role: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(64))
    branch: Mapped[str | None] = mapped_column(String(40))  # the branch's short name then
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(120))
    changes: Mapped[dict | None] = mapped_column(JSON)  # field -> [before, after], or what was done
