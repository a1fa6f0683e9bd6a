"""The queue's pages: the start page, the customer's pages on a phone (take a turn
at `/b/<branch>/join`, follow it at `/t/<token>`: cancel, SMS updates, rating) and the
lobby screen (`/b/<branch>/display`). Rendered on the server and working without
JavaScript; small scripts under static/js add live updates over Socket.IO. Forms post
here and redirect back; their field errors come from the use cases themselves."""
from __future__ import annotations

import logging
import re
import secrets
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale, format_date, format_time, gettext, ngettext

from .. import clock
from ..access.limits import join_limits, phone_change_limits, retry_minutes, ticket_action_limits
from ..access.services import ANONYMOUS
from ..errors import N_, DomainError, Invalid, NotFound
from ..qr import svg_response
from ..web import current_lang as page_lang
from ..web import database, error_text, field_errors, public_pages, service_palette, speak_holders_language
from . import services as queue
from . import texts
from . import lobby
from .rules import MAX_COMMENT, MAX_NAME, MAX_PHONE, notify_choice

log = logging.getLogger(__name__)
web = Blueprint("web", __name__)
public_pages(web)
for _function in (texts.status_label, texts.eta_text, texts.ahead_text, texts.waiting_text, texts.call_text,
                  texts.script_strings, texts.joining_note, texts.wait_estimate):
    web.add_app_template_global(_function)

TOO_LONG = N_("This is too long.")
LIMITS = {"name": MAX_NAME, "phone": MAX_PHONE, "comment": MAX_COMMENT}


# ---------------------------------------------------------------- the start page

@web.get("/")
def index():
    """A branch finder: each branch's hours today, its lines now, and a turn or an appointment."""
    with database().unit_of_work() as uow:
        branches = queue.branch_directory(uow, page_lang())
    for branch in branches:
        branch["hours_text"] = " · ".join(
            f"{format_time(opens, 'short', rebase=False)}–{format_time(closes, 'short', rebase=False)}"
            for opens, closes in branch["hours"])
    return render_template("index.html", branches=branches)


def _check_lengths(values: dict) -> dict[str, list[str]]:
    return {field: [gettext(TOO_LONG)] for field, limit in LIMITS.items()
            if values.get(field) and len(values[field]) > limit}


def _text(name: str) -> str:
    return (request.form.get(name) or "").strip()


# ---------------------------------------------------------------- take a turn

@web.get("/b/<branch>/join")
def join(branch):
    return _join_page(branch, {"key": secrets.token_urlsafe(16)})


def _join_values() -> dict:
    return {"service": _text("service"), "name": _text("name"), "phone": _text("phone"), "key": _text("key")[:128],
            "notify_by": _notify_by()}


def _notify_by() -> str | None:
    """The channel chosen on a form, when the server can send by it."""
    return notify_choice(_text("notify_by"), current_app.config["TURNERO"].whatsapp_enabled)


def _too_many_joins(limit):
    """The form again, as filled, saying why the turn was not taken and what to do."""
    log.info("join refused by a rate limit on %s", request.path)
    problem = ngettext("Too many turns were taken from this connection or for this phone. Try again in %(num)d "
                       "minute, or take one at the branch's kiosk.",
                       "Too many turns were taken from this connection or for this phone. Try again in %(num)d "
                       "minutes, or take one at the branch's kiosk.", retry_minutes(limit))
    return make_response(_join_page(request.view_args["branch"], _join_values(), problem=problem, status=429))


@web.post("/b/<branch>/join")
@join_limits(on_breach=_too_many_joins)
def join_post(branch):
    values = _join_values()
    errors = _check_lengths(values)
    if not values["service"]:
        errors["service"] = [gettext("Choose a service.")]
    if errors:
        return _join_page(branch, values, errors)
    try:
        with database().unit_of_work(write=True) as uow:
            ticket = queue.take_ticket(
                uow, branch, service=values["service"], actor=ANONYMOUS, phone=values["phone"] or None,
                name=values["name"] or None, lang=page_lang(), notify_by=values["notify_by"],
                idempotency_key=_idempotency_key(values)).ticket
    except DomainError as exc:
        if not exc.errors and isinstance(exc, NotFound):
            raise  # the branch itself: the friendly 404
        message = None if exc.errors else error_text(exc)
        return _join_page(branch, values, field_errors(exc), message)
    return redirect(url_for("web.track", token=ticket.token), 303)


