"""The shared Qt client (turnero_qt) against a real `turnero serve` process."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from test_qt_client_support import FAST, Network, agent_at_centro, device_token, staff  # noqa: E402, F401

from turnero_qt import DeviceLink, RealtimeClient, RestClient, SocketIOTransport, new_idempotency_key  # noqa: E402

pytestmark = pytest.mark.live
WAIT = 20_000  # ms: generous, these are not timing assertions


@pytest.fixture
def realtime(qtbot, live):
    clients = []

    def _make(**kwargs):
        kwargs.setdefault("backoff", FAST)
        client = RealtimeClient(live.url, branch="centro", **kwargs)
        clients.append(client)
        return client
    yield _make
    for client in clients:
        client.stop()


def start_online(qtbot, client):
    with qtbot.waitSignal(client.branch_state, timeout=WAIT) as snap:
        client.start()
    qtbot.waitUntil(lambda: client.online, timeout=WAIT)
    return snap.args


# ---------------------------------------------------------------- REST

def test_rest_takes_a_ticket_and_an_idempotent_retry_returns_the_same_one(qtbot, live):
    rest = RestClient(live.url, lang="es")
    with qtbot.waitSignal(rest.take_ticket("centro", "caja").succeeded, timeout=WAIT) as first:
        pass
    ticket = first.args[0]
    assert ticket["code"].startswith("A") and ticket["token"]

    key = new_idempotency_key()
    with qtbot.waitSignal(rest.take_ticket("centro", "caja", idempotency_key=key).succeeded, timeout=WAIT) as a:
        pass
    replay = rest.take_ticket("centro", "caja", idempotency_key=key)
    with qtbot.waitSignal(replay.succeeded, timeout=WAIT) as b:
        pass
    assert b.args[0]["id"] == a.args[0]["id"]
    assert replay.replayed is True and replay.idempotency_key == key


def test_rest_reports_a_translated_problem_and_a_network_failure(qtbot, live):
    rest = RestClient(live.url, lang="es")
    with qtbot.waitSignal(rest.branch("no-such-branch").failed, timeout=WAIT) as bad:
        pass
    error = bad.args[0]
    assert error.status == 404 and "no-such-branch" in error.detail and error.network is False

    dead = RestClient("http://127.0.0.1:9", timeout=3)
    with qtbot.waitSignal(dead.reachability_changed, timeout=WAIT) as reach:
        reply = dead.branch("centro")
    assert reach.args == [False]
    qtbot.waitUntil(lambda: reply.done, timeout=WAIT)
    assert reply.error is not None and reply.error.network


def test_device_endpoint_through_the_client(qtbot, live):
    token = device_token(live, "display")
    rest = RestClient(live.url, token)
    with qtbot.waitSignal(rest.device().succeeded, timeout=WAIT) as got:
        pass
    assert got.args[0]["kind"] == "display" and got.args[0]["branch"] == "centro"


# ---------------------------------------------------------------- real time

def test_snapshot_then_a_call_arrives_with_its_counter(qtbot, live, staff, realtime):
    client = realtime()
    state, how = start_online(qtbot, client)
    assert how == "subscribe" and state["branch"] == "centro"
    assert {s["id"] for s in state["services"]} == {"caja", "plataforma"}

    ticket = staff.take("caja")
    with qtbot.waitSignal(client.called, timeout=WAIT,
                          check_params_cb=lambda call: call["code"] == ticket["code"]) as called:
        staff.call_next("v1")
    assert called.args[0]["counter"] == {"id": "v1", "name": "Ventanilla 1"}
    qtbot.waitUntil(lambda: [c["code"] for c in client.state["calling"]][:1] == [ticket["code"]], timeout=WAIT)
    assert client.seq == client.state["seq"]


def test_a_gap_in_seq_makes_the_client_resubscribe(qtbot, live, staff, realtime):
    class DropsOneState(SocketIOTransport):
        dropped = []

        def handle_event(self, name, data):
            if name == "branch.state" and not self.dropped:
                self.dropped.append(data["seq"])
                return
            super().handle_event(name, data)

    client = realtime(transport_factory=DropsOneState, gap_wait=0.5)
    start_online(qtbot, client)
    with qtbot.waitSignal(client.branch_state, timeout=WAIT,
                          check_params_cb=lambda state, how: how == "resync") as resync:
        staff.take("caja")   # its branch.state is lost
        staff.take("caja")   # this one's seq shows the gap
    # The snapshot has both tickets (it was asked for once the second one showed the
    # gap) and nothing came after it.
    assert resync.args[0]["seq"] == DropsOneState.dropped[0] + 1
    assert client.seq == resync.args[0]["seq"]


def test_watched_ticket_gets_its_snapshot_and_updates(qtbot, live, staff, realtime):
    ticket = staff.take("plataforma")
    client = realtime()
    client.watch_ticket(ticket["token"])
    with qtbot.waitSignal(client.ticket_updated, timeout=WAIT) as snap:
        client.start()
    assert snap.args[0]["code"] == ticket["code"] and snap.args[0]["status"] == "waiting"
    with qtbot.waitSignal(client.ticket_updated, timeout=WAIT,
                          check_params_cb=lambda t: t["status"] == "called") as update:
        while staff.call_next("v3")["code"] != ticket["code"]:
            pass
    assert update.args[0]["counter"]["id"] == "v3" and "token" not in update.args[0]


def test_outage_goes_offline_then_online_with_a_fresh_snapshot_and_no_stale_call(qtbot, live, staff, realtime):
    network = Network()
    client = realtime(transport_factory=network.factory)
    start_online(qtbot, client)
    calls = []
    client.called.connect(calls.append)

    with qtbot.waitSignal(client.online_changed, timeout=WAIT) as off:
        network.cut()
    assert off.args == [False]
    ticket = staff.take("caja")
    staff.call_next("v2")   # called while the device is away
    with qtbot.waitSignal(client.branch_state, timeout=WAIT,
                          check_params_cb=lambda state, how: how == "reconnect") as back:
        network.restore()
    qtbot.waitUntil(lambda: client.online, timeout=WAIT)
    assert back.args[0]["calling"][0]["code"] == ticket["code"]
    assert calls == []   # shown in the snapshot, not announced stale


def test_device_link_finds_its_branch_from_the_token(qtbot, live):
    link = DeviceLink(live.url, device_token(live, "display"), kind="display", backoff=FAST)
    try:
        with qtbot.waitSignals([link.device_known, link.branch_changed], timeout=WAIT):
            link.start()
        qtbot.waitUntil(lambda: link.online, timeout=WAIT)
        assert link.device["branch"] == "centro"
        assert link.branch["name"] == "Sucursal Centro" and link.branch["lang"] == "es"
    finally:
        link.stop()


def test_device_link_refuses_a_token_of_the_other_kind(qtbot, live):
    link = DeviceLink(live.url, device_token(live, "kiosk"), kind="display", backoff=FAST)
    try:
        with qtbot.waitSignal(link.failed, timeout=WAIT) as failed:
            link.start()
        assert "kiosk" in failed.args[0]
        assert not link.online
    finally:
        link.stop()
