"""Read models: what every channel shows. Positions and waits are computed here
only, from the database, so all channels agree at the same moment. The branch's
setup they read the waits from (services, counters, service times) is setup.py's."""
from __future__ import annotations

import json
from bisect import bisect_left
from collections import namedtuple
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from operator import attrgetter

from sqlalchemy import ColumnElement, DateTime, bindparam, case, func, or_, select, tuple_, type_coerce, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, joinedload

from .. import branding, clock
from ..access.services import Actor
from ..db import UnitOfWork
from ..models import Branch, Counter, PriorityClass, Service, Ticket, TicketEvent, UTCDateTime
from ..realtime import Encoded
from .lookups import TICKET_LOAD, find_branch, find_counter
from .estimate import Eta
from .rules import REMOTE_CHANNELS, Place, Status, day_bounds_utc, local_day, place_of
from .setup import (BranchSetup, Joining, ServiceInfo, ServiceStats, _conn, counts, iso, lines_now, service_stats,
                    setup_for)


def state_payload(branch, setup: BranchSetup, stats: dict[int, ServiceStats], lang: str | None = None) -> dict:
    """The `branch.state` payload: codes only, never names or phones. `branch` is the
    ORM row or any row with slug, seq, lang and message."""
    lang = lang or branch.lang
    now = clock.utcnow()
    hours = setup.hours_joining(branch, now)
    return {
        "branch": branch.slug,
        "seq": branch.seq,
        "services": [_service_entry(s, stats[s.id], lang, setup.joining(branch, s, now, hours))
                     for s in setup.services if s.active],
        "calling": list(setup.calling),
        "message": branch.message,
    }


def branch_state(session: Session, branch: Branch, today, lang: str | None = None) -> dict:
    setup = setup_for(session, branch.id, branch.setup_version, today)
    return state_payload(branch, setup, setup.stats(counts(lines_now(session, branch))), lang)


def _service_entry(service: ServiceInfo, stats: ServiceStats, lang: str, joining: Joining) -> dict:
    return {
        "id": service.slug,
        "name": service.name(lang),
        "names": {"es": service.name_es, "en": service.name_en},
        "prefix": service.prefix,
        "color": service.color,
        "waiting": stats.waiting,
        "eta": stats.eta(stats.waiting).as_dict(),
        "serving": stats.open_counters,
        "takes_appointments": service.takes_appointments,
        **joining.as_dict(),
    }


def branch_detail(session: Session, branch: Branch, today, lang: str | None = None) -> dict:
    lang = lang or branch.lang
    state = branch_state(session, branch, today, lang)
    classes = setup_for(session, branch.id, branch.setup_version, today).classes
    counters = session.scalars(select(Counter).where(Counter.branch_id == branch.id)
                               .order_by(Counter.slug)).all()
    return {
        "id": branch.slug,
        "slug": branch.slug,
        "name": branch.name,
        "timezone": branch.timezone,
        "lang": branch.lang,
        "country": branch.country,
        "offers_priority": branch.offers_priority,
        "join_hours": branch.join_hours,
        "last_entry_min": branch.last_entry_min,
        "remote_check_in": branch.remote_check_in,
        "priority_classes": [c.as_dict(lang) for c in classes] if branch.offers_priority else [],
        "message": branch.message,
        "seq": branch.seq,
        "services": state["services"],
        "counters": [{"id": c.slug, "name": c.name, "state": c.state,
                      "services": [s.slug for s in c.services]} for c in counters],
        "recent_calls": state["calling"],
        "brand": branch_brand(branch),
    }


def logo_path(branch: Branch) -> str | None:
    """Where the branch's logo is served, its version in the query (cacheable for good)."""
    return f"/b/{branch.slug}/logo?v={branch.brand_logo_version}" if branch.brand_logo_version else None


def branch_brand(branch: Branch) -> dict:
    return branding.brand(branch.brand_color, logo_path(branch))


