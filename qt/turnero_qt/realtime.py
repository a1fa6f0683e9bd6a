"""Socket.IO into Qt signals: subscribe to a branch (and tickets), take the
snapshot, keep the branch's events in `seq` order, resync on a gap, reconnect
with backoff.

Threads: python-socketio runs in a background thread of ours (`_Worker`) and
hands every event to the GUI thread through a queued signal; all the ordering
logic (BranchFeed) runs in the GUI thread, so consumers never see a
half-applied state.
"""
from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import socketio
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from .backoff import Backoff

log = logging.getLogger(__name__)

# Events of a branch room, and the order of two events that share one `seq`
# (the server emits `ticket.called` before the `branch.state` of the same change).
CALLED, STATE, UPDATE = "ticket.called", "branch.state", "ticket.update"
_RANK = {CALLED: 0, STATE: 1}


class BranchFeed:
    """Puts a branch's events in `seq` order, drops repeats, and notices gaps.

    Plain Python, driven by RealtimeClient. python-socketio runs each incoming
    message on its own thread, so two events sent back to back may arrive swapped:
    an event ahead of its turn waits here until the missing ones come, and if they
    do not (`has_hole` stays true for a while) the client resubscribes.

    Every method returns a list of outputs, each `("state", state)` or
    `("called", call)`, to be delivered in that order.

    `ticket.called` is delivered once per `seq`, never for a call older than the
    announce floor: the snapshot of a first subscribe or of a reconnect raises the
    floor (calls made while we were away are in the snapshot, not announced);
    the snapshot of a resync after a gap does not (a call whose event came late
    is still fresh).
    """

    def __init__(self) -> None:
        self.seq: int | None = None
        self.syncing = True
        self.floor = 0
        self._pending: dict[tuple[int, int], dict] = {}
        self._early: list[tuple[str, dict]] = []
        self._called: set[int] = set()

    @property
    def has_hole(self) -> bool:
        return not self.syncing and bool(self._pending)

    def begin_sync(self) -> None:
        """A subscribe is on its way: hold events until its snapshot."""
        self.syncing = True

    def reset(self) -> None:
        """The connection is gone: what was pending will come in the next snapshot."""
        self.syncing = True
        self._pending.clear()
        self._early.clear()

    def snapshot(self, state: dict, raise_floor: bool) -> list[tuple[str, dict]]:
        seq = int(state.get("seq", 0))
        held = self._early + [(kind, payload) for (_, rank), payload in sorted(self._pending.items())
                              for kind in [CALLED if rank == 0 else STATE]]
        self._early, self._pending = [], {}
        self.seq, self.syncing = seq, False
        if raise_floor:
            self.floor = seq
        self._called = {s for s in self._called if s > self.floor}
        out: list[tuple[str, dict]] = [("state", state)]
        for kind, payload in sorted(held, key=lambda e: (_seq(e[1]), _RANK[e[0]])):
            out.extend(self.event(kind, payload))
        return out

    def event(self, kind: str, payload: dict) -> list[tuple[str, dict]]:
        if kind not in _RANK or not isinstance(payload, dict):
            return []
        if self.syncing or self.seq is None:
            self._early.append((kind, payload))
            return []
        seq = _seq(payload)
        if seq <= self.seq:
            # A state we already have; a call whose state overtook it is still news.
            if kind == CALLED and seq > self.floor and seq not in self._called:
                self._called.add(seq)
                return [("called", payload)]
            return []
        self._pending[(seq, _RANK[kind])] = payload
        return self._drain()

    def _drain(self) -> list[tuple[str, dict]]:
        out: list[tuple[str, dict]] = []
        while True:
            nxt = self.seq + 1
            call = self._pending.pop((nxt, 0), None)
            if call is not None and nxt not in self._called and nxt > self.floor:
                self._called.add(nxt)
                out.append(("called", call))
            state = self._pending.pop((nxt, 1), None)
            if state is None:
                return out
            self.seq = nxt
            out.append(("state", state))


