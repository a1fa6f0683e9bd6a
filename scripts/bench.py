#!/usr/bin/env python3
"""Turnero benchmark: prints figures, asserts nothing about speed.

Parts (choose with --only, comma separated; default all, in this order):

  issue   tickets issued per second over HTTP, one server on SQLite
  pg      the same against PostgreSQL (a fresh database, dropped at the end)
  redis   two server processes on one PostgreSQL database with a Redis message
          queue, the clients split across both
  fanout  call-next -> `ticket.called` received by each of N Socket.IO clients;
          server memory at N and 2N connections

Only 127.0.0.1 is contacted. Every loop has a fixed count and a time limit, and
every process started here is stopped in a `finally`. Run it as `scripts/bench`.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import json
import math
import multiprocessing as mp
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TURNERO = ROOT / ".venv" / "bin" / "turnero"
HOST = "127.0.0.1"
BRANCH = "centro"
PASSWORD = "benchpw"
SERVICES = ("caja", "plataforma")
API = "/api/v1"
PARTS = ("issue", "pg", "redis", "fanout")


class BenchError(Exception):
    """A part could not run; the message says why (and where the server log is)."""


# ---------------------------------------------------------------- small helpers

def raise_nofile() -> None:
    """Soft open-files limit up to the hard limit (each process calls this)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        pass


def child_setup() -> None:
    """In a forked client process: the main process stops us (SIGTERM kills at once,
    Ctrl-C is left to the main process), and more open files."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise_nofile()


def stop_processes(procs) -> None:
    """SIGTERM, then SIGKILL for any still there after 5 s."""
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(5)
        if p.is_alive():
            p.kill()
            p.join(5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def pct(values, p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))
    return s[k]


def ms(seconds: float) -> str:
    return "n/a" if seconds != seconds else f"{seconds * 1000:.1f}"


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (NaN when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def out(line: str = "") -> None:
    print(line, flush=True)


class KeepAlive:
    """One keep-alive HTTP connection that reconnects after an error."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def connect(self) -> None:
        if self.conn is None:
            self.conn = self._connect()

    def request(self, method: str, path: str, body=None, token: str | None = None):
        """-> (status, raw bytes). Raises OSError/HTTPException after closing."""
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.connect()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if resp.will_close:
            self.close()
        return resp.status, raw

    def json(self, method: str, path: str, body=None, token: str | None = None):
        status, raw = self.request(method, path, body, token)
        try:
            return status, (json.loads(raw) if raw else None)
        except ValueError:
            return status, raw.decode(errors="replace")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def http_json(port: int, method: str, path: str, body=None, token=None, timeout: float = 30):
    ka = KeepAlive(port, timeout)
    try:
        return ka.json(method, path, body, token)
    finally:
        ka.close()


# ---------------------------------------------------------------- servers

