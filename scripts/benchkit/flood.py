"""Bench part flood: one client address sends 5,000 joins as fast as 16 keep-alive
connections go, while an agent calls the next ticket every 50 ms; the server runs with
the default limits. Figures: how the flood was answered, and how long the agent's
call-next took while it ran (the target: under one second)."""
from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from turnero.config import DEFAULT_JOIN_RATE_LIMIT

from .common import (API, BRANCH, BenchError, KeepAlive, Servers, free_port, http_json, ms, out, pct,
                     prepare_instance, staff_token)

FLOOD = 5000
CONNECTIONS = 16
CALL_EVERY_S = 0.05


def part_flood(args, tmp: Path, servers: Servers) -> None:
    port = free_port()
    prepare_instance(tmp, "flood", f"sqlite:///{tmp / 'flood' / 'bench.db'}", [port], servers,
                     JOIN_RATE_LIMIT=DEFAULT_JOIN_RATE_LIMIT)
    token = staff_token(port)
    status, _ = http_json(port, "POST", f"{API}/branches/{BRANCH}/counters/v1/open", token=token)
    if status != 200:
        raise BenchError(f"could not open counter v1: {status}")
    for _ in range(200):  # customers staff took at the desk: the agent always has someone to call
        status, _ = http_json(port, "POST", f"{API}/branches/{BRANCH}/tickets", {"service": "caja"}, token=token)
        if status != 201:
            raise BenchError(f"a staff ticket was refused: {status}")
    statuses: Counter = Counter()
    lock = threading.Lock()
    flooding = threading.Event()
    flooding.set()

    def flood(n: int) -> None:
        ka = KeepAlive(port)
        local: Counter = Counter()
        for _ in range(n):
            try:
                status, _ = ka.request("POST", f"{API}/branches/{BRANCH}/tickets", {"service": "caja"})
                local[status] += 1
            except OSError as exc:
                local[type(exc).__name__] += 1
        ka.close()
        with lock:
            statuses.update(local)

    calls: list[float] = []
    call_statuses: Counter = Counter()

    def agent() -> None:
        ka = KeepAlive(port)
        while flooding.is_set():
            started = time.perf_counter()
            status, _ = ka.request("POST", f"{API}/branches/{BRANCH}/counters/v1/call-next", token=token)
            calls.append(time.perf_counter() - started)
            call_statuses[status] += 1
            time.sleep(CALL_EVERY_S)
        ka.close()

    started = time.monotonic()
    with ThreadPoolExecutor(CONNECTIONS + 1) as pool:
        caller = pool.submit(agent)
        floods = [pool.submit(flood, FLOOD // CONNECTIONS + (1 if i < FLOOD % CONNECTIONS else 0))
                  for i in range(CONNECTIONS)]
        for f in floods:
            f.result()
        flooding.clear()
        caller.result()
    took = time.monotonic() - started
    out(f"flood: {sum(statuses.values())} joins from one address in {took:.1f} s "
        f"({sum(statuses.values()) / took:.0f}/s): " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(),
                                                                                              key=str)))
    out(f"flood: call-next while it ran: {len(calls)} calls ({dict(call_statuses)}), p50 {ms(pct(calls, 50))} ms, "
        f"p99 {ms(pct(calls, 99))} ms, max {ms(max(calls) if calls else float('nan'))} ms (target: under 1000 ms)")
