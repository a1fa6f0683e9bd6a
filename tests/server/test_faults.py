"""A part fails under running processes, and comes back: PostgreSQL stopped and started
again under `turnero serve`; Redis stopped and started again between two of them;
Twilio answering 500, then timing out, and a worker killed mid-send, under outbox
worker processes. Each test runs the real processes (a PostgreSQL and a Redis of its
own, tests/private_services.py; a fake Twilio over HTTP, tests/fake_twilio.py) and
takes seconds."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine

from conftest import ROOT, LiveServer, demo_app, own_pg_database, wait_until
from fake_twilio import FakeTwilio
from private_services import PrivatePostgres, PrivateRedis
from socket_helpers import listener
from turnero.migrate import upgrade

pytestmark = [pytest.mark.live, pytest.mark.postgres]


@pytest.fixture
def private_postgres():
    pg = PrivatePostgres()
    try:
        yield pg.start()
    finally:
        pg.remove()


@pytest.fixture
def private_redis():
    redis = PrivateRedis()
    try:
        yield redis.start()
    finally:
        redis.remove()


def demo_database(url: str, tmp_path):
    """An app of this process on the database, migrated and loaded with the demo data
    here (the tests' light password hashing, not seconds of a shared core in a
    `turnero demo` process); dispose of its database when done."""
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    return demo_app(url, tmp_path)


def started(server: LiveServer, tmp_path) -> LiveServer:
    demo_database(server.env["TURNERO_DATABASE_URL"], tmp_path).extensions["turnero.db"].dispose()
    return server.start()


def take(server: LiveServer, **headers) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/branches/centro/tickets", json={"service": "caja"},
                         headers=headers, timeout=10)


@pytest.mark.parametrize("stop", ["fast", "immediate"])  # as `systemctl stop`, as a crash
def test_postgresql_stopped_answers_503_at_once_and_started_again_serves_within_seconds(
        private_postgres, tmp_path, stop):
    server = started(LiveServer(private_postgres.url, tmp_path / "instance"), tmp_path)
    try:
        assert take(server).status_code == 201
        assert requests.get(f"{server.url}/healthz?full=1", timeout=10).json()["status"] == "ok"

        private_postgres.stop(stop)
        # Customers, in their language: a problem document for the API, a page for browsers.
        began = time.monotonic()
        r = take(server)
        assert time.monotonic() - began < 3, "a request must not hang while the database is down"
        assert r.status_code == 503 and r.headers["Retry-After"].isdigit(), r.text
        assert r.headers["Content-Type"].startswith("application/problem+json")
        assert "no se cambió nada" in r.json()["detail"]
        r = take(server, **{"Accept-Language": "en"})
        assert r.status_code == 503 and "nothing was changed" in r.json()["detail"]
        page = requests.get(f"{server.url}/b/centro/join", timeout=10)
        assert page.status_code == 503 and "Retry-After" in page.headers
        assert "no está disponible" in page.text and "Traceback" not in page.text
        # The monitor: the short answer and the full one both say 503.
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 503
        full = requests.get(f"{server.url}/healthz?full=1", timeout=10)
        assert full.status_code == 503 and full.json()["status"] == "down"
        assert full.json()["database"] == {"ok": False, "error": "OperationalError"}

        private_postgres.start()
        back = time.monotonic()
        assert wait_until(lambda: take(server).status_code == 201, 10, every_s=0.2), server.log.read_text()[-3000:]
        print(f"PostgreSQL back: a ticket issued {time.monotonic() - back:.2f} s after it started")
        assert requests.get(f"{server.url}/b/centro/join", timeout=10).status_code == 200
        assert requests.get(f"{server.url}/healthz?full=1", timeout=10).status_code == 200
        assert server.proc.poll() is None  # the same process all along
    finally:
        server.stop()


@pytest.fixture
def shared_database():
    """A database of the test's own on the machine's PostgreSQL (processes share it)."""
    with own_pg_database("turnero_faults") as url:
        yield url


@pytest.mark.redis
def test_redis_stopped_each_process_serves_its_own_clients_and_started_again_events_cross_again(
        shared_database, private_redis, tmp_path):
    a = LiveServer(shared_database, tmp_path / "a", redis_url=private_redis.url)
    b = LiveServer(shared_database, tmp_path / "b", redis_url=private_redis.url)
    with ThreadPoolExecutor(1) as pool:  # b starts while a's database is made ready
        starting_b = pool.submit(b.start)
        started(a, tmp_path)
        starting_b.result()
    lobbies = []
    t0 = time.monotonic()
    try:
        api_a, api_b = f"{a.url}/api/v1", f"{b.url}/api/v1"
        staff = a.staff("agente")  # a token is the database's: good at either process
        for counter in ("v1", "v2"):
            requests.post(f"{api_a}/branches/centro/counters/{counter}/open", headers=staff,
                          timeout=10).raise_for_status()
        lobby_a, lobby_b = listener(a.url), listener(b.url)
        lobbies += [lobby_a, lobby_b]
        print(f"two processes and their screens ready in {time.monotonic() - t0:.1f} s")

        def call(server_api: str, counter: str) -> dict:
            r = requests.post(f"{server_api}/branches/centro/counters/{counter}/call-next", headers=staff, timeout=10)
            assert r.status_code == 200, r.text
            return r.json()

        # Redis up: a call made on one process reaches the screens of both.
        assert take(a).status_code == 201
        first = call(api_a, "v1")["code"]
        assert wait_until(lambda: first in lobby_a.called and first in lobby_b.called, 10)

        private_redis.stop()
        # Each process goes on serving its own clients: turns taken (rate limits counted
        # in the process's memory meanwhile), calls made and heard by its own screens.
        for server_api, counter, own, other in ((api_a, "v1", lobby_a, lobby_b), (api_b, "v2", lobby_b, lobby_a)):
            began = time.monotonic()
            r = requests.post(f"{server_api}/branches/centro/tickets", json={"service": "caja"}, timeout=10)
            assert r.status_code == 201, r.text
            called = call(server_api, counter)
            code = called["code"]
            assert time.monotonic() - began < 3, "Redis down must not slow a process down"
            assert wait_until(lambda: code in own.called, 5), own.called
            assert code not in other.called  # nothing crosses without Redis
        assert requests.get(f"{b.url}/healthz?full=1", timeout=10).json()["status"] == "degraded"
        # A phone on process a follows a ticket that process b then calls: it does not hear it yet.
        r = requests.post(f"{api_b}/branches/centro/tickets", json={"service": "caja"}, timeout=10)
        assert r.status_code == 201, r.text
        followed = []
        lobby_a.emit("subscribe", {"ticket": r.json()["token"]}, callback=followed.append)
        assert wait_until(lambda: followed, 10) and followed[0]["ok"], followed
        called = call(api_b, "v2")
        code = called["code"]
        assert called["id"] == r.json()["id"] and wait_until(lambda: code in lobby_b.called, 5)
        assert code not in lobby_a.called and not lobby_a.updates

        private_redis.start()
        back = time.monotonic()
        # The clients of process a are brought up to date as soon as a listens again: the
        # screen gets the branch as it is now, with the call made on process b meanwhile,
        # and the phone its ticket, called.
        assert wait_until(lambda: any(code in [c["code"] for c in state["calling"]] for state in lobby_a.states), 10)
        assert wait_until(lambda: any(u["code"] == code and u["status"] == "called" for u in lobby_a.updates), 5), \
            lobby_a.updates
        print(f"Redis back: the screen on a up to date {time.monotonic() - back:.2f} s after it started")
        # Events cross again within seconds, with no process restarted: the last call
        # recalled on process b until the screen on process a hears it.
        heard = lambda: code in lobby_a.called  # noqa: E731
        while not heard() and time.monotonic() - back < 15:
            requests.post(f"{api_b}/tickets/{called['id']}/recall", headers=staff, timeout=10).raise_for_status()
            wait_until(heard, 0.5)
        assert heard(), "events of process b never reached process a after Redis came back"
        print(f"Redis back: events cross again {time.monotonic() - back:.2f} s after it started")
        assert requests.get(f"{a.url}/healthz?full=1", timeout=10).json()["status"] == "ok"
        assert a.proc.poll() is None and b.proc.poll() is None
    finally:
        for lobby in lobbies:
            lobby.disconnect()
        b.stop()
        a.stop()


class Outbox:
    """A database with the demo data and one queued text, a fake Twilio, and outbox
    worker processes started on them (tests/fake_twilio.py)."""

    def __init__(self, url: str, tmp_path):
        from turnero.messaging.outbox import enqueue
        self.tmp_path = tmp_path
        self.db = demo_database(url, tmp_path).extensions["turnero.db"]
        self.twilio = FakeTwilio(stall_s=2.5)
        self.env = {**os.environ, "TURNERO_DATABASE_URL": url, "TURNERO_INSTANCE_PATH": str(tmp_path / "worker"),
                    "TURNERO_SECRET_KEY": "worker-secret", "TURNERO_PUBLIC_URL": "http://turnero.test",
                    "TURNERO_SMS_BACKEND": "twilio", "TURNERO_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
                    "TURNERO_TWILIO_AUTH_TOKEN": "twilio-token", "TURNERO_TWILIO_FROM": "+15005550006",
                    "FAKE_TWILIO_TIMEOUT_S": "1", "FAKE_BACKOFF_S": "0.5", "FAKE_CLAIM_S": "3"}
        self.env.pop("TURNERO_ASYNC_MODE", None)
        self.workers: list[subprocess.Popen] = []
        with self.db.unit_of_work(write=True) as uow:
            message = enqueue(uow.session, phone="+525512345678", body="Su turno es A001", kind="issued")
            uow.commit()
            self.message_id = message.id

    def start_worker(self) -> subprocess.Popen:
        log = self.tmp_path / f"worker-{len(self.workers)}.log"
        with open(log, "wb") as out:
            worker = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fake_twilio.py"), self.twilio.url],
                                      env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        self.workers.append(worker)
        return worker

    def logs(self) -> str:
        return "".join(log.read_text()[-2000:] for log in sorted(self.tmp_path.glob("worker-*.log")))

    def message(self) -> dict:
        from turnero.messaging.models import OutboxMessage
        with self.db.unit_of_work() as uow:
            found = uow.session.get(OutboxMessage, self.message_id)
            return {"status": found.status, "provider_sid": found.provider_sid, "attempts": found.attempts,
                    "error": found.error}

    def wait_sent(self) -> None:
        # The workers are processes just started: on a slow, busy machine their start alone took 20 s.
        assert wait_until(lambda: self.message()["status"] == "sent", 60, every_s=0.2), (self.message(), self.logs())

    def close(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(10)
        self.twilio.close()
        self.db.dispose()


@pytest.fixture
def outbox(shared_database, tmp_path):
    made = Outbox(shared_database, tmp_path)
    try:
        yield made
    finally:
        made.close()


@pytest.mark.parametrize("timeout", ["stall", "stall-after-sending"])
def test_twilio_answering_500_then_timing_out_then_answering_sends_the_message_exactly_once(outbox, timeout):
    """An outbox worker process, the real twilio SDK over HTTP, a Twilio that fails twice.
    `stall`: the timed-out request sent nothing, so the message goes on the third try;
    `stall-after-sending`: Twilio had sent it and only its answer was lost, so the worker
    finds it in Twilio's list and does not send it again."""
    twilio = outbox.twilio
    twilio.script = [500, timeout]
    worker = outbox.start_worker()
    outbox.wait_sent()

    assert len(twilio.sent) == 1, twilio.sent  # exactly once
    sent = twilio.sent[0]
    assert (sent["to"], sent["body"]) == ("+525512345678", "Su turno es A001")
    assert outbox.message() == {"status": "sent", "provider_sid": sent["sid"], "attempts": 3, "error": None}
    creates = twilio.creates()
    assert len(creates) == (3 if timeout == "stall" else 2)
    # Before the third attempt the worker asked Twilio whether it had the message.
    asked = [s for s in twilio.seen if s.method == "GET"]
    assert len(asked) == 1 and asked[0].at > creates[1].at
    # Backoff: 0.5 s after the 500, then 1 s after the timeout (1 s) ended.
    assert creates[1].at - creates[0].at >= 0.5
    assert asked[0].at - creates[1].at >= 1 + 1
    assert worker.poll() is None


def test_a_worker_killed_while_twilio_sends_leaves_the_message_to_the_next_one_sent_once(outbox):
    """kill -9 of the worker process while Twilio holds its request (and sends the text):
    the message stays claimed until its claim runs out (3 s here, 2 min in production);
    the next worker asks Twilio first, finds it, and records it sent without sending it
    again."""
    twilio = outbox.twilio
    twilio.script = ["stall-after-sending"]
    twilio.stall_s = 30  # the answer never comes while the worker lives
    crashed = outbox.start_worker()
    assert wait_until(lambda: twilio.creates(), 60, every_s=0.1), outbox.logs()
    crashed.kill()
    crashed.wait(10)
    assert outbox.message()["status"] == "sending"

    outbox.start_worker()
    outbox.wait_sent()
    assert len(twilio.sent) == 1 and len(twilio.creates()) == 1, twilio.seen
    assert outbox.message()["provider_sid"] == twilio.sent[0]["sid"]
