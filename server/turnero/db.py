"""Engine, sessions and the unit of work (one commit per action, events after it)."""
from __future__ import annotations

import contextvars
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .errors import Busy

log = logging.getLogger(__name__)

# Set while a write transaction begins, so SQLite takes its write lock up front.
_WRITING = contextvars.ContextVar("turnero_writing", default=False)

Publisher = Callable[[list[tuple[str, Any, str]]], None]
# Called inside the transaction with (session, ticket, event) for every event of a
# ticket (queue.changes.record), and for every waiting ticket whose place moved
# (queue.events.Moved): where messaging writes its outbox rows, so they commit or
# roll back with the change.
TicketListener = Callable[..., None]
# Called once a unit of work committed, with the (branch slug, event) pairs it
# recorded: figures that must count only what really happened (metrics).
CommitListener = Callable[[list[tuple[str, Any]]], None]


def one_or_raise(session: Session, statement, error: Exception, params: dict | None = None):
    """The first row the statement finds, or `error` raised when there is none."""
    found = session.scalar(statement, params)
    if found is None:
        raise error
    return found


def make_engine(url: str, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        # A request waits for a free connection as long as a write waits for the lock
        # (a database in memory has one connection per thread, no pool to wait for).
        in_memory = make_url(url).database in (None, "", ":memory:")
        engine = create_engine(url, echo=echo, **({} if in_memory else {"pool_timeout": WRITE_WAIT_S}),
                               connect_args={"timeout": 10, "check_same_thread": False})
        _sqlite_setup(engine)
        return engine
    # A write waits at most WRITE_WAIT_S for a row another transaction holds (the branch
    # row every change locks), then gives up (a 503); set when each connection opens, so
    # it costs no statement per transaction. A database that is down or restarting: the
    # pre-ping finds each pooled connection dead before use and opens a new one (so
    # requests work again as soon as it is back, without restarting Turnero), and a
    # connection attempt to a host that does not answer gives up after CONNECT_WAIT_S
    # (libpq waits forever by default): either way a 503 with Retry-After, fast.
    # A host that stops answering (a network gone silent, not a refused connection):
    # the kernel gives up on unacknowledged data after HUNG_HOST_MS and on a silent idle
    # connection after its keepalives, so a request fails (503) instead of waiting for
    # TCP's own quarter of an hour.
    return create_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True, pool_timeout=WRITE_WAIT_S,
                         connect_args={"options": f"-c lock_timeout={int(WRITE_WAIT_S * 1000)}",
                                       "connect_timeout": CONNECT_WAIT_S, "tcp_user_timeout": HUNG_HOST_MS,
                                       "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 5,
                                       "keepalives_count": 3})


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        # Pages read through a map of the file: every commit by another connection
        # empties a connection's own page cache, and reading a thousand followed rows
        # back page by page through read() cost more than the lookups themselves.
        cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A write transaction takes the database's write lock at BEGIN: numbering and
        # claiming then happen with no other writer between the read and the write.
        if _WRITING.get():
            _begin_immediate(conn.connection.dbapi_connection)
        else:
            conn.exec_driver_sql("BEGIN")


# How much of an SQLite file is read through memory mapping (address space, not memory).
SQLITE_MMAP_BYTES = 256 * 1024 * 1024
# How long a write waits for the database before giving up with errors.Busy (503 and
# Retry-After): a flood or a stuck writer must not hold every request forever.
WRITE_WAIT_S = 5.0
SQLITE_LOCK_WAIT_S = WRITE_WAIT_S
CONNECT_WAIT_S = 3
# Unacknowledged data to PostgreSQL for this long: the host is taken for gone (make_engine).
HUNG_HOST_MS = 10_000


def _begin_immediate(dbapi_conn) -> None:
    """BEGIN IMMEDIATE, waiting for another process's write lock in short sleeps.

    SQLite's own busy timeout sleeps inside the driver, which would freeze every
    greenlet of a gevent server; time.sleep is cooperative once gevent patched it.
    """
    deadline = time.monotonic() + SQLITE_LOCK_WAIT_S
    delay = 0.001
    dbapi_conn.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                dbapi_conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise Busy() from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
    finally:
        dbapi_conn.execute("PRAGMA busy_timeout=10000")


