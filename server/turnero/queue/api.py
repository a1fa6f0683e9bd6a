"""REST endpoints of the queue under /api/v1 (CONTRACT.md). Each one parses its input,
calls one use case in one unit of work, and returns what it returned."""
from __future__ import annotations

from datetime import datetime, timezone

from apiflask import APIBlueprint
from flask import current_app, request
from flask_limiter.errors import RateLimitExceeded

from ..access.limits import join_limits, phone_change_limits, ticket_action_limits
from ..access.requests import BEARER, request_actor
from ..errors import N_, Invalid
from ..qr import svg_response
from ..web import current_lang, database, json_rate_limited, require_uuid
from . import counters, day
from . import services as queue
from . import undo as undo_case
from .lookups import NO_TICKET
from .rules import Action
from .schemas import (BranchOut, BranchSummary, CallIn, EventOut, FeedbackIn, FeedbackOut, JoiningIn,
                      LetPassIn, LineJoiningOut, NotifyByIn, PauseIn, PhoneIn, PriorityIn, StaffCounterOut, StaffTicketOut, TicketIn,
                      TicketOut, TicketQuery, TransferIn, UndoIn, UndoOut, NoShowOut)

api = APIBlueprint("api", __name__, url_prefix="/api/v1")
api.register_error_handler(RateLimitExceeded, json_rate_limited)


def check_uuid(ticket_id: str) -> str:
    return require_uuid(ticket_id, NO_TICKET)


# ---------------------------------------------------------------- public

@api.get("/branches")
@api.output(BranchSummary(many=True))
@api.doc(summary="List branches", tags=["Branches"])
def list_branches():
    with database().unit_of_work() as uow:
        return queue.list_branches(uow)


@api.get("/branches/<branch>")
@api.output(BranchOut)
@api.doc(summary="A branch with its services (waiting, eta), counters and recent calls", tags=["Branches"],
         responses=[404])
def get_branch(branch):
    with database().unit_of_work() as uow:
        detail = queue.get_branch(uow, branch, request.args.get("lang") or None)
    return {**detail, "whatsapp": current_app.config["TURNERO"].whatsapp_enabled}


@api.post("/branches/<branch>/tickets")
@join_limits
@api.input(TicketIn, arg_name="body")
@api.output(TicketOut, status_code=201)
@api.doc(summary="Take a turn", tags=["Tickets"], responses=[403, 404, 409, 413, 422, 429, 503],
         description="Send an `Idempotency-Key` header so that a retry returns the same ticket "
                     "(201 again, with `Idempotent-Replayed: true`) instead of a second one. A kiosk device "
                     "token makes the channel `kiosk`; staff may set `channel`. `priority` counts only from "
                     "a kiosk or staff. Without a token, turns are limited per client address "
                     "(`TURNERO_JOIN_RATE_LIMIT`) and per phone number (`TURNERO_JOIN_PHONE_RATE_LIMIT`): "
                     "429 with `Retry-After` past them. A line that takes no new turns answers 409 with "
                     "`joining`: `paused` (its manager stopped it; the message in `detail`, `until`) or "
                     "`closed` (outside the branch's hours for walk-ins; `opens_at`, UTC, says when it opens "
                     "next). Staff and a checking-in appointment are not stopped by either.")
def take_ticket(branch, body):
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 128):
        raise Invalid(N_("The Idempotency-Key must have 1 to 128 characters."),
                      errors={"Idempotency-Key": [N_("The Idempotency-Key must have 1 to 128 characters.")]})
    with database().unit_of_work(write=True) as uow:
        who = request_actor(uow)
        taken = queue.take_ticket(
            uow, branch, actor=who, idempotency_key=key, lang=body.get("lang") or current_lang(),
            service=body["service"], phone=body.get("phone") or None, name=body.get("name"),
            priority=body.get("priority", False), priority_class=body.get("priority_class"),
            channel=body.get("channel"), notify_by=body.get("notify_by"))
    if taken.created:
        return taken.ticket, 201
    # A replay answers exactly as the first time, and says it is one.
    return taken.ticket, 201, {"Idempotent-Replayed": "true"}


@api.get("/tickets/<token>")
@api.output(TicketOut)
@api.doc(summary="Follow a ticket by its token", tags=["Tickets"], responses=[404])
def get_ticket(token):
    with database().unit_of_work() as uow:
        return queue.get_ticket(uow, token)