def _idempotency_key(values: dict) -> str | None:
    """The form's one-time key plus what was chosen: pressing "send" twice (or going
    back and sending the same form) gives the same ticket, while going back and
    choosing something else takes a new one."""
    if not values["key"]:
        return None
    return values["key"][:64] + "." + queue.fingerprint(
        {k: values[k] for k in ("service", "name", "phone", "notify_by")})[:32]


def _join_page(branch: str, values: dict, errors: dict | None = None, problem: str | None = None,
               status: int | None = None):
    with database().unit_of_work() as uow:
        detail = queue.get_branch(uow, branch, page_lang())
    services = detail["services"]
    if not values.get("service") and len(services) == 1:
        values["service"] = services[0]["id"]
    status = status or (422 if (errors or problem) else 200)
    errors = dict(errors or {})
    elsewhere = [m for field in set(errors) - {"service", "name", "phone"} for m in errors.pop(field)]
    if elsewhere:  # a field the form does not show: said at the top
        problem = " ".join(elsewhere)
    missing = texts.setup_missing(detail)
    if missing:  # a branch being set up: no form that cannot work, nor an error over it
        errors, problem = {}, None
    return render_template("public/join.html", branch=detail, services=services, values=values,
                           errors=errors, problem=problem, missing=missing,
                           whatsapp=current_app.config["TURNERO"].whatsapp_enabled), status


# ---------------------------------------------------------------- follow a turn

# (On the app, not the blueprint: APIFlask's OpenAPI reads every blueprint's
# before-request hooks as an API blueprint's.)
@web.before_app_request
def _holders_language():
    """Every page and answer of a ticket's own address (/t/TOKEN...) speaks the
    language the ticket was taken in, unless this browser chose one."""
    token = (request.view_args or {}).get("token")
    if token and request.blueprint == web.name and request.path.startswith("/t/"):
        with database().unit_of_work() as uow:
            speak_holders_language(queue.ticket_lang(uow, token))


@web.get("/t/<token>")
def track(token):
    response = make_response(_track_page(token))
    _remember_turn(response, token)
    return response


# The phone keeps its latest turns' links (its own cookie, never sent elsewhere) so
# that scanning the branch's "I'm here" code at the door finds them.
TURNS_COOKIE = "turnero_turns"
TURNS_KEPT = 4
TURN_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _remembered_turns() -> list[str]:
    raw = request.cookies.get(TURNS_COOKIE, "")[:TURNS_KEPT * 65]
    return [t for t in raw.split(".") if TURN_TOKEN.fullmatch(t)][:TURNS_KEPT]


def _remember_turn(response, token: str) -> None:
    tokens = [token] + [t for t in _remembered_turns() if t != token]
    response.set_cookie(TURNS_COOKIE, ".".join(tokens[:TURNS_KEPT]), max_age=2 * 24 * 3600, path="/",
                        secure=request.is_secure, httponly=True, samesite="Lax")


def _track_page(token: str, errors: dict | None = None, values: dict | None = None, status: int = 200):
    with database().unit_of_work() as uow:
        ticket = queue.get_ticket(uow, token)
        branch = queue.get_branch(uow, ticket.branch, page_lang())
        feedback = queue.get_feedback(uow, token) if ticket.status == "done" else None
        alerts = queue.alert_phone(uow, token)
    service = next((s for s in branch["services"] if s["id"] == ticket.service), None)
    # The page's address is its holder's secret: no copy is kept anywhere on the way.
    return render_template("public/track.html", ticket=ticket, token=token, branch=branch,
                           service=service, feedback=feedback, errors=errors or {}, alerts=alerts,
                           whatsapp=current_app.config["TURNERO"].whatsapp_enabled,
                           palette=service_palette(branch["services"]),
                           values=values or {}), status, {"Cache-Control": "no-store"}


