"""The outbox worker: claims due messages, sends them, records what happened.

Delivery is at most once for a message the provider may already have: Twilio
has no idempotency key, so a message is marked `sending` (with a claim and a
deadline) in its own commit before the provider is called. When the call ends
without an answer (a timeout, a dropped connection, or the process died and the
claim expired), the message is not simply sent again: the next attempt first asks
the provider for it (`find_sent`, Twilio's message list for that number) and only
sends when it is not there. The status callback URL also carries the outbox id,
so a callback for a message whose answer was lost records it as sent.
A WhatsApp message to a number that has not written in 24 hours goes as its
approved template (templates.py); without one configured it fails at once, saying
so to staff (`NO_TEMPLATE`).
A Web Push message (channel `push`, push.py) goes to its subscription's push service
(webpush.py); one whose subscription is gone (the service said 404 or 410, or the
holder turned it off) fails and the subscription is deleted.
Definite errors (Twilio answered 5xx or 429) are retried with exponential
backoff; refusals (4xx) fail at once. Nothing is lost while the provider is down:
the row stays queued until it goes through or MAX_ATTEMPTS is reached.
"""
from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select

from .. import clock
from ..leader import always
from ..models import Customer
from . import push, templates, texts, vapid
from .backends import TWILIO_UNSUBSCRIBED, Content, Rejected, Unavailable, make_backend
from .models import InboundMessage, OutboxMessage
from .settings import settings
from .webpush import Gone, PushSender

log = logging.getLogger(__name__)

BACKOFF_BASE_S = 15
BACKOFF_MAX_S = 30 * 60
MAX_ATTEMPTS = 12
CLAIM_S = 120
BATCH = 20
# Status callbacks may arrive in any order: a status never goes back to a lower rank.
STATUS_RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "failed": 3}
# WhatsApp's customer-service window, less a margin for the time a send takes.
WHATSAPP_WINDOW = timedelta(hours=24) - timedelta(minutes=5)
# The error of a WhatsApp message that needed a template it does not have (read_models
# words it for staff): "no-template turn_called.es".
NO_TEMPLATE = "no-template"


def backoff(attempts: int) -> timedelta:
    """15 s, 30 s, 1 min, 2 min ... at most 30 min between attempts."""
    return timedelta(seconds=min(BACKOFF_BASE_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S))


@dataclass(frozen=True)
class Claimed:
    id: int
    to: str
    body: str
    claim: str
    attempts: int
    uncertain_since: datetime | None
    started_at: datetime
    content: Content | None = None


