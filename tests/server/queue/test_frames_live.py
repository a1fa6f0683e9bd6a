"""The production server writes a room's events as frames built once (turnero.wsframes):
in a real process, every client still gets every event, whole and in order, one that
reads nothing for a while included, and a client asking for compression gets plain
frames it can read. (A client too slow for the kernel's buffers: test_wsframes.py.)"""
from __future__ import annotations

import json
import socket

import pytest
import requests
import websocket

pytestmark = pytest.mark.live


class Screen:
    """A lobby screen speaking Engine.IO over a bare WebSocket (websocket-client, which
    cannot inflate: a compressed frame would fail it)."""

    def __init__(self, base: str, offer_compression: bool = False, receive_buffer: int | None = None):
        url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        header = ["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"] if offer_compression else []
        sockopt = ((socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer),) if receive_buffer else ()
        self.ws = websocket.create_connection(url, header=header, sockopt=sockopt, timeout=20)
        self.handshake = self.ws.getheaders()
        assert self.ws.recv().startswith("0{")  # Engine.IO open
        self.ws.send("40")
        assert self.ws.recv().startswith("40{")  # the namespace
        self.ws.send('420["subscribe",{"branch":"centro"}]')
        ack = self.next_packet()
        assert ack.startswith("430"), ack
        self.seq = json.loads(ack[3:])[0]["seq"]
        self.events: list[tuple[str, dict]] = []

    def next_packet(self) -> str:
        while True:
            opcode, data = self.ws.recv_data()
            assert opcode == websocket.ABNF.OPCODE_TEXT
            text = data.decode("utf-8")
            if text == "2":  # Engine.IO ping
                self.ws.send("3")
                continue
            return text

    def read_until_seq(self, seq: int) -> None:
        """Until the branch.state of change `seq` (a call's ticket.called comes before it)."""
        while not self.events or self.events[-1][0] != "branch.state" or self.events[-1][1]["seq"] < seq:
            text = self.next_packet()
            assert text.startswith("42"), text
            name, payload = json.loads(text[2:])
            self.events.append((name, payload))

    def close(self) -> None:
        self.ws.close()


def test_every_screen_gets_every_event_whole_and_in_order(live_server):
    base, api = live_server.url, f"{live_server.url}/api/v1"
    live_server.reset()
    staff = live_server.staff()
    requests.post(f"{api}/branches/centro/counters/v1/open", headers=staff, timeout=10).raise_for_status()
    screens = [Screen(base) for _ in range(3)]
    squeezed = Screen(base, offer_compression=True)
    slow = Screen(base, receive_buffer=2048)  # reads nothing until the end
    try:
        check_every_event_arrives(live_server, screens, squeezed, slow)
    finally:
        for screen in (*screens, squeezed, slow):
            screen.close()


def check_every_event_arrives(live_server, screens, squeezed, slow):
    api, staff = f"{live_server.url}/api/v1", live_server.staff()
    assert "sec-websocket-extensions" not in {k.lower() for k in squeezed.handshake}
    start = screens[0].seq

    changes = 0
    with requests.Session() as http:
        for i in range(120):  # each branch.state a little longer than the one before
            http.post(f"{api}/branches/centro/tickets", json={"service": "caja"}, timeout=10).raise_for_status()
            changes += 1
            if i % 10 == 9:
                http.post(f"{api}/branches/centro/counters/v1/call-next", headers=staff,
                          timeout=10).raise_for_status()
                changes += 1
                for screen in (*screens, squeezed):  # these read as they go
                    screen.read_until_seq(start + changes)
    final = start + changes  # every change of the branch adds one to its seq

    for screen in (*screens, squeezed, slow):
        screen.read_until_seq(final)
        states = [p["seq"] for name, p in screen.events if name == "branch.state"]
        assert states == list(range(start + 1, final + 1)), "a branch.state was lost, doubled or reordered"
        called = [(p["seq"], p["code"]) for name, p in screen.events if name == "ticket.called"]
        assert len(called) == 12 and [s for s, _ in called] == sorted(s for s, _ in called)
        for name, payload in screen.events:  # ticket.called comes just before its branch.state
            if name == "ticket.called":
                after = screen.events[screen.events.index((name, payload)) + 1]
                assert after[0] == "branch.state" and after[1]["seq"] == payload["seq"]
