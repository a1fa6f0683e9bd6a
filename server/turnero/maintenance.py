"""Keeping a server well: a copy of the database and its restoring (SQLite; for
PostgreSQL, pg_dump and pg_restore), and one report of what a monitor should watch.

`turnero backup FILE` copies a SQLite database with SQLite's online backup API, page
by page under its locks: safe while the server writes. `turnero restore FILE` copies a
backup back the same way, then migrates it to this code's schema. `turnero check`
reports the database, its migrations, Redis, the outbox's oldest unsent message and the
front-end files the pages need; it exits 1 when something is wrong."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
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
    what: str
    ok: bool
    detail: str


def missing_frontend(static: Path = STATIC) -> list[str]:
    return [name for name in FRONTEND if not (static / name).is_file()]


def check(engine: Engine, redis_url: str | None, now: datetime | None = None,
          static: Path = STATIC) -> list[Finding]:
    """What a monitor watches, one finding each."""
    from .messaging.models import OutboxMessage
    now = now or clock.utcnow()
    found = []
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        found.append(Finding("database", True, engine.url.render_as_string(hide_password=True)))
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return [Finding("database", False, f"{type(exc).__name__}: {exc}")]
    current, head = state(engine)
    found.append(Finding("migrations", current == head, f"at {current}, code at {head}"))
    if redis_url:
        try:
            import redis
            redis.Redis.from_url(redis_url, socket_timeout=2).ping()
            found.append(Finding("redis", True, redis_url.rsplit("@", 1)[-1]))
        except Exception as exc:  # noqa: BLE001
            found.append(Finding("redis", False, f"{type(exc).__name__}: {exc}"))
    else:
        found.append(Finding("redis", True, "not used (one process)"))
    with engine.connect() as conn:
        oldest = conn.execute(select(func.min(OutboxMessage.created_at))
                              .where(OutboxMessage.status.in_(("queued", "sending")))).scalar()
    if oldest is None:
        found.append(Finding("outbox", True, "nothing waiting to go out"))
    else:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
        waited = (now - oldest).total_seconds()
        found.append(Finding("outbox", waited < 600, f"oldest unsent message waits {int(waited)} s"))
    missing = missing_frontend(static)
    found.append(Finding("front-end files", not missing,
                         "all there" if not missing else "missing: " + ", ".join(missing)))
    return found
