"""Makes deliveries from the ticket event log and sends them: POST, signed; a 2xx answer delivers it (never
sent again), anything else is retried with backoff (30 s, 1, 2, 4 ... at most 1 h), and
after MAX_ATTEMPTS it is given up (`failed`). Each round claims its deliveries by
moving `next_attempt_at` ahead in its own commit, so two processes do not send the
same delivery at once; a receiver still dedupes by `Turnero-Delivery`."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..appointments.models import AppointmentEvent
from ..leader import always
from ..models import TicketEvent
from .models import WebhookDelivery, WebhookEndpoint
from .services import collect, inside_network, sign

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
TIMEOUT_S = 5
CLAIM_S = 60
BATCH = 20


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


class WebhookWorker:
    def __init__(self, app, session_factory=requests.Session, now=clock.utcnow):
        self.db = app.extensions["turnero.db"]
        self.allow_private = app.config["TURNERO"].WEBHOOKS_ALLOW_PRIVATE
        self.http = session_factory()
        self.now = now

    def close(self) -> None:
        self.http.close()

    def collect(self) -> int:
        """Turn the log's new events into deliveries, endpoint by endpoint. Looking is a
        read; a write (SQLite's lock) only for an endpoint whose branch logged more."""
        made = 0
        with self.db.unit_of_work() as uow:
            ids = [endpoint_id for endpoint_id, branch_id, cursor, booked in uow.session.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.branch_id, WebhookEndpoint.cursor,
                       WebhookEndpoint.appointment_cursor).where(WebhookEndpoint.active)).all()
                if uow.session.scalar(select(TicketEvent.id).where(TicketEvent.id > cursor,
                                                                   TicketEvent.branch_id == branch_id).limit(1))
                or uow.session.scalar(select(AppointmentEvent.id).where(
                    AppointmentEvent.id > booked, AppointmentEvent.branch_id == branch_id).limit(1))]
        for endpoint_id in ids:
            try:
                with self.db.unit_of_work(write=True) as uow:
                    endpoint = uow.session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
                    if endpoint is None:
                        continue
                    made += collect(uow.session, endpoint)
                    uow.commit()
            except IntegrityError:  # another process made them first
                continue
        return made

    def run_once(self) -> int:
        """Make the new deliveries and send what is due; returns how many were tried."""
        self.collect()
        now = self.now()
        due = (WebhookDelivery.status == "queued", WebhookDelivery.next_attempt_at <= now)
        with self.db.unit_of_work() as uow:
            if uow.session.scalar(select(WebhookDelivery.id).where(*due).limit(1)) is None:
                return 0
        with self.db.unit_of_work(write=True) as uow:
            due = uow.session.execute(
                select(WebhookDelivery.id, WebhookDelivery.uuid, WebhookDelivery.event, WebhookDelivery.body,
                       WebhookDelivery.attempts, WebhookEndpoint.url, WebhookEndpoint.secret)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(*due).order_by(WebhookDelivery.id).limit(BATCH)).all()
            if not due:
                return 0
            # The claim: no other round takes these until they are answered or CLAIM_S passed.
            uow.session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_([d.id for d in due]))
                                .values(next_attempt_at=now + timedelta(seconds=CLAIM_S)))
            uow.commit()
        for d in due:
            self._send(d)
        return len(due)

    def _send(self, d) -> None:
        stamp = int(time.time())
        headers = {"Content-Type": "application/json", "User-Agent": "Turnero-Webhooks/1",
                   "Turnero-Event": d.event, "Turnero-Delivery": d.uuid,
                   "Turnero-Signature": f"t={stamp},v1={sign(d.secret, stamp, d.body)}"}
        code, error = None, None
        host = urlsplit(d.url).hostname or ""
        try:
            if not self.allow_private and inside_network(host):  # its name may point elsewhere now
                raise requests.exceptions.InvalidURL("the address is inside the server's own network")
            answer = self.http.post(d.url, data=d.body.encode(), headers=headers, timeout=TIMEOUT_S,
                                    allow_redirects=False)
            code = answer.status_code
        except requests.RequestException as exc:
            error = type(exc).__name__
        attempts = d.attempts + 1
        now = self.now()
        values = {"attempts": attempts, "last_code": code, "last_error": error}
        if code is not None and 200 <= code < 300:
            values.update(status="delivered", delivered_at=now)
        elif attempts >= MAX_ATTEMPTS:
            values.update(status="failed")
        else:
            values.update(next_attempt_at=now + backoff(attempts))
        with self.db.unit_of_work(write=True) as uow:
            uow.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == d.id).values(**values))
            uow.commit()
        if values.get("status") != "delivered":
            log.info("webhook %s to %s not delivered (%s), attempt %d", d.event, d.url, code or error, attempts)

    def run_forever(self, poll_s: float = 2.0, leads: Callable[[], bool] = always) -> None:
        """Rounds only while this process `leads` the background jobs: two processes'
        rounds could both read a delivery as due before either claimed it."""
        log.info("webhook worker started")
        while True:
            try:
                while leads() and self.run_once():
                    pass
            except Exception:  # noqa: BLE001 - logged; the next round tries again
                log.exception("webhook worker round failed")
            time.sleep(poll_s)


def start_in_serve(app, leads: Callable[[], bool] = always):
    import gevent
    worker = WebhookWorker(app)

    def _run():
        with app.app_context():
            worker.run_forever(leads=leads)
    return gevent.spawn(_run)
