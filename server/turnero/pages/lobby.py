"""The lobby screen in a browser (`/b/<branch>/display`): the call being made, the
last calls, the waits per service, the join QR code and the clock. Codes only: the
branch's room never carries names or phone numbers."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import render_template, url_for
from flask_babel import format_date, format_time

from ..qr import svg_response
from ..services import queue
from . import web
from .common import database, page_lang, service_palette


RECENT_SHOWN = 6


def distinct_calls(calls: list[dict]) -> list[dict]:
    """The calls as the screen lists them: newest first, each code once (a recall
    moves the code back to the top instead of listing it twice)."""
    seen: set[str] = set()
    out = []
    for call in calls:
        if call["code"] not in seen:
            seen.add(call["code"])
            out.append(call)
    return out


def join_url(branch: str) -> str:
    """The link the join QR code opens (the public URL, as phones reach the server)."""
    return database().public_url + url_for("web.join", branch=branch)


@web.get("/b/<branch>/display")
def display(branch):
    with database().unit_of_work() as uow:
        detail = queue.get_branch(uow, branch, page_lang())
    now = datetime.now(ZoneInfo(detail["timezone"]))
    return render_template("public/display.html", branch=detail, join_url=join_url(branch),
                           palette=service_palette(detail["services"]),
                           calls=distinct_calls(detail["recent_calls"])[:RECENT_SHOWN + 1],
                           clock=format_time(now, "HH:mm", rebase=False),
                           today=format_date(now.date(), "full"))


@web.get("/b/<branch>/join-qr.svg")
def join_qr(branch):
    with database().unit_of_work() as uow:
        queue.find_branch(uow.session, branch)
    return svg_response(join_url(branch))
