"""Pages. The phone, staff, lobby and admin pages come with their own issue; here
the start page that lists what the server offers."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from .services import queue

web = Blueprint("web", __name__)


@web.get("/")
def index():
    with current_app.extensions["turnero.db"].unit_of_work() as uow:
        branches = queue.list_branches(uow)
    return render_template("index.html", branches=branches)