@web.get("/t/<token>/cancel")
def cancel_confirm(token):
    """Without JavaScript the cancel button leads here: a confirmation step."""
    with database().unit_of_work() as uow:
        ticket = queue.get_ticket(uow, token)
        branch = queue.get_branch(uow, ticket.branch, page_lang())
    if ticket.status not in ("waiting", "called"):
        return redirect(url_for("web.track", token=token), 303)
    return render_template("public/cancel.html", ticket=ticket, token=token, branch=branch)


@web.post("/t/<token>/cancel")
def cancel(token):
    return _change(token, lambda uow: queue.cancel(uow, token, ANONYMOUS), gettext("Your turn is cancelled."))


def _too_many_actions(limit):
    log.info("ticket action refused by a rate limit on %s", request.path)
    flash(gettext("Too many attempts; wait a minute and try again."), "error")
    return redirect(url_for("web.track", token=request.view_args["token"]), 303)


@web.post("/t/<token>/let-pass")
@ticket_action_limits(on_breach=_too_many_actions)
def let_pass(token):
    places = _text("places")
    return _change(token, lambda uow: queue.let_pass(uow, token, int(places) if places.isdigit() else 0, ANONYMOUS),
                   gettext("Done: you let people pass. Your new place is below."))


@web.post("/t/<token>/arrived")
@ticket_action_limits(on_breach=_too_many_actions)
def arrived(token):
    return _change(token, lambda uow: queue.arrive(uow, token, ANONYMOUS),
                   gettext("Thank you: you will be called when it is your turn."))


def _too_many_phones(limit):
    log.info("phone change refused by a rate limit on %s", request.path)
    flash(gettext("Too many attempts; wait a minute and try again."), "error")
    return redirect(url_for("web.track", token=request.view_args["token"]), 303)


@web.post("/t/<token>/phone")
@phone_change_limits(on_breach=_too_many_phones)
def add_phone(token):
    values = {"phone": _text("phone"), "notify_by": _notify_by()}
    errors = _check_lengths(values)
    if not values["phone"]:
        errors["phone"] = [gettext("Write your phone number.")]
    limit = current_app.config["TURNERO"].PHONE_CHANGES_PER_TICKET
    done = gettext("Done: we will send you a WhatsApp message when your turn is near.") \
        if values["notify_by"] == "whatsapp" else gettext("Done: we will send you a text message when your turn is near.")
    return _change(token, lambda uow: queue.set_ticket_phone(uow, token, values["phone"], ANONYMOUS, max_changes=limit,
                                                             notify_by=values["notify_by"]),
                   done, values, errors)


@web.post("/t/<token>/notify-by")
@ticket_action_limits(on_breach=_too_many_actions)
def notify_by(token):
    chosen = _notify_by()
    if chosen is None:
        flash(gettext("Choose SMS or WhatsApp."), "error")
        return redirect(url_for("web.track", token=token), 303)
    done = gettext("Done: your alerts now come by WhatsApp.") if chosen == "whatsapp" \
        else gettext("Done: your alerts now come by text message (SMS).")
    return _change(token, lambda uow: queue.set_alert_channel(uow, token, chosen, ANONYMOUS), done)


@web.post("/t/<token>/feedback")
def feedback(token):
    values = {"score": _text("score"), "comment": _text("comment")}
    errors = _check_lengths(values)
    if values["score"] not in SCORES:
        errors["score"] = [gettext("The score goes from 1 to 5.")]
    return _change(token, lambda uow: queue.give_feedback(uow, token, int(values["score"]),
                                                          values["comment"] or None, channel="web"),
                   gettext("Thank you for your rating!"), values, errors)


SCORES = {"1", "2", "3", "4", "5"}


def _change(token: str, use_case, done: str, values: dict | None = None, errors: dict | None = None):
    """Run one use case for the ticket's holder, then back to the ticket's page: field
    errors are shown next to their fields (422), a refusal (too late to cancel,
    already rated...) as a message at the top."""
    if errors:
        return _track_page(token, errors, values, 422)
    try:
        with database().unit_of_work(write=True) as uow:
            use_case(uow)
    except NotFound:
        raise  # a wrong link: the friendly 404
    except Invalid as exc:
        return _track_page(token, field_errors(exc), values, 422)
    except DomainError as exc:
        flash(error_text(exc), "error")
    else:
        flash(done, "ok")
    return redirect(url_for("web.track", token=token), 303)


