"""The lines' order as this process last knew it, moved by each change's notice, so
that the followers' refresh need not number a whole line at every call.

A line's order only changes when a ticket enters or leaves it or moves in it, and
every such change sends a notice (followers.moved) that says what it did: a removal
or an insertion at a place (`shifts`), or None when it did more (a transfer, an undo,
the end of the day). Each notice also carries the branch `seq` it made and the
`seq` of the notice before it (`prev`, the branch's `moved_seq` it found: migration
0026). So, per branch, this process keeps each line's places in order (`Known`) at
the `seq` of the last notice they reflect, and a notice whose `prev` is that `seq`
moves them by its shifts; a plain join at the end of a line sends no notice and is
found by reading the line behind its last known place (one indexed range). Anything
else (a notice missed or heard out of order, one without shifts, a count that does
not match the database's `line_counts`, a place not where it should be) reads the
line again, as before this module existed.

A place is kept as (the naive UTC moment, seq), the way a followed ticket's row
gives it (places.followed_in_lines), so looking one up costs a bisection and nothing
more.
"""
from __future__ import annotations

import threading
from bisect import bisect_left
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import DateTime, bindparam, select, tuple_, type_coerce
from sqlalchemy.engine import Connection

from ..metrics import LINES_KEPT, LINES_READ
from ..models import Branch, Ticket
from .rules import Status

Key = tuple  # (sort_at as naive UTC, seq)

# SQLite: a line's places as stored, whole or behind a place (ix_tickets_line).
SQLITE_LINE = ("SELECT sort_at, seq FROM tickets WHERE branch_id = ? AND status = 'waiting' AND service_id = ? "
               "ORDER BY sort_at, seq")
_SQLITE_TAIL = ("SELECT sort_at, seq FROM tickets WHERE branch_id = ? AND status = 'waiting' AND service_id = ? "
                "AND (sort_at, seq) > (?, ?) ORDER BY sort_at, seq")
_STORED_AT = type_coerce(Ticket.sort_at, DateTime)
_LINE = (select(_STORED_AT, Ticket.seq)
         .where(Ticket.branch_id == bindparam("branch_id"), Ticket.status == Status.WAITING.value,
                Ticket.service_id == bindparam("service_id"))
         .order_by(Ticket.sort_at, Ticket.seq))
_TAIL = _LINE.where(tuple_(Ticket.sort_at, Ticket.seq)
                    > tuple_(bindparam("after_at", type_=DateTime), bindparam("after_seq")))
_MOVED_SEQ = select(Branch.moved_seq).where(Branch.id == bindparam("branch_id"))


def stored_at(moment: datetime) -> datetime:
    """A moment as the database keeps it: naive UTC."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo is not None else moment


def key_of(sort_at: datetime, seq: int) -> Key:
    """A place in the form the lines' lists hold (see the module's note)."""
    return stored_at(sort_at), seq


@dataclass
class Known:
    """One branch's lines as of the notice `seq`: per service id, its places in order."""

    seq: int
    lines: dict[int, list[Key]] = field(default_factory=dict)


