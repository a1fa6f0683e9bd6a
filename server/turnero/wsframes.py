"""One WebSocket frame per event, written straight to every socket of a room.

Engine.IO hands each packet for each client to that client's queue, where a writer
greenlet wakes, takes it, frames it with wsproto and sends it: for a call that reaches
2,000 lobby screens, 4,000 queue handoffs, 8,000 greenlet switches, 4,000 timers and
4,000 frames built one by one (profiled under `scripts/bench --only fanout`: three
quarters of the fan-out's CPU; the send system calls themselves were the rest).

A frame from the server is not masked, so every client of a room gets the same bytes.
Under `turnero serve` (gevent) the first client of a packet frames it; every client
whose writer has nothing queued and is not writing gets the frame appended to its
pending bytes, and one greenlet per burst writes each client's pending bytes with one
non-blocking send (a call's `ticket.called` and `branch.state` leave together). A
client that cannot take it all at once gets the rest from a greenlet of its own, so
a slow screen never holds up the others, and one that takes nothing of a write for
STALLED_S is let go (its connection shut; a real screen reconnects and resyncs), so a
client that stops reading cannot make the server keep its events without end.

Order is kept: a packet goes this way only when the client's queue is empty and no
write to it is under way; anything Engine.IO queues afterwards is written by its
writer, which first writes what is pending. Clients asking for compression
(permessage-deflate) are answered without it, so the shared frame is right for all of
them; our events are small, and compressing each for each screen cost CPU per client.
"""
from __future__ import annotations

import logging
import socket
import struct
import time

import gevent
import simple_websocket
from engineio import packet as eio_packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from gevent.lock import Semaphore
from prometheus_client import Counter, Histogram

log = logging.getLogger(__name__)

TEXT_FIN = 0x81
# A client that has not taken a write (a few kilobytes) in this long is not reading.
STALLED_S = 30.0
CLIENT_WRITES = Counter("turnero_ws_client_writes_total",
                        "Writes of frames built once to a WebSocket client (a burst's events to one client: one write)")
BURSTS = Histogram("turnero_ws_burst_seconds",
                   "From the first frame of a burst (a change's events to their rooms) to the last one handed "
                   "to the kernel", buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0))
STALLED = Counter("turnero_ws_stalled_clients_total",
                  "WebSocket clients let go because a write to them did not finish within STALLED_S")
SLOW_WRITES = Counter("turnero_ws_slow_writes_total",
                      "Writes a WebSocket client could not take at once (finished by a greenlet of its own)")