def branch_logo(session: Session, slug: str) -> tuple[bytes, str, str] | None:
    """The logo's bytes, media type and version; None when the branch has none."""
    row = session.execute(select(Branch.brand_logo, Branch.brand_logo_type, Branch.brand_logo_version)
                          .where(Branch.slug == slug)).first()
    if row is None:
        find_branch(session, slug)  # raises the branch's own NotFound
    return tuple(row) if row.brand_logo else None


def branch_summary(branch: Branch) -> dict:
    return {"id": branch.slug, "slug": branch.slug, "name": branch.name,
            "timezone": branch.timezone, "lang": branch.lang}


# ---------------------------------------------------------------- tickets

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
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            places = {line: cursor.execute(_LINE_PLACES, (branch_id, line)).fetchall() for line in lines}
            for start in range(0, len(seqs), _IDS_PER_QUERY):
                chunk = seqs[start:start + _IDS_PER_QUERY]
                for place in cursor.execute(_PLACES_OF % ",".join("?" * len(chunk)), chunk):
                    found[place[1]] = {line: bisect_left(placed, place) for line, placed in places.items()}
        finally:
            cursor.close()
        return found
    numbered = (select(Ticket.seq.label("seq"),
                       *(func.count(case((Ticket.service_id == line, 1))).over(order_by=LINE_ORDER)
                         for line in lines))
                .where(Ticket.branch_id == branch_id, Ticket.status == Status.WAITING.value)
                .subquery())
    query = select(numbered).where(numbered.c.seq.in_(bindparam("seqs", expanding=True)))
    for start in range(0, len(seqs), _IDS_PER_QUERY):
        for seq, *counted in conn.execute(query, {"seqs": seqs[start:start + _IDS_PER_QUERY]}):
            found[seq] = dict(zip(lines, counted))
    return found


# A line's places in order, and some tickets' places (SQLite: older_in_lines).
_LINE_PLACES = ("SELECT sort_at, seq FROM tickets WHERE branch_id = ? AND status = 'waiting' AND service_id = ? "
                "ORDER BY sort_at, seq")
_PLACES_OF = "SELECT sort_at, seq FROM tickets WHERE seq IN (%s)"


@dataclass(frozen=True)
class CounterRef:
    id: str
    name: str


@dataclass
class TicketView:
    """A ticket as every channel shows it. `position`, `ahead` and `eta` only while
    it waits; `counter` while it is called or served; the holder's `token` and
    `track_url`; `phone`, `name` and `target_counter` in staff views only. `seq` is
    the ticket's issue order, for the server's own use (never shown).

    Treat it as a value: nothing changes a view once built (`without_secret` makes a
    new one). It is not a frozen dataclass because building one costs four times as
    much frozen (an object.__setattr__ a field), and a call builds one for each
    followed ticket it moved."""
    id: str
    code: str
    branch: str
    service: str
    service_name: str
    channel: str
    priority: bool
    status: str
    position: int | None
    ahead: int | None
    eta: Eta | None
    counter: CounterRef | None
    lang: str
    recalls: int
    created_at: str | None
    called_at: str | None
    started_at: str | None
    finished_at: str | None
    token: str | None
    track_url: str | None
    seq: int = field(repr=False)
    staff: bool = False
    phone: str | None = None
    name: str | None = None
    target_counter: str | None = None
    customer: int | None = None  # staff: the customer's id (their history, /customers/{id})
    notify_by: str | None = None  # staff: SMS or WhatsApp chosen for this turn alone (a typed number)
    # "I'm here" (arrived_at) and how many times its holder let people pass.
    arrived_at: str | None = None
    late_moves: int = 0
    priority_class: int | None = None

    def without_secret(self) -> TicketView:
        """The same ticket for someone who is not its holder: no token, no link."""
        return replace(self, token=None, track_url=None)

    def to_json(self, *, token: bool = True) -> dict:
        """The JSON of CONTRACT.md; without the holder's secret for a ticket's room."""
        view = {
            "id": self.id, "code": self.code, "branch": self.branch, "service": self.service,
            "service_name": self.service_name, "channel": self.channel, "priority": self.priority,
            "status": self.status, "position": self.position, "ahead": self.ahead,
            "eta": self.eta.as_dict() if self.eta is not None else None,
            "counter": {"id": self.counter.id, "name": self.counter.name} if self.counter is not None else None,
            "lang": self.lang, "recalls": self.recalls, "created_at": self.created_at, "called_at": self.called_at,
            "started_at": self.started_at, "finished_at": self.finished_at,
            "arrived_at": self.arrived_at, "late_moves": self.late_moves, "priority_class": self.priority_class,
        }
        if token:
            view["token"] = self.token
            view["track_url"] = self.track_url
        if self.staff:
            view.update(phone=self.phone, name=self.name, target_counter=self.target_counter,
                        customer=self.customer, notify_by=self.notify_by)
        return view


