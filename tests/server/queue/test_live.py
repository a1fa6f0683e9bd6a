"""The production server (`turnero serve`, gevent) in real processes: WebSocket
clients, keep-alive HTTP, and two processes sharing events through Redis."""
import threading
from collections import Counter as Tally
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests
import socketio
from conftest import DEMO_PASSWORD, REDIS_URL, wait_until

pytestmark = pytest.mark.live


def prepare(server, kiosk=False):
    server.cli("db", "upgrade")
    server.cli("demo", "--password", DEMO_PASSWORD)
    if kiosk:
        return server.cli("device", "add", "--branch", "centro", "--kind", "kiosk").strip().splitlines()[-1]
    return None


def in_progress(server) -> float:
    """How many requests the server is answering now (its /metrics gauge)."""
    body = requests.get(f"{server.url}/metrics", timeout=5).text
    return float(next(line.split()[1] for line in body.splitlines()
                      if line.startswith("turnero_http_requests_in_progress ")))


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
    kiosk = prepare(a, kiosk=True)
    a.start()
    b.start()
    codes = issue_through([a.url, b.url], total=160, threads=16, kiosk=kiosk)
    assert len(codes) == 160 and [c for c, n in Tally(codes).items() if n > 1] == []


def issue_through(bases, total, threads, kiosk):
    """`total` tickets taken by `threads` kiosks at once, spread over the processes at
    `bases` (as kiosks, which serve a whole branch: no per-address join limit)."""
    def worker(i):
        base = bases[i % len(bases)]
        codes = []
        with requests.Session() as http:
            for k in range(total // threads):
                r = http.post(f"{base}/api/v1/branches/centro/tickets", headers={"Authorization": f"Bearer {kiosk}"},
                              json={"service": "caja" if (i + k) % 2 else "plataforma"}, timeout=30)
                assert r.status_code == 201, r.text
                codes.append(r.json()["code"])
        return codes
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
    kiosk = prepare(a, kiosk=True)
    a.start()
    b.start()
    listener = Listener(a.url)  # connected to process A
    try:
        codes = issue_through([a.url, b.url], total=120, threads=12, kiosk=kiosk)
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
        # The server has the request and is inside it (waiting for the lock) before we go on.
        assert wait_until(lambda: in_progress(server) == 1, 10), "the ticket request never reached the server"
        # If waiting froze the event loop, this would not be answered until the lock
        # is released, which happens only after it returns: it would time out.
        assert requests.get(f"{server.url}/api/v1/branches/centro", timeout=8).ok
        assert writer.is_alive() and in_progress(server) == 1  # still waiting, and nothing else is
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    writer.join(30)
    assert result["r"].status_code == 201


@pytest.mark.redis
@pytest.mark.postgres
def test_counters_on_two_processes_racing_call_next_never_call_one_ticket_twice(live_server_factory, pg_url):
    """Six counters, three on each of two `turnero serve` processes (PostgreSQL and
    Redis, as a chain runs it), call at once, round after round: every ticket is
    called exactly once, and the lobby on one process hears every call."""
    from conftest import wipe
    from sqlalchemy import create_engine, text
    engine = create_engine(pg_url)
    wipe(engine)
    a = live_server_factory(pg_url, redis_url=REDIS_URL)
    b = live_server_factory(pg_url, redis_url=REDIS_URL)
    kiosk = prepare(a, kiosk=True)
    a.start()
    b.start()
    staff = staff_headers(a.url)
    counters = [f"r{i}" for i in range(6)]
    with engine.begin() as conn:  # six closed counters serving caja, opened below through the API
        branch, service = conn.execute(text("SELECT b.id, s.id FROM branches b JOIN services s ON s.branch_id = b.id "
                                            "WHERE b.slug = 'centro' AND s.slug = 'caja'")).one()
        for slug in counters:
            counter = conn.execute(text("INSERT INTO counters (branch_id, slug, name, state) "
                                        "VALUES (:b, :s, :s, 'closed') RETURNING id"), {"b": branch, "s": slug}).scalar()
            conn.execute(text("INSERT INTO counter_services (counter_id, service_id) VALUES (:c, :s)"),
                         {"c": counter, "s": service})
    for i, slug in enumerate(counters):
        requests.post(f"{(a.url, b.url)[i % 2]}/api/v1/branches/centro/counters/{slug}/open", headers=staff,
                      timeout=10).raise_for_status()
    listener = Listener(a.url)
    rounds, per_round = 8, 18
    called: list[str] = []
    try:
        for _ in range(rounds):
            issued = issue_through([a.url, b.url], total=per_round, threads=6, kiosk=kiosk)
            caja = [c for c in issued if c.startswith("A")]
            start = threading.Barrier(len(counters))

            def call_all(i):
                base = (a.url, b.url)[i % 2]
                got = []
                start.wait(30)
                with requests.Session() as http:
                    while True:
                        r = http.post(f"{base}/api/v1/branches/centro/counters/{counters[i]}/call-next",
                                      headers=staff, timeout=30)
                        if r.status_code == 204:
                            return got
                        assert r.status_code == 200, r.text
                        got.append(r.json()["code"])
            with ThreadPoolExecutor(len(counters)) as pool:
                got = [c for chunk in pool.map(call_all, range(len(counters))) for c in chunk]
            assert sorted(got) == sorted(caja)  # each caja ticket of the round once; plataforma is not theirs
            called.extend(got)
        assert len(called) == len(set(called))
        with engine.connect() as conn:
            twice = conn.execute(text("SELECT ticket_seq FROM ticket_events WHERE kind = 'called' "
                                      "GROUP BY ticket_seq HAVING count(*) > 1")).all()
        assert twice == []
        assert wait_until(lambda: len(listener.calls) >= len(called), 20)
        assert sorted(c["code"] for c in listener.calls) == sorted(called)
    finally:
        listener.close()
        engine.dispose()


def test_a_flood_of_joins_does_not_hold_up_the_counters(live_server_factory, tmp_path):
    """One script sends 5,000 joins as fast as it can; meanwhile an agent calls
    tickets taken at the kiosk. The script gets its budget and then 429s; every call
    the agent makes is answered while the flood still runs (none waits for it to
    end), and the line holds only the budget's worth of the script's tickets."""
    server = live_server_factory(f"sqlite:///{tmp_path}/flood.db")
    kiosk = prepare(server, kiosk=True)
    server.start()
    staff = staff_headers(server.url)
    requests.post(f"{server.url}/api/v1/branches/centro/counters/v1/open", headers=staff, timeout=10).raise_for_status()
    for _ in range(30):  # real customers, at the kiosk
        requests.post(f"{server.url}/api/v1/branches/centro/tickets", json={"service": "caja"},
                      headers={"Authorization": f"Bearer {kiosk}"}, timeout=10).raise_for_status()
    statuses: Tally = Tally()
    flood_done = threading.Event()

    def flood(n):
        with requests.Session() as http:
            for _ in range(n):
                statuses[http.post(f"{server.url}/api/v1/branches/centro/tickets", json={"service": "caja"},
                                   timeout=30).status_code] += 1
    calls = []

    def agent():
        with requests.Session() as http:
            while not flood_done.is_set() and len(calls) < 20:
                r = http.post(f"{server.url}/api/v1/branches/centro/counters/v1/call-next", headers=staff, timeout=30)
                calls.append((r.status_code, flood_done.is_set()))
    with ThreadPoolExecutor(9) as pool:
        floods = [pool.submit(flood, 625) for _ in range(8)]
        caller = pool.submit(agent)
        for f in floods:
            f.result()
        flood_done.set()
        caller.result()
    assert sum(statuses.values()) == 5000 and set(statuses) == {201, 429}
    from limits import parse_many

    from turnero.config import DEFAULT_JOIN_RATE_LIMIT
    assert statuses[201] == min(limit.amount for limit in parse_many(DEFAULT_JOIN_RATE_LIMIT))
    assert len(calls) >= 5 and all(status == 200 for status, _ in calls)
    assert not any(ended for _, ended in calls[:-1]), "the agent's calls waited for the flood to end"