@api.post("/tickets/<token>/cancel")
@api.output(TicketOut)
@api.doc(summary="Cancel a ticket (its holder, or staff for them)", tags=["Tickets"], responses=[404, 409])
def cancel_ticket(token):
    with database().unit_of_work(write=True) as uow:
        return queue.cancel(uow, token, request_actor(uow))


@api.post("/tickets/<token>/let-pass")
@ticket_action_limits
@api.input(LetPassIn, arg_name="body")
@api.output(TicketOut)
@api.doc(summary="Running late: let people pass (the holder)", tags=["Tickets"], responses=[404, 409, 422, 429],
         description="The ticket moves back behind `places` people of its line (fewer at its end); everyone "
                     "else keeps their order. Twice at most (`late_moves`); 409 when no one is behind.")
def let_pass(token, body):
    with database().unit_of_work(write=True) as uow:
        return queue.let_pass(uow, token, body["places"], request_actor(uow))


@api.post("/tickets/<token>/arrived")
@ticket_action_limits
@api.output(TicketOut)
@api.doc(summary="\"I'm here\": the holder arrived at the branch", tags=["Tickets"], responses=[404, 409, 429],
         description="At a branch with `remote_check_in`, a remote turn (web, SMS, WhatsApp, voice) is called "
                     "only once its holder arrived; it keeps its place meanwhile. Saying it twice changes nothing.")
def arrived(token):
    with database().unit_of_work(write=True) as uow:
        return queue.arrive(uow, token, request_actor(uow))


@api.post("/tickets/<token>/feedback")
@api.input(FeedbackIn, arg_name="body")
@api.output(FeedbackOut, status_code=201)
@api.doc(summary="Rate the visit, 1 to 5", tags=["Tickets"], responses=[404, 409, 422])
def feedback(token, body):
    with database().unit_of_work(write=True) as uow:
        return queue.give_feedback(uow, token, body["score"], body.get("comment"))


@api.get("/tickets/<token>/qr.svg")
@api.doc(summary="QR code of the ticket's tracking link (SVG)", tags=["Tickets"], responses=[404])
def ticket_qr(token):
    with database().unit_of_work() as uow:
        ticket = queue.get_ticket(uow, token)
    return svg_response(ticket.track_url)


# ---------------------------------------------------------------- staff

def _staff_operation(path: str, endpoint: str, summary: str, output, responses: list[int], handler) -> None:
    """Register one staff operation whose view only hands its path's values to
    `handler(uow, actor, **values)` in a unit of work."""
    def view(**values):
        with database().unit_of_work(write=True) as uow:
            return handler(uow, request_actor(uow), **values)
    view.__name__ = endpoint
    api.post(path)(api.output(output)(api.doc(summary=summary, tags=["Staff"], responses=responses, **BEARER)(view)))


COUNTER_STATES = (("open", "open", "Open a counter (its agent: who opens it)"), ("close", "closed", "Close a counter"))
for _verb, _state, _summary in COUNTER_STATES:
    _staff_operation(f"/branches/<branch>/counters/<counter>/{_verb}", f"{_verb}_counter", _summary, StaffCounterOut,
                     [401, 403, 404], lambda uow, who, branch, counter, state=_state:
                     counters.set_counter_state(uow, branch, counter, state, who))


@api.post("/branches/<branch>/counters/<counter>/pause")
@api.input(PauseIn, arg_name="body")
@api.output(StaffCounterOut)
@api.doc(summary="Pause a counter, saying why (no one is called there)", tags=["Staff"],
         description="The body is optional: `{\"reason\": \"break\" | \"lunch\" | \"back_office\" | text}`. "
                     "Pausing again with another reason changes the reason. Entered in the audit log.",
         responses=[401, 403, 404, 422], **BEARER)
def pause_counter(branch, counter, body):
    with database().unit_of_work(write=True) as uow:
        return counters.set_counter_state(uow, branch, counter, "paused", request_actor(uow), reason=body.get("reason"))


@api.get("/branches/<branch>/counters")
@api.output(StaffCounterOut(many=True))
@api.doc(summary="The branch's counters: state, why paused, who opened each and since when (staff)",
         tags=["Staff"], responses=[401, 403, 404], **BEARER)
def branch_counters(branch):
    with database().unit_of_work() as uow:
        return counters.list_counters(uow, branch, request_actor(uow))