def ticket_view(ticket: Ticket, *, ahead: int | None, stats: ServiceStats | None, public_url: str,
                staff: bool = False, older: dict[int, int] | None = None) -> TicketView:
    """The view of an ORM ticket (its branch, service, counter loaded with it)."""
    active = ticket.status in (Status.CALLED, Status.SERVING)
    extra = {}
    if staff:
        extra = {"staff": True, "phone": ticket.customer.phone if ticket.customer is not None else None,
                 "name": ticket.name, "customer": ticket.customer_id, "notify_by": ticket.notify_by,
                 "target_counter": ticket.target_counter.slug if ticket.target_counter else None}
    return view_of(ticket, branch_slug=ticket.branch.slug, service=ticket.service,
                   counter=ticket.counter if active else None, ahead=ahead, stats=stats, public_url=public_url,
                   older=older, **extra)


def view_of(ticket, *, branch_slug: str, service: Service | ServiceInfo, counter: Counter | None,
            ahead: int | None, stats: ServiceStats | None, public_url: str, older: dict[int, int] | None = None,
            **staff) -> TicketView:
    """The view of a ticket from its own columns (an ORM object or a row), with its
    branch, service and counter given apart (the issuing hot path has no ORM row).
    `older`: the tickets of the lines sharing its counters placed before it (`older_of`);
    None for a ticket placed after every one waiting there."""
    waiting = ticket.status == Status.WAITING
    return TicketView(
        id=ticket.id, code=ticket.code, branch=branch_slug, service=service.slug,
        service_name=service.name(ticket.lang), channel=ticket.channel, priority=ticket.priority,
        status=ticket.status,
        position=(ahead + 1) if waiting and ahead is not None else None,
        ahead=ahead if waiting else None,
        eta=stats.eta(ahead, older) if waiting and stats is not None and ahead is not None else None,
        counter=CounterRef(counter.slug, counter.name) if counter is not None else None,
        lang=ticket.lang, recalls=ticket.recalls, created_at=iso(ticket.created_at),
        called_at=iso(ticket.called_at), started_at=iso(ticket.started_at), finished_at=iso(ticket.finished_at),
        token=ticket.token, track_url=f"{public_url}/t/{ticket.token}", seq=ticket.seq,
        arrived_at=iso(ticket.arrived_at), late_moves=ticket.late_moves or 0,
        priority_class=ticket.priority_class_id, **staff)


# The fixed part of a followed ticket's update (all but its place and wait), by what
# it is made of: the ticket's own columns, its branch and its service's name. A call
# moves a thousand followed tickets by one place and changes nothing else of them,
# so their views are built and encoded once, not at every call. Kept by content,
# nothing to forget when a ticket changes; emptied when it grows past FIXED_KEPT
# (about 1.5 KB each with its text: 30 MB at most).
_FIXED: dict[tuple, tuple[dict, str, str]] = {}
FIXED_KEPT = 20_000
# The fields of an update that move with its place, in the view's order.
_MOVING = ("position", "ahead", "eta")


