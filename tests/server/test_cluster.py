"""`scripts/cluster --processes 2`: two `turnero serve` processes on PostgreSQL and
Redis behind nginx (deploy/nginx/turnero.conf), played as customers, staff and screens
meet it: everything through nginx, except the calls, made straight at each process
so that one of them is surely not the process holding the listener's connection.
Then a process dies under a live client, which reconnects through nginx to the other
and catches up. The cluster stops cleanly on SIGTERM."""
import os
import re
import signal
import subprocess
import threading
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from conftest import PHONE, REDIS_URL, ROOT, free_port, own_pg_database, wait_until
from socket_helpers import listener

pytestmark = [pytest.mark.live, pytest.mark.postgres, pytest.mark.redis]

STATIC = ROOT / "server" / "turnero" / "static"


class RunningCluster:
    """scripts/cluster in its own process; its printed URLs, ports, password, tokens."""

    def __init__(self, tmp_path: Path, db_url: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TURNERO_")}
        env.update(TURNERO_DATABASE_URL=db_url, TURNERO_REDIS_URL=REDIS_URL,
                   TURNERO_SOCKETIO_CHANNEL=f"turnero-cluster-test-{os.getpid()}-{self.port}")
        self.proc = subprocess.Popen([str(ROOT / "scripts" / "cluster"), "--processes", "2", "--port", str(self.port),
                                      "--instance", str(tmp_path / "instance")], env=env, cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if not wait_until(lambda: self.ready.is_set() or self.proc.poll() is not None, 120):
            self.stop()
            pytest.fail("scripts/cluster did not start in 2 minutes:\n" + self.output)
        if not self.ready.is_set():
            pytest.fail(f"scripts/cluster exited with {self.proc.returncode}:\n" + self.output)
        self.processes = [(int(port), int(pid), Path(log)) for port, pid, log in
                          re.findall(r"process \d: http://127\.0\.0\.1:(\d+) \(pid (\d+), log (\S+)\)", self.output)]
        self.password = re.search(r"password: (\S+)", self.output).group(1)
        self.kiosk = re.search(r"Kiosk token: +(\S+)", self.output).group(1)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)
            if "stop with Ctrl-C" in line:
                self.ready.set()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        finally:
            self.reader.join(10)
            self.proc.stdout.close()


@pytest.fixture
def cluster(tmp_path):
    with own_pg_database("turnero_cluster") as db_url:
        running = None
        try:
            running = RunningCluster(tmp_path, db_url)
            yield running
            # Stopping: SIGTERM stops nginx and every process, and says so.
            assert running.stop() == 0, running.output
            assert running.output.rstrip().endswith("stopped")
            for _port, pid, _log in running.processes:
                assert not Path(f"/proc/{pid}").exists()
        finally:
            if running is not None and running.proc.poll() is None:
                running.stop()


def staff_headers(cluster) -> dict:
    r = requests.post(f"{cluster.url}/api/v1/auth/token", json={"username": "agente", "password": cluster.password},
                      timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def connections(port: int) -> int:
    metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return int(float(re.search(r"^turnero_socketio_clients (\S+)$", metrics, re.M).group(1)))


def resent(url: str, **kwargs) -> requests.Response:
    """POST, sent again (at most twice more) while nginx answers 502 Bad Gateway."""
    for _ in range(3):
        r = requests.post(url, timeout=10, **kwargs)
        if r.status_code != 502:
            break
    return r


def test_a_journey_through_nginx_sees_every_process(cluster, new_page):
    api = f"{cluster.url}/api/v1"
    staff = staff_headers(cluster)
    for counter in ("v1", "v2"):
        r = requests.post(f"{api}/branches/centro/counters/{counter}/open", headers=staff, timeout=10)
        assert r.status_code == 200, r.text
    lobby = listener(cluster.url)
    try:
        kiosk = {"Authorization": f"Bearer {cluster.kiosk}"}
        tickets = []
        for _ in range(2):
            r = requests.post(f"{api}/branches/centro/tickets", json={"service": "caja"}, headers=kiosk, timeout=10)
            assert r.status_code == 201, r.text
            tickets.append(r.json())
        assert [t["channel"] for t in tickets] == ["kiosk", "kiosk"]
        assert tickets[0]["track_url"].startswith(cluster.url + "/t/")

        # The tracking page loads through nginx and goes live.
        page = new_page(viewport=PHONE)
        page.goto(tickets[0]["track_url"])
        expect(page.locator(".code")).to_have_text(tickets[0]["code"])
        expect(page.locator("main [data-conn], footer [data-conn]").first).to_have_text("En vivo")

        # One call made on each process: the lobby and the page hear both.
        for (port, _pid, _log), counter in zip(cluster.processes, ("v1", "v2")):
            r = requests.post(f"http://127.0.0.1:{port}/api/v1/branches/centro/counters/{counter}/call-next",
                              headers=staff, timeout=10)
            assert r.status_code == 200, r.text
        assert wait_until(lambda: len(lobby.called) == 2, 20), lobby.called
        assert sorted(lobby.called) == sorted(t["code"] for t in tickets)
        expect(page.locator("[data-overlay]")).to_contain_text("Ventanilla 1")
        assert sum(connections(port) for port, _pid, _log in cluster.processes) >= 2  # the page and the lobby
    finally:
        lobby.disconnect()

    # nginx serves the static files itself (its ETag: modification time and size, in hex).
    path = "vendor/socket.io/socket.io.min.js"
    r = requests.get(f"{cluster.url}/static/{path}", headers={"Accept-Encoding": "identity"}, timeout=10)
    stat = (STATIC / path).stat()
    assert r.status_code == 200 and r.headers["ETag"] == f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'
    # The background jobs run in one process of the two.
    leaders = [log for _port, _pid, log in cluster.processes if "leads the background jobs" in log.read_text()]
    assert len(leaders) == 1, leaders


def test_a_client_whose_process_dies_reconnects_through_nginx_to_the_other_and_catches_up(cluster):
    api = f"{cluster.url}/api/v1"
    staff = staff_headers(cluster)
    requests.post(f"{api}/branches/centro/counters/v1/open", headers=staff, timeout=10).raise_for_status()
    lobby = listener(cluster.url, reconnection=True)
    try:
        holding = [(port, pid) for port, pid, _log in cluster.processes if connections(port) == 1]
        assert len(holding) == 1, holding
        port, pid = holding[0]
        os.kill(pid, signal.SIGKILL)
        # Meanwhile a customer takes a turn and it is called, through nginx (the other process).
        # A POST nginx had already handed to the dead process (on a kept-alive connection
        # it had not yet seen close) comes back 502: nginx never resends a POST itself.
        # Clients send again, a kiosk with the same Idempotency-Key.
        r = resent(f"{api}/branches/centro/tickets", json={"service": "caja"}, headers={"Idempotency-Key": "k-1"})
        assert r.status_code == 201, r.text
        code = r.json()["code"]
        r = resent(f"{api}/branches/centro/counters/v1/call-next", headers=staff)
        assert r.status_code == 200 and r.json()["code"] == code, r.text

        def caught_up() -> bool:
            if lobby.connects < 2 or len(lobby.snapshots) < 2:
                return False
            calling = [c["code"] for c in lobby.snapshots[-1]["state"]["calling"]]
            return code in lobby.called or code in calling
        # Reconnected (a second connect, a second snapshot), and the call is there: heard
        # live, or in the snapshot taken after it.
        assert wait_until(caught_up, 60), (lobby.connects, lobby.called, lobby.snapshots[-1:])
        others = [p for p, _pid, _log in cluster.processes if p != port]
        assert wait_until(lambda: connections(others[0]) == 1, 20)
        assert wait_until(lambda: f"process on port {port} exited" in cluster.output, 20), cluster.output
        # Nothing lost or doubled: one ticket today, called once.
        today = requests.get(f"{api}/branches/centro/tickets", headers=staff, timeout=10).json()
        assert [(t["code"], t["status"]) for t in today] == [(code, "called")]
    finally:
        lobby.disconnect()