def _until(text: str | None):
    """A request's end time, ISO 8601: with an offset, that instant (aware UTC); without
    one, a wall time of the branch (naive, the use case places it in the branch's zone)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        return moment.astimezone(timezone.utc) if moment.tzinfo is not None else moment
    except (ValueError, OverflowError):
        raise Invalid(N_("Give the time in ISO 8601, like 2026-12-02T14:00."),
                      errors={"until": [N_("Give the time in ISO 8601, like 2026-12-02T14:00.")]}) from None


_JOINING_DOC = dict(description="Those already waiting are still served. A paused line answers every "
                                "door's join with 409 and the message; it reopens by itself at `until`. "
                                "Managers and admins; entered in the audit log.",
                    tags=["Staff"], responses=[401, 403, 404, 409, 422], **BEARER)


@api.post("/branches/<branch>/services/<service>/joining")
@api.input(JoiningIn, arg_name="body")
@api.output(LineJoiningOut(many=True))
@api.doc(summary="Stop or restart new turns to one line", **_JOINING_DOC)
def service_joining(branch, service, body):
    until = _until(body.get("until"))
    with database().unit_of_work(write=True) as uow:
        return day.set_joining(uow, branch, service, open=body["open"], message=body.get("message"), until=until,
                               actor=request_actor(uow))


@api.post("/branches/<branch>/joining")
@api.input(JoiningIn, arg_name="body")
@api.output(LineJoiningOut(many=True))
@api.doc(summary="Stop or restart new turns to every line of the branch", **_JOINING_DOC)
def branch_joining(branch, body):
    until = _until(body.get("until"))
    with database().unit_of_work(write=True) as uow:
        return day.set_joining(uow, branch, None, open=body["open"], message=body.get("message"), until=until,
                               actor=request_actor(uow))


@api.post("/branches/<branch>/counters/<counter>/call-next")
@api.output(TicketOut)
@api.doc(summary="Claim the next ticket for this counter (204 when no one waits)", tags=["Staff"],
         responses=[204, 401, 403, 404, 409], **BEARER)
def call_next(branch, counter):
    with database().unit_of_work(write=True) as uow:
        ticket = counters.call_next(uow, branch, counter, request_actor(uow))
    if ticket is None:
        return "", 204
    return ticket


@api.post("/branches/<branch>/counters/<counter>/call")
@api.input(CallIn, arg_name="body")
@api.output(TicketOut)
@api.doc(summary="Call one chosen waiting ticket out of turn, saying why", tags=["Staff"],
         description="Any waiting ticket of a service the counter serves (not one sent to another counter). "
                     "The reason is kept in the ticket's log with who called. The same guarantees as "
                     "call-next: no ticket is called by two counters; what the counter still had called or in "
                     "service is finished first.",
         responses=[401, 403, 404, 409, 422], **BEARER)
def call_ticket(branch, counter, body):
    ticket_id = check_uuid(body["ticket"])
    with database().unit_of_work(write=True) as uow:
        return counters.call_ticket(uow, branch, counter, ticket_id, body["reason"], request_actor(uow))


TICKET_ACTIONS = (
    ("recall", Action.RECALL, "Call the ticket again"),
    ("start", Action.START, "Start serving the ticket"),
    ("done", Action.DONE, "Finish the visit"),
    ("no-show", Action.NO_SHOW, "The customer did not come"),
    ("requeue", Action.REQUEUE, "Put a called or no-show ticket back in line, in its original place"),
)
for _verb, _action, _summary in TICKET_ACTIONS:
    _staff_operation(f"/tickets/<ticket_id>/{_verb}", _action.value, _summary, TicketOut, [401, 403, 404, 409],
                     lambda uow, who, ticket_id, action=_action: queue.act(uow, check_uuid(ticket_id), action, who))


@api.post("/tickets/<ticket_id>/undo")
@api.input(UndoIn, arg_name="body")
@api.output(UndoOut)
@api.doc(summary="Undo a finish or a no-show just done (and the call that came with it)", tags=["Staff"],
         description="Within 10 seconds (the server allows a few more), by the agent who did it: the ticket is at "
                     "its counter again as it was (called, or being served), and the ticket that \"Call next\" "
                     "called in the same action goes back in line at its place, keeping its code. The log keeps "
                     "an `undone` event for each; every screen is told. 409 when it is too late, when someone else "
                     "did it (at `counter`, when the body names it), or when the counter has moved on since.",
         responses=[401, 403, 404, 409, 422], **BEARER)
def undo(ticket_id, body):
    check_uuid(ticket_id)
    with database().unit_of_work(write=True) as uow:
        return undo_case.undo(uow, ticket_id, request_actor(uow), counter=body.get("counter")).to_json()


@api.get("/branches/<branch>/no-shows")
@api.output(NoShowOut(many=True))
@api.doc(summary="Today's no-shows that may still go back to the line (staff)", tags=["Staff"],
         description="Newest first, each with `back_until` (the branch's `no_show_return_min` after it was marked). "
                     "`POST /tickets/{id}/requeue` puts one back at its place in time.",
         responses=[401, 403, 404], **BEARER)
def recent_no_shows(branch):
    with database().unit_of_work() as uow:
        return [n.to_json() for n in undo_case.recent_no_shows(uow, branch, request_actor(uow))]


@api.post("/tickets/<ticket_id>/transfer")
@api.input(TransferIn, arg_name="body")
@api.output(TicketOut)
@api.doc(summary="Move the ticket to another service or counter, keeping its place in time",
         tags=["Staff"], responses=[401, 403, 404, 409, 422], **BEARER)
def transfer(ticket_id, body):
    check_uuid(ticket_id)
    with database().unit_of_work(write=True) as uow:
        return queue.transfer(uow, ticket_id, request_actor(uow), service=body.get("service"),
                              counter=body.get("counter"))


@api.post("/tickets/<ticket_id>/priority")
@api.input(PriorityIn, arg_name="body")
@api.output(TicketOut)
@api.doc(summary="Grant or remove priority to a waiting ticket (staff; entered in the audit log)",
         description="The ticket moves by the branch's priority boost, as if taken that much earlier "
                     "(or later again). Asking for what the ticket already has changes nothing.",
         tags=["Staff"], responses=[401, 403, 404, 409, 422], **BEARER)
def ticket_priority(ticket_id, body):
    check_uuid(ticket_id)
    with database().unit_of_work(write=True) as uow:
        return queue.set_priority(uow, ticket_id, body["priority"], request_actor(uow),
                                  priority_class=body.get("priority_class"))


@api.get("/tickets/<ticket_id>/events")
@api.output(EventOut(many=True))
@api.doc(summary="The ticket's event history (staff)", tags=["Staff"], responses=[401, 403, 404], **BEARER)
def ticket_events(ticket_id):
    check_uuid(ticket_id)
    with database().unit_of_work() as uow:
        return queue.ticket_history(uow, ticket_id, request_actor(uow))


@api.get("/branches/<branch>/tickets")
@api.input(TicketQuery, location="query", arg_name="query")
@api.output(StaffTicketOut(many=True))
@api.doc(summary="Today's tickets of the branch in call order (staff)", tags=["Staff"],
         responses=[401, 403, 404, 422], **BEARER)
def branch_tickets(branch, query):
    with database().unit_of_work() as uow:
        return queue.list_tickets(uow, branch, request_actor(uow), status=query.get("status"),
                                  service=query.get("service"))


# ---------------------------------------------------------------- SMS updates for a ticket already taken


@api.post("/tickets/<token>/phone")
@phone_change_limits
@api.input(PhoneIn, arg_name="body")
@api.output(TicketOut)
@api.doc(summary="Leave a phone number for SMS updates on this ticket", tags=["Tickets"],
         responses=[404, 409, 422, 429],
         description="The holder of the ticket's token (or staff for them, with their Bearer token). "
                     "The number is normalised to E.164 with the branch's country.")
def ticket_phone(token, body):
    with database().unit_of_work(write=True) as uow:
        return queue.set_ticket_phone(uow, token, body["phone"], request_actor(uow),
                                      max_changes=current_app.config["TURNERO"].PHONE_CHANGES_PER_TICKET,
                                      notify_by=body.get("notify_by"))


@api.post("/tickets/<token>/notify-by")
@ticket_action_limits
@api.input(NotifyByIn, arg_name="body")
@api.output(TicketOut)
@api.doc(summary="Choose where the customer's messages go: SMS or WhatsApp", tags=["Tickets"],
         responses=[404, 409, 422, 429],
         description="The holder of an active ticket with a phone (or staff for them). The holder's choice "
                     "holds for this turn only (a number typed on a page may be anyone's); staff of the "
                     "branch choose for the customer: it stays for their next turns and appointments.")
def ticket_notify_by(token, body):
    with database().unit_of_work(write=True) as uow:
        return queue.set_alert_channel(uow, token, body["notify_by"], request_actor(uow))
