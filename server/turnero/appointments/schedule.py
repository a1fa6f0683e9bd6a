"""A branch's appointment settings (opening hours per weekday, closures, the check-in
window) and the reminders queued a day and an hour before each appointment."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import or_, select

from .. import clock
from ..access import audit
from ..access.services import Actor
from ..db import UnitOfWork
from ..errors import N_, Invalid, NotFound
from ..admin import schedule as opening
from ..hours import format_ranges, weekday_ranges
from ..models import Service
from ..queue.lookups import find_branch
from ..queue.rules import local_day
from ..queue.services import branch_changed
from . import rules
from . import texts as notify
from .models import Appointment, Closure, OpeningHours
from .rules import AppointmentStatus as St
from .services import LOAD

log = logging.getLogger(__name__)

WEEKDAYS = range(7)


def get_settings(uow: UnitOfWork, branch_slug: str, actor: Actor, lang: str = "es") -> dict:
    """Opening hours per weekday ("09:00-13:00, 14:00-17:00"), closures from today on,
    the check-in window and each service's slot settings (staff)."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    actor.require_staff(branch)
    hours = weekday_ranges(session.execute(
        select(OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
        .where(OpeningHours.branch_id == branch.id)).all())
    today = local_day(clock.utcnow(), branch.timezone)
    closures = session.scalars(select(Closure).where(Closure.branch_id == branch.id, Closure.last_day >= today)
                               .order_by(Closure.first_day)).all()
    services = session.scalars(select(Service).where(Service.branch_id == branch.id).order_by(Service.prefix))
    return {
        "branch": branch.slug, "name": branch.name, "timezone": branch.timezone,
        "hours": {d: format_ranges(hours[d]) for d in WEEKDAYS},
        "closures": [{"id": c.id, "first_day": c.first_day.isoformat(), "last_day": c.last_day.isoformat(),
                      "reason": c.reason} for c in closures],
        "checkin_before_min": branch.checkin_before_min, "checkin_after_min": branch.checkin_after_min,
        "appointment_boost_min": branch.appointment_boost_min,
        "services": [{"id": s.slug, "name": s.name(lang), "takes_appointments": s.takes_appointments,
                      "slot_minutes": s.slot_minutes, "slot_capacity": s.slot_capacity} for s in services],
    }


def set_hours(uow: UnitOfWork, branch_slug: str, hours: Mapping[int | str, str], actor: Actor) -> dict:
    """Replace the opening hours from text: weekday (0 = Monday) -> "09:00-13:00,
    14:00-17:00"; an empty text closes that weekday. The text is only read here; the
    admin's `set_opening_hours` checks and stores the week (its messages come back
    under `hours-D`). Booked appointments are kept."""
    week: dict[int, list[tuple[str, str]]] = {}
    errors: dict[str, list] = {}
    for key, text in hours.items():
        try:
            weekday = int(key)
        except (TypeError, ValueError):
            weekday = -1
        if weekday not in WEEKDAYS:
            errors[str(key)] = [N_("Weekdays go from 0 (Monday) to 6 (Sunday).")]
            continue
        # "09:00-13:00, 14:00-17:00" -> [("09:00", "13:00"), ("14:00", "17:00")]; anything else
        # goes on as typed, and is refused there as not a time.
        week[weekday] = [tuple(part.partition("-")[::2]) for part in
                         filter(None, (p.strip() for p in (text or "").split(",")))]
    if errors:
        raise Invalid(N_("Some opening hours are not valid."), errors=errors)
    try:
        opening.set_opening_hours(uow, actor, branch_slug, week)
    except Invalid as exc:
        days = sorted({field.split("-")[1] for field in exc.errors or {}})
        raise Invalid(N_("Some opening hours are not valid."), errors={
            f"hours-{d}": [N_("Write times like 09:00-13:00, 14:00-17:00, without overlaps.")] for d in days}) from None
    return get_settings(uow, branch_slug, actor)


def set_checkin_window(uow: UnitOfWork, branch_slug: str, before_min, after_min, actor: Actor) -> dict:
    session = uow.session
    branch = find_branch(session, branch_slug, lock=True)
    actor.require_manager(branch)
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
    changes = audit.differences({k: getattr(branch, k) for k in values}, values)
    if changes:
        audit.record(session, actor, "checkin_window.changed", branch=branch.slug, changes=changes)
    branch.checkin_before_min = values["checkin_before_min"]
    branch.checkin_after_min = values["checkin_after_min"]
    uow.commit()
    return get_settings(uow, branch_slug, actor)


def add_closure(uow: UnitOfWork, branch_slug: str, first_day: str | date, last_day: str | date | None,
                reason: str, actor: Actor) -> dict:
    """Close whole days (a holiday, or first to last inclusive). Appointments already
    booked on them are kept and shown to staff, who call those customers."""
    session = uow.session
    branch = find_branch(session, branch_slug, lock=True)
    actor.require_manager(branch)
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
    audit.record(session, actor, "closure.added", branch=branch.slug, target=reason or None,
                 changes={"days": [None, f"{first.isoformat()} – {last.isoformat()}"]})
    branch_changed(uow, branch)
    uow.commit()
    log.info("branch %s closed %s..%s (%s)", branch.slug, first, last, reason)
    return {"id": closure.id, "first_day": first.isoformat(), "last_day": last.isoformat(), "reason": reason}


def remove_closure(uow: UnitOfWork, branch_slug: str, closure_id: int, actor: Actor) -> None:
    session = uow.session
    branch = find_branch(session, branch_slug, lock=True)
    actor.require_manager(branch)
    closure = session.scalar(select(Closure).where(Closure.id == closure_id, Closure.branch_id == branch.id))
    if closure is None:
        raise NotFound(N_("There is no such closure."))
    audit.record(session, actor, "closure.removed", branch=branch.slug, target=closure.reason or None,
                 changes={"days": [f"{closure.first_day.isoformat()} – {closure.last_day.isoformat()}", None]})
    session.delete(closure)
    branch_changed(uow, branch)
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
    now = now or clock.utcnow()
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
            notify.queue_message(session, appointment, f"appointment_{kind}", uow.db.public_url)
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