def followed_update(row: FollowedRow, *, branch_slug: str, service: ServiceInfo, stats: ServiceStats | None,
                    older: dict[int, int] | None = None) -> Encoded:
    """The `ticket.update` of a waiting followed ticket (a FollowedRow): the same JSON
    as `view_of(row, ...).to_json(token=False)`, with its text (realtime.Encoded),
    its fixed part built and encoded once."""
    key = (row[:-1], branch_slug, service.slug, service.name(row.lang))
    kept = _FIXED.get(key)
    if kept is None:
        if len(_FIXED) >= FIXED_KEPT:
            _FIXED.clear()
        fixed = view_of(row, branch_slug=branch_slug, service=service, counter=None, ahead=None, stats=None,
                        public_url="").to_json(token=False)
        names = list(fixed)
        first, last = names.index(_MOVING[0]), names.index(_MOVING[-1])
        head = json.dumps({k: fixed[k] for k in names[:first]}, separators=(",", ":"))[:-1]
        tail = json.dumps({k: fixed[k] for k in names[last + 1:]}, separators=(",", ":"))[1:]
        kept = _FIXED[key] = (fixed, head, tail)
    fixed, head, tail = kept
    ahead = row.ahead
    eta = stats.eta(ahead, older) if stats is not None else None
    moved = Encoded(fixed, f'{head},"position":{ahead + 1},"ahead":{ahead},"eta":'
                           + (f'{{"low_min":{eta.low_min},"high_min":{eta.high_min}}},' if eta is not None
                              else "null,") + tail)
    moved["position"] = ahead + 1
    moved["ahead"] = ahead
    moved["eta"] = eta.as_dict() if eta is not None else None
    return moved


def view_now(db: Session, ticket: Ticket, *, public_url: str, stats: dict[int, ServiceStats] | None = None,
             ahead: int | None = None, staff: bool = False) -> TicketView:
    """A ticket's view as every door showing one ticket shows it: while it waits, its
    place (`ahead`, unless the caller has it) and the tickets placed before it in the
    lines sharing its counters are read here, its wait from the branch's `stats` (read
    here too when not given)."""
    if ticket.status != Status.WAITING:
        return ticket_view(ticket, ahead=None, stats=None, public_url=public_url, staff=staff)
    if ahead is None:
        ahead = ahead_of(db, ticket)
    if stats is None:
        stats = service_stats(db, ticket.branch, local_day(clock.utcnow(), ticket.branch.timezone))
    line = stats.get(ticket.service_id)
    older = older_of(db, ticket, line.others) if line is not None and line.others else None
    return ticket_view(ticket, ahead=ahead, stats=line, public_url=public_url, staff=staff, older=older)


# What a ticket's view needs of its own columns (view_of), read without the ORM.
_VIEW_COLUMNS = (Ticket.seq, Ticket.id, Ticket.code, Ticket.service_id, Ticket.status, Ticket.channel,
                 Ticket.priority, Ticket.lang, Ticket.recalls, Ticket.sort_at, Ticket.created_at, Ticket.called_at,
                 Ticket.started_at, Ticket.finished_at, Ticket.token, Ticket.arrived_at, Ticket.late_moves,
                 Ticket.priority_class_id)
# The same, with its moments as stored (naive UTC): a view only prints them (iso, the
# same text either way) and sorts them, and UTCDateTime's two calls a value were
# six a row.
_STORED_VIEW_COLUMNS = tuple(type_coerce(c, DateTime).label(c.key) if isinstance(c.type, UTCDateTime) else c
                             for c in _VIEW_COLUMNS)
# A followed ticket as followed_in_lines gives it: those columns and its `ahead`, as a
# named tuple. A view reads about twenty columns, and reading one of a SQLAlchemy Row
# by name costs a microsecond: with a thousand tickets followed, that was a fifth of a
# call's work.
FollowedRow = namedtuple("FollowedRow", [column.key for column in _VIEW_COLUMNS] + ["ahead"])
# Enough ids per statement for any database's limit on parameters.
_IDS_PER_QUERY = 2000
# The places of these lines numbered inside the database (a window over the line's
# index), joined to the followed tickets only.
_RANKED = (select(Ticket.seq.label("seq"),
                  (func.row_number().over(partition_by=Ticket.service_id, order_by=LINE_ORDER) - 1).label("ahead"))
           .where(Ticket.branch_id == bindparam("branch_id"), Ticket.status == Status.WAITING.value,
                  Ticket.service_id.in_(bindparam("service_ids", expanding=True)))
           .subquery())
