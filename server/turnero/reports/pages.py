"""The manager's reports page, /staff/reports (the staff console's session): a day,
week or month of the branch's figures as charts with their tables under them, the
latest comments, and the CSV downloads (the API's, which take the same session)."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import clock
from ..admin.services import visible_branches
from ..queue.lookups import find_branch
from ..queue.rules import local_day
from ..web import current_lang as page_lang
from ..web import database, staff_pages
from . import services

bp = Blueprint("reports_staff", __name__, url_prefix="/staff/reports")
staff_pages(bp)

PERIODS = ("day", "week", "month")
GROUPS = ("hour", "service", "channel", "counter", "agent")


def period_days(period: str, anchor: date) -> tuple[date, date]:
    """The day, the week (Monday to Sunday) or the month holding `anchor`."""
    if period == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=6)
    if period == "month":
        return anchor.replace(day=1), anchor.replace(day=calendar.monthrange(anchor.year, anchor.month)[1])
    return anchor, anchor


def step(period: str, first: date, forward: bool) -> date:
    """The anchor of the period before or after the one starting on `first`."""
    if period == "month":
        if forward:
            return (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return (first - timedelta(days=1)).replace(day=1)
    days = 7 if period == "week" else 1
    return first + timedelta(days=days if forward else -days)


def _anchor(text: str | None, today: date) -> date:
    try:
        return date.fromisoformat(text) if text else today
    except ValueError:
        return today


@bp.get("")
@login_required
def home():
    actor = current_user.actor
    actor.require_manager()
    with database().unit_of_work() as uow:
        branches = visible_branches(uow, actor)
    if len(branches) == 1:
        return redirect(url_for("reports_staff.branch", branch=branches[0]["slug"]))
    return render_template("reports/choose.html", branches=branches)


@bp.get("/<branch>")
@login_required
def branch(branch):
    actor, lang = current_user.actor, page_lang()
    period = request.args.get("period") if request.args.get("period") in PERIODS else "day"
    with database().unit_of_work() as uow:
        found = find_branch(uow.session, branch)
        actor.require_manager(found)
        shown = {"slug": found.slug, "name": found.name}
        today = local_day(clock.utcnow(), found.timezone)
        first, last = period_days(period, _anchor(request.args.get("date"), today))
        figures = services.stats_by(uow, branch, actor, GROUPS, first=first, last=last, lang=lang,
                                    now=clock.utcnow())
        said = services.comments(uow, branch, actor, first=first, last=last, lang=lang, now=clock.utcnow())
        # Staffing for the day shown (a day), else for today.
        plan = services.staffing(uow, branch, actor, day=first if period == "day" else today, now=clock.utcnow())
        now = services.right_now(uow, branch, actor, lang=lang, now=clock.utcnow())
    nav = {"prev": step(period, first, False).isoformat(), "next": step(period, first, True).isoformat(),
           "has_next": first + timedelta(days=1) <= today and last < today}
    return render_template("reports/branch.html", branch=shown,
                           period=period, periods=PERIODS, first=first, last=last, today=today,
                           total=figures["hour"]["total"], figures=figures, comments=said, nav=nav, plan=plan,
                           target=figures["hour"]["target_wait_min"], now=now)
