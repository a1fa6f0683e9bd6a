"""The outbox: messages the server starts on its own are rows written in the
transaction of the change that causes them; the worker sends them afterwards.

`enqueue` is the one way to add a message (notifications here, appointment
reminders elsewhere): it honours opt-out, so a number that said STOP never gets
another message, and it cuts texts over the limit politely. (Web Push messages go to
a browser, not a number: push.enqueue adds those, channel `push`.)
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..models import Customer
from .models import OutboxMessage
from .texts import fit

log = logging.getLogger(__name__)

CHANNELS = ("sms", "whatsapp")
DEFAULT_MAX_CHARS = 480


def address(phone: str, channel: str) -> str:
    """Twilio's address of a phone on a channel: `+52...` or `whatsapp:+52...`."""
    return f"whatsapp:{phone}" if channel == "whatsapp" else phone


def is_opted_out(session: Session, phone: str) -> bool:
    return bool(session.scalar(select(Customer.opted_out).where(Customer.phone == phone)))


def enqueue(session: Session, *, phone: str, body: str, kind: str, lang: str = "es",
            channel: str = "sms", branch_id: int | None = None, ticket_seq: int | None = None,
            max_chars: int = DEFAULT_MAX_CHARS, not_before: datetime | None = None,
            template: str | None = None, values: dict | None = None) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction; None when the
    number opted out. `phone` is E.164 (use services.phones.normalize_phone).
    `template` and its `values` say the same for a WhatsApp number outside its
    24-hour window (templates.py)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown messaging channel {channel!r}")
    if is_opted_out(session, phone):
        log.info("no %s message to an opted-out number (%s)", kind, _mask(phone))
        return None
    now = clock.utcnow()
    message = OutboxMessage(to=address(phone, channel), phone=phone, channel=channel, body=fit(body, max_chars),
                            lang=lang, kind=kind, branch_id=branch_id, ticket_seq=ticket_seq, template=template,
                            template_values={k: str(v) for k, v in values.items()} if values else None,
                            status="queued", attempts=0, next_attempt_at=not_before or now, created_at=now)
    session.add(message)
    return message


def _mask(phone: str) -> str:
    return phone[:-4] + "****" if len(phone) > 6 else "****"