# ---------------------------------------------------------------- the lobby screen

def join_url(branch: str) -> str:
    """The link the join QR code opens (the public URL, as phones reach the server)."""
    return database().public_url + url_for("web.join", branch=branch)


@web.get("/b/<branch>/display")
def display(branch):
    """Codes only: the branch's room never carries names or phone numbers. A TV in kiosk
    mode (`?tv=1` or `?kiosk=1`) shows and says the branch's language, as the display
    app does, unless its address asks for another (`&lang=en`)."""
    tv = request.args.get("tv") == "1" or request.args.get("kiosk") == "1"
    lang = page_lang()
    with database().unit_of_work() as uow:
        detail = queue.get_branch(uow, branch, lang)
        if tv and not request.args.get("lang") and detail["lang"] != lang:
            lang = detail["lang"]
            detail = queue.get_branch(uow, branch, lang)
    utc = clock.utcnow()
    now = utc.astimezone(ZoneInfo(detail["timezone"]))
    calling, recent = lobby.split_calls(detail["recent_calls"], utc)
    with force_locale(lang):
        return render_template("public/display.html", branch=detail, join_url=join_url(branch),
                               palette=service_palette(detail["services"]), calling=calling, recent=recent,
                               lit=lobby.lit(calling[0] if calling else None, utc),
                               tv=tv, server_now=utc.isoformat().replace("+00:00", "Z"),
                               highlight_seconds=lobby.HIGHLIGHT_SECONDS, max_now=lobby.MAX_NOW,
                               clock=format_time(now, "HH:mm", rebase=False),
                               today=format_date(now.date(), "full"))


# ---------------------------------------------------------------- at the door

def here_url(branch: str) -> str:
    return database().public_url + url_for("web.here", branch=branch)


@web.get("/b/<branch>/here")
def here(branch):
    """The page the code at the branch's door opens: this phone's turns at the branch
    today, each with its "I'm here" (a button: opening a page changes nothing)."""
    with database().unit_of_work() as uow:
        detail = queue.get_branch(uow, branch, page_lang())
        turns = queue.active_turns(uow, detail["slug"], _remembered_turns())
    return render_template("public/here.html", branch=detail, turns=turns), 200, {"Cache-Control": "no-store"}


@web.get("/b/<branch>/poster")
def poster(branch):
    """A sheet to print for the door: the code to take a turn and, with remote
    check-in, the code to say "I'm here"."""
    with database().unit_of_work() as uow:
        detail = queue.get_branch(uow, branch, page_lang())
    return render_template("public/poster.html", branch=detail, join_url=join_url(branch), here_url=here_url(branch))


@web.get("/b/<branch>/here-qr.svg")
def here_qr(branch):
    with database().unit_of_work() as uow:
        queue.find_branch(uow.session, branch)
    return svg_response(here_url(branch))


@web.get("/b/<branch>/logo")
def logo(branch):
    """The branch's logo (a checked PNG or JPEG, admin/services), cached for good at its
    version's address; served so that no browser would take it for anything else."""
    with database().unit_of_work() as uow:
        found = queue.get_logo(uow, branch)
    if found is None:
        raise NotFound(N_("This branch has no logo."))
    data, media_type, version = found
    response = make_response(data)
    response.headers.update({
        "Content-Type": media_type, "X-Content-Type-Options": "nosniff", "Content-Disposition": "inline",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        "Cache-Control": ("public, max-age=31536000, immutable" if request.args.get("v") == version
                          else "public, max-age=300"),
    })
    response.set_etag(version)
    return response.make_conditional(request)


@web.get("/b/<branch>/join-qr.svg")
def join_qr(branch):
    with database().unit_of_work() as uow:
        queue.find_branch(uow.session, branch)
    return svg_response(join_url(branch))