def _seq(payload: dict) -> int:
    try:
        return int(payload.get("seq", 0))
    except (TypeError, ValueError):
        return 0


class SocketIOTransport:
    """One Socket.IO connection (python-socketio's threaded client).

    RealtimeClient makes a new one per connection attempt through its
    `transport_factory`; a test may subclass this and override `handle_event`
    (to drop or delay an event) or `connect` (to refuse)."""

    def __init__(self, *, transports: list[str] | None = None, connect_timeout: float = 5.0):
        self.transports = transports
        self.connect_timeout = connect_timeout
        self.on_event: Callable[[str, Any], None] = lambda name, data: None
        self.on_disconnect: Callable[[], None] = lambda: None
        self.sio = socketio.Client(reconnection=False, logger=False, engineio_logger=False)
        self.sio.on("*", self._any)
        self.sio.on("disconnect", self._disconnected)

    def connect(self, url: str, headers: dict[str, str], auth: dict[str, str] | None) -> None:
        """Raises on failure (socketio.exceptions.ConnectionError and friends)."""
        self.sio.connect(url, headers=headers, auth=auth, transports=self.transports,
                         wait_timeout=self.connect_timeout)

    def call(self, event: str, data: Any, timeout: float) -> Any:
        return self.sio.call(event, data, timeout=timeout)

    @property
    def connected(self) -> bool:
        return bool(self.sio.connected)

    def close(self) -> None:
        try:
            self.sio.disconnect()
        except Exception:  # noqa: BLE001 - closing a dead connection must not raise
            log.debug("disconnect failed", exc_info=True)

    def handle_event(self, name: str, data: Any) -> None:
        """Called (on a socketio thread) for every server event."""
        self.on_event(name, data)

    def _any(self, event, *args):
        self.handle_event(event, args[0] if args else None)

    def _disconnected(self, *_args):
        self.on_disconnect()


class _Bridge(QObject):
    """Carries messages from the worker and socketio threads to the GUI thread."""
    posted = Signal(str, object)


