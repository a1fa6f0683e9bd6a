"""Bench part long: what a call costs on a long line, with phones following it.

Counter v1 (caja only), in each setup of --long-setups: one server on SQLite, one on
PostgreSQL (pg), or two on PostgreSQL sharing Redis (pg+redis: the followers are split
over both, so each process refreshes its own from the Redis notice; call-next and the
joins go to the first; server CPU is summed over both). For each setup and line
length (50, 1,000 and 10,000 waiting) a fresh database and server(s) are filled over
HTTP; then, with 0, 100 and 1,000 Socket.IO clients each following one waiting ticket
(spread evenly along the line, so at 50 waiting twenty clients share a ticket),
`call-next` is timed for a number of rounds. Each round: the call, then until every
follower has had its `ticket.update` (its place moved by one); server CPU is counted
over that window. Between rounds one ticket joins at the end and the clients that
followed the called ticket follow it instead (neither counted), so the line keeps its
length and its followers: every follower hears every call. At the end every
follower's last `ahead` is checked against the line the bench kept."""
from __future__ import annotations

import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .common import (API, BRANCH, BenchError, KeepAlive, Servers, cpu_s, free_port, http_json, log_problems, ms,
                     out, pct, prepare_instance, staff_token)
from .issuing import PgDatabase, _pg_reachable, redis_reachable
from .long_followers import Followers

SETUPS = ("sqlite", "pg", "pg+redis")  # one process on SQLite, one on PostgreSQL, two on PostgreSQL sharing Redis
SIZES = (50, 1000, 10000)
FOLLOWERS = (0, 100, 1000)
SERVICE = "caja"  # the only service counter v1 serves
FILL_CONNECTIONS = 8