class OutboxWorker:
    def __init__(self, app, backend=None, clock=clock.utcnow, batch: int = BATCH, claim_s: int = CLAIM_S,
                 pusher: PushSender | None = None):
        self.app = app
        self.db = app.extensions["turnero.db"]
        self.cfg = settings(app)
        self.backend = backend or make_backend(self.cfg)
        self._pusher = pusher
        self.clock = clock
        self.batch = batch
        self.claim_s = claim_s
        self._stop = False

    # ------------------------------------------------------------ the loop

    def run_once(self) -> int:
        """Send what is due now; returns how many messages were handled."""
        claimed = self.claim()
        for item in claimed:
            self.deliver(item)
        return len(claimed)

    def run_forever(self, poll_s: float | None = None, leads: Callable[[], bool] = always) -> None:
        """Send until stopped; a round only while this process `leads` the background
        jobs (`turnero serve`; `turnero worker` processes share the work, see `claim`)."""
        poll = poll_s if poll_s is not None else self.cfg.poll_s
        log.info("outbox worker started (%s backend)", self.backend.name)
        while not self._stop:
            if not leads():
                time.sleep(poll)
                continue
            try:
                handled = self.run_once()
            except Exception:  # a database hiccup must not stop the worker
                log.exception("outbox worker round failed")
                handled = 0
            if handled < self.batch:
                time.sleep(poll)

    def stop(self) -> None:
        self._stop = True

    # ------------------------------------------------------------ steps

    def _due(self, now: datetime):
        return or_(and_(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now),
                   and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now))

    def claim(self) -> list[Claimed]:
        """Mark due messages `sending` under a new claim, in one short commit.
        PostgreSQL: FOR UPDATE SKIP LOCKED, so several workers share the work;
        SQLite: the write transaction itself keeps other writers out."""
        now = self.clock()
        with self.db.unit_of_work() as uow:  # a cheap look first: most rounds find nothing
            if uow.session.scalar(select(OutboxMessage.id).where(self._due(now)).limit(1)) is None:
                return []
        claimed: list[Claimed] = []
        with self.db.unit_of_work(write=True) as uow:
            session = uow.session
            rows = session.scalars(select(OutboxMessage).where(self._due(now))
                                   .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                                   .limit(self.batch).with_for_update(skip_locked=True)).all()
            opted = set(session.scalars(select(Customer.phone).where(
                Customer.phone.in_({r.phone for r in rows}), Customer.opted_out)).all()) if rows else set()
            for row in rows:
                if row.status == "sending":
                    # The claim expired: the process sending it stopped mid-way. Whether the
                    # provider has it is unknown, so the next attempt asks first.
                    row.uncertain_since = row.uncertain_since or (row.claimed_until - timedelta(seconds=self.claim_s))
                    log.warning("outbox message %s: claim expired, checking with the provider first", row.id)
                if row.phone in opted:
                    row.status, row.error, row.claim, row.claimed_until = "failed", "opted out", None, None
                    row.status_at = now
                    continue
                content = None
                if row.channel == "whatsapp" and not whatsapp_window_open(session, row.phone, now):
                    content = self._template(row)
                    if content is None:
                        log.error("outbox message %s: %s", row.id, row.error)
                        row.status, row.status_at, row.claim, row.claimed_until = "failed", now, None, None
                        continue
                row.status = "sending"
                row.claim = secrets.token_hex(8)
                row.claimed_until = now + timedelta(seconds=self.claim_s)
                row.attempts += 1
                claimed.append(Claimed(row.id, row.to, row.body, row.claim, row.attempts, row.uncertain_since, now,
                                       content))
            uow.commit()
        return claimed

    def _template(self, row: OutboxMessage) -> Content | None:
        """The approved template that says this message outside WhatsApp's window; its
        text becomes the row's body (what the customer reads). None, with the row's
        error set, when there is none."""
        sid = self.cfg.template_sid(row.template, row.lang) if row.template in templates.TEMPLATES else None
        if sid is None:
            row.error = f"{NO_TEMPLATE} {row.template or row.kind}.{row.lang}"
            return None
        values = row.template_values or {}
        with texts.speaking(row.lang, self.app):
            row.body = templates.render(row.template, values)
        return Content(sid, templates.content_variables(row.template, values))

    @property
    def pusher(self) -> PushSender:
        if self._pusher is None:
            self._pusher = PushSender(vapid.keys(self.app), push.policy(self.app).contact)
        return self._pusher

    def deliver(self, item: Claimed) -> None:
        if item.to.startswith(push.ADDRESS):
            self._deliver_push(item)
            return
        if item.uncertain_since is not None:
            try:
                sid = self.backend.find_sent(item.to, item.body, item.uncertain_since)
            except Exception as exc:
                self._retry(item, f"could not check with the provider: {exc}", uncertain=True)
                return
            if sid is not None:
                log.info("outbox message %s had reached the provider (%s): not sent again", item.id, sid)
                self._sent(item, sid)
                return
        try:
            sid = self.backend.send(item.to, item.body, self._callback(item.id), content=item.content)
        except Rejected as exc:
            self._failed(item, str(exc), exc.code)
        except Unavailable as exc:
            self._retry(item, str(exc), uncertain=False)
        except Exception as exc:  # no answer: the provider may or may not have it
            self._retry(item, f"{type(exc).__name__}: {exc}", uncertain=True)
        else:
            self._sent(item, sid)

    def _deliver_push(self, item: Claimed) -> None:
        with self.db.unit_of_work() as uow:
            sub = push.subscription_of(uow.session, item.to)
            target = (sub.endpoint, sub.p256dh, sub.auth) if sub is not None else None
            kind = uow.session.scalar(select(OutboxMessage.kind).where(OutboxMessage.id == item.id))
        if target is None:
            self._failed(item, "subscription gone", None)
            return
        ttl, urgency = push.KINDS.get(kind, push.KINDS["near"])
        endpoint, p256dh, auth = target
        try:
            sid = self.pusher.send(endpoint=endpoint, p256dh=p256dh, auth=auth, data=item.body, ttl=ttl,
                                   urgency=urgency)
        except Gone as exc:
            self._failed(item, str(exc), exc.code)
            with self.db.unit_of_work(write=True) as uow:
                push.forget(uow.session, item.to)
                uow.commit()
        except Rejected as exc:
            self._failed(item, str(exc), exc.code)
        except Exception as exc:  # 5xx, 429, a timeout: a repeat only shows the same notification again
            self._retry(item, f"{type(exc).__name__}: {exc}", uncertain=False)
        else:
            self._sent(item, sid, delivered=False)

    def _callback(self, outbox_id: int) -> str | None:
        if self.backend.delivers_immediately:
            return None
        return f"{self.cfg.public_url}/twilio/status?outbox={outbox_id}"

    # ------------------------------------------------------------ recording the outcome

    def _record(self, item: Claimed, apply) -> bool:
        """Write the outcome only if our claim still holds (nobody reclaimed it)."""
        with self.db.unit_of_work(write=True) as uow:
            row = uow.session.scalar(select(OutboxMessage).where(OutboxMessage.id == item.id)
                                     .with_for_update())
            if row is None or row.claim != item.claim:
                log.warning("outbox message %s changed hands while it was being sent", item.id)
                return False
            row.claim = row.claimed_until = None
            apply(row)
            uow.commit()
        return True

    def _sent(self, item: Claimed, sid: str, delivered: bool | None = None) -> None:
        now = self.clock()
        delivered = self.backend.delivers_immediately if delivered is None else delivered

        def apply(row: OutboxMessage) -> None:
            row.provider_sid = sid
            row.sent_at = row.sent_at or now
            row.error = None
            row.uncertain_since = None
            # A status callback may have come first and said more (delivered, failed).
            new = "delivered" if delivered else "sent"
            if STATUS_RANK.get(row.status, 0) < STATUS_RANK[new]:
                row.status, row.status_at = new, now
        self._record(item, apply)

    def _failed(self, item: Claimed, error: str, code: int | None) -> None:
        log.error("outbox message %s refused: %s", item.id, error)

        def apply(row: OutboxMessage) -> None:
            row.status, row.error, row.status_at = "failed", error[:500], self.clock()
        self._record(item, apply)
        if code == TWILIO_UNSUBSCRIBED:
            _mark_opted_out(self.db, item.id)

    def _retry(self, item: Claimed, error: str, uncertain: bool) -> None:
        now = self.clock()

        def apply(row: OutboxMessage) -> None:
            if row.provider_sid is not None:  # a status callback showed the provider has it
                row.sent_at = row.sent_at or now
                row.uncertain_since = None
                if row.status == "sending":
                    row.status, row.status_at = "sent", now
                return
            row.error = error[:500]
            if item.attempts >= MAX_ATTEMPTS:
                log.error("outbox message %s given up after %s attempts: %s", item.id, item.attempts, error)
                row.status, row.status_at = "failed", now
                return
            log.warning("outbox message %s attempt %s failed (%s); retrying later", item.id, item.attempts, error)
            row.status = "queued"
            row.next_attempt_at = now + backoff(item.attempts)
            if uncertain and row.uncertain_since is None:
                row.uncertain_since = item.started_at
        self._record(item, apply)


def whatsapp_window_open(session, phone: str, now: datetime) -> bool:
    """Whether the number wrote on WhatsApp lately enough for free text."""
    last = session.scalar(select(func.max(InboundMessage.created_at)).where(
        InboundMessage.channel == "whatsapp", InboundMessage.sender == phone))
    return last is not None and last >= now - WHATSAPP_WINDOW


def _mark_opted_out(db, outbox_id: int) -> None:
    with db.unit_of_work(write=True) as uow:
        phone = uow.session.scalar(select(OutboxMessage.phone).where(OutboxMessage.id == outbox_id))
        customer = uow.session.scalar(select(Customer).where(Customer.phone == phone))
        if customer is not None:
            customer.opted_out = True
            uow.commit()


def start_in_serve(app, leads: Callable[[], bool] = always) -> object | None:
    """Run the worker as a greenlet of `turnero serve` when TURNERO_OUTBOX_IN_SERVE is on
    (its rounds in the process that `leads` the background jobs)."""
    if not settings(app).in_serve:
        return None
    import gevent
    worker = OutboxWorker(app)

    def _run():
        with app.app_context():
            worker.run_forever(leads=leads)
    return gevent.spawn(_run)
