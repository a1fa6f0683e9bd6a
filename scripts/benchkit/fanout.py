"""Bench part fanout: Socket.IO clients (a minimal built-in one and python-socketio's AsyncClient)
in client processes driven through pipes, call-next rounds and server memory at N and 2N connections."""
from __future__ import annotations

import asyncio
import base64
import http.client
import json
import math
import multiprocessing as mp
import os
import socket
import struct
import threading
import time
from collections import Counter
from pathlib import Path

from .common import (API, BRANCH, HOST, BenchError, KeepAlive, Servers, child_setup, cpu_s, free_port, http_json,
                     log_problems, ms, out, pct, prepare_instance, rss_mb, staff_token, stop_processes)


def _mask(data: bytes, key: bytes) -> bytes:
    n = len(data)
    if not n:
        return data
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


class RawSioClient:
    """A minimal Socket.IO v5 / Engine.IO v4 client over a WebSocket, standard library
    only: cheap enough that 1,000 of them in two processes barely load the machine."""

    kind = "built-in asyncio client (Engine.IO 4 over WebSocket)"

    def __init__(self, cid: int, port: int, on_event, subscription: dict | None = None,
                 event: str = "ticket.called", local_host: str | None = None):
        # on_event(cid, payload, time) for every `event`; `subscription`: what to subscribe to;
        # `local_host`: the address it connects from (another 127.x.y.z: another client to nginx).
        self.cid, self.port, self.on_event = cid, port, on_event
        self.local_host = local_host
        self.subscription = subscription or {"branch": BRANCH}
        self.event = event
        self.reader = self.writer = None
        self.alive = False
        self._task = None
        self._open = self._connected = self._ack = None

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        self._open, self._connected, self._ack = loop.create_future(), loop.create_future(), loop.create_future()
        self.reader, self.writer = await asyncio.open_connection(
            HOST, self.port, local_addr=(self.local_host, 0) if self.local_host else None)
        self.writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.writer.write((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(f"upgrade refused: {head.splitlines()[0][:80]!r}")
        self.alive = True
        self._task = asyncio.create_task(self._read_loop())
        await self._open
        self._send("40")
        await self._connected
        self._send("421" + json.dumps(["subscribe", self.subscription]))
        ack = await self._ack
        if not (isinstance(ack, dict) and ack.get("ok")):
            raise ConnectionError(f"subscribe refused: {str(ack)[:100]}")

    def _send(self, text: str, opcode: int = 1) -> None:
        payload = text.encode() if isinstance(text, str) else text
        n = len(payload)
        if n < 126:
            header = bytes([0x80 | opcode, 0x80 | n])
        elif n < 65536:
            header = bytes([0x80 | opcode, 0x80 | 126]) + struct.pack("!H", n)
        else:
            header = bytes([0x80 | opcode, 0x80 | 127]) + struct.pack("!Q", n)
        key = os.urandom(4)
        self.writer.write(header + key + _mask(payload, key))

    async def _message(self) -> str:
        parts, opcode = [], None
        while True:
            b1, b2 = await self.reader.readexactly(2)
            op, n = b1 & 0x0F, b2 & 0x7F
            if n == 126:
                n = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            mask = await self.reader.readexactly(4) if b2 & 0x80 else None
            data = await self.reader.readexactly(n) if n else b""
            if mask:
                data = _mask(data, mask)
            if op == 9:  # ping
                self._send(data, opcode=10)
                continue
            if op == 10:
                continue
            if op == 8:
                raise ConnectionError("websocket closed by the server")
            if op:
                opcode = op
            parts.append(data)
            if b1 & 0x80:
                if opcode != 1:
                    return ""  # binary: not used by Turnero
                return b"".join(parts).decode()

    def _fail(self, exc: BaseException) -> None:
        self.alive = False
        for fut in (self._open, self._connected, self._ack):
            if fut is not None and not fut.done():
                fut.set_exception(exc)

    async def _read_loop(self) -> None:
        try:
            while True:
                pkt = await self._message()
                if pkt.startswith("42"):
                    t = time.time()
                    body = pkt[2:].lstrip("0123456789")
                    if body.startswith("["):
                        name, *rest = json.loads(body)
                        if name == self.event and rest:
                            self.on_event(self.cid, rest[0], t)
                elif pkt == "2":
                    self._send("3")
                elif pkt.startswith("0") and not self._open.done():
                    self._open.set_result(json.loads(pkt[1:]))
                elif pkt.startswith("40") and not self._connected.done():
                    self._connected.set_result(True)
                elif pkt.startswith("44"):
                    raise ConnectionError(f"namespace refused: {pkt[:100]}")
                elif pkt.startswith("431[") and not self._ack.done():
                    self._ack.set_result(json.loads(pkt[3:])[0])
                elif pkt.startswith("41") or pkt.startswith("1"):
                    raise ConnectionError("disconnected by the server")
        except asyncio.CancelledError:
            self._fail(ConnectionError("closed"))
            raise
        except (Exception, asyncio.IncompleteReadError) as exc:  # noqa: BLE001 - reported as a dead client
            self._fail(exc)

    async def close(self) -> None:
        self.alive = False
        if self._task:
            self._task.cancel()
        if self.writer:
            self.writer.close()


class PySioClient:
    """python-socketio's AsyncClient (needs aiohttp), WebSocket transport only."""

    kind = "python-socketio AsyncClient (websocket)"

    def __init__(self, cid: int, port: int, on_event):
        import socketio
        self.port = port
        self.sio = socketio.AsyncClient(reconnection=False)

        @self.sio.on("ticket.called")
        def _called(data):
            on_event(cid, data or {}, time.time())

    @property
    def alive(self) -> bool:
        return self.sio.connected

    async def connect(self) -> None:
        await self.sio.connect(f"http://{HOST}:{self.port}", transports=["websocket"], wait_timeout=20)
        ack = await self.sio.call("subscribe", {"branch": BRANCH}, timeout=20)
        if not (isinstance(ack, dict) and ack.get("ok")):
            raise ConnectionError(f"subscribe refused: {str(ack)[:100]}")

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.sio.disconnect(), 5)
        except Exception:  # noqa: BLE001 - closing anyway
            pass


def _client_class(kind: str):
    if kind == "raw":
        return RawSioClient
    try:
        import aiohttp  # noqa: F401 - python-socketio's asyncio client needs it
    except ImportError:
        if kind == "python-socketio":
            raise BenchError("--sio-client python-socketio needs aiohttp, which is not installed")
        return RawSioClient
    return PySioClient


def pipe_commands(conn) -> asyncio.Queue:
    """The main process's commands as an asyncio queue (in a client process's loop),
    read by a daemon thread so that nothing waits for it at exit; a closed pipe is a stop."""
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue = asyncio.Queue()

    def pipe_reader() -> None:
        while True:
            try:
                cmd = conn.recv()
            except (EOFError, OSError):
                cmd = ("stop",)
            loop.call_soon_threadsafe(commands.put_nowait, cmd)
            if cmd[0] == "stop":
                return

    threading.Thread(target=pipe_reader, daemon=True).start()
    return commands


class ClientProcesses:
    """Forked client processes, each running `main(pipe, *args, first_cid)`, driven
    through pipes: every process is asked the same kind of command and answers once."""

    def __init__(self, main, nprocs: int, *args):
        ctx = mp.get_context("fork")
        self.pipes, self.procs = [], []
        for i in range(nprocs):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=main, args=(child, *args, i * 1_000_000), daemon=True)
            p.start()
            child.close()
            self.pipes.append(parent)
            self.procs.append(p)

    def ask_all(self, cmds: list, timeout: float) -> list:
        for pipe, cmd in zip(self.pipes, cmds):
            pipe.send(cmd)
        answers = []
        deadline = time.monotonic() + timeout
        for pipe in self.pipes:
            if not pipe.poll(max(0.0, deadline - time.monotonic())):
                raise BenchError(f"a Socket.IO client process did not answer {cmds[0][0]!r} within {timeout:.0f} s")
            answers.append(pipe.recv())
        return answers

    def stop(self) -> list:
        """Ask every process to stop, then make sure it did -> the answers that came."""
        answers = []
        for pipe in self.pipes:
            try:
                pipe.send(("stop",))
            except OSError:
                pass
        for pipe in self.pipes:
            try:
                if pipe.poll(15):
                    answers.append(pipe.recv())
            except (OSError, EOFError):
                pass
        for p in self.procs:
            p.join(10)
        stop_processes(self.procs)
        return answers

    def kill(self) -> None:
        stop_processes(self.procs)


