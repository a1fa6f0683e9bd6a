"""Staff pages of appointments under /staff/appointments (Flask-Login session of the
staff console, CSRF on every form): the day's appointments per service, booking
for a customer on the phone, no-shows and cancellations, and (managers) opening
hours, the check-in window and closures."""
from __future__ import annotations

from datetime import date, timedelta

from babel.dates import get_day_names
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from .. import clock
from ..errors import DomainError, NotFound
from ..queue.lookups import find_branch
from ..queue.rules import local_day
from ..web import current_lang as page_lang
from ..web import database, error_text, field_errors, staff_pages
from . import schedule, services
from .pages import day_arg, day_chooser, form_value

bp = Blueprint("appointments_staff", __name__, url_prefix="/staff/appointments")
staff_pages(bp)


def _actor():
    return current_user.actor


def _weekdays() -> list[tuple[int, str]]:
    names = get_day_names("wide", locale=page_lang())
    return [(d, names[d].capitalize()) for d in range(7)]


@bp.get("")
@login_required
def staff_home():
    with database().unit_of_work() as uow:
        branches = services.staff_branches(uow, _actor())
    if len(branches) == 1:
        return redirect(url_for("appointments_staff.staff_day", branch=branches[0]["slug"]))
    return render_template("appointments/staff_choose.html", branches=branches)


@bp.get("/<branch>")
@login_required
def staff_day(branch):
    with database().unit_of_work() as uow:
        today = _today(uow, branch)
        day = day_arg(request.args.get("date")) or today
        listing = services.day_list(uow, branch, day, _actor(), lang=page_lang())
    nav = {"prev": (day - timedelta(days=1)).isoformat(), "next": (day + timedelta(days=1)).isoformat(),
           "today": today.isoformat(), "is_today": day == today}
    return render_template("appointments/staff_day.html", listing=listing, nav=nav, now=clock.utcnow())


def _today(uow, branch: str) -> date:
    found = find_branch(uow.session, branch)
    return local_day(clock.utcnow(), found.timezone)


def _back_to_day(branch: str, day: str | None):
    return redirect(url_for("appointments_staff.staff_day", branch=branch, date=day or None), 303)


@bp.post("/<branch>/<appointment_id>/no-show")
@login_required
def staff_no_show(branch, appointment_id):
    with database().unit_of_work(write=True) as uow:
        found = services.mark_no_show(uow, appointment_id, _actor())
    flash(gettext("%(code)s marked as not come.", code=found["code"]), "success")
    return _back_to_day(branch, form_value("date"))


@bp.post("/<branch>/<appointment_id>/cancel")
@login_required
def staff_cancel(branch, appointment_id):
    with database().unit_of_work(write=True) as uow:
        token = services.find_by_id(uow.session, appointment_id).token
        found = services.cancel(uow, token, _actor())
    flash(gettext("Appointment %(code)s cancelled.", code=found["code"]), "success")
    return _back_to_day(branch, form_value("date"))


# ---------------------------------------------------------------- book for a customer

@bp.get("/<branch>/book")
@login_required
def staff_book(branch):
    return _staff_book_page(branch, {"service": request.args.get("service", ""),
                                     "date": request.args.get("date", "")})


@bp.post("/<branch>/book")
@login_required
def staff_book_post(branch):
    values = {k: form_value(k) for k in ("service", "date", "start", "name", "phone", "lang")}
    if not values["start"]:
        return _staff_book_page(branch, values, {"start": [gettext("Choose a time.")]})
    try:
        with database().unit_of_work(write=True) as uow:
            booked = services.book(uow, branch, service=values["service"], start=values["start"],
                                   name=values["name"], phone=values["phone"], actor=_actor(),
                                   lang=values["lang"] or None)
    except DomainError as exc:
        if isinstance(exc, NotFound) and not exc.errors:
            raise
        return _staff_book_page(branch, values, field_errors(exc), error_text(exc), exc.status)
    flash(gettext("Booked: %(name)s, code %(code)s. Tell the customer the code; a text message confirms it.",
                  name=booked["name"], code=booked["code"]), "success")
    return redirect(url_for("appointments_staff.staff_day", branch=branch,
                            date=booked["local_start"][:10]), 303)


def _staff_book_page(branch: str, values: dict, errors: dict | None = None, problem: str | None = None,
                     status: int | None = None):
    with database().unit_of_work() as uow:
        _actor().require_staff(find_branch(uow.session, branch))  # staff of this branch
        info = services.appointment_services(uow, branch, page_lang())
        ids = [s["id"] for s in info["services"]]
        if values.get("service") not in ids:
            values["service"] = ids[0] if ids else ""
        chooser = day_chooser(uow, branch, values["service"], day_arg(values.get("date")),
                           lambda d: url_for("appointments_staff.staff_book", branch=branch, service=values["service"],
                                             date=d)) if values["service"] else None
    return render_template("appointments/staff_book.html", info=info, chooser=chooser, values=values,
                           errors=errors or {}, problem=problem), status or (422 if errors or problem else 200)


# ---------------------------------------------------------------- settings (managers)

@bp.get("/<branch>/settings")
@login_required
def staff_settings(branch):
    return _settings_page(branch)


def _settings_page(branch: str, errors: dict | None = None, problem: str | None = None,
                   values: dict | None = None, status: int | None = None):
    with database().unit_of_work() as uow:
        settings = schedule.get_settings(uow, branch, _actor(), lang=page_lang())
    return render_template("appointments/staff_settings.html", s=settings, weekdays=_weekdays(),
                           errors=errors or {}, problem=problem, values=values or {},
                           may_edit=current_user.is_manager), status or (422 if errors or problem else 200)


def _settings_action(branch: str, use_case, *args, success: str, values: dict | None = None):
    try:
        with database().unit_of_work(write=True) as uow:
            use_case(uow, branch, *args, _actor())
    except DomainError as exc:
        if isinstance(exc, NotFound) and not exc.errors:
            raise
        return _settings_page(branch, field_errors(exc), error_text(exc), values, exc.status)
    flash(success, "success")
    return redirect(url_for("appointments_staff.staff_settings", branch=branch), 303)


@bp.post("/<branch>/settings/hours")
@login_required
def staff_hours(branch):
    hours = {d: form_value(f"hours-{d}") for d in range(7)}
    return _settings_action(branch, schedule.set_hours, hours, success=gettext("Opening hours saved."),
                            values={f"hours-{d}": v for d, v in hours.items()})


@bp.post("/<branch>/settings/window")
@login_required
def staff_window(branch):
    values = {"checkin_before_min": form_value("checkin_before_min"), "checkin_after_min": form_value("checkin_after_min")}
    return _settings_action(branch, schedule.set_checkin_window, values["checkin_before_min"],
                            values["checkin_after_min"], success=gettext("Check-in window saved."), values=values)


@bp.post("/<branch>/settings/closures")
@login_required
def staff_add_closure(branch):
    values = {k: form_value(k) for k in ("first_day", "last_day", "reason")}
    return _settings_action(branch, schedule.add_closure, values["first_day"], values["last_day"] or None,
                            values["reason"], success=gettext("Closure added."), values=values)


@bp.post("/<branch>/settings/closures/<int:closure_id>/remove")
@login_required
def staff_remove_closure(branch, closure_id):
    return _settings_action(branch, schedule.remove_closure, closure_id, success=gettext("Closure removed."))
