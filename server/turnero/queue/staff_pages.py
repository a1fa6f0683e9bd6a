"""The counter console: choose a counter, then serve from one screen. The page's
JavaScript acts through the JSON API (session cookie + X-CSRFToken) and follows
the branch over Socket.IO; the server computes everything it shows."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from ..web import current_lang, database, staff_pages
from . import read_models, services
from .rules import UNDO_WINDOW_S
from .staff_texts import console_texts

staff = Blueprint("staff", __name__, url_prefix="/staff")
staff_pages(staff)
staff.context_processor(lambda: {"texts": console_texts()})


@staff.get("/")
@login_required
def choose():
    with database().unit_of_work() as uow:
        branches = read_models.counters_to_choose(uow, current_user.actor, current_lang())
    return render_template("staff/choose.html", branches=branches)


@staff.get("/<branch>/<counter>")
@login_required
def console(branch, counter):
    lang = current_lang()
    # Managers (and admins) also stop and restart new turns to the branch's lines here,
    # and see today's low ratings (then each new one as it comes).
    manages = current_user.actor.role in ("admin", "manager")
    with database().unit_of_work() as uow:
        view = read_models.counter_desk(uow, branch, counter, current_user.actor, lang)
        low = services.low_ratings(uow, branch, current_user.actor) if manages else []
    config = {**view, "lang": lang, "csrf": generate_csrf(), "api": "/api/v1", "texts": console_texts(),
              "manages": manages, "low_ratings": low, "undo_seconds": UNDO_WINDOW_S,
              "whatsapp": current_app.config["TURNERO"].whatsapp_enabled}
    return render_template("staff/console.html", desk=view, config=config, manages=manages)
