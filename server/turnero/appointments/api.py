"""REST door of appointments under /api/v1 (CONTRACT.md, "Appointments"). Each
endpoint parses, calls one use case (services.py, checkin.py, schedule.py), and
returns it."""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import Response
from flask_babel import gettext
from flask_limiter.errors import RateLimitExceeded

from ..access.limits import limited
from ..access.requests import BEARER
from ..access.requests import request_actor as actor
from ..queue.read_models import iso
from ..queue.schemas import TicketOut
from ..web import current_lang, database, json_rate_limited, problem, require_uuid
from . import checkin, schedule, services
from .calendar import appointment_ics
from .limits import booking_limit, too_many_bookings
from .schemas import (
    AppointmentIn,
    AppointmentOut,
    CheckInIn,
    CheckInWindowIn,
    ClosureIn,
    ClosureOut,
    DayOut,
    DayQuery,
    HoursIn,
    RescheduleIn,
    SettingsOut,
    SlotOut,
    SlotQuery,
    StaffAppointmentOut,
)

api = APIBlueprint("appointments_api", __name__, url_prefix="/api/v1", tag="Appointments")

TAG = {"name": "Appointments", "description": "Slots, booking, managing and checking in for appointments"}


def _too_many_bookings(limit):
    return problem(429, gettext("Too many requests"), too_many_bookings(limit))


api.register_error_handler(RateLimitExceeded, json_rate_limited)


@api.errorhandler(checkin.CheckInClosed)
def check_in_closed(exc: checkin.CheckInClosed):
    """409 with the choice spelled out: come back when the window opens, or (late)
    join the line now as a walk-in."""
    extra = {"reason": str(exc.reason), "checkin_opens": iso(exc.opens), "checkin_closes": iso(exc.closes)}
    if exc.reason == "late":
        public_url = database().public_url
        extra["walk_in"] = {"service": exc.service,
                            "join_url": f"{public_url}/b/{exc.branch}/join?service={exc.service}",
                            "tickets_url": f"{public_url}/api/v1/branches/{exc.branch}/tickets"}
    return problem(409, gettext("Check-in is closed"), gettext(exc.message, **exc.params), **extra)


# ---------------------------------------------------------------- customers

@api.get("/branches/<branch>/slots")
@api.input(SlotQuery, location="query", arg_name="query")
@api.output(SlotOut(many=True))
@api.doc(summary="Appointment slots of a day with their free places", responses=[404, 422],
         description="The branch's opening hours of that weekday cut into the service's slot length; "
                     "none on a closure day, none that already began, none beyond 60 days ahead. "
                     "Times are UTC; `local_start` is the branch's wall time.")
def slots(branch, query):
    with database().unit_of_work() as uow:
        return services.list_slots(uow, branch, query["service"], query["date"])


@api.post("/branches/<branch>/appointments")
@booking_limit(_too_many_bookings, booked=lambda response: response.status_code == 201)
@api.input(AppointmentIn, arg_name="body")
@api.output(AppointmentOut, status_code=201)
@api.doc(summary="Book an appointment", responses=[404, 409, 422, 429],
         description="409 when the slot is full or this phone already has an appointment for the "
                     "service at that time; 422 when `start` is not one of the day's slots; 429 when "
                     "this client address has booked too many (`TURNERO_BOOKING_RATE_LIMIT`, shared "
                     "with the booking page; `Retry-After` says when to try again). A staff "
                     "Bearer token books for a customer (channel `staff`) and is not limited.")
def book(branch, body):
    with database().unit_of_work(write=True) as uow:
        return services.book(uow, branch, service=body["service"], start=body["start"], name=body["name"],
                             phone=body["phone"], actor=actor(uow), lang=body.get("lang") or current_lang(),
                             notify_by=body.get("notify_by"))


@api.get("/appointments/<token>")
@api.output(AppointmentOut)
@api.doc(summary="An appointment, by its holder's token", responses=[404])
def get_appointment(token):
    with database().unit_of_work() as uow:
        return services.get_appointment(uow, token)


@api.post("/appointments/<token>/cancel")
@api.output(AppointmentOut)
@api.doc(summary="Cancel an appointment (its holder, or staff for them)", responses=[404, 409])
def cancel(token):
    with database().unit_of_work(write=True) as uow:
        return services.cancel(uow, token, actor(uow))


@api.post("/appointments/<token>/reschedule")
@api.input(RescheduleIn, arg_name="body")
@api.output(AppointmentOut)
@api.doc(summary="Move an appointment to another free slot (same code and link)", responses=[404, 409, 422])
def reschedule(token, body):
    with database().unit_of_work(write=True) as uow:
        return services.reschedule(uow, token, body["start"], actor(uow))


