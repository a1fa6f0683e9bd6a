"""Helpers for the Qt tests (no tests here): a staff member driving a real server
over HTTP (and the `staff` fixture, with nobody waiting or called), a Socket.IO
transport whose network can be cut, and a wait for a window's layout to settle.

Fixtures here are imported by name into the test modules that use them (a
tests/qt/conftest.py would take the name `conftest` from tests/conftest.py for
every module collected after it)."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading  # noqa: E402

import pytest  # noqa: E402
import requests  # noqa: E402
import socketio  # noqa: E402
from PySide6.QtWidgets import QLayout, QWidget  # noqa: E402

from turnero_qt import Backoff, SocketIOTransport  # noqa: E402

FAST = Backoff(first=0.2, factor=1.5, maximum=1.0, jitter=0.1)


class Staff:
    """An agent at a real server: takes, calls and recalls tickets through the REST API."""

    def __init__(self, base: str, password: str, username: str = "agente"):
        self.base = base
        self.http = requests.Session()
        r = self.http.post(f"{base}/api/v1/auth/token", json={"username": username, "password": password},
                           timeout=10)
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['token']}"

    def _post(self, path: str, **kwargs):
        return self.request("POST", path, **kwargs)

    def request(self, method: str, path: str, **kwargs):
        """`method` /api/v1`path` as this staff member; the answer's JSON (None when empty)."""
        r = self.http.request(method, f"{self.base}/api/v1{path}", timeout=15, **kwargs)
        assert r.status_code < 300, (path, r.status_code, r.text)
        return r.json() if r.content else None

    def tickets(self, branch: str = "centro") -> list[dict]:
        """The branch's tickets of the day, as the staff console lists them."""
        return self.request("GET", f"/branches/{branch}/tickets")

    def open(self, counter: str, branch: str = "centro"):
        return self._post(f"/branches/{branch}/counters/{counter}/open")

    def take(self, service: str = "caja", branch: str = "centro", **body) -> dict:
        r = requests.post(f"{self.base}/api/v1/branches/{branch}/tickets", json={"service": service, **body},
                          timeout=15)
        assert r.status_code == 201, r.text
        return r.json()

    def call_next(self, counter: str, branch: str = "centro") -> dict:
        ticket = self._post(f"/branches/{branch}/counters/{counter}/call-next")
        assert ticket is not None, "nobody was waiting"
        return ticket

    def recall(self, ticket_id: str) -> dict:
        return self._post(f"/tickets/{ticket_id}/recall")

    def finish_everyone(self, branch: str = "centro") -> None:
        """Close the day's open tickets so each test starts with nobody called or waiting."""
        r = self.http.get(f"{self.base}/api/v1/branches/{branch}/tickets", timeout=15)
        for ticket in r.json():
            if ticket["status"] == "waiting":
                self.http.post(f"{self.base}/api/v1/tickets/{ticket['token']}/cancel", timeout=15)
            elif ticket["status"] in ("called", "serving"):
                if ticket["status"] == "called":
                    self._post(f"/tickets/{ticket['id']}/start")
                self._post(f"/tickets/{ticket['id']}/done")


@pytest.fixture(scope="module")
def agent_at_centro(live_server):
    """The demo agent, logged in once per module's server."""
    return Staff(live_server.url, live_server.password)


@pytest.fixture
def staff(live, agent_at_centro):
    """The agent, with nobody waiting or called at centro when the test starts (`live`
    saw to that) and counters v1-v3 open."""
    for counter in ("v1", "v2", "v3"):
        agent_at_centro.open(counter)
    return agent_at_centro


def layout_settled(window: QWidget) -> bool:
    """True once no layout in `window` has work pending (fonts that fitted a new size
    change size hints, which lays the window out again): what a measurement or a
    screenshot waits for, with qtbot.waitUntil."""
    return not any([layout.activate() for layout in window.findChildren(QLayout)])


_TOKENS: dict[tuple[str, str, str], str] = {}


def device_token(server, kind: str = "display", branch: str = "centro") -> str:
    """A device token of this server's database (registered once: the CLI is slow to start)."""
    key = (server.env["TURNERO_DATABASE_URL"], kind, branch)
    if key not in _TOKENS:
        out = server.cli("device", "add", "--branch", branch, "--kind", kind)
        _TOKENS[key] = out.strip().splitlines()[-1]
    return _TOKENS[key]


class Network:
    """A switch between the app and the server: `cut()` drops the live connection and
    refuses new ones, `restore()` lets them through again. The server keeps running,
    so staff can go on calling people during the outage."""

    def __init__(self):
        self.up = threading.Event()
        self.up.set()
        self.transports: list[CuttableTransport] = []

    def factory(self):
        transport = CuttableTransport(self)
        self.transports.append(transport)
        return transport

    def cut(self):
        self.up.clear()
        for transport in self.transports:
            transport.close()

    def restore(self):
        self.up.set()


class CuttableTransport(SocketIOTransport):
    def __init__(self, network: Network):
        super().__init__()
        self.network = network

    def connect(self, url, headers, auth):
        if not self.network.up.is_set():
            raise socketio.exceptions.ConnectionError("network cut (test)")
        super().connect(url, headers, auth)