_FOLLOWED = (select(*_STORED_VIEW_COLUMNS, _RANKED.c.ahead).join(_RANKED, _RANKED.c.seq == Ticket.seq)
             .where(Ticket.id.in_(bindparam("ids", expanding=True))))
_BEHIND = tuple_(*LINE_ORDER) > tuple_(bindparam("after_at", type_=Ticket.sort_at.type), bindparam("after_seq"))
_FOLLOWED_BEHIND = _FOLLOWED.where(_BEHIND)
# On SQLite the same, numbered here: the line's seqs in order (a walk of ix_tickets_line,
# about 0.4 µs a waiting ticket through the driver) and the followed rows by id. SQLite's
# window over the line and its join cost about three times as much; PostgreSQL numbers
# a line faster than Python can read it.
_LINE_SEQS = ("SELECT seq FROM tickets WHERE branch_id = ? AND status = 'waiting' AND service_id = ? "
              "ORDER BY sort_at, seq")
# By id alone: given the line's columns too, SQLite walks the whole line through its
# index testing each id, where this looks up each followed ticket.
_FOLLOWED_ROWS = select(*_STORED_VIEW_COLUMNS).where(Ticket.id.in_(bindparam("ids", expanding=True)))


def followed_in_lines(db: Session | Connection, branch_id: int, service_ids, ticket_ids,
                      after=None) -> list[FollowedRow]:
    """The waiting tickets among `ticket_ids` in these lines of the branch (behind
    `after`, a rules.Place, when given), each a FollowedRow (its `ahead` included), in
    line order.

    Only the followed tickets come back and are built into rows: on PostgreSQL the
    lines' places are numbered inside the database (one statement), on SQLite the
    followed rows are read by id and the lines' seqs numbered here (_LINE_SEQS)."""
    conn = _conn(db)
    service_ids, ticket_ids = list(service_ids), list(ticket_ids)
    if not service_ids or not ticket_ids:
        return []
    params = {"branch_id": branch_id, "service_ids": service_ids}
    if after is not None:
        params.update(after_at=after.sort_at, after_seq=after.seq)
    rows = []
    if conn.dialect.name == "sqlite":
        # The rows first: that read begins the transaction the numbering then shares.
        # A row is kept when its ticket waits in one of these lines (it has a place).
        found = []
        for start in range(0, len(ticket_ids), _IDS_PER_QUERY):
            found += conn.execute(_FOLLOWED_ROWS, {"ids": ticket_ids[start:start + _IDS_PER_QUERY]}).all()
        places = _numbered_lines(conn, branch_id, service_ids) if found else {}
        behind = (_stored_utc(after.sort_at), after.seq) if after is not None else None
        rows = [FollowedRow(*row, places[row[0]]) for row in found
                if row[0] in places and (behind is None or (row[9], row[0]) > behind)]
    else:
        statement = _FOLLOWED if after is None else _FOLLOWED_BEHIND
        for start in range(0, len(ticket_ids), _IDS_PER_QUERY):
            chunk = conn.execute(statement, {**params, "ids": ticket_ids[start:start + _IDS_PER_QUERY]}).all()
            rows += map(FollowedRow._make, chunk)
    rows.sort(key=attrgetter("sort_at", "seq"))
    return rows


