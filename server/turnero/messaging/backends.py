"""Where outgoing messages go: the console (development) or Twilio.

A backend's `send` returns the provider's message id, or raises:
- `Rejected`: the provider answered and will not send it (a bad number, an
  opted-out recipient): no retry.
- `Unavailable`: the provider answered with an error worth retrying (5xx, 429).
- anything else (a timeout, a dropped connection): the outcome is unknown; the
  worker asks `find_sent` before it tries again.
"""
from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

log = logging.getLogger(__name__)

# Twilio error code: the recipient replied STOP to this sender (carrier-level opt-out).
TWILIO_UNSUBSCRIBED = 21610


class SendError(Exception):
    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class Rejected(SendError):
    pass


class Unavailable(SendError):
    pass


def mask(address: str) -> str:
    """A phone (or whatsapp:phone) for a log line: its last four digits hidden."""
    return address[:-4] + "****" if len(address) > 6 else "****"


@dataclass(frozen=True)
class Content:
    """An approved template (Twilio's Content API) and its values: {"1": ..., "2": ...}."""
    sid: str
    variables: dict[str, str]


class ConsoleBackend:
    """Sends nothing: logs the message; the outbox row itself is what /dev/phone shows."""

    name = "console"
    delivers_immediately = True

    def send(self, to: str, body: str, status_callback: str | None = None, content: Content | None = None) -> str:
        sid = "SMconsole" + secrets.token_hex(12)
        # The body carries the ticket's private link: at INFO only who and how long.
        log.info("console message %s to %s (%d characters%s)", sid, mask(to), len(body),
                 f", template {content.sid}" if content else "")
        log.debug("console message %s: %s", sid, body)
        return sid

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        return None  # nothing left the process: an unknown outcome cannot have happened


class TwilioBackend:
    """twilio.rest.Client; tests hand it an `http_client` that records requests."""

    name = "twilio"
    delivers_immediately = False
    TIMEOUT_S = 15

    def __init__(self, account_sid: str, auth_token: str, sms_from: str | None,
                 whatsapp_from: str | None = None, http_client=None):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client
        if not account_sid or not auth_token:
            raise ValueError("TURNERO_TWILIO_ACCOUNT_SID and TURNERO_TWILIO_AUTH_TOKEN are required")
        self.client = Client(account_sid, auth_token,
                             http_client=http_client or TwilioHttpClient(timeout=self.TIMEOUT_S))
        self.sms_from = sms_from
        self.whatsapp_from = whatsapp_from

    def _sender(self, to: str) -> str:
        if to.startswith("whatsapp:"):
            if not self.whatsapp_from:
                raise Rejected("TURNERO_TWILIO_WHATSAPP_FROM is not set")
            sender = self.whatsapp_from
            return sender if sender.startswith("whatsapp:") else f"whatsapp:{sender}"
        if not self.sms_from:
            raise Rejected("TURNERO_TWILIO_FROM is not set")
        return self.sms_from

    def send(self, to: str, body: str, status_callback: str | None = None, content: Content | None = None) -> str:
        """Send `body`, or with `content` the template (whose text `body` repeats)."""
        from twilio.base.exceptions import TwilioRestException
        kwargs = {"to": to, "from_": self._sender(to)}
        if content is not None:
            kwargs.update(content_sid=content.sid, content_variables=json.dumps(content.variables))
        else:
            kwargs["body"] = body
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            detail = f"twilio {exc.status} {exc.code}: {exc.msg}"
            if exc.status == 429 or exc.status >= 500:
                raise Unavailable(detail, exc.code) from exc
            raise Rejected(detail, exc.code) from exc
        return message.sid

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """Twilio has no idempotency key: before resending a message whose first
        attempt has an unknown outcome, look for it among the latest sent to `to`."""
        margin = since - timedelta(minutes=2)
        for message in self.client.messages.list(to=to, from_=self._sender(to), limit=50):
            created = message.date_created
            if created is not None and created.tzinfo is None:
                created = created.replace(tzinfo=timezone.utc)
            if message.body == body and (created is None or created >= margin):
                return message.sid
        return None


def make_backend(cfg):
    if cfg.backend == "twilio":
        return TwilioBackend(cfg.account_sid, cfg.auth_token, cfg.sms_from, cfg.whatsapp_from)
    if cfg.backend != "console":
        log.warning("unknown TURNERO_SMS_BACKEND %r: using the console", cfg.backend)
    return ConsoleBackend()
