"""A Socket.IO client as a lobby screen is one: it follows a branch and keeps what it
hears (the cluster and the fault tests)."""
from __future__ import annotations

import socketio

from conftest import wait_until


def listener(url: str, reconnection: bool = False):
    """A Socket.IO client following branch centro: its `called` codes, the `branch.state`s
    and `ticket.update`s it hears, and each subscribe answer (a new one after every
    reconnection: the resync)."""
    client = socketio.Client(reconnection=reconnection, reconnection_delay=0.2, reconnection_delay_max=1)
    client.called, client.states, client.updates, client.snapshots, client.connects = [], [], [], [], 0

    @client.on("connect")
    def _connect():
        client.connects += 1
        client.emit("subscribe", {"branch": "centro"}, callback=client.snapshots.append)

    client.on("ticket.called", lambda data: client.called.append(data["code"]))
    client.on("branch.state", client.states.append)
    client.on("ticket.update", client.updates.append)
    # Long-polling first, then the upgrade to a WebSocket: both must reach one process.
    client.connect(url, wait_timeout=20)
    assert wait_until(lambda: client.snapshots, 20) and client.snapshots[0]["ok"]
    return client
