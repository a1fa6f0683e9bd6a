"""Notifications written in the transaction of each change, and the worker that
sends them through the real Twilio SDK with its HTTP transport replaced."""
from datetime import timedelta

import pytest
from sqlalchemy import select
from twilio_helpers import (  # noqa: F401
    RecordingHttpClient,
    cheap_password_hashing,
    created,
    listed,
    message_list,
    post_signed,
    provider_error,
    timeout,
)

from turnero.messaging.backends import ConsoleBackend, TwilioBackend
from turnero.messaging.models import OutboxMessage
from turnero.messaging.settings import settings
from turnero.messaging.worker import CLAIM_S, MAX_ATTEMPTS, OutboxWorker, backoff
from turnero.models import Customer, utcnow

PHONE = "+525512345678"
ACCOUNT = "AC" + "a" * 32


def outbox(app, **where):
    """The outbox rows as plain dicts, oldest first."""
    with app.extensions["turnero.db"].unit_of_work() as uow:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for key, value in where.items():
            query = query.where(getattr(OutboxMessage, key) == value)
        return [{c.name: getattr(row, c.name) for c in OutboxMessage.__table__.columns}
                for row in uow.session.scalars(query)]


class Clock:
    """The worker's clock: real time when first asked, then moved by hand only."""

    def __init__(self):
        self.now = None

    def __call__(self):
        if self.now is None:
            self.now = utcnow()
        return self.now

    def advance(self, **kw):
        self.now = self() + timedelta(**kw)


@pytest.fixture
def http():
    return RecordingHttpClient()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def worker(app, http, clock):
    backend = TwilioBackend(ACCOUNT, "secret-token", "+15005550006", "+14155238886", http_client=http)
    return OutboxWorker(app, backend=backend, clock=clock)


@pytest.fixture
def call(client, agent, open_counter):
    open_counter("v1")

    def _call(counter="v1"):
        r = client.post(f"/api/v1/branches/centro/counters/{counter}/call-next", headers=agent)
        if r.status_code == 204:  # no one waits
            return None
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.get_json()
    return _call


# ---------------------------------------------------------------- what is queued

def test_a_kiosk_ticket_with_a_phone_gets_a_confirmation_with_its_link(app, take):
    ticket = take("caja", phone="55 1234 5678")
    [row] = outbox(app)
    assert (row["kind"], row["to"], row["channel"], row["status"], row["lang"]) == (
        "confirm", PHONE, "sms", "queued", "es")
    assert ticket["code"] in row["body"] and f"http://turnero.test/t/{ticket['token']}" in row["body"]
    assert "Usted sigue" in row["body"]


def test_the_language_follows_the_customer(app, take):
    take("plataforma", phone=PHONE, lang="en")
    [row] = outbox(app)
    assert row["lang"] == "en" and "Your turn at" in row["body"] and "Customer service" in row["body"]


def test_no_phone_no_message(app, take, call):
    take("caja")
    call()
    assert outbox(app) == []


def test_near_is_said_once_when_the_threshold_is_reached(app, take, call, client, agent):
    for _ in range(5):
        take("caja")
    mine = take("caja", phone=PHONE)  # 5 ahead; the branch's notify_ahead is 3
    assert mine["ahead"] == 5
    call()  # 4 ahead
    assert [r["kind"] for r in outbox(app)] == ["confirm"]
    call()  # 3 ahead: now
    near = [r for r in outbox(app) if r["kind"] == "near"]
    assert len(near) == 1 and "3 personas antes que usted" in near[0]["body"]
    call()  # 2 ahead
    client.post("/api/v1/branches/centro/counters/v2/open", headers=agent)  # every wait moves
    take("caja")
    assert [r["kind"] for r in outbox(app)] == ["confirm", "near"]


def test_a_ticket_issued_near_the_front_is_not_told_again(app, take, call):
    take("caja")
    take("caja", phone=PHONE)  # 1 ahead: the confirmation says so
    call()
    assert [r["kind"] for r in outbox(app)] == ["confirm"]


def test_called_recalled_and_done_are_told(app, take, call, client, agent):
    ticket = take("caja", phone=PHONE, lang="en")
    call()
    client.post(f"/api/v1/tickets/{ticket['id']}/recall", headers=agent)
    client.post(f"/api/v1/tickets/{ticket['id']}/done", headers=agent)
    rows = outbox(app)
    assert [r["kind"] for r in rows] == ["confirm", "called", "recall", "feedback_request"]
    assert "It is your turn! A001, please go to Ventanilla 1." == rows[1]["body"]
    assert "again" in rows[2]["body"] and "Ventanilla 1" in rows[2]["body"]
    assert "1 (bad) to 5 (very good)" in rows[3]["body"]


