"""turnero.wsframes against a client too slow for the kernel's buffers: real gevent
sockets with small buffers, Engine.IO's writer played by a greenlet that takes from a
queue as engineio's does, and a reader that frames nothing itself but parses what
arrives. Every message arrives once, whole and in order, whichever way it went."""
from __future__ import annotations

import socket as stdlib_socket
import struct
from types import SimpleNamespace

import gevent
import gevent.queue
import gevent.socket
import pytest
from engineio import packet as eio_packet

from turnero import wsframes


def test_text_frame_lengths_follow_rfc_6455():
    assert wsframes.text_frame("4x") == b"\x81\x02" + b"4x"
    assert wsframes.text_frame("ñ" * 100)[:4] == b"\x81\x7e" + struct.pack("!H", 200)
    assert wsframes.text_frame("a" * 70000)[:10] == b"\x81\x7f" + struct.pack("!Q", 70000)


class Owner:
    """What FrameSocket reads of Engine.IO's socket."""

    def __init__(self):
        self.queue = gevent.queue.JoinableQueue()
        self.closed = False
        self.upgraded = True
        self.turnero_frames = None

    def check_ping_timeout(self):
        return True

    def handler(self, ws):  # stands for Socket._websocket_handler
        raise AssertionError("not run here")


def read_frames(sock, count: int, out: list, pause_every: int) -> None:
    buffer = b""
    while len(out) < count:
        chunk = sock.recv(1024)
        assert chunk, "the connection closed early"
        buffer += chunk
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            assert first == 0x81 and not second & 0x80  # final, text, unmasked, no extension bits
            size, head = second & 0x7F, 2
            if size == 126:
                if len(buffer) < 4:
                    break
                size, head = struct.unpack("!H", buffer[2:4])[0], 4
            elif size == 127:
                if len(buffer) < 10:
                    break
                size, head = struct.unpack("!Q", buffer[2:10])[0], 10
            if len(buffer) < head + size:
                break
            out.append(buffer[head:head + size].decode("utf-8"))
            buffer = buffer[head + size:]
            if len(out) % pause_every == 0:
                gevent.sleep(0.01)  # a screen busy elsewhere: the server's writes back up


def test_a_slow_client_gets_every_message_once_in_order():
    server_side, client_side = gevent.socket.socketpair(stdlib_socket.AF_UNIX, stdlib_socket.SOCK_STREAM)
    server_side.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_SNDBUF, 4096)
    client_side.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_RCVBUF, 4096)
    try:
        play_a_slow_client(server_side, client_side)
    finally:
        server_side.close()
        client_side.close()


def play_a_slow_client(server_side, client_side):
    owner = Owner()
    frames = wsframes.FrameSocket(owner.handler, server=None)
    frames.ws = SimpleNamespace(sock=server_side, connected=True)
    owner.turnero_frames = frames
    queued = []

    def queued_send(sid, pkt):  # Engine.IO's own path: the packet waits in the client's queue
        queued.append(pkt)
        owner.queue.put(pkt)

    eio = SimpleNamespace(sockets={"sid": owner}, send_packet=queued_send, _async={})
    writer = wsframes.install(eio)

    def engineio_writer():  # as engineio.socket's writer: take all that is queued, send it
        while True:
            packets = [owner.queue.get()]
            while not owner.queue.empty():
                packets.append(owner.queue.get_nowait())
            for pkt in packets:
                owner.queue.task_done()
                if pkt is None:
                    return
                frames.send(pkt.encode())

    slow_before = wsframes.SLOW_WRITES._value.get()
    got: list[str] = []
    tasks = [gevent.spawn(engineio_writer), gevent.spawn(read_frames, client_side, 600, got, 25)]
    sent = []
    for i in range(600):
        text = f'2["branch.state",{{"seq":{i},"pad":"{"x" * (i % 7 * 300)}"}}]'
        sent.append("4" + text)
        pkt = eio_packet.Packet(eio_packet.MESSAGE, text)
        if i % 50 == 49:
            while frames.lock.locked() or frames.pending:  # all written: the next may go straight
                gevent.sleep(0.001)
            owner.queue.put(eio_packet.Packet(eio_packet.MESSAGE, text))  # as Engine.IO queues a packet itself
        else:
            writer.send_packet("sid", pkt)
        if i % 10 == 9 and i % 50 != 49:  # (after a queued one, the next comes at once)
            gevent.sleep(0)  # the request ends: the burst is written
    gevent.joinall(tasks[1:], timeout=30, raise_error=True)
    owner.queue.put(None)
    gevent.joinall(tasks[:1], timeout=5, raise_error=True)

    assert got == sent
    assert wsframes.SLOW_WRITES._value.get() > slow_before, "no write was left half done: the test tested nothing slow"
    assert queued, "no packet had to wait in the queue behind a write under way"


def test_a_client_that_stops_reading_is_let_go(monkeypatch):
    """A client that takes nothing (a script holding a connection open, or a screen
    hung) must not make the server keep its events without end: after STALLED_S with
    a write unfinished its connection is shut, and the next write fails at once."""
    monkeypatch.setattr(wsframes, "STALLED_S", 0.3)
    server_side, client_side = gevent.socket.socketpair(stdlib_socket.AF_UNIX, stdlib_socket.SOCK_STREAM)
    server_side.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_SNDBUF, 4096)
    client_side.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_RCVBUF, 4096)
    try:
        owner = Owner()
        frames = wsframes.FrameSocket(owner.handler, server=None)
        frames.ws = SimpleNamespace(sock=server_side, connected=True)
        stalled_before = wsframes.STALLED._value.get()
        frames.pending.append(wsframes.text_frame("4" + "x" * 200_000))  # far more than the buffers hold
        frames.flush()
        assert frames.lock.locked(), "the write finished at once: nothing was stalled"
        gevent.sleep(1.0)
        assert not frames.lock.locked(), "a write to a client that reads nothing still holds the connection"
        assert wsframes.STALLED._value.get() == stalled_before + 1
        with pytest.raises(OSError):
            frames.send("4" + "y" * 100)  # Engine.IO's writer learns it at once and ends the session
        # The client sees the end of the connection after what had reached it.
        client_side.settimeout(5)
        received = b""
        while chunk := client_side.recv(65536):
            received += chunk
        assert 0 < len(received) < 200_000
    finally:
        server_side.close()
        client_side.close()
