"""Places: where waiting tickets stand in their lines, read from the database. The
line's order, who is ahead of a ticket and how many of the lines sharing its counters,
the head a counter calls, the followed tickets' places. Every door reads places from
here, so all channels agree at the same moment; read_models builds the views on them."""
from __future__ import annotations

from bisect import bisect_left
from collections import namedtuple
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from operator import itemgetter

from sqlalchemy import (BigInteger, ColumnElement, DateTime, any_, bindparam, case, func, or_, select, tuple_, type_coerce,
                        update)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..models import PriorityClass, Service, Ticket, UTCDateTime
from .known_lines import SQLITE_LINE, KnownLines, key_of
from .lookups import TICKET_LOAD
from .rules import REMOTE_CHANNELS, Place, Status, place_of
from .setup import _conn, iso


# The line's order (rules.Place): place in time, ties by issue order. Every query
# that orders a line or compares places uses these two columns, in this order.
LINE_ORDER = (Ticket.sort_at, Ticket.seq)


def behind(place) -> ColumnElement[bool]:
    """The tickets whose place comes after `place` (a rules.Place)."""
    return tuple_(*LINE_ORDER) > tuple_(place.sort_at, place.seq)


# A counter's head of a line passes over the tickets that counter transferred away.
_HEAD_OF_LINE = (select(Ticket.seq, Ticket.sort_at)
                 .where(Ticket.branch_id == bindparam("branch_id"), Ticket.status == Status.WAITING.value,
                        Ticket.service_id == bindparam("service_id"), Ticket.target_counter_id.is_(None),
                        or_(Ticket.sent_from_counter_id.is_(None),
                            Ticket.sent_from_counter_id != bindparam("counter_id")))
                 .order_by(*LINE_ORDER).limit(1))
_FIRST_SENT_TO = (select(Ticket.seq, Ticket.sort_at)
                  .where(Ticket.target_counter_id == bindparam("counter_id"), Ticket.status == Status.WAITING.value)
                  .order_by(*LINE_ORDER).limit(1))
# With `remote_check_in`: a remote turn is called only once its holder arrived.
_READY = or_(Ticket.arrived_at.is_not(None), Ticket.channel.not_in(REMOTE_CHANNELS))
_READY_HEAD_OF_LINE = _HEAD_OF_LINE.where(_READY)
_READY_FIRST_SENT_TO = _FIRST_SENT_TO.where(_READY)
_AHEAD = (select(func.count()).select_from(Ticket).where(
    Ticket.branch_id == bindparam("branch_id"), Ticket.service_id == bindparam("service_id"),
    Ticket.status == Status.WAITING.value,
    tuple_(*LINE_ORDER) < tuple_(bindparam("sort_at", type_=Ticket.sort_at.type), bindparam("seq"))))


def ahead_of(db: Session | Connection, ticket) -> int:
    """Tickets of the same line that will be called before this one."""
    return _conn(db).execute(_AHEAD, {"branch_id": ticket.branch_id, "service_id": ticket.service_id,
                                      "sort_at": ticket.sort_at, "seq": ticket.seq}).scalar_one()


# The waiting tickets of some lines placed before a ticket, per line (a range of the
# lines' index each).
_OLDER = (select(Ticket.service_id, func.count()).where(
    Ticket.branch_id == bindparam("branch_id"), Ticket.status == Status.WAITING.value,
    Ticket.service_id.in_(bindparam("service_ids", expanding=True)),
    tuple_(*LINE_ORDER) < tuple_(bindparam("sort_at", type_=Ticket.sort_at.type), bindparam("seq")))
    .group_by(Ticket.service_id))


def older_of(db: Session | Connection, ticket, lines) -> dict[int, int]:
    """Per line of `lines` (others than the ticket's), its waiting tickets placed before
    this one: a counter serving both calls them first (estimate.estimate_wait's `older`)."""
    lines = sorted(lines)
    if not lines:
        return {}
    found = dict(_conn(db).execute(_OLDER, {"branch_id": ticket.branch_id, "service_ids": lines,
                                            "sort_at": ticket.sort_at, "seq": ticket.seq}).all())
    return {line: found.get(line, 0) for line in lines}


