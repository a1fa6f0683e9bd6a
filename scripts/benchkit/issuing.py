"""Bench parts issue, pg and redis: tickets issued over keep-alive HTTP by client processes,
against one server on SQLite, one on a fresh PostgreSQL database, or two sharing PostgreSQL and Redis."""
from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import secrets
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from .common import (API, BRANCH, HOST, SERVICES, TURNERO, BenchError, KeepAlive, Servers, child_setup, cpu_s,
                     free_port, http_json, log_problems, ms, out, pct, port_open, prepare_instance, server_env,
                     staff_token, stop_processes)


def _issue_worker(specs, barrier, results, limit_s: float, token: str | None = None) -> None:
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
                status, raw = ka.request("POST", path, body, token)
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


def issue_load(ports: list[int], total: int, concurrency: int, nprocs: int, limit_s: float,
               token: str | None = None) -> dict:
    ctx = mp.get_context("fork")
    nprocs = max(1, min(nprocs, concurrency))
    specs = [[] for _ in range(nprocs)]
    for t in range(concurrency):
        count = total // concurrency + (1 if t < total % concurrency else 0)
        specs[t % nprocs].append((ports[t % len(ports)], count, t))
    barrier = ctx.Barrier(nprocs + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=_issue_worker, args=(s, barrier, results, limit_s, token), daemon=True)
             for s in specs]
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


def report_issue(label: str, args, ports: list[int], logs: list[Path], pids: list[int],
                 token: str | None = None) -> None:
    cpu0 = sum(cpu_s(pid) for pid in pids)
    r = issue_load(ports, args.tickets, args.concurrency, args.procs, args.limit, token)
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
    servers.stop_all()
    # The same through a kiosk's token (what a branch's kiosks send): a fresh database.
    port = free_port()
    db = tmp / "issue-kiosk" / "bench.db"
    procs, logs = prepare_instance(tmp, "issue-kiosk", f"sqlite:///{db}", [port], servers)
    env = server_env(tmp / "issue-kiosk", f"sqlite:///{db}", port)
    made = subprocess.run([str(TURNERO), "device", "add", "--branch", BRANCH, "--kind", "kiosk"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp / "issue-kiosk")
    if made.returncode != 0:
        raise BenchError(f"device add failed: {made.stderr[-500:]}")
    report_issue("issue[sqlite, kiosk token]", args, [port], logs, [p.pid for p in procs],
                 token=made.stdout.split()[-1])


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


def redis_reachable(url: str) -> bool:
    u = urlsplit(url)
    return port_open(u.hostname or HOST, u.port or 6379)


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
    if not redis_reachable(args.redis_url):
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