class KnownLines:
    """Per process (db.Database.known_lines): each branch's Known."""

    SEQS_KEPT = 200_000

    def __init__(self) -> None:
        self._branches: dict[int, Known] = {}
        self.full_reads = 0  # lines read whole (tests look at it)
        # One refresh at a time moves what is kept (a resync may run beside the
        # notices' own; gevent's lock once `turnero serve` patched threading), and
        # each gets its own copy of the lines it asked for.
        self._lock = threading.Lock()
        # Each followed ticket's (seq, branch id) by its id (none of them ever changes),
        # so a refresh reads its branch's rows alone, by the table's key
        # (places.followed_in_lines); started again past SEQS_KEPT ids.
        self.seq_of: dict[str, tuple[int, int]] = {}
        # The followed tickets' rows as last read, by seq, each with its version: read
        # again only once the database has bumped it (places.followed_in_lines).
        self.rows: dict[int, tuple] = {}

    def forget(self, branch_id: int) -> None:
        self._branches.pop(branch_id, None)

    def places(self, conn: Connection, branch_id: int, moved_seq: int, steps: list[dict],
               service_ids, counts: dict[int, int]) -> dict[int, list[Key]]:
        """The places in order of each line of `service_ids` as the database has them
        now (`moved_seq`: the branch's, read in this transaction; `counts`: how many
        wait in each line, as of the same moment), from what this process knew moved
        by `steps` (the notices heard since, in order: each's `seq`, `prev`, `shifts`)
        where they reach the branch's `moved_seq`, else read."""
        with self._lock:
            return self._places(conn, branch_id, moved_seq, steps, service_ids, counts)

    def _places(self, conn: Connection, branch_id: int, moved_seq: int, steps: list[dict],
                service_ids, counts: dict[int, int]) -> dict[int, list[Key]]:
        known = self._forward(self._branches.get(branch_id), steps)
        if known is None or known.seq != moved_seq:
            known = Known(moved_seq)
        read_whole = False
        for service_id in service_ids:
            line, count = known.lines.get(service_id), counts.get(service_id, 0)
            if line and len(line) < count:  # joined at the end since
                line += self._tail(conn, branch_id, service_id, line[-1])
            if line is None or len(line) != count:
                line = known.lines[service_id] = self._whole(conn, branch_id, service_id)
                read_whole = True
            else:
                LINES_KEPT.inc()
        self._branches[branch_id] = known
        if read_whole:
            self._kept_if_still(conn, branch_id, moved_seq)
        return {service_id: list(known.lines[service_id]) for service_id in service_ids}

    def reread(self, conn: Connection, branch_id: int, service_id: int, moved_seq: int) -> list[Key]:
        """A line read whole again (a followed ticket was not where its list said)."""
        with self._lock:
            line = self._whole(conn, branch_id, service_id)
            known = self._branches.get(branch_id)
            if known is not None and known.seq == moved_seq:
                known.lines[service_id] = list(line)
                self._kept_if_still(conn, branch_id, moved_seq)
            return line

    def _kept_if_still(self, conn: Connection, branch_id: int, moved_seq: int) -> None:
        """Read whole on PostgreSQL, a line may hold a change committed after this
        transaction read `moved_seq` (each statement sees its own moment there): it
        serves this refresh, but is kept only if `moved_seq` has not moved since."""
        if conn.execute(_MOVED_SEQ, {"branch_id": branch_id}).scalar_one() != moved_seq:
            self._branches.pop(branch_id, None)

    def advance(self, branch_id: int, steps: list[dict]) -> None:
        """Move what is known of a branch by notices heard with nothing to refresh."""
        with self._lock:
            if self._forward(self._branches.get(branch_id), steps) is None:
                self._branches.pop(branch_id, None)

    def _forward(self, known: Known | None, steps: list[dict]) -> Known | None:
        """`known` moved by the steps that follow it, or None when a step does not
        follow from it by shifts alone (a notice missed, or one that did more)."""
        if known is None:
            return None
        for step in steps:
            seq, prev, shifts = step.get("seq"), step.get("prev"), step.get("shifts")
            if seq is None:
                return None
            if seq <= known.seq:  # already in what is known (read after it)
                continue
            if prev != known.seq or shifts is None:
                return None
            for service_id, (at, place_seq), by in shifts:
                line = known.lines.get(service_id)
                if line is None:  # not kept: read whole when needed
                    continue
                key = key_of(datetime.fromisoformat(at), place_seq)
                i = bisect_left(line, key)
                there = i < len(line) and line[i] == key
                if by < 0 and there:
                    del line[i]
                elif by > 0 and not there:
                    line.insert(i, key)
                else:
                    return None
            known.seq = seq
        return known

    def _whole(self, conn: Connection, branch_id: int, service_id: int) -> list[Key]:
        self.full_reads += 1
        LINES_READ.inc()
        if conn.dialect.name == "sqlite":
            return _raw(conn, SQLITE_LINE, (branch_id, service_id))
        return [tuple(row) for row in conn.execute(_LINE, {"branch_id": branch_id, "service_id": service_id})]

    def _tail(self, conn: Connection, branch_id: int, service_id: int, last: Key) -> list[Key]:
        """The places behind `last` (tickets that joined at the end since)."""
        if conn.dialect.name == "sqlite":
            return _raw(conn, _SQLITE_TAIL, (branch_id, service_id, _sqlite_text(last[0]), last[1]))
        return [tuple(row) for row in conn.execute(_TAIL, {"branch_id": branch_id, "service_id": service_id,
                                                           "after_at": last[0], "after_seq": last[1]})]


def _raw(conn: Connection, sql: str, params: tuple) -> list[Key]:
    """SQLite: places read through the driver alone (a tenth of the cost through
    SQLAlchemy's rows), their moments parsed from the text SQLite keeps."""
    parse = datetime.fromisoformat
    with closing(conn.connection.dbapi_connection.cursor()) as cursor:
        return [(parse(at), seq) for at, seq in cursor.execute(sql, params)]


def _sqlite_text(moment: datetime) -> str:
    """A naive UTC moment as SQLite keeps it (SQLAlchemy's DateTime on SQLite)."""
    return moment.isoformat(" ", "microseconds")


__all__ = ["KnownLines", "Known", "key_of", "stored_at", "SQLITE_LINE"]
