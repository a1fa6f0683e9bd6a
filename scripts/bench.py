#!/usr/bin/env python3
"""Turnero benchmark: prints figures, asserts nothing about speed.

Parts (choose with --only, comma separated; default all, in this order):

  issue   tickets issued per second over HTTP, one server on SQLite
  pg      the same against PostgreSQL (a fresh database, dropped at the end)
  redis   two server processes on one PostgreSQL database with a Redis message
          queue, the clients split across both
  fanout  call-next -> `ticket.called` received by each of N Socket.IO clients;
          server memory at N and 2N connections
  long    call-next on a line of 50, 1,000 and 10,000 waiting, with 0, 100 and
          1,000 Socket.IO clients following tickets of it: call-next p50, server
          CPU per call (its updates included), the followers' update latency;
          on SQLite by default, --long-setups adds PostgreSQL (one process) and
          two processes on PostgreSQL sharing Redis
  stats   the manager's figures over a year of a busy branch (300,000 tickets written
          into SQLite, then PostgreSQL): GET /stats by each grouping, tickets.csv
  flood   one address sends 5,000 joins (default limits) while an agent calls the
          next ticket every 50 ms: how the flood is answered, call-next's latency

Only 127.0.0.1 is contacted. Every loop has a fixed count and a time limit, and
every process started here is stopped in a `finally`. Run it as `scripts/bench`.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

# scripts/ is sys.path[0] when this file runs as a script; the client processes are forked, so they have it too.
from benchkit.common import TURNERO, BenchError, Servers, out, raise_nofile
from benchkit.fanout import part_fanout
from benchkit.flood import part_flood
from benchkit.issuing import part_issue, part_pg, part_redis
from benchkit.long import SETUPS as LONG_SETUPS
from benchkit.long import part_long
from benchkit.stats import part_stats

PARTS = ("issue", "pg", "redis", "fanout", "long", "stats", "flood")


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
    ap.add_argument("--long-sizes", default="50,1000,10000", help="long: waiting line lengths (default 50,1000,10000)")
    ap.add_argument("--long-followers", default="0,100,1000",
                    help="long: followers at each length (default 0,100,1000)")
    ap.add_argument("--long-rounds", type=int, default=20, help="long: calls at each setting (default 20)")
    ap.add_argument("--long-setups", default="sqlite",
                    help="long: comma-separated setups, each with a fresh database per length: sqlite (one "
                         "process), pg (one process on PostgreSQL), pg+redis (two processes on PostgreSQL sharing "
                         "Redis, the followers split over both, call-next to the first; server CPU summed over "
                         "both) (default sqlite)")
    ap.add_argument("--stats-days", type=int, default=300, help="stats: days of tickets (default 300)")
    ap.add_argument("--stats-per-day", type=int, default=1000, help="stats: tickets a day (default 1000)")
    ap.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                    help="PostgreSQL database to create the bench databases from")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/14",
                    help="Redis for the redis part and long's pg+redis")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, SQLite files)")
    args = ap.parse_args()
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        ap.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    unknown = [s for s in (s.strip() for s in args.long_setups.split(",")) if s and s not in LONG_SETUPS]
    if unknown or not args.long_setups.strip(" ,"):
        ap.error(f"--long-setups: unknown setup(s) {', '.join(unknown) or '(none given)'}; "
                 f"choose from {', '.join(LONG_SETUPS)}")
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
            fn = {"issue": part_issue, "pg": part_pg, "redis": part_redis, "fanout": part_fanout,
                  "long": part_long, "stats": part_stats, "flood": part_flood}[part]
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
