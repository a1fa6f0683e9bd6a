"""Followers on two `turnero serve` processes sharing PostgreSQL and Redis: each
process updates the tickets its own clients follow, and after every kind of change
every follower shows exactly the place the rows say, and what the ticket's page says."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio
from conftest import REDIS_URL, wait_until
from sqlalchemy import create_engine, text
from test_live import prepare, staff_headers

pytestmark = [pytest.mark.live, pytest.mark.redis, pytest.mark.postgres]

ROOMS_PER_CLIENT = 20  # live.MAX_ROOMS


class Follower:
    """One Socket.IO connection following up to 20 tickets; keeps each one's last view."""

    def __init__(self, base, tokens):
        self.last: dict[str, dict] = {}
        self.strangers: list[str] = []
        self.ids: set[str] = set()
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("ticket.update", self._update)
        self.sio.connect(base, transports=["websocket"], wait_timeout=10)
        for token in tokens:
            ack = self.sio.call("subscribe", {"ticket": token}, timeout=10)
            assert ack["ok"], ack
            with self.lock:
                self.ids.add(ack["ticket"]["id"])
                self.last.setdefault(ack["ticket"]["id"], {k: v for k, v in ack["ticket"].items()
                                                           if k not in ("token", "track_url")})

    def _update(self, view):
        with self.lock:
            if view["id"] not in self.ids:
                self.strangers.append(view["id"])
            self.last[view["id"]] = view

    def close(self):
        self.sio.disconnect()


def test_followers_on_two_processes_end_with_their_exact_place(live_server_factory, pg_url):
    from conftest import wipe
    engine = create_engine(pg_url)
    wipe(engine)
    a = live_server_factory(pg_url, redis_url=REDIS_URL)
    b = live_server_factory(pg_url, redis_url=REDIS_URL)
    kiosk = {"Authorization": f"Bearer {prepare(a, kiosk=True)}"}
    a.start()
    b.start()
    bases = (a.url, b.url)
    staff = staff_headers(a.url)
    api = "/api/v1"
    followers: list[Follower] = []

    def take(i, service, **body):
        r = requests.post(f"{bases[i % 2]}{api}/branches/centro/tickets", headers=kiosk,
                          json={"service": service, **body}, timeout=10)
        assert r.status_code == 201, r.text
        return r.json()

    def post(i, path, **kwargs):
        r = requests.post(f"{bases[i % 2]}{api}{path}", headers=staff, timeout=10, **kwargs)
        assert r.status_code in (200, 204), r.text
        return r.json() if r.status_code == 200 else None

    def places():
        """Every waiting ticket's place, sorted here from the rows (not by the server)."""
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, service_id, sort_at, seq FROM tickets WHERE status = 'waiting'")).all()
        result, seen = {}, {}
        for row in sorted(rows, key=lambda r: (r.sort_at, r.seq)):
            result[row.id] = seen.get(row.service_id, 0)
            seen[row.service_id] = result[row.id] + 1
        return result

    def all_right():
        expected = places()
        for f in followers:
            with f.lock:
                if any(view["ahead"] != expected.get(ticket_id) for ticket_id, view in f.last.items()):
                    return False
        return True

    def check(step):
        assert wait_until(all_right, 20), f"after {step}: {wrong_ones()}"
        for f in followers[::3]:  # and what the ticket's own page says, on the other process
            for ticket_id, view in list(f.last.items())[:5]:
                page = requests.get(f"{b.url}{api}/tickets/{tokens[ticket_id]}", timeout=10).json()
                page.pop("token"), page.pop("track_url")
                assert view == page, step

    def wrong_ones():
        expected = places()
        wrong = [(v["code"], v["ahead"], expected.get(tid)) for f in followers for tid, v in f.last.items()
                 if v["ahead"] != expected.get(tid)]
        return f"{len(wrong)} followers show a wrong place (code, shown, right), e.g. {wrong[:8]}"

    try:
        with ThreadPoolExecutor(8) as pool:  # kiosks on both processes at once; places are read from the rows
            caja = list(pool.map(lambda i: take(i, "caja"), range(200)))
            plataforma = list(pool.map(lambda i: take(i, "plataforma"), range(100)))
            everyone = caja + plataforma
            tokens = {t["id"]: t["token"] for t in everyone}
            watched = everyone[::2] + everyone[1:10:2]
            chunks = [[t["token"] for t in watched[start:start + ROOMS_PER_CLIENT]]
                      for start in range(0, len(watched), ROOMS_PER_CLIENT)]
            followers.extend(pool.map(lambda n: Follower(bases[n % 2], chunks[n]), range(len(chunks))))
        assert {i for f in followers for i in f.ids} == {t["id"] for t in watched}
        post(0, "/branches/centro/counters/v1/open")
        post(1, "/branches/centro/counters/v3/open")
        check("opening counters")
        for i in range(6):
            post(i, "/branches/centro/counters/v1/call-next")
            post(i + 1, "/branches/centro/counters/v3/call-next")
        check("calls on both processes")
        for i, t in enumerate((caja[40], caja[41], caja[150], plataforma[30])):
            r = requests.post(f"{bases[i % 2]}{api}/tickets/{t['token']}/cancel", timeout=10)
            assert r.status_code == 200, r.text
        check("cancels")
        for i, (t, to) in enumerate(((caja[60], "plataforma"), (caja[170], "plataforma"), (plataforma[80], "caja"))):
            post(i, f"/tickets/{t['id']}/transfer", json={"service": to})
        check("transfers")
        for i, service in enumerate(("caja", "plataforma", "caja")):
            joined = take(i, service, priority=True)
            assert joined["priority"] is True and joined["ahead"] < 60
        check("priority joins")
        for i, (t, priority) in enumerate(((caja[120], True), (plataforma[70], True), (caja[120], False))):
            post(i, f"/tickets/{t['id']}/priority", json={"priority": priority})
        check("priority given and taken")
        called = post(0, "/branches/centro/counters/v1/call-next")
        post(1, f"/tickets/{called['id']}/no-show")
        post(0, f"/tickets/{called['id']}/requeue")
        check("a no-show put back")
        post(1, "/branches/centro/counters/v3/close")
        check("a counter closed")
        assert [s for f in followers for s in f.strangers] == []  # no one heard of a ticket it does not follow
    finally:
        with ThreadPoolExecutor(8) as pool:  # each disconnect waits a few seconds for its reader to end
            list(pool.map(Follower.close, followers))
        engine.dispose()
