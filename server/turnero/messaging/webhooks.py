"""The Twilio webhooks: /twilio/sms (SMS and WhatsApp), /twilio/voice, /twilio/status.

Every request must carry a valid `X-Twilio-Signature` (HMAC of the URL Twilio
called and the form, keyed with the auth token): anything else gets 403 before
anything is read or written. The URL is TURNERO_PUBLIC_URL + the path, since
behind a proxy the server itself sees another host or scheme.
"""
from __future__ import annotations

import logging

from apiflask import APIBlueprint
from flask import Response, abort, current_app, request
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from .. import clock
from ..models import Customer
from . import services, texts
from .backends import TWILIO_UNSUBSCRIBED
from .models import OutboxMessage
from .settings import settings
from .worker import STATUS_RANK

log = logging.getLogger(__name__)

# Not part of the OpenAPI document: Twilio calls these, not API clients.
twilio = APIBlueprint("twilio", __name__, url_prefix="/twilio", enable_openapi=False)

# Twilio's message statuses -> the outbox's.
PROVIDER_STATUS = {"sent": "sent", "delivered": "delivered", "read": "delivered",
                   "failed": "failed", "undelivered": "failed"}


def signed_url() -> str:
    """The URL Twilio signed: the public base plus the path and query it called."""
    query = request.query_string.decode()
    return settings().public_url + request.path + (f"?{query}" if query else "")


@twilio.before_request
def check_signature():
    cfg = settings()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not cfg.auth_token:
        log.error("Twilio webhook refused: TURNERO_TWILIO_AUTH_TOKEN is not set")
        abort(403)
    validator = RequestValidator(cfg.auth_token)
    # The public URL first; the URL as this server saw it also counts (no proxy in front).
    if signature and any(validator.validate(url, request.form, signature) for url in (signed_url(), request.url)):
        return None
    log.warning("Twilio webhook %s refused: bad signature", request.path)
    abort(403)


def twiml(response) -> Response:
    return Response(str(response), mimetype="application/xml")


@twilio.post("/sms")
def sms():
    form = request.form
    sender = form.get("From", "")
    channel = "whatsapp" if sender.lower().startswith("whatsapp:") else "sms"
    branch = settings().branch_for(form.get("To"))
    try:
        reply = services.receive_text(current_app._get_current_object(), branch, sender, form.get("To", ""),
                                     form.get("Body", ""), channel, form.get("MessageSid") or form.get("SmsSid"))
    except Exception:  # the customer hears back even when we fail
        log.exception("text to %s failed", branch)
        with texts.speaking(_fallback_lang()):
            reply = texts.unavailable()
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return twiml(response)


@twilio.post("/voice")
def voice():
    form = request.form
    try:
        tries = int(request.args.get("tries", 0))
    except ValueError:
        tries = 0
    try:
        response = services.answer_call(
            current_app._get_current_object(), settings().branch_for(form.get("To")), form.get("From", ""),
            form.get("To", ""), step=request.args.get("step", ""), digits=form.get("Digits", ""),
            tries=tries, call_sid=form.get("CallSid"))
    except Exception:  # the caller hears an apology rather than Twilio's error message
        log.exception("call to %s failed", form.get("To"))
        lang = _fallback_lang()
        response = VoiceResponse()
        with texts.speaking(lang):
            response.say(texts.voice_sorry(), language=texts.VOICE_LANGUAGES[lang])
        response.hangup()
    return twiml(response)


def _fallback_lang() -> str:
    return "en" if str(request.form.get("Body", "")).strip().upper().startswith(("JOIN", "STATUS", "HELP")) else "es"


@twilio.post("/status")
def status():
    """Delivery reports of outgoing messages: a status never goes back."""
    form = request.form
    sid, reported = form.get("MessageSid") or form.get("SmsSid"), (form.get("MessageStatus") or "").lower()
    new = PROVIDER_STATUS.get(reported)
    outbox_id = request.args.get("outbox", "")
    db = current_app.extensions["turnero.db"]
    with db.unit_of_work(write=True) as uow:
        row = None
        if outbox_id.isdigit():
            row = uow.session.scalar(select(OutboxMessage).where(OutboxMessage.id == int(outbox_id)).with_for_update())
        if row is None and sid:
            row = uow.session.scalar(select(OutboxMessage).where(OutboxMessage.provider_sid == sid).with_for_update())
        if row is None or (sid and row.provider_sid and row.provider_sid != sid):
            return "", 204
        if row.provider_sid is None and sid:
            # The send call's answer was lost but the provider has the message: never resend it.
            row.provider_sid = sid
            row.uncertain_since = None
            row.sent_at = row.sent_at or clock.utcnow()
            if row.status == "queued":
                row.status, row.status_at = "sent", clock.utcnow()
        if new is not None and STATUS_RANK[new] > STATUS_RANK.get(row.status, 0):
            row.status, row.status_at = new, clock.utcnow()
            if new == "failed":
                code = form.get("ErrorCode")
                row.error = f"{reported} (error {code})" if code else reported
                if code == str(TWILIO_UNSUBSCRIBED):  # the carrier says this number opted out
                    customer = uow.session.scalar(select(Customer).where(Customer.phone == row.phone))
                    if customer is not None:
                        customer.opted_out = True
        uow.commit()
    return "", 204