class RealtimeClient(QObject):
    """A device's live view of one branch (and optionally of some tickets).

    Signals (all delivered in the GUI thread):
      branch_state(state, how)  every `branch.state` in seq order; `how` is "event",
                                or for a snapshot "subscribe" (first), "reconnect"
                                (after being offline) or "resync" (after a seq gap)
      called(call)              every `ticket.called` once, in order, never stale
                                (calls made while offline are only in the snapshot)
      ticket_updated(ticket)    a watched ticket's snapshot or `ticket.update`
      ticket_failed(token, message)  a watched ticket is unknown
      subscribe_failed(message) the branch is unknown (the connection stays up)
      online_changed(bool)      True once connected and subscribed with a fresh
                                snapshot; False when the server cannot be reached
    """

    branch_state = Signal(object, str)
    called = Signal(object)
    ticket_updated = Signal(object)
    ticket_failed = Signal(str, str)
    subscribe_failed = Signal(str)
    online_changed = Signal(bool)

    def __init__(self, server: str, token: str | None = None, *, branch: str | None = None,
                 lang: str | None = None, backoff: Backoff | None = None,
                 transport_factory: Callable[[], SocketIOTransport] | None = None,
                 call_timeout: float = 10.0, gap_wait: float = 1.0, parent: QObject | None = None):
        super().__init__(parent)
        self.server = server.rstrip("/")
        self.token = token
        self.branch = branch
        self.lang = lang
        self.backoff = backoff or Backoff()
        self.transport_factory = transport_factory or SocketIOTransport
        self.call_timeout = call_timeout
        self.online = False
        self.state: dict | None = None
        self.feed = BranchFeed()
        self._tickets: dict[str, str | None] = {}  # token -> ticket id (once known)
        self._bridge = _Bridge()
        self._bridge.posted.connect(self._on_posted, Qt.ConnectionType.QueuedConnection)
        self._gap_timer = QTimer(self)
        self._gap_timer.setSingleShot(True)
        self._gap_timer.setInterval(int(gap_wait * 1000))
        self._gap_timer.timeout.connect(self._gap_timeout)
        self._worker: _Worker | None = None

    @property
    def seq(self) -> int | None:
        return self.feed.seq

    # ------------------------------------------------------------ commands

    def start(self) -> None:
        if self._worker is None:
            self._worker = _Worker(self)
            self._worker.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Disconnect and end the background thread (waits for it)."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop(timeout)
        self._gap_timer.stop()
        self._set_online(False)

    def set_branch(self, branch: str) -> None:
        """Follow this branch (takes its snapshot now if connected)."""
        self.branch = branch
        self.feed = BranchFeed()
        self.state = None
        if self._worker is not None:
            self._worker.commands.put(("resync", "subscribe"))

    def resync(self) -> None:
        """Subscribe again and take a fresh snapshot."""
        self.feed.begin_sync()
        if self._worker is not None:
            self._worker.commands.put(("resync", "resync"))

    def watch_ticket(self, token: str) -> None:
        """Also follow this ticket: `ticket_updated` with its snapshot, then each change."""
        self._tickets.setdefault(token, None)
        if self._worker is not None:
            self._worker.commands.put(("watch", token))

    def unwatch_ticket(self, token: str) -> None:
        """Stop following this ticket (the server stops sending its changes too)."""
        if token in self._tickets:
            del self._tickets[token]
            if self._worker is not None:
                self._worker.commands.put(("unwatch", token))

    # ------------------------------------------------------------ GUI thread

    def _post(self, kind: str, payload: Any = None) -> None:
        """From any thread."""
        self._bridge.posted.emit(kind, payload)

    @Slot(str, object)
    def _on_posted(self, kind: str, payload: Any) -> None:
        if kind == "event":
            name, data = payload
            if name == UPDATE:
                self._ticket_update(data)
            elif name in _RANK:
                self._deliver(self.feed.event(name, data))
        elif kind == "syncing":
            self.feed.begin_sync()
        elif kind == "snapshot":
            state, how = payload
            self._deliver(self.feed.snapshot(state, raise_floor=how != "resync"), how)
        elif kind == "ticket":
            token, ticket = payload
            if token in self._tickets:
                self._tickets[token] = ticket.get("id")
                self.ticket_updated.emit(ticket)
        elif kind == "ticket_failed":
            self.ticket_failed.emit(*payload)
        elif kind == "subscribe_failed":
            self.subscribe_failed.emit(payload)
        elif kind == "online":
            self._set_online(True)
        elif kind == "offline":
            self.feed.reset()
            self._gap_timer.stop()
            self._set_online(False)

    def _deliver(self, outputs: list[tuple[str, dict]], how: str = "event") -> None:
        for kind, payload in outputs:
            if kind == "state":
                self.state = payload
                self.branch_state.emit(payload, how)
                how = "event"
            else:
                self.called.emit(payload)
        if self.feed.has_hole:
            if not self._gap_timer.isActive():
                self._gap_timer.start()
        else:
            self._gap_timer.stop()

    def _gap_timeout(self) -> None:
        if self.feed.has_hole:
            log.warning("branch %s: seq gap after %s; resubscribing", self.branch, self.feed.seq)
            self.resync()

    def _ticket_update(self, data: Any) -> None:
        if isinstance(data, dict) and data.get("id") in {i for i in self._tickets.values() if i}:
            self.ticket_updated.emit(data)

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            log.info("server %s %s", self.server, "online" if online else "offline")
            self.online_changed.emit(online)


class _LostConnection(Exception):
    pass


