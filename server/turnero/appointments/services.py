"""Appointment use cases, one function each: slots, book, cancel, reschedule, the
staff day list and no-shows (check-in is in checkin.py; opening hours, closures and
reminders in schedule.py).

Every door (REST, the booking and staff pages, SMS `LLEGUE`/`HERE`, the kiosk through
REST) calls these. A use case that can change how many places a slot has left locks
the branch row first, exactly like the queue's use cases, so two bookings of the
last place are applied one after the other and the second one sees the first.
Check-in issues its ticket through `queue.services.take_ticket`, the one way every
ticket is made.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from .. import clock
from ..access.services import ANONYMOUS, LINK_SECRET_BYTES, Actor, new_secret
from ..customers import customer_for, normalize_phone
from ..db import UnitOfWork, one_or_raise
from ..errors import N_, Conflict, Forbidden, Invalid, NotFound
from ..hours import TimeRange, to_local, weekday_ranges
from ..models import Branch, Customer, Service, Ticket
from ..queue.alerts import choice_for_turn
from ..queue.lookups import find_branch, find_service
from ..queue.read_models import branch_brand, iso
from ..queue.rules import MAX_NAME, PHONE_CHANNELS, day_bounds_utc, local_day
from . import rules
from . import texts as notify
from .models import Appointment, Closure, OpeningHours
from .rules import AppointmentStatus as St
from .rules import Slot

log = logging.getLogger(__name__)

LOAD = (joinedload(Appointment.branch), joinedload(Appointment.service), joinedload(Appointment.customer),
        joinedload(Appointment.ticket))
# Statuses that hold a place in their slot (a no-show or a finished visit used it too).
HOLDS_PLACE = (St.BOOKED, St.CHECKED_IN, St.NO_SHOW, St.DONE)
# Statuses that still count for "one phone, one appointment at a time".
ACTIVE = (St.BOOKED, St.CHECKED_IN)


# ---------------------------------------------------------------- lookups

NO_APPOINTMENT = N_("This appointment does not exist.")


def find_by_token(session: Session, token: str) -> Appointment:
    """The appointment of its holder's secret token."""
    return _find(session, Appointment.token == token)


def find_by_id(session: Session, appointment_id: str) -> Appointment:
    """The appointment of its public UUID (staff)."""
    return _find(session, Appointment.id == appointment_id)


def _find(session: Session, where) -> Appointment:
    return one_or_raise(session, select(Appointment).options(*LOAD).where(where), NotFound(NO_APPOINTMENT))


def bookable_service(session: Session, branch: Branch, slug: str | None) -> Service:
    if not slug:
        raise Invalid(N_("Choose a service."), errors={"service": [N_("Choose a service.")]})
    service = find_service(session, branch, slug)
    if not service.takes_appointments:
        raise Invalid(N_("This service does not take appointments."),
                      errors={"service": [N_("This service does not take appointments.")]})
    return service


def locked_branch(session: Session, appointment: Appointment) -> Branch:
    """Lock the appointment's branch, then read the appointment again under the lock."""
    branch = find_branch(session, appointment.branch.slug, lock=True)
    session.refresh(appointment)
    return branch


# ---------------------------------------------------------------- views

def appointment_view(appointment: Appointment, public_url: str, *, staff: bool = False,
                     now: datetime | None = None, lang: str | None = None) -> dict:
    """An appointment in JSON: UTC instants, plus the branch's wall times to show; the
    service's words in `lang` (default: the appointment's own language)."""
    branch, service = appointment.branch, appointment.service
    words = lang or appointment.lang
    tz = branch.timezone
    opens, closes = rules.checkin_window(appointment.start_at, branch.checkin_before_min, branch.checkin_after_min)
    view = {
        "id": appointment.id,
        "token": appointment.token,
        "code": appointment.code,
        "branch": branch.slug,
        "branch_name": branch.name,
        "brand": branch_brand(branch),
        "service": service.slug,
        "service_name": service.name(words),
        "address": branch.address,
        "bring": service.bring(words),
        "name": appointment.name,
        "lang": appointment.lang,
        "start": iso(appointment.start_at),
        "end": iso(appointment.end_at),
        "timezone": tz,
        "local_start": to_local(appointment.start_at, tz).isoformat(),
        "local_end": to_local(appointment.end_at, tz).isoformat(),
        "status": appointment.status,
        "channel": appointment.channel,
        "created_at": iso(appointment.created_at),
        "checkin_opens": iso(opens),
        "checkin_closes": iso(closes),
        "checkin_opens_local": to_local(opens, tz).isoformat(),
        "checkin_closes_local": to_local(closes, tz).isoformat(),
        "color": service.color,
        "checkin": (str(rules.checkin_state(now or clock.utcnow(), appointment.start_at, branch.checkin_before_min,
                                            branch.checkin_after_min))
                    if appointment.status == St.BOOKED else None),
        "ticket": _ticket_ref(appointment.ticket, public_url),
        "manage_url": f"{public_url}/a/{appointment.token}",
        "calendar_url": f"{public_url}/api/v1/appointments/{appointment.token}/calendar.ics",
    }
    if staff:
        view["phone"] = appointment.customer.phone if appointment.customer is not None else None  # None: erased
    return view