def older_in_lines(db: Session | Connection, branch_id: int, lines, seqs) -> dict[int, dict[int, int]]:
    """`older_of` for many waiting tickets (by `seq`) at once, reading each line once:
    on PostgreSQL numbered per line of `lines` inside the database (a window in line
    order), only these tickets' numbers coming back; on SQLite, where a window costs
    more than a walk, each line's places in order, each ticket's count found here."""
    lines, seqs = sorted(lines), list(seqs)
    if not lines or not seqs:
        return {}
    conn, found = _conn(db), {}
    if conn.dialect.name == "sqlite":
        # Places as stored (text that sorts as the moments do), each line's from a walk
        # of its index; each ticket's count in a line found by bisection.
        with closing(conn.connection.dbapi_connection.cursor()) as cursor:
            places = {line: cursor.execute(SQLITE_LINE, (branch_id, line)).fetchall() for line in lines}
            for place in _sqlite_by_seq(cursor, _PLACES_OF, seqs):
                found[place[1]] = {line: bisect_left(placed, place) for line, placed in places.items()}
        return found
    numbered = (select(Ticket.seq.label("seq"),
                       *(func.count(case((Ticket.service_id == line, 1))).over(order_by=LINE_ORDER)
                         for line in lines))
                .where(Ticket.branch_id == branch_id, Ticket.status == Status.WAITING.value)
                .subquery())
    query = select(numbered).where(numbered.c.seq.in_(bindparam("seqs", expanding=True)))
    for chunk in _chunks(seqs):
        for seq, *counted in conn.execute(query, {"seqs": chunk}):
            found[seq] = dict(zip(lines, counted))
    return found


# Some tickets' places as stored (SQLite: older_in_lines; a line's, known_lines.SQLITE_LINE).
_PLACES_OF = "SELECT sort_at, seq FROM tickets WHERE seq IN (%s)"


# What a ticket's view needs of its own columns (view_of), read without the ORM.
_VIEW_COLUMNS = (Ticket.seq, Ticket.id, Ticket.code, Ticket.service_id, Ticket.status, Ticket.channel,
                 Ticket.priority, Ticket.lang, Ticket.recalls, Ticket.sort_at, Ticket.created_at, Ticket.called_at,
                 Ticket.started_at, Ticket.finished_at, Ticket.token, Ticket.arrived_at, Ticket.late_moves,
                 Ticket.priority_class_id, Ticket.version)
# The same, with its moments as stored (naive UTC): a view only prints them (iso, the
# same text either way) and sorts them, and UTCDateTime's two calls a value were
# six a row.
_STORED_VIEW_COLUMNS = tuple(type_coerce(c, DateTime).label(c.key) if isinstance(c.type, UTCDateTime) else c
                             for c in _VIEW_COLUMNS)
# A followed ticket's row as followed_in_lines gives it (with its `ahead` beside it):
# those columns as a named tuple, made once when read and kept while its version
# stands. A view reads about twenty columns, and reading one of a SQLAlchemy Row by
# name costs a microsecond: with a thousand tickets followed, that was a fifth of a
# call's work.
FollowedRow = namedtuple("FollowedRow", [column.key for column in _VIEW_COLUMNS])
# Enough ids per statement for any database's limit on parameters.
_IDS_PER_QUERY = 2000
# A followed ticket's row by its seq, the table's own key (SQLite's rowid): a third
# cheaper than by its id.
_FOLLOWED_BY_SEQ = select(*_STORED_VIEW_COLUMNS).where(Ticket.seq.in_(bindparam("ids", expanding=True)))
# Whether rows read before are still as read: their versions (the database bumps one
# at every update of its row, migration 0027). A fifth of the cost of reading them.
# (PostgreSQL's takes them as one array: a thousand parameters cost more to write and
# parse than to look up.)
_VERSIONS_BY_SEQ = select(Ticket.seq, Ticket.version).where(
    Ticket.seq == any_(bindparam("ids", type_=ARRAY(BigInteger()))))
# What a followed ticket is for good: its seq and its branch.
_SEQ_AND_BRANCH = select(Ticket.id, Ticket.seq, Ticket.branch_id).where(Ticket.id.in_(bindparam("ids", expanding=True)))


@dataclass
class KnownPlaces:
    """What followed_in_lines needs to take places from the lines this process keeps:
    the keeper, the branch's `moved_seq` and waiting counts read in this transaction,
    and the notices' steps heard since the last refresh."""

    lines: KnownLines
    moved_seq: int
    counts: dict[int, int]
    steps: list[dict]