def _fanout_client_main(conn, port: int, kind: str, first_cid: int) -> None:
    child_setup()
    asyncio.run(_fanout_client(conn, port, kind, first_cid))


async def connect_all(chunk: list, errs: Counter) -> list:
    """Connect the clients of `chunk` together (20 s each); each failure is counted in
    `errs` by its message and its client closed. -> the clients that connected."""
    res = await asyncio.gather(*(asyncio.wait_for(c.connect(), 20) for c in chunk), return_exceptions=True)
    connected = []
    for c, r in zip(chunk, res):
        if isinstance(r, BaseException):
            errs[f"{type(r).__name__}: {r}"[:120]] += 1
            await c.close()
        else:
            connected.append(c)
    return connected


async def _fanout_client(conn, port: int, kind: str, first_cid: int) -> None:
    cls = _client_class(kind)
    clients = []
    received: dict[str, dict[int, float]] = {}
    next_cid = first_cid

    def on_event(cid: int, payload: dict, t: float) -> None:
        received.setdefault(payload.get("code"), {}).setdefault(cid, t)

    commands = pipe_commands(conn)
    try:
        while True:
            cmd = await commands.get()
            if cmd[0] == "connect":
                _, n, batch = cmd
                t0 = time.monotonic()
                ok, failed, errs = 0, 0, Counter()
                for start in range(0, n, batch):
                    chunk = [cls(next_cid + i, port, on_event) for i in range(min(batch, n - start))]
                    next_cid += len(chunk)
                    connected = await connect_all(chunk, errs)
                    ok += len(connected)
                    failed += len(chunk) - len(connected)
                    clients += connected
                conn.send(("connected", ok, failed, dict(errs.most_common(3)), time.monotonic() - t0,
                           sum(1 for c in clients if c.alive)))
            elif cmd[0] == "wait":
                _, code, timeout = cmd
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    if len(received.get(code, ())) >= sum(1 for c in clients if c.alive):
                        break
                    await asyncio.sleep(0.005)
                got = received.pop(code, {})
                conn.send(("got", list(got.values()), sum(1 for c in clients if c.alive)))
            elif cmd[0] == "stop":
                break
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        try:
            conn.send(("stopped", cls.kind))
        except OSError:
            pass


