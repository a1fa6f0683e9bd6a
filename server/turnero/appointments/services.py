"""Appointment use cases, one function each: slots, book, cancel, reschedule, check
in, no-show, the staff day list, opening hours and closures, reminders.

Every door (REST, the booking and staff pages, SMS `LLEGUE`/`HERE`, the kiosk through
REST) calls these. A use case that can change how many places a slot has left locks
the branch row first, exactly like the queue's use cases, so two bookings of the
last place are applied one after the other and the second one sees the first.
Check-in issues its ticket through `services.queue.take_ticket`, the one way every
ticket is made.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, joinedload

from ..db import UnitOfWork
from ..domain.rules import day_bounds_utc, local_day
from ..errors import N_, Conflict, Forbidden, Invalid, NotFound
from ..models import Branch, Customer, Service, Ticket, utcnow
from ..services import queue
from ..services.access import ANONYMOUS, Actor, new_secret
from ..services.phones import normalize_phone
from ..services.views import iso
from . import notify, rules
from .models import Appointment, Closure, OpeningHours
from .rules import AppointmentStatus as St
from .rules import CheckIn, Slot, TimeRange

log = logging.getLogger(__name__)

LOAD = (joinedload(Appointment.branch), joinedload(Appointment.service), joinedload(Appointment.customer),
        joinedload(Appointment.ticket))
# Statuses that hold a place in their slot (a no-show or a finished visit used it too).
HOLDS_PLACE = (St.BOOKED, St.CHECKED_IN, St.NO_SHOW, St.DONE)
# Statuses that still count for "one phone, one appointment at a time".
ACTIVE = (St.BOOKED, St.CHECKED_IN)
MAX_NAME = 120
# session.info key: the appointment whose check-in is issuing a ticket right now.
CHECKING_IN = "turnero.appointments.checking_in"


class CheckInClosed(Conflict):
    """Outside the check-in window: too early, or too late (then: join as a walk-in)."""

    def __init__(self, message: str, *, reason: CheckIn, appointment: Appointment, opens: datetime,
                 closes: datetime, **params):
        super().__init__(message, **params)
        self.reason = reason
        self.appointment_token = appointment.token
        self.branch = appointment.branch.slug
        self.service = appointment.service.slug
        self.opens = opens
        self.closes = closes


# ---------------------------------------------------------------- lookups

def find_by_token(session: Session, token: str) -> Appointment:
    appointment = session.scalar(select(Appointment).options(*LOAD).where(Appointment.token == token))
    if appointment is None:
        raise NotFound(N_("This appointment does not exist."))
    return appointment


def find_by_id(session: Session, appointment_id: str) -> Appointment:
    appointment = session.scalar(select(Appointment).options(*LOAD).where(Appointment.id == appointment_id))
    if appointment is None:
        raise NotFound(N_("This appointment does not exist."))
    return appointment


def bookable_service(session: Session, branch: Branch, slug: str | None) -> Service:
    if not slug:
        raise Invalid(N_("Choose a service."), errors={"service": [N_("Choose a service.")]})
    service = queue.find_service(session, branch, slug)
    if not service.takes_appointments:
        raise Invalid(N_("This service does not take appointments."),
                      errors={"service": [N_("This service does not take appointments.")]})
    return service


def _locked(session: Session, appointment: Appointment) -> Branch:
    """Lock the appointment's branch, then read the appointment again under the lock."""
    branch = queue.find_branch(session, appointment.branch.slug, lock=True)
    session.refresh(appointment)
    return branch


# ---------------------------------------------------------------- views

def appointment_view(appointment: Appointment, public_url: str, *, staff: bool = False,
                     now: datetime | None = None) -> dict:
    """An appointment in JSON: UTC instants, plus the branch's wall times to show."""
    branch, service = appointment.branch, appointment.service
    tz = branch.timezone
    opens, closes = rules.checkin_window(appointment.start_at, branch.checkin_before_min, branch.checkin_after_min)
    view = {
        "id": appointment.id,
        "token": appointment.token,
        "code": appointment.code,
        "branch": branch.slug,
        "branch_name": branch.name,
        "service": service.slug,
        "service_name": service.name(appointment.lang),
        "name": appointment.name,
        "lang": appointment.lang,
        "start": iso(appointment.start_at),
        "end": iso(appointment.end_at),
        "timezone": tz,
        "local_start": rules.to_local(appointment.start_at, tz).isoformat(),
        "local_end": rules.to_local(appointment.end_at, tz).isoformat(),
        "status": appointment.status,
        "channel": appointment.channel,
        "created_at": iso(appointment.created_at),
        "checkin_opens": iso(opens),
        "checkin_closes": iso(closes),
        "checkin_opens_local": rules.to_local(opens, tz).isoformat(),
        "checkin_closes_local": rules.to_local(closes, tz).isoformat(),
        "color": service.color,
        "checkin": (str(rules.checkin_state(now or utcnow(), appointment.start_at, branch.checkin_before_min,
                                            branch.checkin_after_min))
                    if appointment.status == St.BOOKED else None),
        "ticket": _ticket_ref(appointment.ticket, public_url),
        "manage_url": f"{public_url}/a/{appointment.token}",
        "calendar_url": f"{public_url}/api/v1/appointments/{appointment.token}/calendar.ics",
    }
    if staff:
        view["phone"] = appointment.customer.phone
    return view