def test_nothing_is_queued_when_the_change_is_refused(app, take, client, agent):
    ticket = take("caja", phone=PHONE)
    # Finishing a waiting ticket is not allowed: the change and its messages roll back together.
    r = client.post(f"/api/v1/tickets/{ticket['id']}/done", headers=agent)
    assert r.status_code == 409
    assert [r["kind"] for r in outbox(app)] == ["confirm"]


# ---------------------------------------------------------------- sending

def test_the_worker_sends_through_twilio_and_records_the_sid(app, take, worker, http):
    take("caja", phone=PHONE)
    http.queue(created("SM" + "1" * 32))
    assert worker.run_once() == 1
    [request] = http.sent()
    assert request.url == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request.data["To"] == PHONE and request.data["From"] == "+15005550006"
    [row] = outbox(app)
    assert request.data["Body"] == row["body"]
    assert request.data["StatusCallback"] == f"http://turnero.test/twilio/status?outbox={row['id']}"
    assert (row["status"], row["provider_sid"], row["attempts"]) == ("sent", "SM" + "1" * 32, 1)
    assert worker.run_once() == 0 and len(http.requests) == 1  # never twice


def test_a_provider_error_is_retried_with_backoff(app, take, worker, http, clock):
    take("caja", phone=PHONE)
    http.queue(provider_error(500), provider_error(503, 20503, "Service Unavailable"), created("SM" + "2" * 32))
    worker.run_once()
    [row] = outbox(app)
    assert row["status"] == "queued" and row["attempts"] == 1 and "500" in row["error"]
    assert row["next_attempt_at"] == clock.now + backoff(1)
    assert worker.run_once() == 0  # not due yet
    clock.advance(seconds=15)
    worker.run_once()
    [row] = outbox(app)
    assert row["attempts"] == 2 and row["next_attempt_at"] == clock.now + backoff(2) == clock.now + timedelta(seconds=30)
    clock.advance(seconds=30)
    worker.run_once()
    [row] = outbox(app)
    assert (row["status"], row["attempts"], row["error"]) == ("sent", 3, None)
    assert len(http.sent()) == 3


def test_backoff_grows_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [15, 30, 60, 120]
    assert backoff(50) == timedelta(minutes=30)