def text_frame(text: str) -> bytes:
    """An unmasked final text frame (RFC 6455 section 5.2), as a server sends it."""
    data = text.encode("utf-8")
    size = len(data)
    if size < 126:
        head = struct.pack("!BB", TEXT_FIN, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", TEXT_FIN, 126, size)
    else:
        head = struct.pack("!BBQ", TEXT_FIN, 127, size)
    return head + data


class FrameSocket(SimpleWebSocketWSGI):
    """Engine.IO's WebSocket (simple-websocket) with a door for frames built once,
    and without compression. Every write to the connection holds `lock`."""

    def __init__(self, handler, server, **kwargs):
        super().__init__(handler, server, **kwargs)
        self.owner = getattr(handler, "__self__", None)  # the Engine.IO socket it serves
        self.lock = Semaphore()
        self.pending: list[bytes] = []

    def __call__(self, environ, start_response):
        # Without the offer, wsproto accepts no extension: frames go as they are.
        environ = {k: v for k, v in environ.items() if k != "HTTP_SEC_WEBSOCKET_EXTENSIONS"}
        self.ws = simple_websocket.Server(environ, **self.server_args)
        if self.owner is not None:
            self.owner.turnero_frames = self
        try:
            return self.app(self)
        finally:
            if self.owner is not None:
                self.owner.turnero_frames = None

    def send(self, message):
        """Engine.IO's writer: what is pending goes first, then the message, whole
        (simple-websocket's own send may leave the tail of a large one unsent)."""
        if not self.ws.connected:
            raise OSError("the WebSocket is closed")
        with self.lock:
            data = self._take()
            if isinstance(message, str):
                if not self._send_all(data + text_frame(message)):
                    raise OSError("the WebSocket client is gone or stalled")
                return
            if data:
                self.ws.sock.sendall(data)
            return super().send(message)

    def can_take(self) -> bool:
        """True when a frame appended now is the next thing this client gets."""
        owner = self.owner
        return (self.ws.connected and not self.lock.locked() and owner.queue.empty()
                and not owner.closed and owner.upgraded)

    def flush(self) -> None:
        """Write what is pending without waiting; the rest, if the client is slow,
        from a greenlet of its own (holding the lock until it is written)."""
        if not self.pending:
            return
        if not self.lock.acquire(blocking=False):
            gevent.spawn(self._flush_when_free)
            return
        data = self._take()
        try:
            sent = self.ws.sock.send(data, 0, timeout=0.0)
        except BlockingIOError:
            sent = 0
        except OSError:
            self.lock.release()  # gone: its reader ends the connection
            return
        if sent >= len(data):
            self.lock.release()
            return
        SLOW_WRITES.inc()
        gevent.spawn(self._finish, memoryview(data)[sent:])

    def _take(self) -> bytes:
        data = b"".join(self.pending)
        self.pending.clear()
        return data

    def _send_all(self, data) -> bool:
        """Write all of `data`: False when the client is gone (its reader ends the
        connection) or stalled (then it is let go here)."""
        timer = gevent.Timeout(STALLED_S)
        timer.start()
        try:
            self.ws.sock.sendall(data)
            return True
        except gevent.Timeout as stopped:
            if stopped is not timer:
                raise
            self._let_go()
            return False
        except OSError:
            return False
        finally:
            timer.close()

    def _let_go(self) -> None:
        """End a stalled client's connection: its reader sees the end and Engine.IO
        closes the session, dropping what was queued for it."""
        STALLED.inc()
        log.warning("a WebSocket client took nothing for %s s: letting it go", STALLED_S)
        try:
            self.ws.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _finish(self, rest) -> None:
        try:
            self._send_all(rest)
            if self.pending:
                self._send_all(self._take())
        finally:
            self.lock.release()

    def _flush_when_free(self) -> None:
        with self.lock:
            if self.pending:
                self._send_all(self._take())


class FrameWriter:
    """Engine.IO's `send_packet` for clients on a `FrameSocket`: the packet's frame
    is built once and appended to each; one greenlet per burst writes them."""

    def __init__(self, eio):
        self.eio = eio
        self.queued_send = eio.send_packet
        self.dirty: dict[int, FrameSocket] = {}
        self.flushing = False

    def send_packet(self, sid, pkt) -> None:
        sock = self.eio.sockets.get(sid)
        frames = getattr(sock, "turnero_frames", None)
        if frames is None or pkt.binary or pkt.packet_type != eio_packet.MESSAGE or not frames.can_take() \
                or not sock.check_ping_timeout():
            self.queued_send(sid, pkt)
            return
        frame = getattr(pkt, "turnero_frame", None)
        if frame is None:
            frame = pkt.turnero_frame = text_frame(pkt.encode())
        frames.pending.append(frame)
        self.dirty[id(frames)] = frames
        if not self.flushing:
            self.flushing = True
            gevent.spawn(self._flush, time.perf_counter())

    def _flush(self, started: float) -> None:
        try:
            while self.dirty:
                batch = list(self.dirty.values())
                self.dirty.clear()
                CLIENT_WRITES.inc(len(batch))
                for frames in batch:
                    try:
                        frames.flush()
                    except Exception:  # noqa: BLE001 - one client must not stop the others
                        log.exception("writing to a WebSocket client failed")
        finally:
            self.flushing = False
            BURSTS.observe(time.perf_counter() - started)


def install(eio) -> FrameWriter:
    """Route `eio`'s packets through a FrameWriter (gevent mode only)."""
    writer = FrameWriter(eio)
    eio._async = dict(eio._async, websocket=FrameSocket)
    eio.send_packet = writer.send_packet
    return writer
