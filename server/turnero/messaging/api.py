"""Messaging's REST endpoints under /api/v1: a ticket's texts, calls and notifications
(staff); the Web Push key and a ticket's browser subscriptions (its holder)."""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app
from flask_limiter.errors import RateLimitExceeded

from ..access.limits import push_limits
from ..access.requests import BEARER, request_actor
from ..queue.lookups import NO_TICKET
from ..web import database, json_rate_limited, require_uuid
from . import push, vapid
from .read_models import ticket_messages
from .schemas import MessageOut, PushKeyOut, PushOffIn, PushOnOut, PushSubscriptionIn

api = APIBlueprint("messaging_api", __name__, url_prefix="/api/v1")
api.register_error_handler(RateLimitExceeded, json_rate_limited)


@api.get("/tickets/<ticket_id>/messages")
@api.output(MessageOut(many=True))
@api.doc(summary="The texts, calls and notifications of a ticket, oldest first (staff)", tags=["Staff"],
         responses=[401, 403, 404], **BEARER)
def ticket_messages_of(ticket_id):
    require_uuid(ticket_id, NO_TICKET)
    with database().unit_of_work() as uow:
        return ticket_messages(uow, ticket_id, request_actor(uow))


@api.get("/push/key")
@api.output(PushKeyOut)
@api.doc(summary="The Web Push public key (VAPID application server key)", tags=["Tickets"],
         description="Pass it, decoded from base64url, as `applicationServerKey` to "
                     "`pushManager.subscribe`, then send the subscription to `POST /tickets/{token}/push`.")
def push_key():
    return {"key": vapid.keys(current_app).public_key}, 200, {"Cache-Control": "public, max-age=3600"}


@api.post("/tickets/<token>/push")
@push_limits
@api.input(PushSubscriptionIn, arg_name="body")
@api.output(PushOnOut, status_code=201)
@api.doc(summary="Notify this browser when the turn is near and when it is called (the holder)",
         tags=["Tickets"], responses=[200, 404, 409, 413, 422, 429],
         description="Body: the browser's `PushSubscription` as JSON. The endpoint must be a known push "
                     "service's https address (`TURNERO_PUSH_SERVICES`). 201 for a new browser, 200 when "
                     "it was subscribed already (its keys are renewed); 409 once the turn is over or when "
                     "it already notifies `TURNERO_PUSH_PER_TICKET` browsers (3).")
def push_on(token, body):
    with database().unit_of_work(write=True) as uow:
        done = push.subscribe(uow, token, endpoint=body["endpoint"], p256dh=body["keys"]["p256dh"],
                              auth=body["keys"]["auth"], rules=push.policy(current_app))
    return {"devices": done.devices}, 201 if done.created else 200


@api.delete("/tickets/<token>/push")
@push_limits
@api.input(PushOffIn, arg_name="body")
@api.output({}, status_code=204)
@api.doc(summary="Stop notifying a browser (`endpoint`), or every browser (no body)", tags=["Tickets"],
         responses=[404, 422, 429])
def push_off(token, body):
    with database().unit_of_work(write=True) as uow:
        push.unsubscribe(uow, token, body.get("endpoint"))
    return ""
