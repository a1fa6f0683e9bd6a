"""The production server (`turnero serve`, gevent) in real processes: WebSocket
clients, keep-alive HTTP, and two processes sharing events through Redis."""
import threading
from collections import Counter as Tally
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests
import socketio
from conftest import DEMO_PASSWORD, REDIS_URL

pytestmark = pytest.mark.live


def prepare(server, kiosk=False):
    server.cli("db", "upgrade")
    server.cli("demo", "--password", DEMO_PASSWORD)
    if kiosk:
        return server.cli("device", "add", "--branch", "centro", "--kind", "kiosk").strip().splitlines()[-1]
    return None


def staff_headers(base):
    r = requests.post(f"{base}/api/v1/auth/token", json={"username": "agente", "password": DEMO_PASSWORD},
                      timeout=10)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


class Listener:
    """A Socket.IO client subscribed to a branch, collecting what it is told."""

    def __init__(self, base, branch="centro"):
        self.calls, self.states = [], []
        self.got_call = threading.Event()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("ticket.called", self._called)
        self.sio.on("branch.state", self.states.append)
        self.sio.connect(base, transports=["websocket"], wait_timeout=10)
        self.ack = self.sio.call("subscribe", {"branch": branch}, timeout=10)

    def _called(self, data):
        self.calls.append(data)
        self.got_call.set()

    def close(self):
        self.sio.disconnect()


def test_gevent_server_serves_the_api_and_pushes_calls_over_websocket(live_server_factory, tmp_path):
    server = live_server_factory(f"sqlite:///{tmp_path}/live.db")
    kiosk = prepare(server, kiosk=True)
    server.start()
    base = server.url
    listener = Listener(base)
    try:
        assert listener.ack["ok"] is True
        with requests.Session() as http:  # one keep-alive connection for all requests
            t = http.post(f"{base}/api/v1/branches/centro/tickets", json={"service": "caja"},
                          headers={"Authorization": f"Bearer {kiosk}"}, timeout=10).json()
            assert t["channel"] == "kiosk" and t["track_url"].startswith(base)
            staff = staff_headers(base)
            assert http.post(f"{base}/api/v1/branches/centro/counters/v1/open", headers=staff, timeout=10).ok
            called = http.post(f"{base}/api/v1/branches/centro/counters/v1/call-next", headers=staff,
                               timeout=10).json()
        assert listener.got_call.wait(10)
        assert listener.calls[0]["code"] == called["code"] == t["code"]
        assert listener.calls[0]["counter"] == {"id": "v1", "name": "Ventanilla 1"}
        seqs = [s["seq"] for s in listener.states]
        assert seqs == list(range(listener.ack["seq"] + 1, listener.ack["seq"] + 1 + len(seqs)))
        assert requests.get(f"{base}/", timeout=10).ok
        docs = requests.get(f"{base}/api/v1/docs", timeout=10).text
        assert requests.get(base + "/static/vendor/swagger-ui/swagger-ui-bundle.js", timeout=10).ok, docs[:200]
    finally:
        listener.close()


def test_data_survives_a_server_restart(live_server_factory, tmp_path):
    server = live_server_factory(f"sqlite:///{tmp_path}/restart.db")
    prepare(server)
    server.start()
    t = requests.post(f"{server.url}/api/v1/branches/centro/tickets", json={"service": "caja"}, timeout=10).json()
    server.stop()
    server.start()
    again = requests.get(f"{server.url}/api/v1/tickets/{t['token']}", timeout=10).json()
    assert again["code"] == t["code"] and again["status"] == "waiting"


def test_two_processes_on_one_sqlite_file_never_share_a_code(live_server_factory, tmp_path):
    url = f"sqlite:///{tmp_path}/shared.db"
    a, b = live_server_factory(url), live_server_factory(url)
    prepare(a)
    a.start()
    b.start()
    codes = issue_through([a.url, b.url], total=160, threads=16)
    assert len(codes) == 160 and [c for c, n in Tally(codes).items() if n > 1] == []


def issue_through(bases, total, threads):
    def worker(i):
        base = bases[i % len(bases)]
        with requests.Session() as http:
            return [http.post(f"{base}/api/v1/branches/centro/tickets",
                              json={"service": "caja" if (i + k) % 2 else "plataforma"}, timeout=30).json()["code"]
                    for k in range(total // threads)]
    with ThreadPoolExecutor(threads) as pool:
        return [c for chunk in pool.map(worker, range(threads)) for c in chunk]


@pytest.mark.redis
@pytest.mark.postgres
def test_two_processes_share_events_through_redis(live_server_factory, pg_url):
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is required at {REDIS_URL}: {exc}", pytrace=False)
    from conftest import wipe
    from sqlalchemy import create_engine
    engine = create_engine(pg_url)
    wipe(engine)
    engine.dispose()
    a = live_server_factory(pg_url, redis_url=REDIS_URL)
    b = live_server_factory(pg_url, redis_url=REDIS_URL)
    prepare(a)
    a.start()
    b.start()
    listener = Listener(a.url)  # connected to process A
    try:
        codes = issue_through([a.url, b.url], total=120, threads=12)
        assert [c for c, n in Tally(codes).items() if n > 1] == []
        staff = staff_headers(b.url)
        requests.post(f"{b.url}/api/v1/branches/centro/counters/v2/open", headers=staff, timeout=10).raise_for_status()
        called = requests.post(f"{b.url}/api/v1/branches/centro/counters/v2/call-next", headers=staff,
                               timeout=10).json()  # acted on process B
        assert listener.got_call.wait(10), "the call made on process B never reached process A's client"
        assert listener.calls[0]["code"] == called["code"]
        # Both processes read the same line.
        ta = requests.get(f"{a.url}/api/v1/branches/centro", timeout=10).json()
        tb = requests.get(f"{b.url}/api/v1/branches/centro", timeout=10).json()
        assert ta["services"] == tb["services"] and ta["seq"] == tb["seq"]
    finally:
        listener.close()


def test_a_write_waiting_for_another_process_does_not_freeze_the_server(live_server_factory, tmp_path):
    """Another process holds SQLite's write lock: a ticket request waits for it, and
    meanwhile the same gevent server still answers other requests."""
    import sqlite3
    path = tmp_path / "locked.db"
    server = live_server_factory(f"sqlite:///{path}")
    prepare(server)
    server.start()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    result = {}
    writer = threading.Thread(target=lambda: result.update(r=requests.post(
        f"{server.url}/api/v1/branches/centro/tickets", json={"service": "caja"}, timeout=30)))
    try:
        writer.start()
        writer.join(0.5)
        assert writer.is_alive(), "the write should be waiting for the lock"
        # If waiting froze the event loop, this would not be answered until the lock
        # is released, which happens only after it returns: it would time out.
        assert requests.get(f"{server.url}/api/v1/branches/centro", timeout=8).ok
        assert writer.is_alive()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    writer.join(30)
    assert result["r"].status_code == 201