class FanoutClients(ClientProcesses):
    """The Socket.IO client processes of the fan-out part."""

    def __init__(self, port: int, nprocs: int, kind: str):
        super().__init__(_fanout_client_main, nprocs, port, kind)

    def connect(self, n: int, batch: int) -> tuple[int, int, dict, float, int]:
        shares = [n // len(self.pipes) + (1 if i < n % len(self.pipes) else 0) for i in range(len(self.pipes))]
        # 20 s per batch at worst, plus a margin.
        timeout = 30 + 20 * max(math.ceil(s / batch) for s in shares)
        answers = self.ask_all([("connect", s, batch) for s in shares], timeout)
        errs = Counter()
        for a in answers:
            errs.update(a[3])
        return (sum(a[1] for a in answers), sum(a[2] for a in answers), dict(errs),
                max(a[4] for a in answers), sum(a[5] for a in answers))

    def wait(self, code: str, timeout: float) -> tuple[list[float], int]:
        answers = self.ask_all([("wait", code, timeout)] * len(self.pipes), timeout + 30)
        times = [t for a in answers for t in a[1]]
        return times, sum(a[2] for a in answers)

    def stop(self) -> str:
        answers = super().stop()
        return answers[-1][1] if answers else ""


def fanout_rounds(label: str, port: int, pid: int, token: str, clients: FanoutClients, rounds: int,
                  expected: int, pause: float) -> None:
    ka = KeepAlive(port)
    bursts0 = burst_metrics(port)
    cpu0 = cpu_s(pid)
    lat, receivers, http_lat, problems = [], [], [], Counter()
    path = f"{API}/branches/{BRANCH}/counters/v1/call-next"
    try:
        for _ in range(rounds):
            t0 = time.time()
            status, body = ka.json("POST", path, token=token)
            http_lat.append(time.time() - t0)
            if status != 200 or not isinstance(body, dict):
                problems[f"call-next {status}"] += 1
                time.sleep(pause)
                continue
            times, alive = clients.wait(body["code"], 10.0)
            lat += [t - t0 for t in times]
            receivers.append(len(times))
            if alive != expected:
                problems[f"{expected - alive} clients disconnected"] += 1
            time.sleep(pause)
    finally:
        ka.close()
    cpu = cpu_s(pid) - cpu0
    bursts = {k: v - bursts0.get(k, 0.0) for k, v in burst_metrics(port).items()}
    full = sum(1 for r in receivers if r == expected)
    out(f"{label}: {len(receivers)} rounds, event at every client in {full}/{len(receivers)} rounds "
        f"(receivers per event min {min(receivers, default=0)}, max {max(receivers, default=0)}, of {expected}); "
        f"call-next -> ticket.called latency p50 {ms(pct(lat, 50))} ms, p99 {ms(pct(lat, 99))} ms, "
        f"max {ms(max(lat, default=float('nan')))} ms; call-next HTTP p50 {ms(pct(http_lat, 50))} ms; "
        f"server CPU {cpu / max(rounds, 1) * 1000:.0f} ms per round"
        + (f"; the server's writes of a burst (its events to every client) took {bursts['sum'] / bursts['count'] * 1000:.1f}"
           f" ms on average, {bursts['le_0.1'] / bursts['count'] * 100:.0f}% of {bursts['count']:.0f} bursts within 100 ms"
           if bursts.get("count") else "")
        + (f"; problems: {dict(problems)}" if problems else ""))


def server_metrics(port: int) -> dict[str, float]:
    """The server's /metrics now, sample (name with its labels) -> value; empty when
    it does not answer."""
    try:
        ka = KeepAlive(port, 10)
        status, raw = ka.request("GET", "/metrics")
        ka.close()
    except (OSError, http.client.HTTPException):
        return {}
    samples = {}
    for line in raw.decode(errors="replace").splitlines():
        name, _, value = line.rpartition(" ")
        if name and not line.startswith("#"):
            try:
                samples[name] = float(value)
            except ValueError:
                continue
    return samples


def burst_metrics(port: int) -> dict[str, float]:
    """turnero_ws_burst_seconds (turnero.wsframes) as the server counts it now: sum,
    count and the 100 ms bucket; empty when the server has no such figure."""
    samples = server_metrics(port)
    names = {"sum": "turnero_ws_burst_seconds_sum", "count": "turnero_ws_burst_seconds_count",
             "le_0.1": 'turnero_ws_burst_seconds_bucket{le="0.1"}'}
    return {key: samples[name] for key, name in names.items() if name in samples}


def socket_gauge(port: int) -> str:
    value = server_metrics(port).get("turnero_socketio_clients")
    return "?" if value is None else str(int(value))


def part_fanout(args, tmp: Path, servers: Servers) -> None:
    n = args.clients
    port = free_port()
    (proc,), (log,) = prepare_instance(tmp, "fanout", f"sqlite:///{tmp / 'fanout' / 'bench.db'}", [port], servers)
    token = staff_token(port)
    status, body = http_json(port, "POST", f"{API}/branches/{BRANCH}/counters/v1/open", token=token)
    if status != 200:
        raise BenchError(f"opening counter v1 failed: {status} {str(body)[:300]}")
    ka = KeepAlive(port)
    try:
        for _ in range(args.rounds + args.rounds2 + 3):
            status, body = ka.json("POST", f"{API}/branches/{BRANCH}/tickets", {"service": "caja"})
            if status != 201:
                raise BenchError(f"taking a ticket failed: {status} {str(body)[:300]}")
    finally:
        ka.close()
    rss0 = rss_mb(proc.pid)
    label = "fanout"
    out(f"{label}: clients: {_client_class(args.sio_client).kind} in {args.client_procs} processes, "
        f"connecting {args.batch} at a time per process")
    clients = FanoutClients(port, args.client_procs, args.sio_client)
    try:
        def grow(count: int, total: int) -> None:
            ok, failed, errs, secs, alive = clients.connect(count, args.batch)
            out(f"{label}: connected {ok} more Socket.IO clients in {secs:.1f} s ({failed} failed"
                + (f": {errs}" if errs else "") + f"); {alive} connected and subscribed, "
                f"server gauge {socket_gauge(port)}")
            if alive != total:
                raise BenchError(f"{total - alive} of {total} clients are not connected; log: {log}")

        grow(n, n)
        time.sleep(1)
        fanout_rounds(f"{label}[{n} clients]", port, proc.pid, token, clients, args.rounds, n, args.pause)
        time.sleep(1)
        rss1 = rss_mb(proc.pid)
        out(f"{label}: server RSS {rss0:.0f} MB with no clients, {rss1:.0f} MB at {n} connections")
        grow(n, 2 * n)
        time.sleep(1)
        rss2 = rss_mb(proc.pid)
        out(f"{label}: server RSS {rss2:.0f} MB at {2 * n} connections")
        fanout_rounds(f"{label}[{2 * n} clients]", port, proc.pid, token, clients, args.rounds2, 2 * n,
                      args.pause)
        clients.stop()
        out(f"{label}: server log problems: {log_problems(log) or 'none'}")
    finally:
        clients.kill()