def followed_in_lines(db: Session | Connection, branch_id: int, service_ids, ticket_ids, known: KnownPlaces,
                      after=None) -> list[tuple[FollowedRow, int]]:
    """The waiting tickets among `ticket_ids` in these lines of the branch (behind
    `after`, a rules.Place, when given), each as (its FollowedRow, its `ahead`), in
    line order.

    Only this branch's followed rows are read, by seq (what the process has met of
    each ticket: `KnownLines.seq_of`, looked up once), so a process following tickets
    of many branches reads, at a change, the rows of that branch's alone. Their places
    come by bisection from the lines' order this process keeps (`known`, see
    queue.known_lines)."""
    conn = _conn(db)
    service_ids, ticket_ids = list(service_ids), list(ticket_ids)
    if not service_ids or not ticket_ids:
        return []
    waiting, seq_of = set(service_ids), known.lines.seq_of
    if len(seq_of) > known.lines.SEQS_KEPT:
        seq_of.clear()
    unmet = [t for t in ticket_ids if t not in seq_of]
    for chunk in _chunks(unmet):
        seq_of.update((ticket_id, (seq, branch)) for ticket_id, seq, branch in conn.execute(_SEQ_AND_BRANCH,
                                                                                             {"ids": chunk}))
    # Each row once, whatever ids led to it (its update goes to its own id's room).
    seqs = sorted({met[0] for met in map(seq_of.get, ticket_ids) if met is not None and met[1] == branch_id})
    found = _rows(conn, known.lines.rows, seqs)
    status = Status.WAITING.value
    found = [row for row in found if row[4] == status and row[3] in waiting]
    if not found:
        known.lines.advance(branch_id, known.steps)
        return []
    lines = known.lines.places(conn, branch_id, known.moved_seq, known.steps, sorted({row[3] for row in found}),
                               known.counts)
    behind = key_of(after.sort_at, after.seq) if after is not None else None
    rows, reread = [], set()
    for row in found:
        key = (row[9], row[0])  # its place, as the lines hold it (naive UTC, seq)
        if behind is not None and key <= behind:
            continue
        line = lines[row[3]]
        i = bisect_left(line, key)
        if (i == len(line) or line[i] != key) and row[3] not in reread:
            # Not where the kept line says: read it whole (once) and look again.
            reread.add(row[3])
            line = lines[row[3]] = known.lines.reread(conn, branch_id, row[3], known.moved_seq)
            i = bisect_left(line, key)
        if i < len(line) and line[i] == key:
            rows.append((key, row, i))
    rows.sort(key=itemgetter(0))
    return [(row, i) for _key, row, i in rows]


def _rows(conn: Connection, kept: dict[int, FollowedRow], seqs: list[int]) -> list[FollowedRow]:
    """The rows of these tickets as they are now: those this process read before and
    whose version has not moved since, as read then; the others read (and kept)."""
    found, stale = [], []
    for seq, version in _versions(conn, seqs):
        row = kept.get(seq)
        if row is not None and row[-1] == version:
            found.append(row)
        else:
            stale.append(seq)
    if stale and len(kept) + len(stale) > ROWS_KEPT:
        kept.clear()
    for chunk in _chunks(stale):
        for read in conn.execute(_FOLLOWED_BY_SEQ, {"ids": chunk}).all():
            row = kept[read[0]] = FollowedRow._make(read)
            found.append(row)
    return found


def _versions(conn: Connection, seqs: list[int]) -> list[tuple[int, int]]:
    """(seq, version) of these tickets. On SQLite by its own cursor: SQLAlchemy's
    writing of a thousand parameters cost as much as the database's reading; on
    PostgreSQL as one array."""
    if conn.dialect.name != "sqlite":
        return [row for chunk in _chunks(seqs) for row in conn.execute(_VERSIONS_BY_SEQ, {"ids": chunk}).all()]
    with closing(conn.connection.dbapi_connection.cursor()) as cursor:
        return list(_sqlite_by_seq(cursor, _SQLITE_VERSIONS, seqs))


def _chunks(items: list) -> Iterator[list]:
    """`items` in slices of at most _IDS_PER_QUERY: one statement's parameters each."""
    for start in range(0, len(items), _IDS_PER_QUERY):
        yield items[start:start + _IDS_PER_QUERY]


def _sqlite_by_seq(cursor, statement: str, seqs: list[int]) -> Iterator[tuple]:
    """The rows of a raw SQLite `statement` ("... WHERE seq IN (%s)") for these seqs,
    a statement per chunk."""
    for chunk in _chunks(seqs):
        yield from cursor.execute(statement % ",".join("?" * len(chunk)), chunk).fetchall()


_SQLITE_VERSIONS = "SELECT seq, version FROM tickets WHERE seq IN (%s)"
# Rows a process keeps (about 1 KB each): a few refreshes' worth of followed tickets.
ROWS_KEPT = 50_000