@api.get("/appointments/<token>/calendar.ics")
@api.doc(summary="The appointment as an iCalendar file", responses=[404])
def calendar(token):
    with database().unit_of_work() as uow:
        appointment = services.find_by_token(uow.session, token)
        body = appointment_ics(appointment, database().public_url)
        filename = f"appointment-{appointment.code}.ics"
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@api.post("/branches/<branch>/check-in")
@limited("CHECKIN_RATE_LIMIT", "check-in")
@api.input(CheckInIn, arg_name="body")
@api.output(TicketOut, status_code=201)
@api.doc(summary="Check in for an appointment by code or phone: a ticket of channel `appointment`",
         responses=[200, 401, 403, 404, 409, 422, 429],
         description="The ticket's place in line is the appointment time minus the branch's appointment "
                     "boost. Checking in again answers 200 with the same ticket. By `phone`: a kiosk of the "
                     "branch (its device token) or staff only; at a branch with `remote_check_in`, a phone "
                     "with no appointment today but a remote turn waiting says \"I'm here\" for that turn "
                     "(200). By `code`: anyone, limited per client address "
                     "(`TURNERO_CHECKIN_RATE_LIMIT`, 429 past it). By `token`: the appointment page's "
                     "secret (its QR code, read by a kiosk's scanner). At the branch (its kiosk or staff) "
                     "an early arrival checks in any time on the appointment's day, placed at its time; "
                     "a kiosk or staff get a 409 outside the "
                     "check-in window (`reason`: `early` or `late`; when late, `walk_in` says how to join the "
                     "line instead), anyone else the same 404 for every code that does not check in, and "
                     "the ticket without its `token` and `track_url`.")
def check_in(branch, body):
    with database().unit_of_work(write=True) as uow:
        who = actor(uow)
        taken = checkin.check_in(uow, branch, code=body.get("code"), phone=body.get("phone"),
                                 token=body.get("token"), actor=who)
    # The ticket's secret goes to the kiosk and staff (and to the appointment's own page),
    # not to whoever typed a code.
    ticket = taken.ticket if who.kind != "anonymous" else taken.ticket.without_secret()
    return ticket, 201 if taken.created else 200


# ---------------------------------------------------------------- staff

@api.get("/branches/<branch>/appointments")
@api.input(DayQuery, location="query", arg_name="query")
@api.output(DayOut)
@api.doc(summary="A day's appointments per service (staff)", responses=[401, 403, 404, 422], **BEARER)
def day(branch, query):
    with database().unit_of_work() as uow:
        return services.day_list(uow, branch, query["date"], actor(uow), query.get("service"),
                                 lang=current_lang() or "es")


@api.post("/appointments/<appointment_id>/no-show")
@api.output(StaffAppointmentOut)
@api.doc(summary="The customer did not come (staff; `id` is the appointment's UUID)",
         responses=[401, 403, 404, 409], **BEARER)
def no_show(appointment_id):
    require_uuid(appointment_id, services.NO_APPOINTMENT)
    with database().unit_of_work(write=True) as uow:
        return services.mark_no_show(uow, appointment_id, actor(uow))


@api.get("/branches/<branch>/appointment-settings")
@api.output(SettingsOut)
@api.doc(summary="Opening hours, closures, check-in window and slot settings (staff)",
         responses=[401, 403, 404], **BEARER)
def settings(branch):
    with database().unit_of_work() as uow:
        return schedule.get_settings(uow, branch, actor(uow), lang=current_lang() or "es")


@api.put("/branches/<branch>/opening-hours")
@api.input(HoursIn, arg_name="body")
@api.output(SettingsOut)
@api.doc(summary="Set opening hours per weekday (managers)", responses=[401, 403, 404, 422], **BEARER)
def set_hours(branch, body):
    with database().unit_of_work(write=True) as uow:
        return schedule.set_hours(uow, branch, body["hours"], actor(uow))


@api.put("/branches/<branch>/check-in-window")
@api.input(CheckInWindowIn, arg_name="body")
@api.output(SettingsOut)
@api.doc(summary="Set how long before and after the appointment time check-in is open (managers)",
         responses=[401, 403, 404, 422], **BEARER)
def set_window(branch, body):
    with database().unit_of_work(write=True) as uow:
        return schedule.set_checkin_window(uow, branch, body["checkin_before_min"], body["checkin_after_min"],
                                           actor(uow))


@api.post("/branches/<branch>/closures")
@api.input(ClosureIn, arg_name="body")
@api.output(ClosureOut, status_code=201)
@api.doc(summary="Close whole days for appointments: a holiday or a range (managers)",
         responses=[401, 403, 404, 422], **BEARER)
def add_closure(branch, body):
    with database().unit_of_work(write=True) as uow:
        return schedule.add_closure(uow, branch, body["first_day"], body.get("last_day"), body["reason"],
                                    actor(uow))


@api.delete("/branches/<branch>/closures/<int:closure_id>")
@api.output({}, status_code=204)
@api.doc(summary="Remove a closure (managers)", responses=[401, 403, 404], **BEARER)
def remove_closure(branch, closure_id):
    with database().unit_of_work(write=True) as uow:
        schedule.remove_closure(uow, branch, closure_id, actor(uow))
    return ""
