"""Administration use cases, one function each: branches, services, counters, users
and devices. The admin pages and the CLI call these; every one checks who acts,
validates everything on the server (field -> messages in `Invalid.errors`), commits
once, and when the queue's displays show what changed, queues a fresh `branch.state`.

Who may do what: an admin everything; a manager only at their own branch (no new
branches, no admins); an agent nothing here.
"""
from __future__ import annotations

import functools
import logging
import re
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, joinedload

from ..db import UnitOfWork
from ..errors import N_, Conflict, Forbidden, Invalid, NotFound, Unauthorized
from ..models import (AuthToken, Branch, Counter, DailyNumber, Device, Feedback, Service, Ticket, TicketEvent, User,
                      counter_services, utcnow)
from . import access, queue, setup
from .access import DEVICE_KINDS, ROLES, Actor

log = logging.getLogger(__name__)

# The command line acts with full rights.
SYSTEM = Actor(kind="user", username="cli", role="admin")

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
USERNAME_RE = re.compile(r"^[a-zA-Z0-9._-]{2,80}$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
PREFIX_RE = re.compile(r"^[A-Z]$")
LANGS = ("es", "en")
MIN_PASSWORD = 8


# ---------------------------------------------------------------- who may

def require_manager(actor: Actor, branch: Branch | None = None) -> None:
    """An admin, or a manager acting on their own branch."""
    if actor.kind == "anonymous":
        raise Unauthorized(N_("Log in as staff to do this."))
    if actor.kind != "user" or actor.role not in ("admin", "manager"):
        raise Forbidden(N_("Only administrators and managers may do this."))
    if actor.role == "manager" and actor.branch_id is None:  # e.g. their branch was deleted
        raise Forbidden(N_("You are not assigned to a branch yet. Ask an administrator."))
    if branch is not None and actor.role != "admin" and actor.branch_id != branch.id:
        raise Forbidden(N_("You can only manage your own branch."))


def require_admin(actor: Actor) -> None:
    require_manager(actor)
    if actor.role != "admin":
        raise Forbidden(N_("Only administrators may do this."))


def _branch(session: Session, actor: Actor, slug: str, lock: bool = False) -> Branch:
    branch = queue.find_branch(session, slug, lock=lock)
    require_manager(actor, branch)
    return branch


class Message(str):
    """A message id with its parameters: translated, then formatted, where shown."""

    def __new__(cls, msgid: str, **params):
        obj = super().__new__(cls, msgid)
        obj.params = params
        return obj


class _Errors(dict):
    """Field -> messages, raised at once as one Invalid."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self:
            raise Invalid(N_("Some fields are not valid."), errors=dict(self))


def _text(errors: _Errors, field: str, value, max_len: int, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            errors.add(field, N_("This field is required."))
        return None
    if len(value) > max_len:
        errors.add(field, Message(N_("At most %(max)d characters."), max=max_len))
    return value


def _number(errors: _Errors, field: str, value, low: float, high: float, kind=int):
    if value is None or value == "":
        errors.add(field, N_("This field is required."))
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        errors.add(field, N_("Enter a number."))
        return None
    if not low <= number <= high:
        errors.add(field, Message(N_("Enter a number from %(low)s to %(high)s."), low=low, high=high))
    return number


def _slug(errors: _Errors, value) -> str | None:
    slug = (value or "").strip()
    if not slug:
        errors.add("slug", N_("This field is required."))
    elif not SLUG_RE.match(slug) or slug == "new":
        errors.add("slug", N_("Use lowercase letters, digits and hyphens (up to 40)."))
    return slug


# ---------------------------------------------------------------- reading (plain dicts, for pages and the CLI)

BRANCH_FIELDS = ("slug", "name", "timezone", "lang", "country", "priority_boost_min", "appointment_boost_min",
                 "notify_ahead", "offers_priority", "message")
SERVICE_FIELDS = ("slug", "prefix", "name_es", "name_en", "color", "avg_service_min", "takes_appointments",
                  "slot_minutes", "slot_capacity", "active")


def _fields(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


def branch_view(branch: Branch) -> dict:
    return _fields(branch, BRANCH_FIELDS)


def service_view(service: Service) -> dict:
    return _fields(service, SERVICE_FIELDS)


def counter_view(counter: Counter) -> dict:
    return {"slug": counter.slug, "name": counter.name, "state": counter.state,
            "services": [s.slug for s in counter.services],
            "service_names": {"es": [s.name_es for s in counter.services], "en": [s.name_en for s in counter.services]}}


def user_view(user: User) -> dict:
    return {"id": user.id, "username": user.username, "role": user.role, "active": user.active,
            "branch": user.branch.slug if user.branch else None,
            "branch_name": user.branch.name if user.branch else None}


def device_view(device: Device) -> dict:
    return {"id": device.id, "kind": device.kind, "name": device.name, "created_at": device.created_at,
            "revoked_at": device.revoked_at}


def require_staff_user(actor: Actor) -> None:
    if actor.kind != "user":
        raise Unauthorized(N_("Log in as staff to do this."))


def visible_branches(uow: UnitOfWork, actor: Actor) -> list[dict]:
    """The branches this staff member works with (all for an admin, else their own),
    with how many services and counters each has."""
    require_staff_user(actor)
    query = select(Branch).options(joinedload(Branch.services), joinedload(Branch.counters)).order_by(Branch.name)
    if actor.role != "admin":
        query = query.where(Branch.id == actor.branch_id)
    return [{**branch_view(b), "services": len(b.services), "counters": len(b.counters)}
            for b in uow.session.scalars(query).unique()]


def get_branch(uow: UnitOfWork, actor: Actor, slug: str) -> dict:
    return branch_view(_branch(uow.session, actor, slug))


def list_services(uow: UnitOfWork, actor: Actor, branch_slug: str) -> list[dict]:
    branch = _branch(uow.session, actor, branch_slug)
    return [service_view(s) for s in uow.session.scalars(
        select(Service).where(Service.branch_id == branch.id).order_by(Service.prefix))]


def get_service(uow: UnitOfWork, actor: Actor, branch_slug: str, slug: str) -> dict:
    branch = _branch(uow.session, actor, branch_slug)
    return service_view(_service(uow.session, branch, slug))


def _service(session: Session, branch: Branch, slug: str) -> Service:
    service = session.scalar(select(Service).where(Service.branch_id == branch.id, Service.slug == slug))
    if service is None:
        raise NotFound(N_("There is no service “%(service)s” at this branch."), service=slug)
    return service


def list_counters(uow: UnitOfWork, actor: Actor, branch_slug: str) -> list[dict]:
    branch = _branch(uow.session, actor, branch_slug)
    return [counter_view(c) for c in uow.session.scalars(
        select(Counter).options(joinedload(Counter.services))
        .where(Counter.branch_id == branch.id).order_by(Counter.slug)).unique()]


def get_counter(uow: UnitOfWork, actor: Actor, branch_slug: str, slug: str) -> dict:
    branch = _branch(uow.session, actor, branch_slug)
    return counter_view(queue.find_counter(uow.session, branch, slug))


def list_users(uow: UnitOfWork, actor: Actor) -> list[dict]:
    require_manager(actor)
    query = select(User).options(joinedload(User.branch)).order_by(User.username)
    if actor.role != "admin":
        query = query.where(User.branch_id == actor.branch_id)
    return [user_view(u) for u in uow.session.scalars(query)]


def get_user(uow: UnitOfWork, actor: Actor, user_id: int) -> dict:
    return user_view(_user(uow.session, actor, user_id))


def _user(session: Session, actor: Actor, user_id: int) -> User:
    require_manager(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("There is no such user."))
    if actor.role != "admin" and (user.branch_id != actor.branch_id or user.role == "admin"):
        raise Forbidden(N_("You can only manage the staff of your own branch."))
    return user


def list_devices(uow: UnitOfWork, actor: Actor, branch_slug: str) -> list[dict]:
    branch = _branch(uow.session, actor, branch_slug)
    return [device_view(d) for d in uow.session.scalars(
        select(Device).where(Device.branch_id == branch.id)
        .order_by(Device.revoked_at.is_not(None), Device.created_at.desc()))]


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zones() -> list[str]:
    return sorted(_zone_names())


# ---------------------------------------------------------------- branches

def _branch_fields(errors: _Errors, branch: Branch, values: dict) -> None:
    branch.name = _text(errors, "name", values.get("name"), 120)
    tz = (values.get("timezone") or "").strip()
    if tz in _zone_names():
        ZoneInfo(tz)  # loads: the name is known and its data is there
        branch.timezone = tz
    else:
        errors.add("timezone", N_("Choose a time zone from the list, like America/Mexico_City."))
    lang = values.get("lang")
    if lang not in LANGS:
        errors.add("lang", N_("Choose Spanish or English."))
    branch.lang = lang
    country = (values.get("country") or "").strip().upper()
    if country not in phonenumbers.SUPPORTED_REGIONS:
        errors.add("country", N_("Enter a two-letter country code, like MX."))
    branch.country = country
    branch.priority_boost_min = _number(errors, "priority_boost_min", values.get("priority_boost_min"), 0, 240)
    branch.appointment_boost_min = _number(errors, "appointment_boost_min",
                                           values.get("appointment_boost_min", branch.appointment_boost_min or 0),
                                           0, 240)
    branch.notify_ahead = _number(errors, "notify_ahead", values.get("notify_ahead"), 0, 50)
    branch.offers_priority = bool(values.get("offers_priority"))
    branch.message = _text(errors, "message", values.get("message"), 280, required=False)


def create_branch(uow: UnitOfWork, actor: Actor, *, slug: str, **values) -> Branch:
    require_admin(actor)
    session = uow.session
    errors = _Errors()
    slug = _slug(errors, slug)
    if slug and session.scalar(select(Branch.id).where(Branch.slug == slug)) is not None:
        errors.add("slug", N_("Another branch already uses this short name."))
    branch = Branch(slug=slug or "", seq=0)
    _branch_fields(errors, branch, values)
    errors.raise_any()
    session.add(branch)
    session.flush()
    uow.commit()
    log.info("branch %s created by %s", branch.slug, actor.username)
    return branch_view(branch)


def update_branch(uow: UnitOfWork, actor: Actor, slug: str, **values) -> Branch:
    session = uow.session
    branch = _branch(session, actor, slug, lock=True)
    errors = _Errors()
    _branch_fields(errors, branch, values)
    errors.raise_any()
    queue.branch_changed(uow, branch)
    uow.commit()
    log.info("branch %s settings changed by %s", branch.slug, actor.username)
    return branch_view(branch)


# ---------------------------------------------------------------- deleting a branch

class BranchInUse(Conflict):
    """The branch still has customers: tickets in line today or appointments to come.
    `errors` names each reason ("tickets", "appointments") with what it counted."""


TICKETS_SHOWN = 10


def _branch_contents(session: Session, branch: Branch) -> dict:
    """What deleting `branch` would remove, and what stops it now (the active tickets of
    the branch's local today, the booked appointments that have not ended)."""
    from ..appointments.models import Appointment, Closure, OpeningHours
    from ..domain.rules import ACTIVE, local_day

    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(model.branch_id == branch.id, *where))

    now = utcnow()
    today = local_day(now, branch.timezone)
    busy = list(session.scalars(
        select(Ticket.code).where(Ticket.branch_id == branch.id, Ticket.day == today, Ticket.status.in_(ACTIVE))
        .order_by(Ticket.sort_at, Ticket.seq)))
    upcoming = (Appointment.status == "booked", Appointment.end_at > now)
    first_appointment = session.scalar(select(func.min(Appointment.start_at))
                                       .where(Appointment.branch_id == branch.id, *upcoming))
    staff = list(session.scalars(select(User.username).where(User.branch_id == branch.id).order_by(User.username)))
    return {
        "slug": branch.slug, "name": branch.name, "timezone": branch.timezone,
        "services": count(Service), "counters": count(Counter), "devices": count(Device),
        "tickets": count(Ticket), "appointments": count(Appointment),
        "hours": count(OpeningHours) + count(Closure), "staff": staff,
        "busy_tickets": busy, "upcoming_appointments": count(Appointment, *upcoming),
        "first_appointment": first_appointment,
    }


def branch_contents(uow: UnitOfWork, actor: Actor, slug: str) -> dict:
    """For the confirmation page: what goes with the branch and whether it can go now."""
    require_admin(actor)
    return _branch_contents(uow.session, _branch(uow.session, actor, slug))


def in_use(contents: dict) -> BranchInUse | None:
    errors = {}
    busy = contents["busy_tickets"]
    if busy:
        codes = ", ".join(busy[:TICKETS_SHOWN]) + ("…" if len(busy) > TICKETS_SHOWN else "")
        errors["tickets"] = [Message(N_("Tickets waiting, called or being served today: %(count)d (%(codes)s). "
                                        "Serve, finish or cancel them first."), count=len(busy), codes=codes)]
    if contents["upcoming_appointments"]:
        first = contents["first_appointment"].astimezone(ZoneInfo(contents["timezone"]))
        errors["appointments"] = [Message(N_("Appointments booked from now on: %(count)d, the first on %(when)s. "
                                             "Cancel or move them first."),
                                          count=contents["upcoming_appointments"],
                                          when=first.strftime("%Y-%m-%d %H:%M"))]
    if not errors:
        return None
    return BranchInUse(N_("“%(name)s” cannot be deleted while it has customers."), errors=errors,
                       name=contents["name"])


def delete_branch(uow: UnitOfWork, actor: Actor, slug: str, *, confirm: str | None) -> dict:
    """Delete a branch with everything of its own, in one transaction: services,
    counters, devices, daily numbers, opening hours and closures, past tickets with
    their events, ratings and notices, past appointments. Its staff stay, without a
    branch; customers stay (they may use other branches); texts already sent stay in
    the messages log without the branch, and those still waiting to go out are dropped
    (failed, "branch deleted"). Only administrators; the short name must be typed to
    confirm; refused (BranchInUse, nothing changed) while customers are in line today
    or have appointments to come."""
    from ..appointments.models import Appointment, Closure, OpeningHours
    from ..messaging.models import InboundMessage, OutboxMessage, TicketNotice

    require_admin(actor)
    session = uow.session
    branch = _branch(session, actor, slug, lock=True)  # no ticket or booking can start meanwhile
    contents = _branch_contents(session, branch)
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
    # not the database cascades by itself).
    session.execute(update(OutboxMessage).where(OutboxMessage.branch_id == bid, OutboxMessage.status == "queued")
                    .values(status="failed", error="branch deleted", status_at=utcnow()))
    session.execute(update(OutboxMessage).where(OutboxMessage.branch_id == bid).values(branch_id=None, ticket_seq=None))
    session.execute(update(InboundMessage).where(InboundMessage.branch_id == bid)
                    .values(branch_id=None, ticket_seq=None))
    for table in (OutboxMessage, InboundMessage):  # a message of another branch about one of these tickets
        session.execute(update(table).where(table.ticket_seq.in_(tickets)).values(ticket_seq=None))
    session.execute(delete(Appointment).where(Appointment.branch_id == bid))
    session.execute(delete(TicketNotice).where(TicketNotice.ticket_seq.in_(tickets)))
    session.execute(delete(Feedback).where(Feedback.ticket_seq.in_(tickets)))
    session.execute(delete(TicketEvent).where(TicketEvent.branch_id == bid))
    session.execute(delete(TicketEvent).where(TicketEvent.ticket_seq.in_(tickets)))
    session.execute(delete(Ticket).where(Ticket.branch_id == bid))
    session.execute(delete(DailyNumber).where(DailyNumber.service_id.in_(services)))
    session.execute(delete(counter_services).where(counter_services.c.counter_id.in_(counters)))
    session.execute(delete(Counter).where(Counter.branch_id == bid))
    session.execute(delete(Service).where(Service.branch_id == bid))
    session.execute(delete(Device).where(Device.branch_id == bid))
    session.execute(delete(OpeningHours).where(OpeningHours.branch_id == bid))
    session.execute(delete(Closure).where(Closure.branch_id == bid))
    session.execute(update(User).where(User.branch_id == bid).values(branch_id=None))
    session.expunge(branch)
    session.execute(delete(Branch).where(Branch.id == bid))
    uow.on_commit(lambda: (uow.db.setups.pop(bid, None), uow.db.lines.pop(bid, None)))
    uow.commit()
    log.info("branch %s deleted by %s (%d tickets, %d appointments; staff without branch: %s)", contents["slug"],
             actor.username, contents["tickets"], contents["appointments"], ", ".join(contents["staff"]) or "none")
    return contents


# ---------------------------------------------------------------- services

def _service_fields(errors: _Errors, session: Session, branch: Branch, service: Service, values: dict) -> None:
    prefix = (values.get("prefix") or "").strip().upper()
    if not PREFIX_RE.match(prefix):
        errors.add("prefix", N_("One letter, A to Z."))
    else:
        taken = session.scalar(select(Service).where(Service.branch_id == branch.id, Service.prefix == prefix,
                                                     Service.id != (service.id or -1)))
        if taken is not None:
            errors.add("prefix", Message(N_("The service “%(service)s” already uses this letter."),
                                         service=taken.slug))
    service.prefix = prefix
    service.name_es = _text(errors, "name_es", values.get("name_es"), 120)
    service.name_en = _text(errors, "name_en", values.get("name_en"), 120)
    color = (values.get("color") or "").strip()
    if not COLOR_RE.match(color):
        errors.add("color", N_("A colour like #1f6feb."))
    service.color = color.lower()
    service.avg_service_min = _number(errors, "avg_service_min", values.get("avg_service_min"), 0.5, 480, float)
    service.takes_appointments = bool(values.get("takes_appointments"))
    service.slot_minutes = _number(errors, "slot_minutes", values.get("slot_minutes"), 5, 240)
    service.slot_capacity = _number(errors, "slot_capacity", values.get("slot_capacity"), 1, 100)
    service.active = bool(values.get("active", True))


def create_service(uow: UnitOfWork, actor: Actor, branch_slug: str, *, slug: str, **values) -> Service:
    session = uow.session
    branch = _branch(session, actor, branch_slug, lock=True)
    errors = _Errors()
    slug = _slug(errors, slug)
    if slug and session.scalar(select(Service.id).where(Service.branch_id == branch.id,
                                                        Service.slug == slug)) is not None:
        errors.add("slug", N_("This branch already has a service with this name."))
    service = Service(branch_id=branch.id, slug=slug or "")
    _service_fields(errors, session, branch, service, values)
    errors.raise_any()
    session.add(service)
    session.flush()
    queue.branch_changed(uow, branch)
    uow.commit()
    log.info("service %s created at %s by %s", service.slug, branch.slug, actor.username)
    return service_view(service)


def update_service(uow: UnitOfWork, actor: Actor, branch_slug: str, slug: str, **values) -> Service:
    session = uow.session
    branch = _branch(session, actor, branch_slug, lock=True)
    service = _service(session, branch, slug)
    errors = _Errors()
    with session.no_autoflush:
        _service_fields(errors, session, branch, service, values)
    errors.raise_any()
    queue.branch_changed(uow, branch)
    uow.commit()
    log.info("service %s at %s changed by %s", service.slug, branch.slug, actor.username)
    return service_view(service)


# ---------------------------------------------------------------- counters

def _counter_fields(errors: _Errors, session: Session, branch: Branch, counter: Counter, values: dict) -> None:
    counter.name = _text(errors, "name", values.get("name"), 120)
    wanted = list(dict.fromkeys(values.get("services") or []))
    services = list(session.scalars(select(Service).where(Service.branch_id == branch.id,
                                                          Service.slug.in_(wanted))))
    if len(services) != len(wanted):
        errors.add("services", N_("Unknown service."))
    elif not services:
        errors.add("services", N_("Choose at least one service."))
    counter.services = services


def create_counter(uow: UnitOfWork, actor: Actor, branch_slug: str, *, slug: str, **values) -> Counter:
    session = uow.session
    branch = _branch(session, actor, branch_slug, lock=True)
    errors = _Errors()
    slug = _slug(errors, slug)
    if slug and session.scalar(select(Counter.id).where(Counter.branch_id == branch.id,
                                                        Counter.slug == slug)) is not None:
        errors.add("slug", N_("This branch already has a counter with this name."))
    counter = Counter(branch_id=branch.id, slug=slug or "", state="closed")
    with session.no_autoflush:
        _counter_fields(errors, session, branch, counter, values)
    errors.raise_any()
    session.add(counter)
    session.flush()
    queue.branch_changed(uow, branch)
    uow.commit()
    log.info("counter %s created at %s by %s", counter.slug, branch.slug, actor.username)
    return counter_view(counter)


def update_counter(uow: UnitOfWork, actor: Actor, branch_slug: str, slug: str, **values) -> Counter:
    session = uow.session
    branch = _branch(session, actor, branch_slug, lock=True)
    counter = queue.find_counter(session, branch, slug)
    errors = _Errors()
    with session.no_autoflush:
        _counter_fields(errors, session, branch, counter, values)
    errors.raise_any()
    queue.branch_changed(uow, branch)
    uow.commit()
    log.info("counter %s at %s changed by %s", counter.slug, branch.slug, actor.username)
    return counter_view(counter)


# ---------------------------------------------------------------- users

def _role_and_branch(errors: _Errors, session: Session, actor: Actor, role: str | None,
                     branch_slug: str | None) -> Branch | None:
    if role not in ROLES:
        errors.add("role", N_("Unknown role."))
    elif actor.role != "admin" and role == "admin":
        errors.add("role", N_("Only administrators may give this role."))
    branch = None
    if branch_slug:
        branch = session.scalar(select(Branch).where(Branch.slug == branch_slug))
        if branch is None:
            errors.add("branch", N_("Unknown branch."))
        elif actor.role != "admin" and branch.id != actor.branch_id:
            errors.add("branch", N_("You can only manage your own branch."))
    elif role in ("manager", "agent"):
        errors.add("branch", N_("Managers and agents belong to a branch."))
    return branch


def _password(errors: _Errors, password: str | None, field: str = "password") -> None:
    if not password or len(password) < MIN_PASSWORD:
        errors.add(field, Message(N_("At least %(min)d characters."), min=MIN_PASSWORD))
    elif len(password) > 256:
        errors.add(field, Message(N_("At most %(max)d characters."), max=256))


def create_user(uow: UnitOfWork, actor: Actor, *, username: str, role: str, password: str,
                branch: str | None = None) -> dict:
    require_manager(actor)
    session = uow.session
    errors = _Errors()
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        errors.add("username", N_("2 to 80 letters, digits, dots, hyphens or underscores."))
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        errors.add("username", N_("That username is taken."))
    target = _role_and_branch(errors, session, actor, role, branch)
    _password(errors, password)
    errors.raise_any()
    user = setup.create_user(session, username, role, password, target.slug if target else None)
    view = user_view(user)
    uow.commit()
    log.info("user %s (%s) created by %s", username, role, actor.username)
    return view


def update_user(uow: UnitOfWork, actor: Actor, user_id: int, *, role: str, branch: str | None = None) -> dict:
    user = _user(uow.session, actor, user_id)
    errors = _Errors()
    target = _role_and_branch(errors, uow.session, actor, role, branch)
    if user.id == actor.user_id and role != user.role:
        errors.add("role", N_("You cannot change your own role."))
    errors.raise_any()
    user.role = role
    user.branch = target
    view = user_view(user)
    uow.commit()
    log.info("user %s changed by %s", user.username, actor.username)
    return view


def reset_password(uow: UnitOfWork, actor: Actor, user_id: int, password: str) -> dict:
    """A new password; the user's API tokens and browser sessions end."""
    user = _user(uow.session, actor, user_id)
    errors = _Errors()
    _password(errors, password)
    errors.raise_any()
    user.password_hash = access.hash_password(password)
    uow.session.execute(delete(AuthToken).where(AuthToken.user_id == user.id))
    uow.commit()
    log.info("password of %s reset by %s", user.username, actor.username)
    return user_view(user)


def set_user_active(uow: UnitOfWork, actor: Actor, user_id: int, active: bool) -> dict:
    user = _user(uow.session, actor, user_id)
    if user.id == actor.user_id and not active:
        raise Conflict(N_("You cannot deactivate yourself."))
    user.active = active
    if not active:
        uow.session.execute(delete(AuthToken).where(AuthToken.user_id == user.id))
    uow.commit()
    log.info("user %s %s by %s", user.username, "activated" if active else "deactivated", actor.username)
    return user_view(user)


def authenticate(session: Session, username: str, password: str) -> User:
    """The active staff user with this password, or Unauthorized (as slow for an
    unknown name as for a wrong password)."""
    user = session.scalar(select(User).options(joinedload(User.branch)).where(User.username == username))
    if user is None:
        access.verify_password(access._DUMMY_HASH, password)
        raise Unauthorized(N_("Wrong username or password."))
    if not access.verify_password(user.password_hash, password) or not user.active:
        raise Unauthorized(N_("Wrong username or password."))
    return user


# ---------------------------------------------------------------- devices

def issue_device(uow: UnitOfWork, actor: Actor, branch_slug: str, *, kind: str, name: str = "") -> tuple[dict, str]:
    """Register a kiosk or display; its token is returned once and kept only hashed."""
    session = uow.session
    _branch(session, actor, branch_slug)
    errors = _Errors()
    if kind not in DEVICE_KINDS:
        errors.add("kind", N_("Unknown device kind."))
    name = _text(errors, "name", name, 120, required=False) or ""
    errors.raise_any()
    device, token = setup.add_device(session, branch_slug, kind, name)
    uow.commit()
    log.info("%s device %s issued at %s by %s", kind, device.id, branch_slug, actor.username)
    return device_view(device), token


def revoke_device(uow: UnitOfWork, actor: Actor, branch_slug: str, device_id: int) -> dict:
    session = uow.session
    branch = _branch(session, actor, branch_slug)
    device = session.get(Device, device_id)
    if device is None or device.branch_id != branch.id:
        raise NotFound(N_("There is no such device."))
    if device.revoked_at is None:
        device.revoked_at = utcnow()
    uow.commit()
    log.info("device %s at %s revoked by %s", device.id, branch.slug, actor.username)
    return device_view(device)
