"""Checking in for an appointment at the branch (kiosk, the appointment's page, SMS
`LLEGUE`/`HERE`, staff): a ticket of channel `appointment` issued through the queue's
`take_ticket`, placed at the appointment time minus the branch's boost; too late, the
customer may join as a walk-in instead."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..access.services import ANONYMOUS, Actor
from ..customers import normalize_phone
from ..db import UnitOfWork
from ..errors import N_, Conflict, Forbidden, Invalid, NotFound
from ..hours import to_local
from ..models import Branch, Customer, Ticket
from ..queue import services as queue
from ..queue.lookups import find_branch
from ..queue.read_models import TicketView
from ..queue.events import Cancelled, Event, Finished, NoShow, Requeued, Undone
from ..queue.rules import day_bounds_utc, local_day
from ..queue.services import TicketTaken
from . import rules
from .models import Appointment
from .rules import AppointmentStatus as St
from .rules import CheckIn
from .services import ACTIVE, CANNOT, LOAD, find_by_token, locked_branch, still_booked

log = logging.getLogger(__name__)


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



NO_SUCH_CODE = N_("There is no appointment with that code at this branch.")


def check_in(uow: UnitOfWork, branch_slug: str, *, code: str | None = None, phone: str | None = None,
             token: str | None = None, actor: Actor = ANONYMOUS) -> TicketTaken:
    """Check in at the branch by appointment code or phone: issues a ticket of channel
    `appointment` placed at the appointment time minus the branch's boost; checking in
    again returns the same ticket (`created` False). CheckInClosed (409) outside the
    window.

    By phone at a branch with `remote_check_in`, when that phone has no appointment
    today but a remote turn waiting for its holder: that turn's "I'm here".

    Who may: by phone, a kiosk of the branch or its staff (a phone number proves
    nothing: anyone can type one). By code, anyone; but only a kiosk or staff hear why
    a code does not check in (another day, too early, too late): anyone else gets the
    same 404 for every miss, so codes cannot be tried out.

    By `token` (the appointment page's QR, read by the kiosk's scanner): the holder's
    secret, so it proves as much as the page's own "I'm here".

    At the branch (its kiosk or staff), an early arrival checks in any time on the
    appointment's day, placed at the appointment's time like any other check-in."""
    session = uow.session
    if (token or "").strip():
        return _check_in_by_token_at(uow, branch_slug, token.strip(), actor)
    if not (code or "").strip() and not (phone or "").strip():
        raise Invalid(N_("Give the appointment code or the phone number."),
                      errors={"code": [N_("Give the appointment code or the phone number.")]})
    branch = find_branch(session, branch_slug, lock=True)
    at_the_branch = _at_the_branch(actor, branch)
    now = clock.utcnow()
    if not (code or "").strip():
        if not at_the_branch:
            actor.require_staff(branch)  # 401 without a token, 403 for any other token
        number = normalize_phone(phone, branch.country)
        try:
            appointment = _todays_appointment(session, branch, number, now)
        except NotFound:
            # No appointment: a turn taken from home with this phone is "I'm here".
            arrived = queue.arrive_by_phone(uow, branch, number, actor) if branch.remote_check_in else None
            if arrived is None:
                raise
            return TicketTaken(arrived, created=False)
        return _check_in(uow, branch, appointment, actor, now)
    appointment = session.scalar(select(Appointment).options(*LOAD).where(
        Appointment.code == rules.normalize_code(code), Appointment.branch_id == branch.id))
    miss = NotFound(NO_SUCH_CODE, errors={"code": [N_("Unknown appointment code.")]})
    if appointment is None:
        raise miss
    if at_the_branch:
        return _check_in(uow, branch, appointment, actor, now)
    if actor.kind == "device":
        raise Forbidden(N_("This device may not do this."))
    try:
        return _check_in(uow, branch, appointment, actor, now)
    except (CheckInClosed, Conflict) as exc:
        raise miss from exc


def _check_in_by_token_at(uow: UnitOfWork, branch_slug: str, token: str, actor: Actor) -> TicketTaken:
    branch = find_branch(uow.session, branch_slug, lock=True)
    miss = NotFound(NO_SUCH_CODE, errors={"token": [N_("Unknown appointment.")]})
    try:
        appointment = find_by_token(uow.session, token)
    except NotFound:
        raise miss from None
    if appointment.branch_id != branch.id:
        raise miss
    return _check_in(uow, branch, appointment, actor, clock.utcnow())


def _at_the_branch(actor: Actor, branch: Branch) -> bool:
    """A kiosk of this branch, or its staff."""
    if actor.kind == "device":
        return actor.device_kind == "kiosk" and actor.branch_id == branch.id
    return actor.is_staff and actor.can_act_on(branch)


def check_in_by_token(uow: UnitOfWork, token: str, actor: Actor = ANONYMOUS) -> TicketTaken:
    """The holder checks in from the appointment's own page ("I'm here")."""
    session = uow.session
    appointment = find_by_token(session, token)
    branch = locked_branch(session, appointment)
    return _check_in(uow, branch, appointment, actor, clock.utcnow())


