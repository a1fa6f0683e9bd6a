"""Setting a branch up (routes of the `admin` blueprint): the checklist of what a new
branch still needs (/admin/branches/<slug>/setup; a compact one on its settings page
until all is done) and the weekly editor of its opening hours
(/admin/branches/<slug>/hours), a plain form that also works without JavaScript: its
"add a range" and "remove" buttons post the form back as it stands."""
from __future__ import annotations

from babel.dates import get_day_names
from flask import flash, redirect, request, url_for
from flask_babel import gettext

from ..access.staff_pages import manager_required
from ..errors import N_, Invalid
from ..web import current_lang, database, error_text
from . import schedule as opening
from .checklist import checklist
from .forms import ActionForm
from .staff_pages import _branch_nav, _render, actor, admin

@admin.get("/branches/<slug>/setup")
@manager_required
def setup(slug):
    with database().unit_of_work() as uow:
        nav = _branch_nav(uow, slug)
        context = checklist(uow, actor(), slug)
    return _render("admin/setup.html", **context, **nav)


# ---------------------------------------------------------------- the week of opening hours

MAX_ROWS = 12  # form rows read per day (the use case allows fewer ranges: the extra ones get its message)


def _weekdays() -> list[tuple[int, str]]:
    names = get_day_names("wide", locale=current_lang())
    return [(d, names[d].capitalize()) for d in range(7)]


def _posted_week() -> dict[int, dict]:
    """The form as sent: per weekday whether it opens and its rows (form index, opens,
    closes), rows left entirely blank dropped."""
    week = {}
    for d in range(7):
        rows = []
        for i in range(MAX_ROWS):
            opens = (request.form.get(f"day-{d}-{i}-opens") or "").strip()[:16]
            closes = (request.form.get(f"day-{d}-{i}-closes") or "").strip()[:16]
            if opens or closes:
                rows.append((i, opens, closes))
        week[d] = {"open": request.form.get(f"day-{d}-open") == "1", "rows": rows}
    return week


def _stored_week(view: dict) -> dict[int, dict]:
    return {d: {"open": bool(ranges), "rows": [(i, o, c) for i, (o, c) in enumerate(ranges)]}
            for d, ranges in view["week"].items()}


def _edit(week: dict[int, dict], add: str, remove: str) -> None:
    """What the "add a range" and "remove" buttons ask, done on the posted week."""
    if add.isdigit() and int(add) in week:
        day = week[int(add)]
        if len(day["rows"]) < MAX_ROWS:
            taken = [i for i, _o, _c in day["rows"]]
            day["rows"].append((max(taken) + 1 if taken else 0, "", ""))
        day["open"] = True
    day_key, _sep, index = remove.partition("-")
    if day_key.isdigit() and index.isdigit() and int(day_key) in week:
        day = week[int(day_key)]
        day["rows"] = [row for row in day["rows"] if row[0] != int(index)]


def _hours_page(slug: str, week: dict | None = None, errors: dict | None = None, problem: str | None = None,
                status: int = 200):
    with database().unit_of_work() as uow:
        nav = _branch_nav(uow, slug)
        view = opening.opening_hours(uow, actor(), slug)
    return _render("admin/hours.html", status, view=view, week=week or _stored_week(view), weekdays=_weekdays(),
                   errors=errors or {}, problem=problem, form=ActionForm(), **nav)


@admin.get("/branches/<slug>/hours")
@manager_required
def hours(slug):
    return _hours_page(slug)


@admin.post("/branches/<slug>/hours")
@manager_required
def hours_save(slug):
    form = ActionForm()
    week = _posted_week()
    if not form.validate():
        return _hours_page(slug, week, problem=gettext("The form has expired; reload the page and try again."),
                           status=400)
    add, remove = request.form.get("add", ""), request.form.get("remove", "")
    if add or remove:  # without JavaScript: the form again, with a row more or less, not saved yet
        _edit(week, add, remove)
        return _hours_page(slug, week)
    errors: dict[str, list[str]] = {}
    for d, day in week.items():
        if day["open"] and not day["rows"]:
            errors[f"day-{d}"] = [gettext("Add the hours it opens, or mark the day as closed.")]
    sent = {d: [(o, c) for _i, o, c in day["rows"]] if day["open"] else [] for d, day in week.items()}
    try:
        if errors:  # the week's own messages too, all at once
            raise Invalid(N_("Some opening hours are not valid."), errors=opening.check_week(sent)[1])
        with database().unit_of_work(write=True) as uow:
            opening.set_opening_hours(uow, actor(), slug, sent)
    except Invalid as exc:
        for field, messages in (exc.errors or {}).items():
            errors.setdefault(_form_field(week, field), []).extend(
                gettext(m, **getattr(m, "params", {})) for m in messages)
        return _hours_page(slug, week, errors, error_text(exc), 422)
    flash(gettext("Opening hours saved."), "success")
    return redirect(url_for("admin.hours", slug=slug), 303)


def _form_field(week: dict, field: str) -> str:
    """The use case's field (`day-D-K-opens`: the K-th range it was given) as the form's
    (`day-D-I-opens`: the row the manager sees)."""
    parts = field.split("-")
    if len(parts) == 4 and parts[1].isdigit() and parts[2].isdigit():
        rows = week.get(int(parts[1]), {}).get("rows", [])
        if int(parts[2]) < len(rows):
            parts[2] = str(rows[int(parts[2])][0])
    return "-".join(parts)