class Database:
    """One per app: the engine, a session factory and, on SQLite, a writer lock.

    SQLite allows one writer at a time. Waiting for its lock inside the driver
    would block the whole gevent loop, so writers of this process queue on a
    cooperative lock first and meet SQLite's lock only across processes.
    """

    def __init__(self, url: str, echo: bool = False, public_url: str = "http://127.0.0.1:5000"):
        self.url = url
        self.public_url = public_url
        self.engine = make_engine(url, echo=echo)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={"turnero.db": self})
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # threading.Lock is gevent's own lock when `turnero serve` monkey-patched.
        self._writer = threading.Lock() if self.is_sqlite else None
        self.publisher: Publisher | None = None
        self.ticket_listeners: list[TicketListener] = []
        self.commit_listeners: list[CommitListener] = []
        # What this process remembers of each branch between requests, by branch id:
        # its setup ((setup_version, day), queue.setup.BranchSetup) and its waiting lines
        # ((seq, setup_version), queue.setup.Lines). See queue.setup.setup_for and
        # services.queue.take_ticket for why each is safe to reuse.
        self.setups: dict[int, tuple[tuple, Any]] = {}
        self.lines: dict[int, tuple[tuple, Any]] = {}
        # The lines' places in order, as the followers' notices moved them
        # (queue.known_lines.KnownLines, made by the first refresh that needs it).
        self.known_lines: Any = None

    def forget_branch(self, branch_id: int) -> None:
        """Drop what this process remembers of a branch (it was deleted)."""
        self.setups.pop(branch_id, None)
        self.lines.pop(branch_id, None)
        if self.known_lines is not None:
            self.known_lines.forget(branch_id)

    def unit_of_work(self, write: bool = False) -> UnitOfWork:
        return UnitOfWork(self, write)

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    """`with db.unit_of_work(write=True) as uow:` ... `uow.commit()`.

    Events queued with `uow.emit` are published only once the commit succeeded;
    leaving the block without a commit rolls back and publishes nothing.
    """

    def __init__(self, db: Database, write: bool):
        self.db = db
        self.write = write
        self.session: Session | None = None
        self._pending: list[tuple[str, Any, str]] = []
        self._committed: list[tuple[str, Any, str]] = []
        self._recorded: list[tuple[str, Any]] = []
        self._on_commit: list[Callable[[], None]] = []
        self._token = None
        self._locked = False

    def __enter__(self) -> UnitOfWork:
        if self.write and self.db._writer is not None:
            if not self.db._writer.acquire(timeout=WRITE_WAIT_S):
                log.warning("a write waited %s s for this process's other writers: busy", WRITE_WAIT_S)
                raise Busy()
            self._locked = True
        self._token = _WRITING.set(self.write)
        self.session = self.db.sessions()
        return self

    def emit(self, event_name: str, payload: Any, room: str) -> None:
        self._pending.append((event_name, payload, room))

    def committed(self, branch: str, event: Any) -> None:
        """Hand `event` (of `branch`) to the commit listeners once the commit succeeded."""
        self._recorded.append((branch, event))

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the next commit succeeded (forgotten on rollback):
        for memory that may only learn what the database really holds."""
        self._on_commit.append(callback)

    def commit(self) -> None:
        self.session.commit()
        self._committed.extend(self._pending)
        self._pending.clear()
        callbacks, self._on_commit = self._on_commit, []
        for callback in callbacks:
            callback()
        recorded, self._recorded = self._recorded, []
        if recorded:
            for listener in self.db.commit_listeners:
                listener(recorded)

    def rollback(self) -> None:
        self.session.rollback()
        self._pending.clear()
        self._on_commit.clear()
        self._recorded.clear()

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self.session is not None:
                self.session.rollback()
                self.session.close()
        finally:
            _WRITING.reset(self._token)
            if self._locked:
                self.db._writer.release()
                self._locked = False
        # Publish outside the writer lock and only what was committed.
        if self._committed and self.db.publisher is not None:
            events, self._committed = self._committed, []
            try:
                self.db.publisher(events)
            except Exception:  # a broadcast failure must not undo a committed action
                log.exception("publishing %d events failed", len(events))
