"""Bench part long: what a call costs on a long line, with phones following it.

One server on SQLite, counter v1 (caja only). For each line length (50, 1,000 and
10,000 waiting) a fresh server is filled over HTTP; then, with 0, 100 and 1,000
Socket.IO clients each following one waiting ticket (spread evenly along the line, so
at 50 waiting twenty clients share a ticket), `call-next` is timed for a number of
rounds. Each round: the call, then until every follower has had its `ticket.update`
(its place moved by one); server CPU is counted over that window. Between rounds one
ticket joins at the end (not counted), so the line keeps its length. At the end every
follower's last `ahead` is checked against the line the bench kept."""
from __future__ import annotations

import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .common import (API, BRANCH, BenchError, KeepAlive, Servers, cpu_s, free_port, http_json, log_problems, ms,
                     out, pct, prepare_instance, staff_token)
from .long_followers import Followers

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


def part_long(args, tmp: Path, servers: Servers) -> None:
    sizes = [int(s) for s in args.long_sizes.split(",")]
    levels = [int(s) for s in args.long_followers.split(",")]
    rows = []
    for size in sizes:
        port = free_port()
        name = f"long{size}"
        (proc,), (log,) = prepare_instance(tmp, name, f"sqlite:///{tmp / name / 'bench.db'}", [port], servers)
        token = staff_token(port)
        status, body = http_json(port, "POST", f"{API}/branches/{BRANCH}/counters/v1/open", token=token)
        if status != 200:
            raise BenchError(f"opening counter v1 failed: {status} {str(body)[:300]}")
        t = time.monotonic()
        # Everyone joins at the end of one line: the ahead each was told is its place.
        line = deque((tok, code) for _ahead, tok, code in sorted(_take(port, size)))
        out(f"long[{size} waiting]: line filled over HTTP in {time.monotonic() - t:.1f} s")
        for level in levels:
            rows.append(_level(args, port, proc.pid, token, line, size, level, log))
        servers.stop_all()
    out("long: summary (call-next p50 / server CPU per call / followers' update p50):")
    for size, level, p50, cpu, upd in rows:
        out(f"long:   {size:>6} waiting, {level:>5} following: {ms(p50):>7} ms / {cpu * 1000:6.1f} ms / "
            f"{ms(upd)} ms")


def _level(args, port: int, pid: int, token: str, line: deque, size: int, level: int, log: Path):
    label = f"long[{size} waiting, {level} following]"
    followers = Followers(port, args.client_procs) if level else None
    try:
        if followers is not None:
            tokens = [line[(i * size) // level if level <= size else i % size][0] for i in range(level)]
            alive, failed, errs = followers.follow(tokens, args.batch)
            if alive != level:
                raise BenchError(f"{label}: {level - alive} followers could not subscribe ({failed} failed: {errs}); "
                                 f"log: {log}")
            time.sleep(1)
        ka = KeepAlive(port)
        calls, cpus, updates, problems = [], [], [], Counter()
        path = f"{API}/branches/{BRANCH}/counters/v1/call-next"
        try:
            for _ in range(args.long_rounds):
                if followers is not None:
                    followers.mark()
                cpu0 = cpu_s(pid)
                t0 = time.time()
                status, body = ka.json("POST", path, token=token)
                calls.append(time.time() - t0)
                if status != 200 or not isinstance(body, dict):
                    problems[f"call-next {status}"] += 1
                    continue
                expected_code = line.popleft()[1]
                if body.get("code") != expected_code:
                    problems["called out of order"] += 1
                if followers is not None:
                    times, expected = followers.wait(t0, 30.0)
                    updates += times
                    if len(times) != expected:
                        problems["a follower had no update"] += 1
                cpus.append(cpu_s(pid) - cpu0)
                (_, tok, code), = _take(port, 1)
                line.append((tok, code))
        finally:
            ka.close()
        wrong = 0
        if followers is not None:
            place = {tok: i for i, (tok, _code) in enumerate(line)}
            for tok, last in followers.last():
                if tok in place and (last is None or last.get("ahead") != place[tok]):
                    wrong += 1
        p50 = pct(calls, 50)
        cpu = sum(cpus) / max(len(cpus), 1)
        upd = pct(updates, 50)
        out(f"{label}: {len(calls)} calls, call-next p50 {ms(p50)} ms, p99 {ms(pct(calls, 99))} ms; server CPU "
            f"{cpu * 1000:.1f} ms per call (its updates included); followers' update p50 {ms(upd)} ms, "
            f"p99 {ms(pct(updates, 99))} ms; followers showing a wrong place at the end: {wrong}"
            + (f"; problems: {dict(problems)}" if problems else "")
            + (f"; {log_problems(log)}" if log_problems(log) else ""))
        return size, level, p50, cpu, upd
    finally:
        if followers is not None:
            followers.stop()


__all__ = ["part_long"]