def _stored_utc(moment: datetime) -> datetime:
    """A moment as SQLite stores it (naive UTC), to compare with what it gives back."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo is not None else moment


def _numbered_lines(conn: Connection, branch_id: int, service_ids) -> dict[int, int]:
    """seq -> people ahead, for every waiting ticket of these lines (SQLite; inside the
    transaction the caller's read began, so the rows and their places agree)."""
    cursor = conn.connection.dbapi_connection.cursor()
    places: dict[int, int] = {}
    try:
        for service_id in service_ids:
            line = cursor.execute(_LINE_SEQS, (branch_id, service_id)).fetchall()
            places.update(zip((seq for seq, in line), range(len(line))))
    finally:
        cursor.close()
    return places


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


# ---------------------------------------------------------------- the staff console

def counter_view(counter: Counter) -> dict:
    """A counter as staff see it (CONTRACT.md's fields, then who and why)."""
    return {"id": counter.slug, "name": counter.name, "state": counter.state,
            "services": [s.slug for s in counter.services], "pause_reason": counter.pause_reason,
            "since": iso(counter.state_since), "agent": counter.agent.username if counter.agent else None}


def counters_to_choose(uow: UnitOfWork, actor: Actor, lang: str) -> list[dict]:
    """Every branch the actor works at, with its counters, what each serves and who
    is at it (the agent of an open or paused counter)."""
    actor.require_staff()
    query = select(Branch).order_by(Branch.name)
    if actor.role != "admin":
        query = query.where(Branch.id == actor.branch_id)
    result = []
    for branch in uow.session.scalars(query):
        counters = uow.session.scalars(select(Counter).options(joinedload(Counter.services), joinedload(Counter.agent))
                                       .where(Counter.branch_id == branch.id).order_by(Counter.slug)).unique()
        result.append({"slug": branch.slug, "name": branch.name, "counters": [
            {"id": c.slug, "name": c.name, "state": c.state,
             "agent": c.agent.username if c.agent is not None and c.state != "closed" else None,
             "mine": c.agent_id is not None and c.agent_id == actor.user_id and c.state != "closed",
             "services": [s.name(lang) for s in c.services if s.active]} for c in counters]})
    return result


def closed_overnight(session: Session, branch: Branch) -> int:
    """How many turns of earlier days expired since the branch's day began: what the
    end of the last day closed, for the staff console."""
    now = clock.utcnow()
    today = local_day(now, branch.timezone)
    start, _ = day_bounds_utc(today, branch.timezone)
    return session.scalar(
        select(func.count()).select_from(TicketEvent).join(Ticket, Ticket.seq == TicketEvent.ticket_seq)
        .where(TicketEvent.branch_id == branch.id, TicketEvent.kind == "expired",
               TicketEvent.at >= start.replace(tzinfo=now.tzinfo), Ticket.day < today)) or 0


def counter_desk(uow: UnitOfWork, branch_slug: str, counter_slug: str, actor: Actor, lang: str) -> dict:
    """What the console shows when it opens: the counter, its current ticket (called
    or being served there), and the services and counters a ticket can go to."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    actor.require_staff(branch)
    counter = find_counter(session, branch, counter_slug)
    current = session.scalar(
        select(Ticket).options(*TICKET_LOAD)
        .where(Ticket.counter_id == counter.id, Ticket.status.in_((Status.CALLED, Status.SERVING)))
        .order_by(Ticket.called_at.desc()).limit(1))
    services = session.scalars(select(Service).where(Service.branch_id == branch.id, Service.active)
                               .order_by(Service.prefix)).all()
    counters = session.scalars(select(Counter).where(Counter.branch_id == branch.id).order_by(Counter.slug)).all()
    return {
        "branch": {"slug": branch.slug, "name": branch.name, "timezone": branch.timezone,
                   "offers_priority": branch.offers_priority, "no_show_return_min": branch.no_show_return_min},
        "counter": counter_view(counter),
        "current": (ticket_view(current, ahead=None, stats=None, public_url=uow.db.public_url, staff=True).to_json()
                    if current is not None else None),
        "services": [{"id": s.slug, "name": s.name(lang), "prefix": s.prefix, "color": s.color}
                     for s in services],
        "counters": [{"id": c.slug, "name": c.name} for c in counters],
        "closed_overnight": closed_overnight(session, branch),
        "priority_classes": [c.as_dict(lang) for c in
                             setup_for(session, branch.id, branch.setup_version, local_day(clock.utcnow(),
                                                                                           branch.timezone)).classes],
    }


# `iso` is defined with the setup (setup.py) and shown from here, as every door prints times with it.
__all__ = ["state_payload", "branch_state", "branch_detail",
           "branch_summary", "ahead_of", "ticket_view", "view_of", "TicketView", "CounterRef", "LINE_ORDER", "behind",
           "waiting_with_positions", "followed_in_lines", "FollowedRow", "line_head", "first_for_counter",
           "places_behind", "mark_passed", "next_calls", "iso", "counter_view",
           "counters_to_choose", "counter_desk"]
