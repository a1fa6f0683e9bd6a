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
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

from ..web import database
from . import calls, services, texts
from .settings import settings

log = logging.getLogger(__name__)

# Not part of the OpenAPI document: Twilio calls these, not API clients.
twilio = APIBlueprint("twilio", __name__, url_prefix="/twilio", enable_openapi=False)

VOICE_PATH = "/twilio/voice"


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
                                      form.get("Body", ""), channel, form.get("MessageSid") or form.get("SmsSid")).text
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
        response = voice_twiml(calls.answer_call(
            current_app._get_current_object(), settings().branch_for(form.get("To")), form.get("From", ""),
            form.get("To", ""), step=request.args.get("step", ""), digits=form.get("Digits", ""),
            tries=tries, call_sid=form.get("CallSid")))
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


def voice_twiml(reply: calls.CallReply) -> VoiceResponse:
    """A step of a call as TwiML: what to say, the keys to wait for (and where they
    go), starting over when no key came, hanging up."""
    response = VoiceResponse()
    for part in reply.parts:
        if isinstance(part, calls.Say):
            response.say(part.text, language=reply.language)
        elif isinstance(part, calls.Keys):
            gather = Gather(input="dtmf", num_digits=1, method="POST", timeout=6,
                            action=f"{VOICE_PATH}?step={part.step}" + (f"&tries={part.tries}" if part.tries else ""))
            for prompt in part.prompts:
                gather.say(prompt, language=reply.language)
            response.append(gather)
        elif isinstance(part, calls.Again):
            response.redirect(f"{VOICE_PATH}?tries={part.tries}", method="POST")
    if reply.hangup:
        response.hangup()
    return response


@twilio.post("/status")
def status():
    """Delivery reports of outgoing messages."""
    form = request.form
    outbox_id = request.args.get("outbox", "")
    with database().unit_of_work(write=True) as uow:
        services.record_delivery(uow, outbox_id=int(outbox_id) if outbox_id.isdigit() else None,
                                 sid=form.get("MessageSid") or form.get("SmsSid"),
                                 reported=(form.get("MessageStatus") or "").lower(), error_code=form.get("ErrorCode"))
    return "", 204