class _Worker:
    """The background thread: connect, subscribe, serve commands, reconnect."""

    _ids = itertools.count(1)

    def __init__(self, client: RealtimeClient):
        self.client = client
        self.commands: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="turnero-socketio", daemon=True)
        self._transport: SocketIOTransport | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        self._stop.set()
        self.commands.put(("stop", None))
        transport = self._transport
        if transport is not None:
            transport.close()
        self._thread.join(timeout)

    def _run(self) -> None:
        client, attempt, first = self.client, 0, True
        while not self._stop.is_set():
            ident = next(self._ids)
            transport = client.transport_factory()
            transport.on_event = lambda name, data: client._post("event", (name, data))
            transport.on_disconnect = lambda ident=ident: self.commands.put(("disconnected", ident))
            self._transport = transport
            headers = {"Authorization": f"Bearer {client.token}"} if client.token else {}
            auth = {"token": client.token} if client.token else None
            try:
                transport.connect(client.server, headers, auth)
                self._subscribe_all(transport, "subscribe" if first else "reconnect")
                first, attempt = False, 0
                client._post("online")
                self._serve(transport, ident)
            except Exception as exc:  # noqa: BLE001 - any failure means: offline, try again
                if not self._stop.is_set():
                    log.info("realtime connection to %s: %s", client.server, exc or type(exc).__name__)
            finally:
                transport.close()
                self._transport = None
            if self._stop.is_set():
                return
            client._post("offline")
            self._stop.wait(client.backoff.delay(attempt))
            attempt += 1

    def _serve(self, transport: SocketIOTransport, ident: int) -> None:
        while not self._stop.is_set():
            try:
                command, arg = self.commands.get(timeout=1.0)
            except queue.Empty:
                if not transport.connected:
                    raise _LostConnection("disconnected")
                continue
            if command == "stop":
                return
            if command == "disconnected" and arg == ident:
                raise _LostConnection("disconnected")
            if command == "resync":
                self._subscribe_branch(transport, arg)
            elif command == "watch":
                self._subscribe_ticket(transport, arg)
            elif command == "unwatch" and arg not in self.client._tickets:
                self._unsubscribe_ticket(transport, arg)

    def _subscribe_all(self, transport: SocketIOTransport, how: str) -> None:
        # Commands queued before this connection are covered by subscribing to everything now.
        while True:
            try:
                command, arg = self.commands.get_nowait()
            except queue.Empty:
                break
            if command == "stop":
                self.commands.put((command, arg))
                break
        self._subscribe_branch(transport, how)
        for token in list(self.client._tickets):
            self._subscribe_ticket(transport, token)

    def _subscribe_branch(self, transport: SocketIOTransport, how: str) -> None:
        client = self.client
        if not client.branch:
            return
        client._post("syncing")
        data = {"branch": client.branch}
        if client.lang:
            data["lang"] = client.lang
        ack = self._call(transport, data)
        if ack.get("ok") and isinstance(ack.get("state"), dict):
            client._post("snapshot", (ack["state"], how))
        else:
            client._post("subscribe_failed", str(ack.get("error") or "subscribe failed"))

    def _subscribe_ticket(self, transport: SocketIOTransport, token: str) -> None:
        data = {"ticket": token}
        if self.client.lang:
            data["lang"] = self.client.lang
        ack = self._call(transport, data)
        if ack.get("ok") and isinstance(ack.get("ticket"), dict):
            self.client._post("ticket", (token, ack["ticket"]))
        else:
            self.client._post("ticket_failed", (token, str(ack.get("error") or "subscribe failed")))

    def _unsubscribe_ticket(self, transport: SocketIOTransport, token: str) -> None:
        try:
            transport.call("unsubscribe", {"ticket": token}, self.client.call_timeout)
        except Exception as exc:  # noqa: BLE001 - timeout or dropped: reconnect (and not rejoin it)
            raise _LostConnection(f"unsubscribe failed: {exc or type(exc).__name__}") from exc

    def _call(self, transport: SocketIOTransport, data: dict) -> dict:
        try:
            ack = transport.call("subscribe", data, self.client.call_timeout)
        except Exception as exc:  # noqa: BLE001 - timeout or dropped: reconnect
            raise _LostConnection(f"subscribe failed: {exc or type(exc).__name__}") from exc
        return ack if isinstance(ack, dict) else {}
