"""The customer's appointment pages, rendered on the server and working without
JavaScript: book (`/b/<branch>/book`), then see, move, cancel or check in
(`/a/<token>`). Every form calls one use case (services.py, checkin.py); its field
messages are shown next to the fields."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from babel.dates import format_date, format_time, get_timezone_location
from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext

from ..access.services import ANONYMOUS
from ..errors import DomainError, NotFound
from ..qr import svg_response
from ..queue import services as queue
from ..queue.rules import MAX_NAME, MAX_PHONE, notify_choice
from ..web import current_lang as page_lang
from ..web import database, error_text, field_errors, public_pages, speak_holders_language
from . import checkin, services
from .limits import booking_limit, too_many_bookings
from .rules import BOOKING_HORIZON_DAYS

log = logging.getLogger(__name__)

bp = Blueprint("appointments", __name__)
# The pages hold the appointment's secret link: no Referer, nothing cached.
public_pages(bp, referrer="no-referrer", cache="no-store")

DAYS_SHOWN = 14


# ---------------------------------------------------------------- what the templates show

@bp.app_template_filter("appt_day")
def day_label(value: str | date, fmt: str = "EEE d MMM") -> str:
    """`2026-11-24` -> "mar 24 nov" / "Tue 24 Nov" (fmt "full": the whole date)."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, format=fmt, locale=page_lang())


@bp.app_template_filter("appt_time")
def time_label(local_iso: str) -> str:
    """A wall time from a view's `local_*` field: "9:00" / "9:00 AM"."""
    return format_time(datetime.fromisoformat(local_iso).time(), format="short", locale=page_lang())


@bp.app_template_filter("appt_date")
def date_label(local_iso: str, fmt: str = "full") -> str:
    return format_date(datetime.fromisoformat(local_iso).date(), format=fmt, locale=page_lang())


@bp.app_template_filter("appt_zone")
def zone_label(tz_name: str) -> str:
    """`America/Mexico_City` -> "hora de México (Ciudad de México)" / "Mexico (Mexico City) Time"."""
    return get_timezone_location(tz_name, locale=page_lang())


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    """A page that cannot be shown (the friendly 404 is public_pages' own)."""
    return render_template("appointments/error.html", title=gettext(exc.title), detail=error_text(exc)), exc.status


def form_value(name: str) -> str:
    return (request.form.get(name) or "").strip()