class Servers:
    """Every `turnero serve` this run started; stop_all() runs in a finally."""

    def __init__(self):
        self.running: list[tuple[subprocess.Popen, object]] = []

    def start(self, env: dict, port: int, cwd: Path, log_path: Path) -> subprocess.Popen:
        log = open(log_path, "ab")
        proc = subprocess.Popen([str(TURNERO), "serve", "--host", HOST, "--port", str(port)],
                                env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append((proc, log))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise BenchError(f"server on port {port} exited with {proc.returncode}; log: {log_path}\n"
                                 + tail(log_path))
            try:
                status, _ = http_json(port, "GET", "/healthz", timeout=2)
                if status == 200:
                    return proc
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise BenchError(f"server on port {port} not healthy after 30 s; log: {log_path}\n" + tail(log_path))

    def stop_all(self) -> None:
        for proc, _ in self.running:
            if proc.poll() is None:
                proc.terminate()
        for proc, log in self.running:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
            log.close()
        self.running.clear()


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def log_problems(path: Path) -> str:
    """A short note on ERROR/Traceback lines in a server log (empty when none)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    errors = sum(1 for line in text.splitlines() if " ERROR " in line or line.startswith("Traceback"))
    return f"{errors} ERROR/Traceback lines in {path}" if errors else ""


def server_env(instance: Path, db_url: str, port: int, redis_url: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TURNERO_")}
    env.update(
        TURNERO_INSTANCE_PATH=str(instance), TURNERO_DATABASE_URL=db_url, TURNERO_SECRET_KEY="x",
        TURNERO_PUBLIC_URL=f"http://{HOST}:{port}",
        # Set (even empty) so that no .env file supplies other values.
        TURNERO_REDIS_URL=redis_url or "", TURNERO_SMS_BACKEND="console",
        # One login per part, but Redis keeps the limiter's counts across runs.
        TURNERO_LOGIN_RATE_LIMIT="1000 per minute",
        PYTHONUNBUFFERED="1",
    )
    return env


def turnero_cli(env: dict, cwd: Path, log_path: Path, *args: str) -> None:
    with open(log_path, "ab") as log:
        log.write(f"$ turnero {' '.join(args)}\n".encode())
        log.flush()
        try:
            rc = subprocess.run([str(TURNERO), *args], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, timeout=120).returncode
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"`turnero {' '.join(args)}` took over 120 s; log: {log_path}") from exc
    if rc != 0:
        raise BenchError(f"`turnero {' '.join(args)}` failed ({rc}); log: {log_path}\n" + tail(log_path))


def prepare_instance(tmp: Path, name: str, db_url: str, ports: list[int], servers: Servers,
                     redis_url: str | None = None) -> tuple[list[subprocess.Popen], list[Path]]:
    """Schema + demo data once, then one server per port. -> (processes, log paths)."""
    instance = tmp / name
    instance.mkdir(parents=True, exist_ok=True)
    setup_log = instance / "setup.log"
    env = server_env(instance, db_url, ports[0], redis_url)
    turnero_cli(env, instance, setup_log, "db", "upgrade")
    turnero_cli(env, instance, setup_log, "demo", "--password", PASSWORD)
    procs, logs = [], []
    for port in ports:
        log_path = instance / f"server-{port}.log"
        procs.append(servers.start(server_env(instance, db_url, port, redis_url), port, instance, log_path))
        logs.append(log_path)
    return procs, logs


def staff_token(port: int) -> str:
    status, body = http_json(port, "POST", f"{API}/auth/token", {"username": "agente", "password": PASSWORD})
    if status != 200 or not isinstance(body, dict) or "token" not in body:
        raise BenchError(f"login as agente failed: {status} {body!r}"[:500])
    return body["token"]


# ---------------------------------------------------------------- part: issuing tickets

def _issue_worker(specs, barrier, results, limit_s: float) -> None:
    """One client process: a thread per (port, count, first) spec, each with its own
    keep-alive connection, all starting together once every process is ready."""
    child_setup()
    path = f"{API}/branches/{BRANCH}/tickets"
    conns = [KeepAlive(port) for port, _, _ in specs]
    setup_error = None
    try:
        for ka in conns:
            ka.connect()
    except OSError as exc:
        setup_error = repr(exc)
    go = threading.Event()
    per_thread = [None] * len(specs)

    def run(i: int, ka: KeepAlive, count: int, first: int) -> None:
        lat, statuses, errors, codes, samples = [], Counter(), Counter(), [], []
        go.wait(120)
        stop_at = time.monotonic() + limit_s
        for n in range(count):
            if time.monotonic() > stop_at:
                errors["not sent (time limit)"] += count - n
                break
            body = {"service": SERVICES[(first + n) % len(SERVICES)]}
            t = time.perf_counter()
            try:
                status, raw = ka.request("POST", path, body)
            except (OSError, http.client.HTTPException) as exc:
                errors[type(exc).__name__] += 1
                continue
            lat.append(time.perf_counter() - t)
            statuses[status] += 1
            if status == 201:
                try:
                    d = json.loads(raw)
                    codes.append((d["service"], d["code"]))
                except (ValueError, KeyError):
                    errors["bad 201 body"] += 1
            elif len(samples) < 3:
                samples.append(f"{status} {raw[:200].decode(errors='replace')}")
        per_thread[i] = (lat, statuses, errors, codes, samples, time.time())
        ka.close()

    threads = [threading.Thread(target=run, args=(i, conns[i], count, first), daemon=True)
               for i, (_, count, first) in enumerate(specs)]
    for th in threads:
        th.start()
    try:
        barrier.wait(60)
    except threading.BrokenBarrierError:
        setup_error = setup_error or "barrier broken"
    go.set()
    for th in threads:
        th.join(limit_s + 60)
    lat, statuses, errors, codes, samples, ends = [], Counter(), Counter(), [], [], []
    for item in per_thread:
        if item is None:
            errors["thread did not finish"] += 1
            continue
        lat += item[0]
        statuses.update(item[1])
        errors.update(item[2])
        codes += item[3]
        samples += item[4]
        ends.append(item[5])
    if setup_error:
        errors[f"setup: {setup_error}"] += 1
    results.put({"lat": lat, "statuses": dict(statuses), "errors": dict(errors), "codes": codes,
                 "samples": samples[:3], "ends": ends or [time.time()]})


def issue_load(ports: list[int], total: int, concurrency: int, nprocs: int, limit_s: float) -> dict:
    ctx = mp.get_context("fork")
    nprocs = max(1, min(nprocs, concurrency))
    specs = [[] for _ in range(nprocs)]
    for t in range(concurrency):
        count = total // concurrency + (1 if t < total % concurrency else 0)
        specs[t % nprocs].append((ports[t % len(ports)], count, t))
    barrier = ctx.Barrier(nprocs + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=_issue_worker, args=(s, barrier, results, limit_s), daemon=True) for s in specs]
    merged = {"lat": [], "statuses": Counter(), "errors": Counter(), "codes": [], "samples": [], "ends": []}
    try:
        for p in procs:
            p.start()
        try:
            barrier.wait(60)
        except threading.BrokenBarrierError as exc:
            raise BenchError("the client processes did not get ready within 60 s") from exc
        t_start = time.time()
        for _ in procs:
            r = results.get(timeout=limit_s + 120)
            merged["lat"] += r["lat"]
            merged["statuses"].update(r["statuses"])
            merged["errors"].update(r["errors"])
            merged["codes"] += r["codes"]
            merged["samples"] += r["samples"]
            merged["ends"] += r["ends"]
        for p in procs:
            p.join(10)
    finally:
        stop_processes(procs)
    merged["elapsed"] = max(max(merged["ends"]) - t_start, 1e-9)
    merged["first_done"] = min(merged["ends"]) - t_start
    merged["threads"] = [len(s) for s in specs]
    return merged


def report_issue(label: str, args, ports: list[int], logs: list[Path], pids: list[int]) -> None:
    cpu0 = sum(cpu_s(pid) for pid in pids)
    r = issue_load(ports, args.tickets, args.concurrency, args.procs, args.limit)
    cpu = sum(cpu_s(pid) for pid in pids) - cpu0
    done = len(r["lat"])
    n201 = r["statuses"].get(201, 0)
    other = {k: v for k, v in r["statuses"].items() if k != 201}
    errors = sum(r["errors"].values())
    threads = "+".join(str(n) for n in r["threads"])
    out(f"{label}: {done} responses from {args.concurrency} keep-alive clients "
        f"({len(r['threads'])} processes, {threads} threads) to {len(ports)} server(s) in {r['elapsed']:.2f} s "
        f"= {done / r['elapsed']:.0f} req/s; latency p50 {ms(pct(r['lat'], 50))} ms, "
        f"p99 {ms(pct(r['lat'], 99))} ms, max {ms(max(r['lat'], default=float('nan')))} ms, "
        f"mean {ms(sum(r['lat']) / len(r['lat']) if r['lat'] else float('nan'))} ms; "
        f"first client done after {r['first_done']:.1f} s")
    out(f"{label}: 201: {n201}, other statuses: {other or 'none'}, errors: {errors}"
        + (f" {dict(r['errors'])}" if errors else "")
        + f"; server CPU {cpu:.1f} s = {cpu / max(done, 1) * 1000:.1f} ms per request "
          f"({cpu / r['elapsed'] * 100:.0f}% of one core)")
    for sample in r["samples"]:
        out(f"{label}:   e.g. {sample}")
    dup_resp = sum(n - 1 for n in Counter(r["codes"]).values() if n > 1)
    token = staff_token(ports[0])
    t = time.perf_counter()
    status, tickets = http_json(ports[0], "GET", f"{API}/branches/{BRANCH}/tickets", token=token, timeout=180)
    list_s = time.perf_counter() - t
    if status != 200 or not isinstance(tickets, list):
        raise BenchError(f"listing tickets failed: {status} {str(tickets)[:300]}")
    keys = Counter((tk["service"], tk["code"]) for tk in tickets)
    dup_server = sum(n - 1 for n in keys.values() if n > 1)
    out(f"{label}: server has {len(tickets)} tickets today vs {n201} 201 responses "
        f"({'equal' if len(tickets) == n201 else 'DIFFERENT'}); duplicates={dup_server} (service, code) on the "
        f"server, {dup_resp} among responses; listing them took {list_s:.2f} s")
    for log in logs:
        note = log_problems(log)
        if note:
            out(f"{label}: note: {note}")


def part_issue(args, tmp: Path, servers: Servers) -> None:
    port = free_port()
    db = tmp / "issue" / "bench.db"
    procs, logs = prepare_instance(tmp, "issue", f"sqlite:///{db}", [port], servers)
    report_issue("issue[sqlite]", args, [port], logs, [p.pid for p in procs])


class PgDatabase:
    """A fresh PostgreSQL database, dropped WITH (FORCE) on close."""

    def __init__(self, admin_url: str):
        from sqlalchemy import create_engine, text
        self._text = text
        self.name = "turnero_bench_" + secrets.token_hex(4)
        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = admin_url.rsplit("/", 1)[0] + "/" + self.name

    def drop(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(self._text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        finally:
            self.engine.dispose()


def _pg_reachable(url: str) -> bool:
    from sqlalchemy.engine import make_url
    u = make_url(url)
    return port_open(u.host or HOST, u.port or 5432)


def part_pg(args, tmp: Path, servers: Servers) -> None:
    if not _pg_reachable(args.pg_url):
        out(f"pg: skipped: PostgreSQL not reachable ({args.pg_url})")
        return
    pg = PgDatabase(args.pg_url)
    try:
        port = free_port()
        procs, logs = prepare_instance(tmp, "pg", pg.url, [port], servers)
        report_issue(f"issue[postgresql {pg.name}]", args, [port], logs, [p.pid for p in procs])
    finally:
        servers.stop_all()
        pg.drop()


def part_redis(args, tmp: Path, servers: Servers) -> None:
    if not _pg_reachable(args.pg_url):
        out(f"redis: skipped: PostgreSQL not reachable ({args.pg_url})")
        return
    if not port_open(HOST, 6379):
        out(f"redis: skipped: Redis not reachable ({args.redis_url})")
        return
    pg = PgDatabase(args.pg_url)
    try:
        ports = [free_port(), free_port()]
        while ports[1] == ports[0]:
            ports[1] = free_port()
        procs, logs = prepare_instance(tmp, "redis", pg.url, ports, servers, redis_url=args.redis_url)
        report_issue("issue[2 servers, postgresql + redis]", args, ports, logs, [p.pid for p in procs])
    finally:
        servers.stop_all()
        pg.drop()


# ---------------------------------------------------------------- part: fan-out

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

    def __init__(self, cid: int, port: int, on_event):
        self.cid, self.port, self.on_event = cid, port, on_event
        self.reader = self.writer = None
        self.alive = False
        self._task = None
        self._open = self._connected = self._ack = None

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        self._open, self._connected, self._ack = loop.create_future(), loop.create_future(), loop.create_future()
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
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
        self._send("421" + json.dumps(["subscribe", {"branch": BRANCH}]))
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
                        if name == "ticket.called" and rest:
                            self.on_event(self.cid, rest[0].get("code"), t)
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
            on_event(cid, (data or {}).get("code"), time.time())

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


def _fanout_client_main(conn, port: int, kind: str, first_cid: int) -> None:
    child_setup()
    asyncio.run(_fanout_client(conn, port, kind, first_cid))


async def _fanout_client(conn, port: int, kind: str, first_cid: int) -> None:
    loop = asyncio.get_running_loop()
    cls = _client_class(kind)
    clients = []
    received: dict[str, dict[int, float]] = {}
    next_cid = first_cid

    def on_event(cid: int, code, t: float) -> None:
        received.setdefault(code, {}).setdefault(cid, t)

    # Commands come through a daemon thread, so that nothing waits for it at exit.
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
                    res = await asyncio.gather(*(asyncio.wait_for(c.connect(), 20) for c in chunk),
                                               return_exceptions=True)
                    for c, r in zip(chunk, res):
                        if isinstance(r, BaseException):
                            failed += 1
                            errs[f"{type(r).__name__}: {r}"[:120]] += 1
                            await c.close()
                        else:
                            ok += 1
                            clients.append(c)
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


class FanoutClients:
    """The Socket.IO client processes, driven through pipes."""

    def __init__(self, port: int, nprocs: int, kind: str):
        ctx = mp.get_context("fork")
        self.pipes, self.procs = [], []
        for i in range(nprocs):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=_fanout_client_main, args=(child, port, kind, i * 1_000_000), daemon=True)
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
        kind = ""
        for pipe in self.pipes:
            try:
                pipe.send(("stop",))
            except OSError:
                pass
        for pipe in self.pipes:
            try:
                if pipe.poll(15):
                    kind = pipe.recv()[1]
            except (OSError, EOFError):
                pass
        for p in self.procs:
            p.join(10)
        stop_processes(self.procs)
        return kind

    def kill(self) -> None:
        stop_processes(self.procs)


def fanout_rounds(label: str, port: int, pid: int, token: str, clients: FanoutClients, rounds: int,
                  expected: int, pause: float) -> None:
    ka = KeepAlive(port)
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
    full = sum(1 for r in receivers if r == expected)
    out(f"{label}: {len(receivers)} rounds, event at every client in {full}/{len(receivers)} rounds "
        f"(receivers per event min {min(receivers, default=0)}, max {max(receivers, default=0)}, of {expected}); "
        f"call-next -> ticket.called latency p50 {ms(pct(lat, 50))} ms, p99 {ms(pct(lat, 99))} ms, "
        f"max {ms(max(lat, default=float('nan')))} ms; call-next HTTP p50 {ms(pct(http_lat, 50))} ms; "
        f"server CPU {cpu / max(rounds, 1) * 1000:.0f} ms per round"
        + (f"; problems: {dict(problems)}" if problems else ""))


def socket_gauge(port: int) -> str:
    try:
        ka = KeepAlive(port, 10)
        status, raw = ka.request("GET", "/metrics")
        ka.close()
    except (OSError, http.client.HTTPException):
        return "?"
    for line in raw.decode(errors="replace").splitlines():
        if line.startswith("turnero_socketio_clients "):
            return str(int(float(line.split()[1])))
    return "?"


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


# ---------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(prog="scripts/bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts: {','.join(PARTS)} (default all)")
    ap.add_argument("--tickets", type=int, default=3000, help="requests per issuing run (default 3000)")
    ap.add_argument("--concurrency", type=int, default=16, help="keep-alive HTTP clients (default 16)")
    ap.add_argument("--procs", type=int, default=4, help="client processes for issuing (default 4)")
    ap.add_argument("--limit", type=float, default=75,
                    help="seconds an issuing run may take; requests left are counted as not sent (default 75)")
    ap.add_argument("--clients", type=int, default=1000, help="Socket.IO clients N; then 2N (default 1000)")
    ap.add_argument("--rounds", type=int, default=20, help="call-next rounds at N clients (default 20)")
    ap.add_argument("--rounds2", type=int, default=5, help="call-next rounds at 2N clients (default 5)")
    ap.add_argument("--pause", type=float, default=0.3, help="seconds between rounds (default 0.3)")
    ap.add_argument("--client-procs", type=int, default=2, help="Socket.IO client processes (default 2)")
    ap.add_argument("--batch", type=int, default=50, help="connections opened at once per process (default 50)")
    ap.add_argument("--sio-client", choices=("auto", "raw", "python-socketio"), default="auto",
                    help="Socket.IO client: python-socketio's AsyncClient (needs aiohttp) or a built-in "
                         "minimal one; auto picks AsyncClient when aiohttp is installed")
    ap.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                    help="PostgreSQL database to create the bench databases from")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/14", help="Redis for the redis part")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, SQLite files)")
    args = ap.parse_args()
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        ap.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    for name, url in (("--pg-url", args.pg_url), ("--redis-url", args.redis_url)):
        if "127.0.0.1" not in url and "localhost" not in url:
            ap.error(f"{name} must point at 127.0.0.1")
    if not TURNERO.exists():
        ap.error(f"{TURNERO} not found: run scripts/setup first")

    raise_nofile()
    # A SIGTERM runs the finally blocks too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    tmp = Path(tempfile.mkdtemp(prefix="turnero-bench-"))
    servers = Servers()
    failed = False
    out(f"turnero bench: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f}, open files {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}, "
        f"parts {','.join(parts)}")
    t_all = time.monotonic()
    try:
        for part in parts:
            fn = {"issue": part_issue, "pg": part_pg, "redis": part_redis, "fanout": part_fanout}[part]
            t = time.monotonic()
            try:
                fn(args, tmp, servers)
            except BenchError as exc:
                failed = True
                out(f"{part}: FAILED: {exc}")
            except Exception as exc:  # noqa: BLE001 - report it and go on with the next part
                failed = True
                out(f"{part}: FAILED: {type(exc).__name__}: {exc}")
            finally:
                servers.stop_all()
            out(f"{part}: done in {time.monotonic() - t:.0f} s (load average now {os.getloadavg()[0]:.2f})")
    except KeyboardInterrupt:
        failed = True
        out("interrupted")
    finally:
        servers.stop_all()
        if args.keep or failed:
            out(f"temporary folder kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    out(f"total {time.monotonic() - t_all:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