def _ticket_ref(ticket: Ticket | None, public_url: str) -> dict | None:
    """The checked-in ticket; its token is shown to whoever holds the appointment's."""
    if ticket is None:
        return None
    return {"id": ticket.id, "code": ticket.code, "status": ticket.status, "token": ticket.token,
            "track_url": f"{public_url}/t/{ticket.token}"}


def slot_view(slot: Slot, tz_name: str) -> dict:
    return {"start": iso(slot.start), "end": iso(slot.end), "free": slot.free, "capacity": slot.capacity,
            "local_start": to_local(slot.start, tz_name).isoformat(),
            "local_end": to_local(slot.end, tz_name).isoformat()}


# ---------------------------------------------------------------- slots

@dataclass
class _Schedule:
    """What slot generation needs for a run of days, read in one query each."""

    hours: Mapping[int, list[TimeRange]]
    closures: list[tuple[date, date]]
    bookings: list[tuple[datetime, datetime]]


def _schedule(session: Session, branch: Branch, service: Service, first: date, last: date,
              exclude: str | None = None) -> _Schedule:
    hours = weekday_ranges(session.execute(
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
    branch = find_branch(session, branch_slug)
    service = bookable_service(session, branch, service_slug)
    slots = _day_slots(branch, service, day, _schedule(session, branch, service, day, day), clock.utcnow())
    return [slot_view(s, branch.timezone) for s in slots]


def days_with_slots(uow: UnitOfWork, branch_slug: str, service_slug: str, first: date | None = None,
                    count: int = 14) -> list[dict]:
    """The next `count` local days from `first` (today by default) with how many
    places are free on each: the booking page's day chooser."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    service = bookable_service(session, branch, service_slug)
    now = clock.utcnow()
    first = first or local_day(now, branch.timezone)
    days = [first + timedelta(days=i) for i in range(count)]
    schedule = _schedule(session, branch, service, days[0], days[-1])
    return [{"date": d.isoformat(), "free": sum(s.free for s in _day_slots(branch, service, d, schedule, now))}
            for d in days]


def next_free_slots(uow: UnitOfWork, branch_slug: str, service_slug: str, count: int = 5,
                    days: int = 14) -> list[dict]:
    """The next `count` slots with a free place in the coming `days` (a menu by text)."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    service = bookable_service(session, branch, service_slug)
    now = clock.utcnow()
    first = local_day(now, branch.timezone)
    schedule = _schedule(session, branch, service, first, first + timedelta(days=days - 1))
    found: list[dict] = []
    for offset in range(days):
        for slot in _day_slots(branch, service, first + timedelta(days=offset), schedule, now):
            if slot.free > 0:
                found.append(slot_view(slot, branch.timezone))
                if len(found) == count:
                    return found
    return found


def next_for_phone(uow: UnitOfWork, branch_slug: str, phone: str) -> Appointment | None:
    """The phone's next appointment still booked at the branch (one that has not ended),
    or None. The phone is E.164: the number a text or call came from."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    return session.scalar(
        select(Appointment).join(Customer, Customer.id == Appointment.customer_id)
        .where(Customer.phone == phone, Appointment.branch_id == branch.id, Appointment.status == St.BOOKED,
               Appointment.end_at > clock.utcnow())
        .order_by(Appointment.start_at).limit(1))


def appointment_services(uow: UnitOfWork, branch_slug: str, lang: str | None = None) -> dict:
    """The branch and its services that take appointments (the booking page's first step)."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    lang = lang or branch.lang
    services = session.scalars(select(Service).where(
        Service.branch_id == branch.id, Service.active, Service.takes_appointments).order_by(Service.prefix)).all()
    return {"branch": branch.slug, "name": branch.name, "timezone": branch.timezone, "lang": branch.lang,
            "brand": branch_brand(branch), "today": local_day(clock.utcnow(), branch.timezone).isoformat(),
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
         actor: Actor = ANONYMOUS, lang: str | None = None, channel: str | None = None,
         notify_by: str | None = None, confirm: bool = True) -> dict:
    """Book the slot that begins at `start` (`notify_by`: where its messages go, `sms` or
    `whatsapp`: the customer's choice from now on when staff or the number's holder, by
    text, booked; else this appointment's alone; without `confirm` no confirmation is texted:
    a booking made by text is confirmed in its reply). Invalid (422) for a time that is not a
    slot, Conflict (409) when it is full or the phone already has one then. Staff book
    at their own branch, a kiosk at its own; a lobby display books nothing."""
    session = uow.session
    branch = find_branch(session, branch_slug, lock=True)
    if actor.kind == "user":
        actor.require_staff(branch)
    elif actor.kind == "device" and not (actor.device_kind == "kiosk" and actor.branch_id == branch.id):
        raise Forbidden(N_("This device may not do this."))
    svc = bookable_service(session, branch, service)
    name, phone, when = _all_or_nothing(lambda: _name(name), lambda: _validated_phone(phone, branch),
                                        lambda: _parse_start(start, branch))
    now = clock.utcnow()
    slot = _free_slot(session, branch, svc, when, now)
    lang = lang if lang in ("es", "en") else branch.lang
    customer = customer_for(session, phone, branch.country, name, lang)
    session.flush()
    _no_overlap(session, customer, svc, slot)
    turn_choice = choice_for_turn(session, customer, notify_by, owner=actor.is_staff or channel in PHONE_CHANNELS)
    appointment = Appointment(
        token=new_secret(LINK_SECRET_BYTES), code=_new_code(session), branch=branch, service=svc, customer=customer, name=name,
        lang=lang, start_at=slot.start, end_at=slot.end, status=St.BOOKED,
        channel=channel or actor.default_channel, created_at=now, created_by_id=actor.user_id, notify_by=turn_choice)
    session.add(appointment)
    session.flush()
    appointment.confirmation_queued = confirm and notify.queue_message(session, appointment, "appointment_confirm",
                                                                       uow.db.public_url)
    view = appointment_view(appointment, uow.db.public_url, now=now)
    uow.commit()
    log.info("appointment %s booked at %s for %s %s", appointment.code, branch.slug, svc.slug, view["start"])
    return view


def appointment_lang(uow: UnitOfWork, token: str) -> str | None:
    """The language an appointment was booked in (its texts'), or None for no such one."""
    return uow.session.scalar(select(Appointment.lang).where(Appointment.token == token))


def get_appointment(uow: UnitOfWork, token: str, lang: str | None = None) -> dict:
    return appointment_view(find_by_token(uow.session, token), uow.db.public_url, lang=lang)


def still_booked(session: Session, token: str, actor: Actor) -> tuple[Appointment, Branch]:
    """The appointment of this token with its branch locked, once its holder (or staff
    for them) may change it and it is still booked (Conflict otherwise)."""
    appointment = find_by_token(session, token)
    branch = locked_branch(session, appointment)
    if actor.kind == "user":
        actor.require_staff(branch)
    if appointment.status != St.BOOKED:
        raise Conflict(CANNOT[appointment.status])
    return appointment, branch


def cancel(uow: UnitOfWork, token: str, actor: Actor = ANONYMOUS) -> dict:
    """The holder (or staff for them, with their token) cancels; the place is free again."""
    appointment, branch = still_booked(uow.session, token, actor)
    appointment.status = St.CANCELLED
    appointment.cancelled_at = clock.utcnow()
    view = appointment_view(appointment, uow.db.public_url)
    uow.commit()
    log.info("appointment %s cancelled at %s", appointment.code, branch.slug)
    return view


def reschedule(uow: UnitOfWork, token: str, start: str | datetime, actor: Actor = ANONYMOUS) -> dict:
    """Move a booked appointment to another free slot of its service; same code and link."""
    session = uow.session
    appointment, branch = still_booked(session, token, actor)
    when = _parse_start(start, branch)
    now = clock.utcnow()
    slot = _free_slot(session, branch, appointment.service, when, now, exclude=appointment.id)
    _no_overlap(session, appointment.customer, appointment.service, slot, exclude=appointment.id)
    appointment.start_at, appointment.end_at = slot.start, slot.end
    appointment.reschedules += 1
    appointment.reminded_day_at = appointment.reminded_hour_at = None
    session.flush()
    notify.queue_message(session, appointment, "appointment_moved", uow.db.public_url)
    view = appointment_view(appointment, uow.db.public_url, now=now)
    uow.commit()
    log.info("appointment %s moved to %s at %s", appointment.code, view["start"], branch.slug)
    return view


CANNOT = {
    St.CANCELLED: N_("This appointment was cancelled."),
    St.CHECKED_IN: N_("You already checked in for this appointment; your turn is in line."),
    St.NO_SHOW: N_("This appointment's time has passed."),
    St.DONE: N_("This appointment is over."),
    St.BOOKED: N_("This appointment is still booked."),
}


# ---------------------------------------------------------------- staff

def day_list(uow: UnitOfWork, branch_slug: str, day: date, actor: Actor, service: str | None = None,
             lang: str = "es") -> dict:
    """A local day's appointments of a branch per service, in time order (staff)."""
    session = uow.session
    branch = find_branch(session, branch_slug)
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
    public_url, now = uow.db.public_url, clock.utcnow()
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
    branch = locked_branch(session, appointment)
    actor.require_staff(branch)
    if appointment.status != St.BOOKED:
        raise Conflict(CANNOT[appointment.status])
    if clock.utcnow() < appointment.start_at:
        raise Conflict(N_("The appointment time has not come yet."))
    appointment.status = St.NO_SHOW
    view = appointment_view(appointment, uow.db.public_url, staff=True)
    uow.commit()
    log.info("appointment %s marked no-show at %s", appointment.code, branch.slug)
    return view