def first_for_counter(db: Session | Connection, branch_id: int, counter_id: int, service_ids,
                      ready_only: bool = False) -> int | None:
    """The seq of the ticket a counter calls next: the first in line among those sent
    to this counter and the heads of the lines it serves (tickets sent to another
    counter wait for that one). One indexed look per line, not a sort of the branch.
    `ready_only` (a branch with `remote_check_in`) passes over remote turns whose
    holder has not arrived."""
    conn = _conn(db)
    head, sent_to = (_READY_HEAD_OF_LINE, _READY_FIRST_SENT_TO) if ready_only else (_HEAD_OF_LINE, _FIRST_SENT_TO)
    heads = [conn.execute(head, {"branch_id": branch_id, "service_id": service_id, "counter_id": counter_id}).first()
             for service_id in service_ids]
    heads.append(conn.execute(sent_to, {"counter_id": counter_id}).first())
    heads = [h for h in heads if h is not None]
    return min(heads, key=lambda h: (h.sort_at, h.seq)).seq if heads else None


def places_behind(session: Session, ticket: Ticket, limit: int) -> list[Place]:
    """The places of the first `limit` waiting tickets behind this one in its line."""
    rows = session.execute(
        select(Ticket.sort_at, Ticket.seq)
        .where(Ticket.branch_id == ticket.branch_id, Ticket.status == Status.WAITING,
               Ticket.service_id == ticket.service_id, behind(place_of(ticket)))
        .order_by(*LINE_ORDER).limit(limit)).all()
    return [Place(at, seq) for at, seq in rows]


def mark_passed(session: Session, branch_id: int, service_ids, before: Place | None, now) -> None:
    """Remote turns not yet arrived whose place came (a counter called someone behind
    them, or found no one else ready: `before` None): their grace time starts now
    (`passed_at`), once."""
    query = update(Ticket).where(
        Ticket.branch_id == branch_id, Ticket.service_id.in_(list(service_ids)),
        Ticket.status == Status.WAITING, Ticket.channel.in_(REMOTE_CHANNELS), Ticket.arrived_at.is_(None),
        Ticket.passed_at.is_(None))
    if before is not None:
        query = query.where(tuple_(Ticket.sort_at, Ticket.seq) < tuple_(before.sort_at, before.seq))
    session.execute(query.values(passed_at=now).execution_options(synchronize_session=False))


def next_calls(session: Session, branch_id: int, limit: int = 10) -> list[dict]:
    """The branch's next `limit` calls in line order (every line together, as one
    counter serving all of them would call them): code, service, priority class,
    channel, and when it was taken."""
    rows = session.execute(
        select(Ticket.code, Service.name_es, PriorityClass.name_es, Ticket.priority, Ticket.channel,
               Ticket.created_at)
        .join(Service, Service.id == Ticket.service_id)
        .outerjoin(PriorityClass, PriorityClass.id == Ticket.priority_class_id)
        .where(Ticket.branch_id == branch_id, Ticket.status == Status.WAITING)
        .order_by(*LINE_ORDER).limit(limit)).all()
    return [{"code": code, "service": service, "priority_class": kind, "priority": priority, "channel": channel,
             "created_at": iso(created)} for code, service, kind, priority, channel, created in rows]


def line_head(session: Session, branch_id: int, service_id: int, limit: int) -> list[Ticket]:
    """The first `limit` waiting tickets of a line, in order (index i has i ahead)."""
    return list(session.scalars(
        select(Ticket).options(*TICKET_LOAD)
        .where(Ticket.branch_id == branch_id, Ticket.status == Status.WAITING, Ticket.service_id == service_id)
        .order_by(*LINE_ORDER).limit(limit)).unique())


def waiting_with_positions(session: Session, branch_id: int, service_ids, after=None):
    """Every waiting ticket of these lines with its `ahead`, in one query.

    With `after` (a rules.Place), only the tickets behind that place (the ones whose
    position a change there moved)."""
    ahead = func.row_number().over(partition_by=Ticket.service_id, order_by=LINE_ORDER) - 1
    inner = (select(Ticket.seq.label("seq"), ahead.label("ahead"))
             .where(Ticket.branch_id == branch_id, Ticket.status == Status.WAITING,
                    Ticket.service_id.in_(list(service_ids)))
             .subquery())
    query = select(Ticket, inner.c.ahead).join(inner, inner.c.seq == Ticket.seq)
    if after is not None:
        query = query.where(behind(after))
    return session.execute(query.order_by(*LINE_ORDER)).all()


__all__ = ["KnownPlaces", "LINE_ORDER", "behind", "ahead_of", "older_of", "older_in_lines", "FollowedRow",
           "followed_in_lines", "first_for_counter", "places_behind", "mark_passed", "next_calls", "line_head", "waiting_with_positions"]
