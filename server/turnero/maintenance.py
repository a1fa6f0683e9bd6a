"""Keeping a server well: a copy of the database and its restoring (SQLite; for
PostgreSQL, pg_dump and pg_restore), and one report of what a monitor should watch.

`turnero backup FILE` copies a SQLite database with SQLite's online backup API, page
by page under its locks: safe while the server writes. `turnero restore FILE` copies a
backup back the same way, then migrates it to this code's schema. `turnero check`
reports the database, its migrations, Redis, the outbox's oldest unsent message and the
front-end files the pages need; it exits 1 when something is wrong."""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from . import clock
from .migrate import state, upgrade

STATIC = Path(__file__).parent / "static"
# The front-end files the pages load (scripts/vendor copies them from npm).
FRONTEND = ("vendor/socket.io/socket.io.min.js", "vendor/chart.js/chart.umd.min.js",
            "vendor/swagger-ui/swagger-ui-bundle.js", "vendor/swagger-ui/swagger-ui-standalone-preset.js",
            "vendor/swagger-ui/swagger-ui.css")
# An unsent message older than this makes the outbox finding wrong (the provider or the
# worker is down): a monitor's alarm.
OUTBOX_LATE_S = 600


class NotSQLite(Exception):
    """backup/restore of this kind are for SQLite; PostgreSQL has pg_dump."""


def _sqlite_path(engine: Engine) -> str:
    if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        raise NotSQLite(engine.url.render_as_string(hide_password=True))
    return engine.url.database


def backup(engine: Engine, target: Path) -> int:
    """Copy the SQLite database to `target` (replaced); returns its size in bytes."""
    source = sqlite3.connect(_sqlite_path(engine))
    partial = target.with_name(target.name + ".partial")
    try:
        out = sqlite3.connect(partial)
        try:
            source.backup(out, pages=256)
        finally:
            out.close()
    finally:
        source.close()
    partial.replace(target)
    return target.stat().st_size


def restore(engine: Engine, source: Path) -> None:
    """Copy a backup into the SQLite database, then migrate it to this code's schema."""
    path = _sqlite_path(engine)
    backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        check = backup_file.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise ValueError(f"{source} is damaged: {check}")
        live = sqlite3.connect(path)
        try:
            backup_file.backup(live)
        finally:
            live.close()
    finally:
        backup_file.close()
    engine.dispose()
    upgrade(engine)


@dataclass(frozen=True)
class Finding:
    """One part a monitor watches. `detail` is for the operator's terminal (`turnero
    check`); `figures` is what `/healthz?full=1` shows: counts, ages, names of files and
    revisions, never an address, a password, a phone or an error's own text (a driver's
    message names hosts and users). `required`: the server cannot serve without it."""
    what: str
    ok: bool
    detail: str
    figures: dict = field(default_factory=dict)
    required: bool = True


def missing_frontend(static: Path = STATIC) -> list[str]:
    return [name for name in FRONTEND if not (static / name).is_file()]


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


def check(engine: Engine, redis_url: str | None, now: datetime | None = None,
          static: Path | None = None) -> list[Finding]:
    """What a monitor watches, one finding each."""
    from .messaging.models import OutboxMessage
    now = now or clock.utcnow()
    static = static or STATIC
    found = []
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        found.append(Finding("database", True, engine.url.render_as_string(hide_password=True),
                             {"latency_ms": _ms(started)}))
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        found.append(Finding("database", False, f"{type(exc).__name__}: {exc}", {"error": type(exc).__name__}))
        found.append(_redis(redis_url))
        found.append(_frontend(static))
        return found
    current, head = state(engine)
    found.append(Finding("migrations", current == head, f"at {current}, code at {head}",
                         {"current": current, "head": head}))
    found.append(_redis(redis_url))
    with engine.connect() as conn:
        unsent = conn.execute(select(OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at))
                              .where(OutboxMessage.status.in_(("queued", "sending")))
                              .group_by(OutboxMessage.status)).all()
    counts = {"queued": 0, "sending": 0}
    oldest = None
    for status, count, first in unsent:
        counts[status] = count
        first = first if first.tzinfo else first.replace(tzinfo=now.tzinfo)
        oldest = first if oldest is None else min(oldest, first)
    if oldest is None:
        found.append(Finding("outbox", True, "nothing waiting to go out", {**counts, "oldest_unsent_s": None},
                             required=False))
    else:
        waited = max(0, int((now - oldest).total_seconds()))
        found.append(Finding("outbox", waited < OUTBOX_LATE_S, f"oldest unsent message waits {waited} s",
                             {**counts, "oldest_unsent_s": waited}, required=False))
    found.append(_frontend(static))
    return found


def _redis(redis_url: str | None) -> Finding:
    """Several processes hear each other through Redis; without it each still serves
    its own clients (realtime.RedisManager), so it is watched but not required."""
    if not redis_url:
        return Finding("redis", True, "not used (one process)", {"configured": False}, required=False)
    started = time.perf_counter()
    try:
        import redis
        redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        return Finding("redis", False, f"{type(exc).__name__}: {exc}",
                       {"configured": True, "error": type(exc).__name__}, required=False)
    return Finding("redis", True, redis_url.rsplit("@", 1)[-1], {"configured": True, "latency_ms": _ms(started)},
                   required=False)


def _frontend(static: Path) -> Finding:
    missing = missing_frontend(static)
    return Finding("front-end files", not missing, "all there" if not missing else "missing: " + ", ".join(missing),
                   {"missing": missing})


def health(findings: list[Finding]) -> tuple[str, dict]:
    """`/healthz?full=1`'s answer: "ok"; "degraded" when only parts the server can do
    without are wrong (Redis, a late outbox); "down" when a required one is."""
    if all(f.ok for f in findings):
        status = "ok"
    elif all(f.ok or not f.required for f in findings):
        status = "degraded"
    else:
        status = "down"
    return status, {f.what.replace("-", "_").replace(" ", "_"): {"ok": f.ok, **f.figures} for f in findings}
