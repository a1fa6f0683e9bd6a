"""Which process runs the background jobs when several share one database.

Every `turnero serve` starts the same greenlets: the end of each branch's day,
appointment reminders, the outbox and webhook workers, the daily purge. Their rows
are claimed under row locks, so two processes running them never do a thing twice;
but N processes would each look, lock every branch row every minute and poll the
outbox N times. So one process leads: the one holding a lock the database keeps for
it, and the others' jobs skip their rounds.

- PostgreSQL: a session advisory lock (`pg_try_advisory_lock`, scoped to the
  database) on a connection of its own. A process that dies, or whose connection
  drops (PostgreSQL restarted), loses it; another takes it at its next look.
  (Behind PgBouncer this needs session pooling.)
- SQLite: an exclusive `flock` on a file next to the database, released by the
  kernel when the process ends.

A process looks every LOOK_S; between looks it keeps its answer, so a leader that has
just lost its connection may run one more round beside the new one: harmless, for the
reason above.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# "turnero" in ASCII: the advisory lock's key, one per database.
JOBS_LOCK = 0x7475726E65726F
LOOK_S = 5.0


class Leadership:
    """`leads()`: whether this process runs the background jobs now."""

    def __init__(self, engine: Engine, key: int = JOBS_LOCK, look_s: float = LOOK_S, clock=time.monotonic):
        self.url = engine.url
        self.key = key
        self.look_s = look_s
        self.clock = clock
        self._leading = False
        self._looked: float | None = None
        self._mutex = threading.Lock()  # gevent's when `turnero serve` patched the process
        self._conn = None  # PostgreSQL: the session that holds the lock
        self._file = None  # SQLite: the open lock file

    def leads(self) -> bool:
        with self._mutex:
            now = self.clock()
            if self._looked is not None and now - self._looked < self.look_s:
                return self._leading
            self._looked = now
            try:
                looked = self._look()
            except Exception:  # the jobs' loops must go on: they look again later
                log.exception("the background jobs' lock could not be looked at")
                self._drop()
                looked = False
            was, self._leading = self._leading, looked
            if self._leading != was:
                log.info("process %d %s the background jobs", os.getpid(),
                         "leads" if self._leading else "no longer leads")
            return self._leading

    def release(self) -> None:
        with self._mutex:
            self._drop()
            self._leading, self._looked = False, None

    # ------------------------------------------------------------ the lock

    def _look(self) -> bool:
        if self.url.get_backend_name() == "postgresql":
            return self._look_postgresql()
        if self.url.get_backend_name() == "sqlite" and self.url.database not in (None, "", ":memory:"):
            return self._look_file(self.url.database + ".jobs.lock")
        return True  # a database only this process sees

    def _look_postgresql(self) -> bool:
        try:
            if self._conn is None:
                engine = create_engine(self.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
                self._conn = engine.connect()
            if self._leading:  # the session lives, so its lock does
                self._conn.execute(text("SELECT 1"))
                return True
            return bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        except SQLAlchemyError as exc:
            log.warning("the background jobs' lock could not be checked: %s", exc.__class__.__name__)
            self._drop()
            return False

    def _look_file(self, path: str) -> bool:
        if self._file is not None:
            return True
        try:
            handle = open(path, "a")
        except OSError as exc:  # no lock to be had beside the database: run, as one process does
            log.warning("no lock file for the background jobs (%s): this process runs them", exc)
            return True
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def _drop(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                if self._leading:  # at once: a closed session's backend lets go a moment later
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            except SQLAlchemyError:  # the session is gone already, and its lock with it
                pass
            try:
                conn.close()
            except SQLAlchemyError:
                pass
            conn.engine.dispose()
        if self._file is not None:
            self._file.close()  # closing the file releases the flock
            self._file = None


def always() -> bool:
    """The jobs' gate when nothing else shares the database (a command, a test)."""
    return True


__all__ = ["Leadership", "always", "JOBS_LOCK"]