def _ticket_ref(ticket: Ticket | None, public_url: str) -> dict | None:
    """The checked-in ticket; its token is shown to whoever holds the appointment's."""
    if ticket is None:
        return None
    return {"id": ticket.id, "code": ticket.code, "status": ticket.status, "token": ticket.token,
            "track_url": f"{public_url}/t/{ticket.token}"}


def slot_view(slot: Slot, tz_name: str) -> dict:
    return {"start": iso(slot.start), "end": iso(slot.end), "free": slot.free, "capacity": slot.capacity,
            "local_start": rules.to_local(slot.start, tz_name).isoformat(),
            "local_end": rules.to_local(slot.end, tz_name).isoformat()}


def _public_url(uow: UnitOfWork) -> str:
    return uow.db.public_url


# ---------------------------------------------------------------- slots

@dataclass
class _Schedule:
    """What slot generation needs for a run of days, read in one query each."""

    hours: Mapping[int, list[TimeRange]]
    closures: list[tuple[date, date]]
    bookings: list[tuple[datetime, datetime]]


def _schedule(session: Session, branch: Branch, service: Service, first: date, last: date,
              exclude: str | None = None) -> _Schedule:
    hours = rules.weekday_ranges(session.execute(
        select(OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
        .where(OpeningHours.branch_id == branch.id)).all())
    closures = [(c.first_day, c.last_day) for c in session.scalars(
        select(Closure).where(Closure.branch_id == branch.id, Closure.first_day <= last,
                              Closure.last_day >= first))]
    start, _ = day_bounds_utc(first, branch.timezone)
    _, end = day_bounds_utc(last, branch.timezone)
    start, end = start.replace(tzinfo=timezone.utc), end.replace(tzinfo=timezone.utc)
    query = (select(Appointment.start_at, Appointment.end_at)
             .where(Appointment.service_id == service.id, Appointment.status.in_(HOLDS_PLACE),
                    Appointment.start_at < end, Appointment.end_at > start))
    if exclude is not None:
        query = query.where(Appointment.id != exclude)
    return _Schedule(hours, closures, [tuple(row) for row in session.execute(query).all()])


def _day_slots(branch: Branch, service: Service, day: date, schedule: _Schedule, now: datetime) -> list[Slot]:
    if not rules.bookable_day(day, local_day(now, branch.timezone)):
        return []
    return rules.day_slots(day, branch.timezone, schedule.hours[day.weekday()], service.slot_minutes,
                           service.slot_capacity, closures=schedule.closures, bookings=schedule.bookings,
                           now=now)


def list_slots(uow: UnitOfWork, branch_slug: str, service_slug: str, day: date) -> list[dict]:
    """The slots of a local day with their free places (none that already began)."""
    session = uow.session
    branch = queue.find_branch(session, branch_slug)
    service = bookable_service(session, branch, service_slug)
    slots = _day_slots(branch, service, day, _schedule(session, branch, service, day, day), utcnow())
    return [slot_view(s, branch.timezone) for s in slots]


def days_with_slots(uow: UnitOfWork, branch_slug: str, service_slug: str, first: date | None = None,
                    count: int = 14) -> list[dict]:
    """The next `count` local days from `first` (today by default) with how many
    places are free on each: the booking page's day chooser."""
    session = uow.session
    branch = queue.find_branch(session, branch_slug)
    service = bookable_service(session, branch, service_slug)
    now = utcnow()
    first = first or local_day(now, branch.timezone)
    days = [first + timedelta(days=i) for i in range(count)]
    schedule = _schedule(session, branch, service, days[0], days[-1])
    return [{"date": d.isoformat(), "free": sum(s.free for s in _day_slots(branch, service, d, schedule, now))}
            for d in days]


def appointment_services(uow: UnitOfWork, branch_slug: str, lang: str | None = None) -> dict:
    """The branch and its services that take appointments (the booking page's first step)."""
    session = uow.session
    branch = queue.find_branch(session, branch_slug)
    lang = lang or branch.lang
    services = session.scalars(select(Service).where(
        Service.branch_id == branch.id, Service.active, Service.takes_appointments).order_by(Service.prefix)).all()
    return {"branch": branch.slug, "name": branch.name, "timezone": branch.timezone, "lang": branch.lang,
            "today": local_day(utcnow(), branch.timezone).isoformat(),
            "services": [{"id": s.slug, "name": s.name(lang), "color": s.color, "slot_minutes": s.slot_minutes}
                         for s in services]}


# ---------------------------------------------------------------- booking

def _parse_start(value: str | datetime, branch: Branch) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise Invalid(N_("Give the time with its UTC offset."), errors={"start": [N_("Not a valid time.")]})
        return value.astimezone(timezone.utc)
    try:
        return rules.parse_start(value, branch.timezone)
    except (TypeError, ValueError):
        raise Invalid(N_("Not a valid time."), errors={"start": [N_("Not a valid time.")]}) from None


def _free_slot(session: Session, branch: Branch, service: Service, start: datetime, now: datetime,
               exclude: str | None = None) -> Slot:
    """The slot that begins at `start`, checked to have a free place (409 when full)."""
    if start <= now:
        raise Invalid(N_("That time has already passed; choose another."),
                      errors={"start": [N_("That time has already passed; choose another.")]})
    day = local_day(start, branch.timezone)
    schedule = _schedule(session, branch, service, day, day, exclude=exclude)
    slot = next((s for s in _day_slots(branch, service, day, schedule, now) if s.start == start), None)
    if slot is None:
        raise Invalid(N_("There is no appointment slot at that time; choose one of the free times."),
                      errors={"start": [N_("There is no appointment slot at that time.")]})
    if slot.free <= 0:
        raise Conflict(N_("That time was just taken; please choose another."),
                       errors={"start": [N_("That time is full.")]})
    return slot


def _no_overlap(session: Session, customer: Customer, service: Service, slot: Slot,
                exclude: str | None = None) -> None:
    """One phone holds at most one appointment at a time for the same service."""
    query = select(Appointment.id).where(
        Appointment.customer_id == customer.id, Appointment.service_id == service.id,
        Appointment.status.in_(ACTIVE), Appointment.start_at < slot.end, Appointment.end_at > slot.start)
    if exclude is not None:
        query = query.where(Appointment.id != exclude)
    if session.scalar(query.limit(1)) is not None:
        raise Conflict(N_("This phone number already has an appointment for this service at that time."),
                       errors={"phone": [N_("You already have an appointment at that time.")]})


def _new_code(session: Session) -> str:
    """A fresh code (22^6, about 10^8 of them); the unique constraint backs the check."""
    for _ in range(20):
        code = rules.new_code()
        if session.scalar(select(Appointment.id).where(Appointment.code == code)) is None:
            return code
    raise RuntimeError("no free appointment code after 20 tries")


def _name(value: str | None) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise Invalid(N_("Tell us your name."), errors={"name": [N_("Tell us your name.")]})
    if len(name) > MAX_NAME:
        raise Invalid(N_("The name is too long."), errors={"name": [N_("At most 120 characters.")]})
    return name


def _validated_phone(value: str | None, branch: Branch) -> str:
    if not (value or "").strip():
        raise Invalid(N_("A phone number is needed."), errors={"phone": [N_("A phone number is needed.")]})
    return normalize_phone(value, branch.country)


def _all_or_nothing(*checks):
    """Run every field check; one Invalid with all their field messages if any failed."""
    results, errors, first = [], {}, None
    for check in checks:
        try:
            results.append(check())
        except Invalid as exc:
            first = first or exc
            errors.update(exc.errors)
            results.append(None)
    if first is not None:
        raise Invalid(first.message if len(errors) <= 1 else N_("Some fields are not valid."), errors=errors,
                      **(first.params if len(errors) <= 1 else {}))
    return results


def book(uow: UnitOfWork, branch_slug: str, *, service: str, start: str | datetime, name: str, phone: str,
         actor: Actor = ANONYMOUS, lang: str | None = None, channel: str | None = None) -> dict:
    """Book the slot that begins at `start`. Invalid (422) for a time that is not a
    slot, Conflict (409) when it is full or the phone already has one then."""
    session = uow.session
    branch = queue.find_branch(session, branch_slug, lock=True)
    svc = bookable_service(session, branch, service)
    name, phone, when = _all_or_nothing(lambda: _name(name), lambda: _validated_phone(phone, branch),
                                        lambda: _parse_start(start, branch))
    now = utcnow()
    slot = _free_slot(session, branch, svc, when, now)
    lang = lang if lang in ("es", "en") else branch.lang
    customer = queue._customer_for(session, phone, branch, name, lang)
    session.flush()
    _no_overlap(session, customer, svc, slot)
    appointment = Appointment(
        token=new_secret(), code=_new_code(session), branch=branch, service=svc, customer=customer, name=name,
        lang=lang, start_at=slot.start, end_at=slot.end, status=St.BOOKED,
        channel=channel or actor.default_channel, created_at=now, created_by_id=actor.user_id)
    session.add(appointment)
    session.flush()
    appointment.confirmation_queued = notify.queue_message(session, appointment, "appointment_confirm",
                                                           _public_url(uow))
    view = appointment_view(appointment, _public_url(uow), now=now)
    uow.commit()
    log.info("appointment %s booked at %s for %s %s", appointment.code, branch.slug, svc.slug, view["start"])
    return view


def get_appointment(uow: UnitOfWork, token: str) -> dict:
    return appointment_view(find_by_token(uow.session, token), _public_url(uow))


def cancel(uow: UnitOfWork, token: str, actor: Actor = ANONYMOUS) -> dict:
    """The holder (or staff for them, with their token) cancels; the place is free again."""
    session = uow.session
    appointment = find_by_token(session, token)
    branch = _locked(session, appointment)
    if actor.kind == "user":
        actor.require_staff(branch)
    if appointment.status != St.BOOKED:
        raise Conflict(_CANNOT[appointment.status])
    appointment.status = St.CANCELLED
    appointment.cancelled_at = utcnow()
    view = appointment_view(appointment, _public_url(uow))
    uow.commit()
    log.info("appointment %s cancelled at %s", appointment.code, branch.slug)
    return view


def reschedule(uow: UnitOfWork, token: str, start: str | datetime, actor: Actor = ANONYMOUS) -> dict:
    """Move a booked appointment to another free slot of its service; same code and link."""
    session = uow.session
    appointment = find_by_token(session, token)
    branch = _locked(session, appointment)
    if actor.kind == "user":
        actor.require_staff(branch)
    if appointment.status != St.BOOKED:
        raise Conflict(_CANNOT[appointment.status])
    when = _parse_start(start, branch)
    now = utcnow()
    slot = _free_slot(session, branch, appointment.service, when, now, exclude=appointment.id)
    _no_overlap(session, appointment.customer, appointment.service, slot, exclude=appointment.id)
    appointment.start_at, appointment.end_at = slot.start, slot.end
    appointment.reschedules += 1
    appointment.reminded_day_at = appointment.reminded_hour_at = None
    session.flush()
    notify.queue_message(session, appointment, "appointment_moved", _public_url(uow))
    view = appointment_view(appointment, _public_url(uow), now=now)
    uow.commit()
    log.info("appointment %s moved to %s at %s", appointment.code, view["start"], branch.slug)
    return view


_CANNOT = {
    St.CANCELLED: N_("This appointment was cancelled."),
    St.CHECKED_IN: N_("You already checked in for this appointment; your turn is in line."),
    St.NO_SHOW: N_("This appointment's time has passed."),
    St.DONE: N_("This appointment is over."),
    St.BOOKED: N_("This appointment is still booked."),
}


# ---------------------------------------------------------------- check-in

def check_in(uow: UnitOfWork, branch_slug: str, *, code: str | None = None, phone: str | None = None,
             actor: Actor = ANONYMOUS) -> tuple[dict, bool]:
    """Check in at the branch by appointment code or phone: issues a ticket of channel
    `appointment` placed at the appointment time minus the branch's boost. Returns
    (ticket, created); checking in again returns the same ticket. CheckInClosed (409)
    outside the window."""
    session = uow.session
    if not (code or "").strip() and not (phone or "").strip():
        raise Invalid(N_("Give the appointment code or the phone number."),
                      errors={"code": [N_("Give the appointment code or the phone number.")]})
    branch = queue.find_branch(session, branch_slug, lock=True)
    now = utcnow()
    if (code or "").strip():
        appointment = session.scalar(select(Appointment).options(*LOAD).where(
            Appointment.code == rules.normalize_code(code), Appointment.branch_id == branch.id))
        if appointment is None:
            raise NotFound(N_("There is no appointment with that code at this branch."),
                           errors={"code": [N_("Unknown appointment code.")]})
    else:
        appointment = _todays_appointment(session, branch, normalize_phone(phone, branch.country), now)
    return _check_in(uow, branch, appointment, actor, now)


def check_in_by_token(uow: UnitOfWork, token: str, actor: Actor = ANONYMOUS) -> tuple[dict, bool]:
    """The holder checks in from the appointment's own page ("I'm here")."""
    session = uow.session
    appointment = find_by_token(session, token)
    branch = _locked(session, appointment)
    return _check_in(uow, branch, appointment, actor, utcnow())


def check_in_by_phone(uow: UnitOfWork, branch_slug: str | None, phone: str,
                      actor: Actor = ANONYMOUS) -> dict:
    """SMS `LLEGUE`/`HERE`: check in the phone's appointment of today (at `branch_slug`,
    or at whichever branch it is when None). Returns the ticket; commits like
    `take_ticket`. Raises NotFound, CheckInClosed (409) or Conflict."""
    if branch_slug is None:
        branch_slug = _branch_of_todays_appointment(uow.session, phone)
    ticket, _created = check_in(uow, branch_slug, phone=phone, actor=actor)
    return ticket


def _branch_of_todays_appointment(session: Session, raw_phone: str) -> str:
    now = utcnow()
    rows = session.execute(
        select(Appointment.start_at, Branch.slug, Branch.country)
        .join(Branch, Branch.id == Appointment.branch_id).join(Customer, Customer.id == Appointment.customer_id)
        .where(Customer.phone == normalize_phone(raw_phone, ""), Appointment.status.in_(ACTIVE),
               Appointment.start_at > now - timedelta(hours=12), Appointment.start_at < now + timedelta(hours=12))
        .order_by(Appointment.start_at)).all()
    if not rows:
        raise NotFound(N_("There is no appointment today for this phone number."),
                       errors={"phone": [N_("No appointment today for this phone number.")]})
    return min(rows, key=lambda r: abs(r[0] - now))[1]


def _todays_appointment(session: Session, branch: Branch, phone: str, now: datetime) -> Appointment:
    """The phone's appointment of today at this branch: the one whose window is open,
    else the nearest in time (its window then says early or late)."""
    start, end = (d.replace(tzinfo=timezone.utc) for d in day_bounds_utc(local_day(now, branch.timezone),
                                                                           branch.timezone))
    candidates = session.scalars(
        select(Appointment).options(*LOAD).join(Customer, Customer.id == Appointment.customer_id)
        .where(Customer.phone == phone, Appointment.branch_id == branch.id, Appointment.status.in_(ACTIVE),
               Appointment.start_at >= start, Appointment.start_at < end)
        .order_by(Appointment.start_at)).all()
    if not candidates:
        raise NotFound(N_("There is no appointment today for this phone number at this branch."),
                       errors={"phone": [N_("No appointment today for this phone number.")]})
    for appointment in candidates:
        if appointment.status == St.CHECKED_IN or rules.checkin_state(
                now, appointment.start_at, branch.checkin_before_min, branch.checkin_after_min) is CheckIn.OPEN:
            return appointment
    return min(candidates, key=lambda a: abs(a.start_at - now))


def _check_in(uow: UnitOfWork, branch: Branch, appointment: Appointment, actor: Actor,
              now: datetime) -> tuple[dict, bool]:
    session = uow.session
    if actor.kind == "device" and actor.branch_id != branch.id:
        raise Forbidden(N_("This device belongs to another branch."))
    if appointment.status == St.CHECKED_IN and appointment.ticket is not None:
        return queue.get_ticket(uow, appointment.ticket.token), False
    if appointment.status != St.BOOKED:
        raise Conflict(_CANNOT[appointment.status])
    state = rules.checkin_state(now, appointment.start_at, branch.checkin_before_min, branch.checkin_after_min)
    opens, closes = rules.checkin_window(appointment.start_at, branch.checkin_before_min, branch.checkin_after_min)
    local = lambda moment: rules.to_local(moment, branch.timezone).strftime("%H:%M")  # noqa: E731
    if state is CheckIn.EARLY:
        raise CheckInClosed(N_("It is too early to check in: check-in opens at %(opens_at)s, "
                               "%(before)s minutes before your appointment at %(time)s."),
                            reason=state, appointment=appointment, opens=opens, closes=closes,
                            opens_at=local(opens), time=local(appointment.start_at),
                            before=branch.checkin_before_min)
    if state is CheckIn.LATE:
        raise CheckInClosed(N_("Check-in for your appointment at %(time)s closed at %(closes_at)s. "
                               "You can still join the line as a walk-in."),
                            reason=state, appointment=appointment, opens=opens, closes=closes,
                            time=local(appointment.start_at), closes_at=local(closes))
    appointment.status = St.CHECKED_IN
    appointment.checked_in_at = now
    session.info[CHECKING_IN] = appointment
    try:
        ticket, _ = queue.take_ticket(
            uow, branch.slug, service=appointment.service.slug, actor=actor, phone=appointment.customer.phone,
            name=appointment.name, lang=appointment.lang, via="appointment",
            place_at=rules.place_in_line(appointment.start_at, branch.appointment_boost_min))
    finally:
        session.info.pop(CHECKING_IN, None)
    log.info("appointment %s checked in at %s: ticket %s", appointment.code, branch.slug, ticket["code"])
    return ticket, True


def walk_in(uow: UnitOfWork, token: str, actor: Actor = ANONYMOUS) -> dict:
    """Too late to check in: join the line now as a walk-in (a `web` ticket placed by
    the time it is taken). The appointment counts as missed and points to the ticket."""
    session = uow.session
    appointment = find_by_token(session, token)
    branch = _locked(session, appointment)
    if appointment.status != St.BOOKED:
        raise Conflict(_CANNOT[appointment.status])
    now = utcnow()
    if rules.checkin_state(now, appointment.start_at, branch.checkin_before_min,
                           branch.checkin_after_min) is not CheckIn.LATE:
        raise Conflict(N_("Your appointment is still on: check in instead."))
    appointment.status = St.NO_SHOW
    session.info[CHECKING_IN] = appointment
    try:
        ticket, _ = queue.take_ticket(uow, branch.slug, service=appointment.service.slug, actor=actor,
                                      phone=appointment.customer.phone, name=appointment.name,
                                      lang=appointment.lang)
    finally:
        session.info.pop(CHECKING_IN, None)
    log.info("appointment %s missed at %s: walk-in ticket %s", appointment.code, branch.slug, ticket["code"])
    return ticket


def on_ticket_event(session: Session, kind: str, ticket: Ticket, **_details) -> None:
    """In-transaction ticket listener: links the ticket a check-in (or a late walk-in)
    issues to its appointment, and ends a checked-in appointment when its ticket ends."""
    if kind == "issued":
        appointment = session.info.get(CHECKING_IN)
        if appointment is not None:
            appointment.ticket_seq = ticket.seq
        return
    if ticket.channel != "appointment":
        return
    outcome = {"done": St.DONE, "no_show": St.NO_SHOW, "cancelled": St.CANCELLED,
               "requeued": St.CHECKED_IN}.get(kind)
    if outcome is None:
        return
    appointment = session.scalar(select(Appointment).where(Appointment.ticket_seq == ticket.seq))
    if appointment is not None:
        appointment.status = outcome


# ---------------------------------------------------------------- staff

def day_list(uow: UnitOfWork, branch_slug: str, day: date, actor: Actor, service: str | None = None,
             lang: str = "es") -> dict:
    """A local day's appointments of a branch per service, in time order (staff)."""
    session = uow.session
    branch = queue.find_branch(session, branch_slug)
    actor.require_staff(branch)
    services = session.scalars(select(Service).where(
        Service.branch_id == branch.id, Service.takes_appointments).order_by(Service.prefix)).all()
    if service:
        services = [s for s in services if s.slug == service] or [bookable_service(session, branch, service)]
    start, end = (d.replace(tzinfo=timezone.utc) for d in day_bounds_utc(day, branch.timezone))
    rows = session.scalars(select(Appointment).options(*LOAD).where(
        Appointment.branch_id == branch.id, Appointment.service_id.in_([s.id for s in services]),
        Appointment.start_at >= start, Appointment.start_at < end)
        .order_by(Appointment.start_at, Appointment.created_at)).all()
    public_url, now = _public_url(uow), utcnow()
    return {
        "branch": branch.slug, "name": branch.name, "date": day.isoformat(), "timezone": branch.timezone,
        "services": [{"id": s.slug, "name": s.name(lang), "color": s.color,
                      "appointments": [_staff_view(a, public_url, now) for a in rows if a.service_id == s.id]}
                     for s in services],
    }


def _staff_view(appointment: Appointment, public_url: str, now: datetime) -> dict:
    view = appointment_view(appointment, public_url, staff=True, now=now)
    view["may_no_show"] = appointment.status == St.BOOKED and now >= appointment.start_at
    view["may_cancel"] = appointment.status == St.BOOKED
    return view


def staff_branches(uow: UnitOfWork, actor: Actor) -> list[dict]:
    """The branches a staff member may see appointments of."""
    actor.require_staff()
    query = select(Branch).order_by(Branch.name)
    if actor.role != "admin":
        query = query.where(Branch.id == actor.branch_id)
    return [{"slug": b.slug, "name": b.name} for b in uow.session.scalars(query)]


def mark_no_show(uow: UnitOfWork, appointment_id: str, actor: Actor) -> dict:
    """Staff: the customer did not come. Only once the appointment time has begun."""
    session = uow.session
    appointment = find_by_id(session, appointment_id)
    branch = _locked(session, appointment)
    actor.require_staff(branch)
    if appointment.status != St.BOOKED:
        raise Conflict(_CANNOT[appointment.status])
    if utcnow() < appointment.start_at:
        raise Conflict(N_("The appointment time has not come yet."))
    appointment.status = St.NO_SHOW
    view = appointment_view(appointment, _public_url(uow), staff=True)
    uow.commit()
    log.info("appointment %s marked no-show at %s", appointment.code, branch.slug)
    return view


def _require_manager(actor: Actor, branch: Branch) -> None:
    from ..services.admin import require_manager
    require_manager(actor, branch)


WEEKDAYS = range(7)


def get_settings(uow: UnitOfWork, branch_slug: str, actor: Actor, lang: str = "es") -> dict:
    """Opening hours per weekday ("09:00-13:00, 14:00-17:00"), closures from today on,
    the check-in window and each service's slot settings (staff)."""
    session = uow.session
    branch = queue.find_branch(session, branch_slug)
    actor.require_staff(branch)
    hours = rules.weekday_ranges(session.execute(
        select(OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
        .where(OpeningHours.branch_id == branch.id)).all())
    today = local_day(utcnow(), branch.timezone)
    closures = session.scalars(select(Closure).where(Closure.branch_id == branch.id, Closure.last_day >= today)
                               .order_by(Closure.first_day)).all()
    services = session.scalars(select(Service).where(Service.branch_id == branch.id).order_by(Service.prefix))
    return {
        "branch": branch.slug, "name": branch.name, "timezone": branch.timezone,
        "hours": {d: rules.format_ranges(hours[d]) for d in WEEKDAYS},
        "closures": [{"id": c.id, "first_day": c.first_day.isoformat(), "last_day": c.last_day.isoformat(),
                      "reason": c.reason} for c in closures],
        "checkin_before_min": branch.checkin_before_min, "checkin_after_min": branch.checkin_after_min,
        "appointment_boost_min": branch.appointment_boost_min,
        "services": [{"id": s.slug, "name": s.name(lang), "takes_appointments": s.takes_appointments,
                      "slot_minutes": s.slot_minutes, "slot_capacity": s.slot_capacity} for s in services],
    }


def set_hours(uow: UnitOfWork, branch_slug: str, hours: Mapping[int | str, str], actor: Actor) -> dict:
    """Replace the opening hours: weekday (0 = Monday) -> "09:00-13:00, 14:00-17:00";
    an empty text closes that weekday. Booked appointments are kept."""
    session = uow.session
    branch = queue.find_branch(session, branch_slug, lock=True)
    _require_manager(actor, branch)
    parsed: dict[int, list[TimeRange]] = {}
    errors: dict[str, list[str]] = {}
    for key, text in hours.items():
        try:
            weekday = int(key)
        except (TypeError, ValueError):
            weekday = -1
        if weekday not in WEEKDAYS:
            errors[str(key)] = [N_("Weekdays go from 0 (Monday) to 6 (Sunday).")]
            continue
        try:
            parsed[weekday] = rules.parse_ranges(text or "")
        except ValueError:
            errors[f"hours-{weekday}"] = [N_("Write times like 09:00-13:00, 14:00-17:00, without overlaps.")]
    if errors:
        raise Invalid(N_("Some opening hours are not valid."), errors=errors)
    for weekday, ranges in parsed.items():
        session.execute(delete(OpeningHours).where(OpeningHours.branch_id == branch.id,
                                                   OpeningHours.weekday == weekday))
        session.add_all(OpeningHours(branch_id=branch.id, weekday=weekday, opens=r.opens, closes=r.closes)
                        for r in ranges)
    session.flush()
    uow.commit()
    log.info("opening hours of %s changed by %s", branch.slug, actor.username)
    return get_settings(uow, branch_slug, actor)


def set_checkin_window(uow: UnitOfWork, branch_slug: str, before_min, after_min, actor: Actor) -> dict:
    session = uow.session
    branch = queue.find_branch(session, branch_slug, lock=True)
    _require_manager(actor, branch)
    errors = {}
    values = {}
    for field, value in (("checkin_before_min", before_min), ("checkin_after_min", after_min)):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if not 0 <= number <= 240:
            errors[field] = [N_("Enter a number of minutes from 0 to 240.")]
        values[field] = number
    if errors:
        raise Invalid(N_("Some fields are not valid."), errors=errors)
    branch.checkin_before_min = values["checkin_before_min"]
    branch.checkin_after_min = values["checkin_after_min"]
    uow.commit()
    return get_settings(uow, branch_slug, actor)


def add_closure(uow: UnitOfWork, branch_slug: str, first_day: str | date, last_day: str | date | None,
                reason: str, actor: Actor) -> dict:
    """Close whole days (a holiday, or first to last inclusive). Appointments already
    booked on them are kept and shown to staff, who call those customers."""
    session = uow.session
    branch = queue.find_branch(session, branch_slug, lock=True)
    _require_manager(actor, branch)
    errors: dict[str, list[str]] = {}
    first = _date(first_day, "first_day", errors)
    last = _date(last_day, "last_day", errors) if last_day else first
    reason = " ".join((reason or "").split())
    if len(reason) > 200:
        errors["reason"] = [N_("At most 200 characters.")]
    if first and last and last < first:
        errors["last_day"] = [N_("The last day cannot come before the first.")]
    if errors:
        raise Invalid(N_("Some fields are not valid."), errors=errors)
    closure = Closure(branch_id=branch.id, first_day=first, last_day=last, reason=reason)
    session.add(closure)
    session.flush()
    uow.commit()
    log.info("branch %s closed %s..%s (%s)", branch.slug, first, last, reason)
    return {"id": closure.id, "first_day": first.isoformat(), "last_day": last.isoformat(), "reason": reason}


def remove_closure(uow: UnitOfWork, branch_slug: str, closure_id: int, actor: Actor) -> None:
    session = uow.session
    branch = queue.find_branch(session, branch_slug, lock=True)
    _require_manager(actor, branch)
    closure = session.scalar(select(Closure).where(Closure.id == closure_id, Closure.branch_id == branch.id))
    if closure is None:
        raise NotFound(N_("There is no such closure."))
    session.delete(closure)
    uow.commit()


def _date(value, field: str, errors: dict) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        errors[field] = [N_("Enter a date as YYYY-MM-DD.")]
        return None


# ---------------------------------------------------------------- reminders

def queue_due_reminders(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Queue the reminders now due (the day before, an hour before) in the outbox;
    each at most once. Run every few minutes (`turnero appointments remind`)."""
    session = uow.session
    now = now or utcnow()
    query = (select(Appointment).options(*LOAD)
             .where(Appointment.status == St.BOOKED, Appointment.start_at > now,
                    Appointment.start_at <= now + rules.DAY_REMINDER,
                    or_(Appointment.reminded_day_at.is_(None), Appointment.reminded_hour_at.is_(None)))
             .order_by(Appointment.start_at).with_for_update(skip_locked=True, of=Appointment))
    queued = 0
    for appointment in session.scalars(query).unique():
        for kind in rules.due_reminders(now, appointment.start_at, appointment.created_at,
                                        day_sent=appointment.reminded_day_at is not None,
                                        hour_sent=appointment.reminded_hour_at is not None):
            notify.queue_message(session, appointment, f"appointment_{kind}", _public_url(uow))
            queued += 1
            if kind == "day":
                appointment.reminded_day_at = now
            else:
                appointment.reminded_hour_at = now
                appointment.reminded_day_at = appointment.reminded_day_at or now
    uow.commit()
    if queued:
        log.info("%d appointment reminders queued", queued)
    return queued


__all__ = ["list_slots", "days_with_slots", "appointment_services", "book", "get_appointment", "cancel",
           "reschedule", "check_in", "check_in_by_token", "walk_in", "check_in_by_phone", "day_list", "mark_no_show",
           "get_settings", "set_hours", "set_checkin_window", "add_closure", "remove_closure",
           "queue_due_reminders", "on_ticket_event", "CheckInClosed", "staff_branches"]