def _take(port: int, n: int) -> list[tuple[int, str, str]]:
    """n tickets of caja over keep-alive connections -> (ahead when taken, token, code)."""
    taken: list[tuple[int, str, str]] = []
    lock = threading.Lock()
    path = f"{API}/branches/{BRANCH}/tickets"

    def worker(count: int) -> None:
        ka = KeepAlive(port)
        mine = []
        try:
            for _ in range(count):
                status, body = ka.json("POST", path, {"service": SERVICE})
                if status != 201:
                    raise BenchError(f"taking a ticket failed: {status} {str(body)[:200]}")
                mine.append((body["ahead"], body["token"], body["code"]))
        finally:
            ka.close()
        with lock:
            taken.extend(mine)

    shares = [n // FILL_CONNECTIONS + (1 if i < n % FILL_CONNECTIONS else 0) for i in range(FILL_CONNECTIONS)]
    with ThreadPoolExecutor(FILL_CONNECTIONS) as pool:
        for f in [pool.submit(worker, s) for s in shares if s]:
            f.result()
    return taken


@dataclass
class _Run:
    """One setup at one line length: its fresh database, its server processes, the line the bench keeps."""

    setup: str
    size: int
    ports: list[int]  # call-next and the joins go to the first; the followers are spread over all
    pids: list[int]  # the server CPU of a call is summed over them
    logs: list[Path]
    token: str
    line: deque  # (token, code) of each waiting ticket, first called first


def _unreachable(setup: str, args) -> str:
    """Why a setup cannot run here (empty when it can)."""
    if setup != "sqlite" and not _pg_reachable(args.pg_url):
        return f"PostgreSQL not reachable ({args.pg_url})"
    if setup == "pg+redis" and not redis_reachable(args.redis_url):
        return f"Redis not reachable ({args.redis_url})"
    return ""


def _free_ports(n: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < n:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def part_long(args, tmp: Path, servers: Servers) -> None:
    setups = [s.strip() for s in args.long_setups.split(",") if s.strip()]
    sizes = [int(s) for s in args.long_sizes.split(",")]
    levels = [int(s) for s in args.long_followers.split(",")]
    rows = []
    for setup in setups:
        why = _unreachable(setup, args)
        if why:
            out(f"long[{setup}]: skipped: {why}")
            continue
        for size in sizes:
            rows += _size(args, tmp, servers, setup, size, levels)
    if rows:
        out("long: summary (call-next p50 / server CPU per call / followers' update p50):")
    for setup, size, level, p50, cpu, upd in rows:
        out(f"long:   {setup:<8} {size:>6} waiting, {level:>5} following: {ms(p50):>7} ms / {cpu * 1000:6.1f} ms / "
            f"{ms(upd)} ms")


def _size(args, tmp: Path, servers: Servers, setup: str, size: int, levels: list[int]) -> list[tuple]:
    """A fresh database and server(s) for one setup and line length, the line filled, then each level."""
    name = f"long-{setup.replace('+', '-')}-{size}"
    pg = PgDatabase(args.pg_url) if setup != "sqlite" else None
    try:
        ports = _free_ports(2 if setup == "pg+redis" else 1)
        procs, logs = prepare_instance(tmp, name, pg.url if pg else f"sqlite:///{tmp / name / 'bench.db'}", ports,
                                       servers, redis_url=args.redis_url if setup == "pg+redis" else None)
        token = staff_token(ports[0])
        status, body = http_json(ports[0], "POST", f"{API}/branches/{BRANCH}/counters/v1/open", token=token)
        if status != 200:
            raise BenchError(f"opening counter v1 failed: {status} {str(body)[:300]}")
        t = time.monotonic()
        # Everyone joins at the end of one line: the ahead each was told is its place.
        line = deque((tok, code) for _ahead, tok, code in sorted(_take(ports[0], size)))
        out(f"long[{setup}, {size} waiting]: line filled over HTTP in {time.monotonic() - t:.1f} s"
            + (f" ({len(ports)} server processes)" if len(ports) > 1 else ""))
        run = _Run(setup, size, ports, [p.pid for p in procs], logs, token, line)
        return [(setup, size, level, *_level(args, run, level)) for level in levels]
    finally:
        servers.stop_all()
        if pg is not None:
            pg.drop()


def _server_cpu(run: _Run) -> list[float]:
    """CPU seconds each server process has used so far."""
    return [cpu_s(pid) for pid in run.pids]


def _level(args, run: _Run, level: int) -> tuple[float, float, float]:
    """call-next rounds with `level` followers -> (call-next p50, server CPU per call, followers' update p50)."""
    label = f"long[{run.setup}, {run.size} waiting, {level} following]"
    line, size, port = run.line, run.size, run.ports[0]
    logs = ", ".join(str(log) for log in run.logs)
    followers = Followers(args.client_procs) if level else None
    try:
        if followers is not None:
            tokens = [line[(i * size) // level if level <= size else i % size][0] for i in range(level)]
            alive, failed, errs = followers.follow(tokens, run.ports, args.batch)
            if alive != level:
                raise BenchError(f"{label}: {level - alive} followers could not subscribe ({failed} failed: {errs}); "
                                 f"log: {logs}")
            time.sleep(1)
        ka = KeepAlive(port)
        calls, cpus, updates, hearing, problems = [], [], [], [], Counter()
        path = f"{API}/branches/{BRANCH}/counters/v1/call-next"
        try:
            moving = None  # (the ticket last called, the one that joined after it)
            for _ in range(args.long_rounds):
                if followers is not None and moving is not None and followers.refollow(*moving):
                    problems["a follower could not follow the next ticket"] += 1
                if followers is not None:
                    followers.mark()
                cpu0 = _server_cpu(run)
                t0 = time.time()
                status, body = ka.json("POST", path, token=run.token)
                calls.append(time.time() - t0)
                if status != 200 or not isinstance(body, dict):
                    problems[f"call-next {status}"] += 1
                    continue
                called_token, expected_code = line.popleft()
                if body.get("code") != expected_code:
                    problems["called out of order"] += 1
                if followers is not None:
                    times, expected = followers.wait(t0, 30.0)
                    updates += times
                    hearing.append(expected)
                    if len(times) != expected:
                        problems["a follower had no update"] += 1
                cpus.append([after - before for before, after in zip(cpu0, _server_cpu(run))])
                (_, tok, code), = _take(port, 1)
                line.append((tok, code))
                moving = (called_token, tok)
        finally:
            ka.close()
        wrong = 0
        if followers is not None:
            place = {tok: i for i, (tok, _code) in enumerate(line)}
            for tok, last in followers.last():
                if tok in place and (last is None or last.get("ahead") != place[tok]):
                    wrong += 1
        p50 = pct(calls, 50)
        each = [sum(c[i] for c in cpus) / max(len(cpus), 1) for i in range(len(run.pids))]
        cpu = sum(each)
        upd = pct(updates, 50)
        notes = [note for note in (log_problems(log) for log in run.logs) if note]
        out(f"{label}: {len(calls)} calls, call-next p50 {ms(p50)} ms, p99 {ms(pct(calls, 99))} ms; server CPU "
            f"{cpu * 1000:.1f} ms per call (its updates included"
            + (f", summed over {len(run.pids)} processes: " + " + ".join(f"{c * 1000:.1f}" for c in each)
               if len(run.pids) > 1 else "")
            + f"); followers' update p50 {ms(upd)} ms, "
            f"p99 {ms(pct(updates, 99))} ms"
            + (f"; followers told of each call: {sum(hearing) / len(hearing):.0f} on average" if hearing else "")
            + f"; followers showing a wrong place at the end: {wrong}"
            + (f"; problems: {dict(problems)}" if problems else "")
            + "".join(f"; {note}" for note in notes))
        return p50, cpu, upd
    finally:
        if followers is not None:
            followers.stop()


__all__ = ["SETUPS", "part_long"]
