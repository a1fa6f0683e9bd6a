"""/dev/phone: text and call the server as a phone would, without a Twilio account.

Only with the console backend on a development machine, or in debug (see
settings.py, TURNERO_DEV_PHONE). What is sent goes through the very
same use cases as the Twilio webhooks (`services.receive_text`, `calls.answer_call`);
the page shows the replies and the notifications the outbox holds for the number.
"""
from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from apiflask import APIBlueprint
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext

from ..customers import normalize_phone
from ..errors import N_, DomainError
from ..metrics import from_this_machine
from ..queue import services as queue
from ..queue.lookups import find_branch
from ..web import current_lang
from . import calls, read_models, services
from .settings import settings

devphone = APIBlueprint("devphone", __name__, url_prefix="/dev/phone", enable_openapi=False)

DEFAULT_NUMBER = "+525512345678"
QUICK = {"es": ["TURNO", "ESTADO", "CANCELAR", "AYUDA", "LLEGUE", "STOP", "START"],
         "en": ["JOIN", "STATUS", "CANCEL", "HELP", "HERE", "STOP", "START"]}




@devphone.before_request
def only_in_development():
    """Only when asked for (TURNERO_DEV_PHONE=1, console backend), and only for a browser
    on this machine: it shows and sends any number's messages."""
    if not settings().dev_phone or not from_this_machine():
        abort(404)


def _db():
    return current_app.extensions["turnero.db"]


def _params(source) -> dict:
    return {"number": (source.get("number") or DEFAULT_NUMBER).strip()[:32],
            "branch": (source.get("branch") or settings().default_branch).strip()[:40],
            "channel": "whatsapp" if source.get("channel") == "whatsapp" else "sms"}


@devphone.get("")
def phone():
    params = _params(request.args)
    cfg = settings()
    with _db().unit_of_work() as uow:
        branches = queue.list_branches(uow)
        branch = next((b for b in branches if b["slug"] == params["branch"]), branches[0] if branches else None)
        problem, phone_e164, items, numbers = None, params["number"], [], read_models.recent_numbers(uow.session)
        if branch is not None:
            try:
                found = find_branch(uow.session, branch["slug"])
                phone_e164 = normalize_phone(params["number"], found.country)
            except DomainError:
                problem = gettext("Not a valid phone number.")
            items = read_models.conversation(uow.session, phone_e164)
    zone = ZoneInfo(branch["timezone"]) if branch else ZoneInfo("UTC")
    for item in items:
        item["local"] = _local_time(item["at"], zone)
    call = {"step": request.args.get("call_step"), "tries": request.args.get("tries", "0")}
    return render_template("messaging/phone.html", params=params, branches=branches, branch=branch,
                           items=items, phone=phone_e164, problem=problem, numbers=numbers, call=call,
                           branch_number=cfg.number_of(branch["slug"]) if branch else "",
                           quick=QUICK.get(current_lang(), QUICK["es"]))


@devphone.post("")
def text():
    params = _params(request.form)
    body = (request.form.get("body") or "").strip()
    if body:
        services.receive_text(current_app._get_current_object(), params["branch"], params["number"],
                             settings().number_of(params["branch"]), body, params["channel"],
                             sid="SMdev" + secrets.token_hex(14))
    return redirect(url_for("devphone.phone", lang=request.args.get("lang"), **params) + "#end")


@devphone.post("/call")
def call():
    params = _params(request.form)
    step = request.form.get("step", "")
    step = step if step in ("menu", "repeat", "link", "checkin") else ""
    digits = (request.form.get("digits") or "")[:1]
    try:
        tries = int(request.form.get("tries") or 0)
    except ValueError:
        tries = 0
    reply = calls.answer_call(current_app._get_current_object(), params["branch"], params["number"],
                              settings().number_of(params["branch"]), step=step, digits=digits,
                              tries=tries, call_sid="CAdev" + secrets.token_hex(14))
    keys = reply.waits_for  # where the call goes on a key press
    extra = {"call_step": keys.step or "start", "tries": str(keys.tries)} if keys else {}
    return redirect(url_for("devphone.phone", lang=request.args.get("lang"), **params, **extra) + "#end")


def _local_time(at: str | None, zone: ZoneInfo) -> str:
    if not at:
        return ""
    moment = datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(zone).strftime("%H:%M:%S")


KIND_LABELS = {"confirm": N_("confirmation"), "near": N_("turn near"), "called": N_("your turn"),
               "recall": N_("called again"), "feedback_request": N_("rating request"),
               "expired": N_("turn expired")}
STATUS_LABELS = {"queued": N_("queued"), "sending": N_("sending"), "sent": N_("sent"),
                 "delivered": N_("delivered"), "failed": N_("failed")}


@devphone.context_processor
def _labels():
    return {"kind_label": lambda kind: gettext(KIND_LABELS[kind]) if kind in KIND_LABELS else kind,
            "status_label": lambda status: gettext(STATUS_LABELS[status]) if status in STATUS_LABELS else status}
