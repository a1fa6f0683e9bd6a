"""Test doubles for messaging: a Twilio HTTP transport that records requests and
answers with canned responses (so the real SDK code runs), and signed webhooks.

    http = RecordingHttpClient()
    http.queue(created("SM1"), provider_error(500), TimeoutError())
    backend = TwilioBackend("AC...", "token", "+15005550006", http_client=http)
"""
from __future__ import annotations

import json
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
from requests.exceptions import ReadTimeout
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

from turnero.messaging.settings import settings

log = logging.getLogger(__name__)


@dataclass
class Recorded:
    method: str
    url: str
    params: dict | None
    data: dict | None


class RecordingHttpClient(HttpClient):
    """Replaces the SDK's transport: records every request, plays canned answers
    (a Response, or an exception to raise, as a network failure would)."""

    def __init__(self, default=None):
        super().__init__(log, is_async=False, timeout=None)
        self.requests: list[Recorded] = []
        self._answers: list = []
        self._default = default  # the answer when none is queued (else: an unexpected request fails)
        self._lock = threading.Lock()

    def queue(self, *answers) -> None:
        self._answers.extend(answers)

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        with self._lock:
            self.requests.append(Recorded(method.upper(), url, dict(params or {}), dict(data or {})))
            if self._answers:
                answer = self._answers.pop(0)
            elif self._default is not None:
                answer = self._default
            else:
                raise AssertionError(f"unexpected Twilio request {method} {url}")
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(self.requests[-1])
        return answer

    def sent(self) -> list[Recorded]:
        """The message-creating requests (POST .../Messages.json)."""
        return [r for r in self.requests if r.method == "POST" and r.url.endswith("/Messages.json")]


def _message(sid: str, to: str = "+525512345678", body: str = "", created_at: datetime | None = None,
             status: str = "queued") -> dict:
    created_at = created_at or datetime.now(timezone.utc)
    return {"sid": sid, "account_sid": "AC" + "0" * 32, "to": to, "from": "+15005550006", "body": body,
            "status": status, "date_created": format_datetime(created_at, usegmt=True),
            "date_updated": format_datetime(created_at, usegmt=True), "date_sent": None,
            "direction": "outbound-api", "num_segments": "1", "uri": f"/2010-04-01/Accounts/AC/Messages/{sid}.json"}


def created(sid: str | None = None) -> callable:
    """201 Created, echoing what was sent (as Twilio does); a new SID each time unless given."""
    def answer(request: Recorded) -> Response:
        return Response(201, json.dumps(_message(sid or "SM" + secrets.token_hex(16), request.data.get("To", ""),
                                                  request.data.get("Body", ""))))
    return answer


def provider_error(status: int = 500, code: int = 20500, message: str = "Internal Server Error") -> Response:
    return Response(status, json.dumps({"code": code, "message": message, "status": status,
                                        "more_info": f"https://www.twilio.com/docs/errors/{code}"}))


def timeout() -> ReadTimeout:
    """What the SDK's own transport raises when Twilio does not answer in time."""
    return ReadTimeout("Read timed out. (read timeout=15)")


def message_list(*messages: dict) -> Response:
    return Response(200, json.dumps({"messages": list(messages), "end": max(len(messages) - 1, 0), "start": 0,
                                     "page": 0, "page_size": 50, "first_page_uri": "/", "next_page_uri": None,
                                     "previous_page_uri": None, "uri": "/"}))


def listed(sid: str, to: str, body: str) -> dict:
    return _message(sid, to, body)


def sign(token: str, url: str, form: dict) -> str:
    return RequestValidator(token).compute_signature(url, form)


def post_signed(client, path: str, form: dict, token: str, public_url: str, forge: bool = False):
    """POST a webhook as Twilio would: form-encoded, signed over public URL + path."""
    signature = sign(token, public_url + path, form)
    if forge:
        signature = sign("not-the-token", public_url + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def webhook_token(app) -> str:

    return settings(app).auth_token


def text(client, app, body: str, sender: str = "+525512345678", to: str = "+15005550006",
         sid: str | None = None) -> str:
    """Text the server through the signed /twilio/sms webhook; returns the reply ('' if none)."""
    from xml.etree import ElementTree


    form = {"From": sender, "To": to, "Body": body, "MessageSid": sid or "SM" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32, "NumMedia": "0"}
    r = post_signed(client, "/twilio/sms", form, webhook_token(app), settings(app).public_url)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "application/xml"
    root = ElementTree.fromstring(r.get_data())
    return " ".join((m.text or "") for m in root.iter("Message"))


def call(client, app, sender: str = "+525512345678", to: str = "+15005550006", step: str = "",
         digits: str | None = None, tries: int = 0, call_sid: str | None = None):
    """One step of a phone call through the signed /twilio/voice webhook: the TwiML as an Element."""
    from xml.etree import ElementTree


    path = "/twilio/voice"
    query = "&".join(f"{k}={v}" for k, v in (("step", step), ("tries", tries)) if v)
    if query:
        path += "?" + query
    form = {"From": sender, "To": to, "CallSid": call_sid or "CA" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32}
    if digits is not None:
        form["Digits"] = digits
    r = post_signed(client, path, form, webhook_token(app), settings(app).public_url)
    assert r.status_code == 200, r.get_data(as_text=True)
    return ElementTree.fromstring(r.get_data())


def spoken(twiml) -> str:
    return " ".join((say.text or "") for say in twiml.iter("Say"))


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """The demo data hashes staff passwords with argon2 for every test; at test-only
    parameters that costs milliseconds instead of half a second (import this fixture
    into a test module to use it)."""
    from argon2 import PasswordHasher

    from turnero.access import services as access
    monkeypatch.setattr(access, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


# ---------------------------------------------------------------- a server that sends by WhatsApp

TWILIO_ACCOUNT = "AC" + "b" * 32


@pytest.fixture
def twilio(app):
    """The server configured for Twilio with WhatsApp and two approved templates."""
    cfg = app.config["TURNERO"]
    cfg.SMS_BACKEND, cfg.TWILIO_ACCOUNT_SID, cfg.TWILIO_AUTH_TOKEN = "twilio", TWILIO_ACCOUNT, "secret-token"
    cfg.TWILIO_FROM, cfg.TWILIO_WHATSAPP_FROM = "+15005550006", "+14155238886"
    cfg.TWILIO_TEMPLATES = "turn_called.es=HX" + "c" * 32 + ",turn_confirmed.es=HX" + "d" * 32
    return cfg


def outbox(app) -> list[dict]:
    """Every outbox row, oldest first, as a dict of its columns."""
    from sqlalchemy import select

    from turnero.messaging.models import OutboxMessage
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return [{c.name: getattr(row, c.name) for c in OutboxMessage.__table__.columns}
                for row in uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def preferred(app, phone: str = "+525512345678") -> str | None:
    """The customer's own choice of channel (`Customer.channel`)."""
    from sqlalchemy import select

    from turnero.models import Customer
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(Customer.channel).where(Customer.phone == phone))
