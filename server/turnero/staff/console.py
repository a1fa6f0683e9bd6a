"""The counter console: choose a counter, then serve from one screen. The page's
JavaScript acts through the JSON API (session cookie + X-CSRFToken) and follows
the branch over Socket.IO; the server computes everything it shows."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import get_locale
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from ..services import desk
from .blueprints import staff
from .texts import console_texts


def _lang() -> str:
    locale = get_locale()
    return str(locale.language) if locale is not None else "es"


@staff.get("/")
@login_required
def choose():
    with current_app.extensions["turnero.db"].unit_of_work() as uow:
        branches = desk.counters_to_choose(uow, current_user.actor, _lang())
    return render_template("staff/choose.html", branches=branches)


@staff.get("/<branch>/<counter>")
@login_required
def console(branch, counter):
    lang = _lang()
    with current_app.extensions["turnero.db"].unit_of_work() as uow:
        view = desk.counter_desk(uow, branch, counter, current_user.actor, lang)
    config = {**view, "lang": lang, "csrf": generate_csrf(), "api": "/api/v1", "texts": console_texts()}
    return render_template("staff/console.html", desk=view, config=config)