def day_arg(value: str | None) -> date | None:
    """A day asked for in the address (`?date=2026-12-24`); None when it is not one,
    or is the first or last day of the calendar (the pages link to the days beside)."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day not in (date.min, date.max) else None


def day_chooser(uow, branch: str, service: str, asked: date | None, day_url: Callable[[str], str]) -> dict:
    """Day chips for the next two weeks and the chosen day's slots (the first day
    with a free place when none was asked)."""
    days = services.days_with_slots(uow, branch, service, count=DAYS_SHOWN)
    for d in days:
        d["url"] = day_url(d["date"])
    first = date.fromisoformat(days[0]["date"])
    chosen = asked or next((date.fromisoformat(d["date"]) for d in days if d["free"]), None) or first
    slots = services.list_slots(uow, branch, service, chosen)
    return {"days": days, "date": chosen.isoformat(), "slots": slots,
            "max_date": (first + timedelta(days=BOOKING_HORIZON_DAYS)).isoformat()}


# ---------------------------------------------------------------- book

@bp.get("/b/<branch>/book")
def book(branch):
    return _book_page(branch, {"service": request.args.get("service", ""),
                               "date": request.args.get("date", "")})


def _book_values() -> dict:
    values = {k: form_value(k) for k in ("service", "date", "start", "name", "phone", "notify_by")}
    values["notify_by"] = notify_choice(values["notify_by"], current_app.config["TURNERO"].whatsapp_enabled)
    return values


def _too_many_bookings(limit):
    """The booking form again, as filled, with why it was not sent and when to retry."""
    log.info("booking refused by the rate limit on %s", request.path)
    return make_response(_book_page(request.view_args["branch"], _book_values(),
                                    problem=too_many_bookings(limit), status=429))


@bp.post("/b/<branch>/book")
@booking_limit(_too_many_bookings, booked=lambda response: response.status_code == 303)
def book_post(branch):
    values = _book_values()
    errors = {}
    if not values["start"]:
        errors["start"] = [gettext("Choose a time.")]
    for field, limit in (("name", MAX_NAME), ("phone", MAX_PHONE)):
        if len(values[field]) > limit:
            errors[field] = [gettext("This is too long.")]
    if errors:
        return _book_page(branch, values, errors)
    try:
        with database().unit_of_work(write=True) as uow:
            appointment = services.book(uow, branch, service=values["service"], start=values["start"],
                                        name=values["name"], phone=values["phone"], actor=ANONYMOUS,
                                        lang=page_lang(), notify_by=values["notify_by"])
    except DomainError as exc:
        if isinstance(exc, NotFound) and not exc.errors:
            raise
        return _book_page(branch, values, field_errors(exc), error_text(exc), status=exc.status)
    return redirect(url_for("appointments.manage", token=appointment["token"], booked=1), 303)


def _book_page(branch: str, values: dict, errors: dict | None = None, problem: str | None = None,
               status: int | None = None):
    with database().unit_of_work() as uow:
        info = services.appointment_services(uow, branch, page_lang())
        ids = [s["id"] for s in info["services"]]
        if values.get("service") not in ids:
            values["service"] = ids[0] if len(ids) == 1 else ""
        chooser = day_chooser(uow, branch, values["service"], day_arg(values.get("date")),
                           lambda d: url_for("appointments.book", branch=branch, service=values["service"], date=d)) \
            if values["service"] else None
    service = next((s for s in info["services"] if s["id"] == values["service"]), None)
    return render_template("appointments/book.html", info=info, service=service, chooser=chooser,
                           values=values, errors=errors or {}, problem=problem,
                           whatsapp=current_app.config["TURNERO"].whatsapp_enabled), \
        status or (422 if errors or problem else 200)


# ---------------------------------------------------------------- manage

@bp.before_app_request  # on the app: see queue.pages._holders_language
def _holders_language():
    """Every page and answer of an appointment's own address (/a/TOKEN...) speaks the
    language it was booked in, unless this browser chose one."""
    token = (request.view_args or {}).get("token")
    if token and request.blueprint == bp.name and request.path.startswith("/a/"):
        with database().unit_of_work() as uow:
            speak_holders_language(services.appointment_lang(uow, token))


@bp.get("/a/<token>")
def manage(token):
    notice = {"booked": gettext("Your appointment is booked."),
              "moved": gettext("Your appointment was moved."),
              "cancelled": gettext("Your appointment was cancelled.")}
    shown = next((text for key, text in notice.items() if request.args.get(key)), None)
    return _manage_page(token, notice=shown)


def _manage_page(token: str, notice: str | None = None, problem: str | None = None, status: int = 200):
    with database().unit_of_work() as uow:
        appointment = services.get_appointment(uow, token)
        if page_lang() != appointment["lang"]:  # the switch chose the other language
            appointment = services.get_appointment(uow, token, lang=page_lang())
        ticket = queue.get_ticket(uow, appointment["ticket"]["token"]) if appointment["ticket"] else None
    return render_template("appointments/manage.html", a=appointment, ticket=ticket, notice=notice,
                           problem=problem), status


def _act(token: str, use_case, done_flag: str | None = None):
    """Run a use case on the appointment; back to its page with a notice or the problem."""
    try:
        with database().unit_of_work(write=True) as uow:
            use_case(uow, token, ANONYMOUS)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _manage_page(token, problem=error_text(exc), status=exc.status)
    return redirect(url_for("appointments.manage", token=token, **({done_flag: 1} if done_flag else {})), 303)


@bp.get("/a/<token>/qr.svg")
def manage_qr(token):
    """The appointment page's link as a QR code: a phone opens the page, and the kiosk's
    scanner checks in with it."""
    with database().unit_of_work() as uow:
        services.find_by_token(uow.session, token)
    return svg_response(f"{database().public_url}/a/{token}")


@bp.post("/a/<token>/cancel")
def cancel(token):
    return _act(token, services.cancel, "cancelled")


@bp.post("/a/<token>/check-in")
def check_in(token):
    return _act(token, checkin.check_in_by_token)


@bp.post("/a/<token>/walk-in")
def walk_in(token):
    try:
        with database().unit_of_work(write=True) as uow:
            ticket = checkin.walk_in(uow, token, ANONYMOUS)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _manage_page(token, problem=error_text(exc), status=exc.status)
    return redirect(url_for("web.track", token=ticket.token), 303)


@bp.get("/a/<token>/move")
def move(token):
    return _move_page(token, request.args.get("date"))


@bp.post("/a/<token>/move")
def move_post(token):
    start = form_value("start")
    if not start:
        return _move_page(token, form_value("date"), {"start": [gettext("Choose a time.")]})
    try:
        with database().unit_of_work(write=True) as uow:
            services.reschedule(uow, token, start, ANONYMOUS)
    except DomainError as exc:
        if isinstance(exc, NotFound) and not exc.errors:
            raise
        return _move_page(token, form_value("date"), field_errors(exc), error_text(exc), exc.status)
    return redirect(url_for("appointments.manage", token=token, moved=1), 303)


def _move_page(token: str, asked: str | None, errors: dict | None = None, problem: str | None = None,
               status: int | None = None):
    with database().unit_of_work() as uow:
        appointment = services.get_appointment(uow, token)
        if appointment["status"] != "booked":
            return redirect(url_for("appointments.manage", token=token), 303)
        chooser = day_chooser(uow, appointment["branch"], appointment["service"], day_arg(asked),
                           lambda d: url_for("appointments.move", token=token, date=d))
    return render_template("appointments/move.html", a=appointment, chooser=chooser, errors=errors or {},
                           problem=problem), status or (422 if errors or problem else 200)