def test_a_message_is_given_up_after_the_last_attempt(app, take, worker, http, clock):
    take("caja", phone=PHONE)
    for _ in range(MAX_ATTEMPTS):
        http.queue(provider_error(500))
        worker.run_once()
        clock.advance(hours=1)
    [row] = outbox(app)
    assert (row["status"], row["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert worker.run_once() == 0


def test_a_refused_number_fails_at_once_and_an_unsubscribed_one_is_opted_out(app, take, worker, http):
    take("caja", phone=PHONE)
    http.queue(provider_error(400, 21610, "Attempt to send to unsubscribed recipient"))
    worker.run_once()
    [row] = outbox(app)
    assert row["status"] == "failed" and "21610" in row["error"]
    with app.extensions["turnero.db"].unit_of_work() as uow:
        assert uow.session.scalar(select(Customer.opted_out).where(Customer.phone == PHONE)) is True


def test_a_timeout_is_checked_with_twilio_before_any_resend(app, take, worker, http, clock):
    take("caja", phone=PHONE)
    http.queue(timeout())
    worker.run_once()
    [row] = outbox(app)
    assert row["status"] == "queued" and row["uncertain_since"] is not None and "Timeout" in row["error"]
    # Twilio had it after all: the next attempt finds it and does not send it again.
    http.queue(message_list(listed("SM" + "3" * 32, PHONE, row["body"])))
    clock.advance(seconds=15)
    worker.run_once()
    [row] = outbox(app)
    assert (row["status"], row["provider_sid"]) == ("sent", "SM" + "3" * 32)
    assert len(http.sent()) == 1 and http.requests[-1].method == "GET"
    assert http.requests[-1].params["To"] == PHONE


def test_a_timeout_that_never_reached_twilio_is_sent_again(app, take, worker, http, clock):
    take("caja", phone=PHONE)
    http.queue(timeout(), message_list(listed("SM" + "9" * 32, PHONE, "some other message")),
               created("SM" + "4" * 32))
    worker.run_once()
    clock.advance(seconds=15)
    worker.run_once()
    [row] = outbox(app)
    assert (row["status"], row["provider_sid"], row["attempts"]) == ("sent", "SM" + "4" * 32, 2)
    assert len(http.sent()) == 2


def test_a_worker_that_died_mid_send_leaves_the_message_to_be_checked_not_resent(app, take, http, clock):
    take("caja", phone=PHONE)
    backend = TwilioBackend(ACCOUNT, "secret-token", "+15005550006", http_client=http)
    crashed = OutboxWorker(app, backend=backend, clock=clock)
    [claimed] = crashed.claim()  # marked sending; then the process died before recording anything
    assert outbox(app)[0]["status"] == "sending"
    successor = OutboxWorker(app, backend=backend, clock=clock)
    assert successor.run_once() == 0  # the claim still holds
    clock.advance(seconds=CLAIM_S + 1)
    http.queue(message_list(listed("SM" + "5" * 32, PHONE, claimed.body)))
    assert successor.run_once() == 1
    [row] = outbox(app)
    assert (row["status"], row["provider_sid"]) == ("sent", "SM" + "5" * 32)
    assert http.sent() == []  # found at Twilio: nothing sent twice


def test_a_message_to_a_number_that_opted_out_meanwhile_is_not_sent(app, take, worker, http):
    take("caja", phone=PHONE)
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        uow.session.scalar(select(Customer).where(Customer.phone == PHONE)).opted_out = True
        uow.commit()
    worker.run_once()
    assert http.requests == [] and outbox(app)[0]["status"] == "failed"


def test_the_console_backend_delivers_without_a_network(app, take):
    take("caja", phone=PHONE)
    OutboxWorker(app, backend=ConsoleBackend()).run_once()
    [row] = outbox(app)
    assert row["status"] == "delivered" and row["provider_sid"].startswith("SMconsole")


# ---------------------------------------------------------------- delivery reports

def test_status_callbacks_mark_delivered_and_never_go_back(app, take, worker, http, client):
    take("caja", phone=PHONE)
    http.queue(created("SM" + "6" * 32))
    worker.run_once()
    [row] = outbox(app)
    token, base = settings(app).auth_token, settings(app).public_url
    path = f"/twilio/status?outbox={row['id']}"
    form = {"MessageSid": "SM" + "6" * 32, "MessageStatus": "delivered", "AccountSid": ACCOUNT}
    assert post_signed(client, path, form, token, base, forge=True).status_code == 403
    assert outbox(app)[0]["status"] == "sent"
    assert post_signed(client, path, form, token, base).status_code == 204
    assert outbox(app)[0]["status"] == "delivered"
    late = {**form, "MessageStatus": "sent"}
    assert post_signed(client, path, late, token, base).status_code == 204
    assert outbox(app)[0]["status"] == "delivered"


def test_a_callback_for_a_message_whose_answer_was_lost_prevents_a_resend(app, take, worker, http, client, clock):
    take("caja", phone=PHONE)
    http.queue(timeout())
    worker.run_once()
    [row] = outbox(app)
    form = {"MessageSid": "SM" + "8" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    r = post_signed(client, f"/twilio/status?outbox={row['id']}", form, settings(app).auth_token,
                    settings(app).public_url)
    assert r.status_code == 204
    clock.advance(minutes=5)
    assert worker.run_once() == 0
    [row] = outbox(app)
    assert (row["status"], row["provider_sid"]) == ("failed", "SM" + "8" * 32) and "30003" in row["error"]
    assert len(http.sent()) == 1


# ---------------------------------------------------------------- staff

def test_staff_see_a_tickets_messages(app, take, call, client, agent, worker, http):
    ticket = take("caja", phone=PHONE)
    call()
    http.queue(created("SM" + "a" * 32), created("SM" + "b" * 32))
    worker.run_once()
    r = client.get(f"/api/v1/tickets/{ticket['id']}/messages", headers=agent)
    assert r.status_code == 200
    body = r.get_json()
    assert [(m["direction"], m["kind"], m["status"]) for m in body] == [
        ("out", "confirm", "sent"), ("out", "called", "sent")]
    assert body[0]["phone"] == PHONE and body[0]["channel"] == "sms"
    assert client.get(f"/api/v1/tickets/{ticket['id']}/messages").status_code == 401
    assert client.get("/api/v1/tickets/not-a-uuid/messages", headers=agent).status_code == 404


def test_two_workers_at_once_send_each_message_exactly_once(app, take):
    import threading
    for n in range(12):
        take("caja", phone=f"+5255000011{n:02d}")
    http = RecordingHttpClient(default=created())
    backend = TwilioBackend(ACCOUNT, "secret-token", "+15005550006", http_client=http)
    workers = [OutboxWorker(app, backend=backend, batch=2) for _ in range(2)]
    start = threading.Barrier(2)

    def drain(worker):
        start.wait()
        while worker.run_once():
            pass
    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    sent_to = sorted(r.data["To"] for r in http.sent())
    assert sent_to == sorted(f"+5255000011{n:02d}" for n in range(12))
    assert {r["status"] for r in outbox(app)} == {"sent"}


def test_a_phone_left_after_taking_the_turn_gets_the_confirmation(app, take, client):
    ticket = take("caja")
    r = client.post(f"/api/v1/tickets/{ticket['token']}/phone", json={"phone": "55 1234 5678"})
    assert r.status_code == 200, r.get_json()
    [row] = outbox(app)
    assert row["kind"] == "confirm" and row["phone"] == PHONE and ticket["code"] in row["body"]


# ---------------------------------------------------------------- several workers, and reports that race a send

def test_a_late_answer_of_a_worker_that_lost_its_claim_changes_nothing(app, take, http, clock):
    """The record is the claim holder's: a worker that stalled past its claim, whose
    message another worker then checked and sent, cannot mark it failed when its own
    answer finally comes (the "changed hands" guard)."""
    take("caja", phone=PHONE)
    backend = TwilioBackend(ACCOUNT, "secret-token", "+15005550006", http_client=http)
    stalled_worker = OutboxWorker(app, backend=backend, clock=clock)
    [stalled] = stalled_worker.claim()
    clock.advance(seconds=CLAIM_S + 1)
    http.queue(message_list(), created("SM" + "6" * 32))  # not at Twilio yet: the second worker sends it
    assert OutboxWorker(app, backend=backend, clock=clock).run_once() == 1
    http.queue(provider_error(400, 21211, "The 'To' number is not valid"))
    stalled_worker.deliver(stalled)  # the stalled send ends, refused
    [row] = outbox(app)
    assert (row["status"], row["provider_sid"], row["error"], row["claim"]) == ("sent", "SM" + "6" * 32, None, None)


def test_a_delivery_report_that_arrives_before_the_send_returns_is_kept(app, client, take, http, clock):
    take("caja", phone=PHONE)
    worker = OutboxWorker(app, backend=TwilioBackend(ACCOUNT, "secret-token", "+15005550006", http_client=http),
                          clock=clock)
    [item] = worker.claim()
    sid = "SM" + "7" * 32
    report = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": ACCOUNT}
    r = post_signed(client, f"/twilio/status?outbox={item.id}", report, settings(app).auth_token,
                    settings(app).public_url)
    assert r.status_code == 204
    http.queue(created(sid))
    worker.deliver(item)
    [row] = outbox(app)
    assert (row["status"], row["provider_sid"]) == ("delivered", sid)  # "sent" never overwrote "delivered"
    assert len(http.sent()) == 1


def test_a_report_that_arrives_while_the_send_times_out_stops_any_retry(app, client, take, http, clock):
    take("caja", phone=PHONE)
    worker = OutboxWorker(app, backend=TwilioBackend(ACCOUNT, "secret-token", "+15005550006", http_client=http),
                          clock=clock)
    [item] = worker.claim()
    sid = "SM" + "8" * 32
    r = post_signed(client, f"/twilio/status?outbox={item.id}", {"MessageSid": sid, "MessageStatus": "sent"},
                    settings(app).auth_token, settings(app).public_url)
    assert r.status_code == 204
    http.queue(timeout())
    worker.deliver(item)
    [row] = outbox(app)
    assert (row["status"], row["provider_sid"], row["uncertain_since"]) == ("sent", sid, None)
    clock.advance(minutes=60)
    assert worker.run_once() == 0 and len(http.sent()) == 1  # nothing left to send


def test_turnero_worker_once_sends_what_is_due(app, take, runner):
    take("caja", phone=PHONE)  # its confirmation waits in the outbox
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 messages handled"
    [row] = outbox(app)
    assert (row["status"], row["kind"]) == ("delivered", "confirm")  # the console backend delivers at once
    assert runner.invoke(args=["worker", "--once"]).output.strip() == "0 messages handled"