def check_in_by_phone(uow: UnitOfWork, branch_slug: str | None, phone: str,
                      actor: Actor = ANONYMOUS) -> TicketView:
    """SMS `LLEGUE`/`HERE`: check in the phone's appointment of today (at `branch_slug`,
    or at whichever branch it is when None). Returns the ticket; commits like
    `take_ticket`. Raises NotFound, CheckInClosed (409) or Conflict."""
    if branch_slug is None:
        branch_slug = _branch_of_todays_appointment(uow.session, phone)
    # The text came from the number itself: the one way a phone proves it is the customer's.
    branch = find_branch(uow.session, branch_slug, lock=True)
    now = clock.utcnow()
    return _check_in(uow, branch, _todays_appointment(uow.session, branch, normalize_phone(phone, branch.country),
                                                      now), actor, now).ticket


def _branch_of_todays_appointment(session: Session, raw_phone: str) -> str:
    now = clock.utcnow()
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
              now: datetime) -> TicketTaken:
    if actor.kind == "device" and actor.branch_id != branch.id:
        raise Forbidden(N_("This device belongs to another branch."))
    if appointment.status == St.CHECKED_IN and appointment.ticket is not None:
        return TicketTaken(queue.get_ticket(uow, appointment.ticket.token), created=False)
    if appointment.status != St.BOOKED:
        raise Conflict(CANNOT[appointment.status])
    state = rules.checkin_state(now, appointment.start_at, branch.checkin_before_min, branch.checkin_after_min)
    opens, closes = rules.checkin_window(appointment.start_at, branch.checkin_before_min, branch.checkin_after_min)
    local = lambda moment: to_local(moment, branch.timezone).strftime("%H:%M")  # noqa: E731
    if state is CheckIn.EARLY and _at_the_branch(actor, branch) and \
            local_day(now, branch.timezone) == local_day(appointment.start_at, branch.timezone):
        state = CheckIn.OPEN  # here in person, early: in line at the appointment's time
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
    taken = queue.issue_ticket(
        uow, branch.slug, service=appointment.service.slug, actor=actor, phone=_phone_of(appointment),
        name=appointment.name, lang=appointment.lang, via="appointment", turn_notify_by=appointment.notify_by,
        place_at=rules.place_in_line(appointment.start_at, branch.appointment_boost_min))
    appointment.ticket_seq = taken.ticket.seq
    uow.commit()
    log.info("appointment %s checked in at %s: ticket %s", appointment.code, branch.slug, taken.ticket.code)
    return taken


def walk_in(uow: UnitOfWork, token: str, actor: Actor = ANONYMOUS) -> TicketView:
    """Too late to check in: join the line now as a walk-in (a `web` ticket placed by
    the time it is taken). The appointment counts as missed and points to the ticket."""
    appointment, branch = still_booked(uow.session, token, actor)
    now = clock.utcnow()
    if rules.checkin_state(now, appointment.start_at, branch.checkin_before_min,
                           branch.checkin_after_min) is not CheckIn.LATE:
        raise Conflict(N_("Your appointment is still on: check in instead."))
    appointment.status = St.NO_SHOW
    taken = queue.issue_ticket(uow, branch.slug, service=appointment.service.slug, actor=actor,
                               phone=_phone_of(appointment), name=appointment.name, lang=appointment.lang,
                               turn_notify_by=appointment.notify_by)
    appointment.ticket_seq = taken.ticket.seq
    uow.commit()
    log.info("appointment %s missed at %s: walk-in ticket %s", appointment.code, branch.slug, taken.ticket.code)
    return taken.ticket


# What happens to a checked-in appointment when its ticket ends (or goes back in line).
# An undo puts the ticket back at its counter or in line: checked in again.
OUTCOMES = {Finished: St.DONE, NoShow: St.NO_SHOW, Cancelled: St.CANCELLED, Requeued: St.CHECKED_IN,
            Undone: St.CHECKED_IN}


def on_ticket_event(session: Session, ticket: Ticket, event: Event) -> None:
    """In-transaction ticket listener: a checked-in appointment ends with its ticket."""
    outcome = OUTCOMES.get(type(event))
    if outcome is None or ticket.channel != "appointment":
        return
    appointment = session.scalar(select(Appointment).where(Appointment.ticket_seq == ticket.seq))
    if appointment is not None:
        appointment.status = outcome


def _phone_of(appointment) -> str | None:
    """The phone it was booked with (None once the customer's data was erased)."""
    return appointment.customer.phone if appointment.customer is not None else None
