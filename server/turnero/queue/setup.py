"""A branch's setup as the waits and screens read it: its services, priority classes,
opening hours, open and paused counters, recent service times and calls, read in a
dozen small queries (`read_setup`) and remembered per process while the branch's
`setup_version` stands (`setup_for`, `remember_setup`); its waiting lines (`read_lines`);
and each line's stats for the wait estimate (`ServiceStats`, `service_stats`)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

from ..hours import Week, day_start, local_to_utc, parse_ranges, weekday_ranges
from ..models import (Branch, Closure, Counter, LineCount, OpeningHours, PriorityClass, Service, Ticket, TicketEvent,
                      counter_services)
from .estimate import (DEFAULT_SPREAD, Desk, Eta, LineWaits, back_in, line_shares, mean_service_minutes, remaining_turn,
                       service_spread)
from .rules import Status


# The turns (call to end) a service's pace and spread are read from: the last hour or
# so of a busy line, and enough of them for a spread.
RECENT_SAMPLES = 20
CALLING_LIMIT = 10
# How old the waits may grow between changes before a turn taken has them reckoned
# again (BranchSetup.aged): half a minute, as they are told in whole minutes. Each
# time, every follower of the branch is told its own again (as after a call).
RECKON_AFTER = timedelta(seconds=30)
# A counter's planned hours on one day: (opens, closes) UTC instants, in order.
Plan = tuple[tuple[datetime, datetime], ...]


def iso(moment) -> str | None:
    # isoformat costs half of strftime, and a thousand followed tickets print one each.
    return None if moment is None else moment.isoformat(timespec="seconds")[:19] + "Z"


@dataclass
class ServiceStats:
    """A line as its wait is estimated: how many wait, the mean turn, the open
    counters serving it, the branch's counters as the waits see them (`desks`: the
    lines each serves, when it is free; None when none serves this line) and the
    turns' spread. `others`: the other lines that share a counter with this one, and
    how many wait in each; `here`: per such line, the share of its calls this line's
    counters make; `means`: every line's mean turn; `working`: the counters' worth at
    this line at its steady pace."""
    waiting: int
    mean_min: float
    open_counters: int
    desks: tuple[Desk, ...] | None = None
    spread: float = DEFAULT_SPREAD
    placed_ahead: tuple[float, float] = (0.0, 0.0)
    service_id: int = 0
    others: dict[int, int] = field(default_factory=dict)
    here: dict[int, float] = field(default_factory=dict)
    means: dict[int, float] = field(default_factory=dict)
    working: float | None = None
    # What the estimate reckons of this line once for every ticket (estimate.LineWaits):
    # a thousand followed tickets count the first turns and the counters' race once.
    _waits: LineWaits | None = field(default=None, init=False, repr=False, compare=False)

    def eta(self, ahead: int, older: dict[int, int] | None = None) -> Eta:
        """The wait of a ticket with `ahead` before it in this line and `older` (per line
        of `others`) placed before it in the others; None: every one waiting there (a
        ticket at the end of the line)."""
        waits = self._waits
        if waits is None:
            waits = self._waits = LineWaits(self.mean_min, self.open_counters, self.spread, self.desks,
                                            self.placed_ahead, self.service_id, self.here, self.means,
                                            self.working, self.others)
        return waits.eta(ahead, None if older is None else {line: older.get(line, 0) for line in self.others})


@dataclass(frozen=True)
class ServiceInfo:
    """A service as the read models need it: plain values, shareable between requests."""
    id: int
    slug: str
    prefix: str
    name_es: str
    name_en: str
    color: str
    avg_service_min: float
    takes_appointments: bool
    active: bool
    join_paused: bool = False
    join_message: str | None = None
    join_until: datetime | None = None

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_es


@dataclass(frozen=True)
class ClassInfo:
    """A priority class of a branch (models.PriorityClass), as plain values."""
    id: int
    name_es: str
    name_en: str
    boost_min: int
    at_kiosk: bool

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_es

    def as_dict(self, lang: str) -> dict:
        return {"id": self.id, "name": self.name(lang), "names": {"es": self.name_es, "en": self.name_en},
                "boost_min": self.boost_min, "at_kiosk": self.at_kiosk}


@dataclass(frozen=True)
class Joining:
    """Whether a line takes new turns now: `open`; `paused` by staff (with their
    `message`, until `until` or until reopened); or `closed` for the branch's hours,
    opening again at `opens_at` (None: no hours set)."""
    state: str
    message: str | None = None
    until: datetime | None = None
    opens_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.state == "open"

    def as_dict(self) -> dict:
        """As a service of a branch state carries it (CONTRACT.md): `joining` is the state."""
        return {"joining": self.state, "message": self.message, "until": iso(self.until),
                "opens_at": iso(self.opens_at)}


OPEN = Joining("open")


def pause_of(service, now: datetime) -> Joining | None:
    """The line's pause by its manager at `now`, or None: `service` is a Service row or
    a ServiceInfo (both carry join_paused, join_message, join_until)."""
    if service.join_paused and (service.join_until is None or now < service.join_until):
        return Joining("paused", message=service.join_message, until=service.join_until)
    return None


@dataclass(frozen=True)
class BranchSetup:
    """What a branch.state shows besides who waits: the services, how many counters
    serve each, the recent mean service time of each, and the recent calls.

    Only staff and admin change these, and every such change gives the branch a
    new `setup_version`; a setup read under one version stays true while the branch
    row still carries it (see `setup_for`)."""
    services: tuple[ServiceInfo, ...]
    open_counters: dict[int, int]
    mean_min: dict[int, float]
    calling: tuple[dict, ...]
    week: Week = field(default_factory=lambda: Week("UTC"))
    classes: tuple[ClassInfo, ...] = ()
    # The open counters: (the services each serves, the service and call time of the
    # ticket it has called or in service, if any, its planned hours today: Plan).
    counters: tuple[tuple[frozenset[int], tuple[int, datetime] | None, Plan], ...] = ()
    spread: dict[int, float] = field(default_factory=dict)
    # The paused counters: (the services each serves, the pause's reason, since when,
    # its planned hours today).
    paused: tuple[tuple[frozenset[int], str | None, datetime | None, Plan], ...] = ()
    # The closed counters with planned hours today: (the services each serves, those hours).
    planned: tuple[tuple[frozenset[int], Plan], ...] = ()
    # Per service, today's tickets placed before their time (priority, appointments):
    # (how many a minute, their mean head start in minutes).
    placed_ahead: dict[int, tuple[float, float]] = field(default_factory=dict)
    # The moment the waits are estimated at: the branch's last change of the above (a
    # call, a start, an end, a counter's state) or a turn taken RECKON_AFTER or more after
    # it (`aged`), so that every door and process reading this setup shows the same
    # estimate until the next change.
    as_of: datetime | None = None
    # Per service, how many waited when this setup was read: how a shared counter's time splits.
    waiting_then: dict[int, int] = field(default_factory=dict)

    def aged(self, now: datetime) -> bool:
        """Whether the waits, reckoned as of `as_of`, are RECKON_AFTER old or more while
        a counter's turn or pause runs on or a counter is yet to open as planned (what
        they count from `as_of`): a turn taken now is told its wait as of now, and so
        is every door (issuing)."""
        if self.as_of is not None and now - self.as_of < RECKON_AFTER:
            return False
        running = any(current is not None for _services, current, _plan in self.counters) or bool(self.paused)
        return (running and self.as_of is not None) or any(opens > now for _services, plan in self.planned
                                                           for opens, _closes in plan)

    def service(self, slug: str) -> ServiceInfo | None:
        return next((s for s in self.services if s.slug == slug and s.active), None)

    def priority_class(self, class_id: int) -> ClassInfo | None:
        return next((c for c in self.classes if c.id == class_id), None)

    def hours_joining(self, branch, now: datetime) -> Joining:
        """`closed` outside the opening hours when the branch takes walk-ins only
        then (`branch.join_hours`), else `open`."""
        if not branch.join_hours or self.week.may_join(now, branch.last_entry_min):
            return OPEN
        return Joining("closed", opens_at=self.week.next_opening(now, branch.last_entry_min))

    def joining(self, branch, service: ServiceInfo, now: datetime, hours: Joining | None = None) -> Joining:
        """Whether `service` takes new turns at `now`: paused by staff first, then the
        branch's hours (`hours`, when the caller has them already)."""
        paused = pause_of(service, now)
        if paused is not None:
            return paused
        return hours if hours is not None else self.hours_joining(branch, now)

    def stats(self, waiting: dict[int, int]) -> dict[int, ServiceStats]:
        desks, working, here = self.desks()
        return {s.id: ServiceStats(waiting=waiting.get(s.id, 0), mean_min=self.mean_min[s.id],
                                   open_counters=self.open_counters.get(s.id, 0),
                                   desks=desks if s.id in working else None,
                                   spread=self.spread.get(s.id, DEFAULT_SPREAD),
                                   placed_ahead=self.placed_ahead.get(s.id, (0.0, 0.0)), service_id=s.id,
                                   others={o: waiting.get(o, 0) for o in here.get(s.id, ())},
                                   here=here.get(s.id, {}), means=self.mean_min, working=working.get(s.id))
                for s in self.services}

    def desks(self) -> tuple[tuple[Desk, ...], dict[int, float], dict[int, dict[int, float]]]:
        """The counters that serve now, are back soon or open later as planned, each
        with the lines it serves, when it is free and its planned hours, as of the last
        change (`as_of`: set whenever a counter is busy or paused, and by the first turn
        taken while one is yet to open as planned); per line, the counters' worth at it
        at its steady pace and, per other line sharing a counter with it, the share of
        that line's calls its counters make (both from `line_shares`)."""
        now = self.as_of
        # A shared counter's time goes where the work waits; as it waited at the last change
        # (a new ticket in one line leaves the other lines' waits as they were).
        work = {s.id: max(1, self.waiting_then.get(s.id, 0)) * self.mean_min[s.id] for s in self.services}
        desks: list[Desk] = []
        for services, current, plan in self.counters:
            free_in = 0.0
            if current is not None:
                service_id, called_at = current
                free_in = remaining_turn(self.mean_min.get(service_id, 5.0),
                                         self.spread.get(service_id, DEFAULT_SPREAD),
                                         (now - called_at).total_seconds() / 60)
            desks.append(Desk(free_in, services, _hours(plan, now, present=True)))
        for services, reason, since, plan in self.paused:
            back = back_in(reason, (now - since).total_seconds() / 60 if since else 0.0)
            if back is not None:
                desks.append(Desk(back, services, _hours(plan, now, present=True)))
        for services, plan in self.planned:
            hours = _hours(plan, now, present=False)
            if hours:
                desks.append(Desk(hours[0][0], services, hours))
        desks = [d._replace(lines=d.lines & work.keys()) for d in desks if d.lines & work.keys()]
        splits = line_shares([d.lines for d in desks], work)
        working: dict[int, float] = defaultdict(float)
        for split in splits:
            for service_id, share in split.items():
                working[service_id] += share
        here: dict[int, dict[int, float]] = defaultdict(dict)
        for d, split in zip(desks, splits):
            for service_id in d.lines:
                for other in d.lines - {service_id}:
                    here[service_id][other] = here[service_id].get(other, 0.0) + split[other] / working[other]
        return tuple(desks), dict(working), dict(here)


def _hours(plan: Plan, now: datetime | None, *, present: bool) -> tuple[tuple[float, float], ...]:
    """A counter's planned hours today as minutes from `now` (estimate.Desk.hours), the
    ranges not over yet. One at work now (`present`, open or paused) begins no turn in
    its breaks (it finishes its turn and goes), serves now when in before its first
    range, and when past them all serves on (it is there); a closed one counts from the
    next range to begin (staff not there in a range begun already)."""
    if not plan or now is None:
        return ()
    ranges = [((opens - now).total_seconds() / 60, (closes - now).total_seconds() / 60) for opens, closes in plan]
    if not present:
        return tuple((begins, ends) for begins, ends in ranges if begins > 0)
    if ranges[0][0] > 0:  # in before the day's first range
        ranges[0] = (0.0, ranges[0][1])
    return tuple((begins, ends) for begins, ends in ranges if ends > 0)


def _plan_of(planned_hours: str | None, today: date, tz_name: str) -> Plan:
    """A counter's planned hours ("09:00-13:00, 14:00-18:00") on a local day, as UTC
    instants; () when it has none (a range that daylight saving skips is left out)."""
    try:
        ranges = parse_ranges(planned_hours or "")
    except ValueError:
        return ()
    plan = ((local_to_utc(today, r.opens, tz_name), local_to_utc(today, r.closes, tz_name)) for r in ranges)
    return tuple((opens, closes) for opens, closes in plan if opens is not None and closes is not None)


# Statements of the hot path are built once: building SQLAlchemy expressions costs
# more than running these small indexed queries.
_SERVICE_COLUMNS = (Service.id, Service.slug, Service.prefix, Service.name_es, Service.name_en, Service.color,
                    Service.avg_service_min, Service.takes_appointments, Service.active, Service.join_paused,
                    Service.join_message, Service.join_until)
_SERVICES = select(*_SERVICE_COLUMNS).where(Service.branch_id == bindparam("branch_id")).order_by(Service.prefix)
# Each line's count as the database keeps it (LineCount), and its last place, from the
# end of its index: two looks a line, however long it is.
_LAST_PLACE = (select(Ticket.sort_at)
               .where(Ticket.branch_id == LineCount.branch_id, Ticket.status == Status.WAITING.value,
                      Ticket.service_id == LineCount.service_id)
               .order_by(Ticket.sort_at.desc()).limit(1).scalar_subquery())
_LINES = (select(LineCount.service_id, LineCount.waiting, _LAST_PLACE)
          .where(LineCount.branch_id == bindparam("branch_id"), LineCount.waiting > 0))
# The counters at work (open or paused) and those closed with planned hours, each with
# the services it serves: one look for all the setup needs of them.
_COUNTERS = (select(counter_services.c.counter_id, counter_services.c.service_id, Counter.state,
                    Counter.state_since, Counter.pause_reason, Counter.planned_hours)
             .join(Counter, Counter.id == counter_services.c.counter_id)
             .where(Counter.branch_id == bindparam("branch_id"),
                    or_(Counter.state != "closed", Counter.planned_hours.is_not(None))))
# Today's called tickets (they change only with a call, as the rest of the setup): per
# service, the first and last taken; and those of them placed before their time.
_TODAYS_CALLED = (select(Ticket.service_id, func.min(Ticket.created_at), func.max(Ticket.created_at))
                  .where(Ticket.branch_id == bindparam("branch_id"), Ticket.day == bindparam("day"),
                         Ticket.called_at.is_not(None))
                  .group_by(Ticket.service_id))
_TODAYS_PLACED_AHEAD = (select(Ticket.service_id, Ticket.created_at, Ticket.sort_at)
                        .where(Ticket.branch_id == bindparam("branch_id"), Ticket.day == bindparam("day"),
                               Ticket.called_at.is_not(None), Ticket.sort_at < Ticket.created_at))
_BUSY_COUNTERS = (select(Ticket.counter_id, Ticket.service_id, Ticket.called_at, Ticket.started_at)
                  .where(Ticket.branch_id == bindparam("branch_id"), Ticket.counter_id.is_not(None),
                         Ticket.status.in_((Status.CALLED.value, Status.SERVING.value))))
# A turn holds its counter from the call to its end, served or not (a no-show too).
_RANKED_TURNS = (
    select(Ticket.service_id, Ticket.called_at, Ticket.finished_at,
           func.row_number().over(partition_by=Ticket.service_id,
                                  order_by=Ticket.finished_at.desc()).label("rn"))
    .where(Ticket.branch_id == bindparam("branch_id"), Ticket.day == bindparam("day"),
           Ticket.status.in_((Status.DONE.value, Status.NO_SHOW.value)), Ticket.called_at.is_not(None),
           Ticket.finished_at.is_not(None))
    .subquery())
_RECENT_DURATIONS = (select(_RANKED_TURNS.c.service_id, _RANKED_TURNS.c.called_at, _RANKED_TURNS.c.finished_at)
                     .where(_RANKED_TURNS.c.rn <= RECENT_SAMPLES))


def undone_events(branch_id, since=None) -> Select:
    """The ids of the branch's events that staff undid (queue.undo): a call, a finish
    or a no-show that did not stand. What shows calls or counts them leaves these out.
    `since`: only of the events from that moment on (an undo comes after what it undid)."""
    undone = aliased(TicketEvent)
    event = undone.data[("event",)].as_integer()
    query = select(event).where(undone.branch_id == branch_id, undone.kind == "undone", event.is_not(None))
    return query.where(undone.at >= since) if since is not None else query


# The day's last calls (the lobby's board: a new day starts it empty), from the day's
# calls alone (ix_ticket_events_branch_kind_at): over every call the branch ever made,
# sorted at each call, a branch with two months behind it took 300 ms a call.
_SINCE = bindparam("since", type_=TicketEvent.at.type)
_RECENT_CALLS = (
    select(TicketEvent.kind, TicketEvent.at, Ticket.code, Service.slug, Counter.slug, Counter.name, Counter.state)
    .join(Ticket, Ticket.seq == TicketEvent.ticket_seq)
    .join(Service, Service.id == Ticket.service_id)
    .join(Counter, Counter.id == TicketEvent.counter_id)
    .where(TicketEvent.branch_id == bindparam("branch_id"), TicketEvent.kind.in_(("called", "recalled")),
           TicketEvent.at >= _SINCE, TicketEvent.id.not_in(undone_events(bindparam("branch_id"), _SINCE)))
    .order_by(TicketEvent.id.desc())
    .limit(CALLING_LIMIT))
_CLASSES = (select(PriorityClass.id, PriorityClass.name_es, PriorityClass.name_en, PriorityClass.boost_min,
                   PriorityClass.at_kiosk)
            .where(PriorityClass.branch_id == bindparam("branch_id"))
            .order_by(PriorityClass.position, PriorityClass.id))
_HOURS = select(OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes).where(
    OpeningHours.branch_id == bindparam("branch_id"))
_CLOSURES = select(Closure.first_day, Closure.last_day).where(
    Closure.branch_id == bindparam("branch_id"), Closure.last_day >= bindparam("day"))



def _conn(db: Session | Connection) -> Connection:
    # Plain Core statements on the session's own connection (same transaction),
    # without the ORM's per-statement work.
    return db.connection() if isinstance(db, Session) else db


def week_of(db: Session | Connection, branch_id: int, tz_name: str, today=None) -> Week:
    """The branch's opening hours and its closures from `today` on (all when None)."""
    conn = _conn(db)
    params = {"branch_id": branch_id, "day": today or date.min}
    return Week(tz_name, weekday_ranges(conn.execute(_HOURS, params).all()),
                tuple(tuple(row) for row in conn.execute(_CLOSURES, params)))


def read_setup(db: Session | Connection, branch_id: int, today, lines: Lines | None = None) -> BranchSetup:
    """Read a branch's setup from the database (a dozen small indexed queries);
    `lines`: its waiting lines, when the caller has just read them."""
    conn = _conn(db)
    params = {"branch_id": branch_id}
    services = tuple(ServiceInfo(*row) for row in conn.execute(_SERVICES, params))
    moments: list[datetime] = []  # of the changes read here: the latest is `as_of`
    serves: dict[int, set[int]] = defaultdict(set)
    paused: dict[int, tuple[set[int], str | None, datetime | None]] = {}
    closed: dict[int, set[int]] = defaultdict(set)
    planned_hours: dict[int, str] = {}
    for counter_id, service_id, state, since, reason, hours in conn.execute(_COUNTERS, params):
        if hours is not None:
            planned_hours[counter_id] = hours
        if state == "open":
            serves[counter_id].add(service_id)
        elif state == "paused":
            paused.setdefault(counter_id, (set(), reason, _aware_utc(since)))[0].add(service_id)
        else:
            closed[counter_id].add(service_id)
            continue
        moments.append(_aware_utc(since))
    busy = {}
    for counter_id, service_id, called_at, started_at in conn.execute(_BUSY_COUNTERS, params):
        if called_at is not None:
            busy[counter_id] = (service_id, _aware_utc(called_at))
            moments += [_aware_utc(called_at), _aware_utc(started_at)]
    open_counts: dict[int, int] = defaultdict(int)
    for service_ids in serves.values():
        for service_id in service_ids:
            open_counts[service_id] += 1
    durations: dict[int, list[float]] = defaultdict(list)
    for service_id, started, finished in conn.execute(_RECENT_DURATIONS, {**params, "day": today}):
        durations[service_id].append(_seconds(started, finished))
        moments.append(_aware_utc(finished))
    tz_name, reckoned_at = conn.execute(select(Branch.timezone, Branch.reckoned_at)
                                        .where(Branch.id == branch_id)).one()
    moments.append(_aware_utc(reckoned_at))
    plans = {counter_id: _plan_of(hours, today, tz_name) for counter_id, hours in planned_hours.items()}
    calling = tuple(
        {"code": code, "service": service, "counter": {"id": cslug, "name": cname, "state": cstate},
         "called_at": iso(at), "recall": kind == "recalled"}
        for kind, at, code, service, cslug, cname, cstate
        in conn.execute(_RECENT_CALLS, {**params, "since": day_start(today, tz_name)}))
    spans = conn.execute(_TODAYS_CALLED, {**params, "day": today}).all()
    early = conn.execute(_TODAYS_PLACED_AHEAD, {**params, "day": today}).all()
    as_of = max((m for m in moments if m is not None), default=None)
    return BranchSetup(
        services=services, open_counters=dict(open_counts),
        mean_min={s.id: mean_service_minutes(durations.get(s.id, []), s.avg_service_min) for s in services},
        calling=calling, week=week_of(conn, branch_id, tz_name, today),
        classes=tuple(ClassInfo(*row) for row in conn.execute(_CLASSES, params)),
        counters=tuple((frozenset(ids), busy.get(counter_id), plans.get(counter_id, ()))
                       for counter_id, ids in sorted(serves.items())),
        spread={s.id: service_spread(durations.get(s.id, [])) for s in services},
        paused=tuple((frozenset(ids), reason, since, plans.get(counter_id, ()))
                     for counter_id, (ids, reason, since) in sorted(paused.items())),
        planned=tuple((frozenset(ids), plans[counter_id]) for counter_id, ids in sorted(closed.items())
                      if plans[counter_id]),
        placed_ahead=_placed_ahead(spans, early), waiting_then=counts(lines) if lines is not None else waiting_counts(conn, branch_id), as_of=as_of)


def setup_for(session: Session, branch_id: int, version: str, today, *, remember: bool = False) -> BranchSetup:
    """The branch's setup, from this process's memory when it was read under the same
    `setup_version` (and local day: service times are today's), else from the database.

    `remember=True` keeps what was read. Only a caller holding the branch row lock
    and changing none of the setup may ask for it (taking a ticket): every change of
    the setup takes that lock first, so nothing changes it between reading the
    version and reading the setup. Versions are random, so one that a rolled-back
    transaction made is never met again."""
    memory = session.info["turnero.db"].setups
    key = (version, today)
    known = memory.get(branch_id)
    if known is not None and known[0] == key:
        return known[1]
    setup = read_setup(session, branch_id, today)
    if remember:
        memory[branch_id] = (key, setup)
    return setup


def remember_setup(uow, branch_id: int, version: str, today, setup: BranchSetup) -> None:
    """Keep a setup that a change read as its last step (the branch locked, the new
    `setup_version` given), once that change has committed: the followers' refresh
    and the next ticket then find it instead of reading it again."""
    uow.on_commit(lambda: uow.db.setups.__setitem__(branch_id, ((version, today), setup)))


# A branch's waiting lines: per service id, (how many wait, the latest place in time
# among them). A new ticket placed at or after that latest time has no one behind it.
Lines = dict[int, tuple[int, datetime]]


def read_lines(db: Session | Connection, branch_id: int) -> Lines:
    return {service_id: (count, last) for service_id, count, last in
            _conn(db).execute(_LINES, {"branch_id": branch_id})}


def lines_now(session: Session, branch) -> Lines:
    """The branch's waiting lines as its row (`seq`, `setup_version`) says they are:
    from this process's memory when a change or a ticket committed them here at that
    `seq`, else read. Every change of a branch's tickets bumps its `seq` under the
    branch lock (see issuing._waiting_lines), so lines kept at that `seq` are the
    database's. Don't change what it gives: it may be the one kept."""
    known = session.info["turnero.db"].lines.get(branch.id)
    if known is not None and known[0] == (branch.seq, branch.setup_version):
        return known[1]
    return read_lines(session, branch.id)


def remember_lines(uow, branch, lines: Lines, version: str | None = None) -> None:
    """Keep the lines a change read as its last step (the branch locked, its `seq`
    bumped), once it has committed: the followers' refresh, the screens' reads and
    the next ticket then find them instead of counting the lines again. `version`:
    the setup version the change leaves, when it gave a new one the row does not show."""
    key = (branch.seq, version or branch.setup_version)
    uow.on_commit(lambda: uow.db.lines.__setitem__(branch.id, (key, lines)))


def counts(lines: Lines) -> dict[int, int]:
    """How many wait, per service id."""
    return {service_id: count for service_id, (count, _last) in lines.items()}


def waiting_counts(db: Session | Connection, branch_id: int) -> dict[int, int]:
    return counts(read_lines(db, branch_id))


def service_stats(session: Session, branch: Branch, today) -> dict[int, ServiceStats]:
    """Waiting count, recent mean service time and open counters, per service."""
    setup = setup_for(session, branch.id, branch.setup_version, today)
    return setup.stats(counts(lines_now(session, branch)))


def _placed_ahead(spans, early) -> dict[int, tuple[float, float]]:
    """Per service, from today's called tickets (`spans`: service, first and last
    taken; `early`: service, taken, place in time of those placed before their time):
    how many a minute took a place before their time, and their mean head start."""
    minutes = {service_id: (_aware_utc(last) - _aware_utc(first)).total_seconds() / 60
               for service_id, first, last in spans}
    starts: dict[int, list[float]] = defaultdict(list)
    for service_id, created, sort_at in early:
        head_start = (_aware_utc(created) - _aware_utc(sort_at)).total_seconds() / 60
        if head_start > 1:
            starts[service_id].append(head_start)
    return {s: (len(found) / max(30.0, minutes.get(s, 0.0)), sum(found) / len(found)) for s, found in starts.items()}


def _aware_utc(moment: datetime | None) -> datetime | None:
    """An instant as an aware UTC datetime (raw selects on SQLite give naive UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _seconds(started, finished) -> float:
    # Naive values come back from raw (non-ORM) selects on SQLite; both are UTC.
    if started.tzinfo is None or finished.tzinfo is None:
        started, finished = started.replace(tzinfo=None), finished.replace(tzinfo=None)
    return (finished - started).total_seconds()


__all__ = ["RECENT_SAMPLES", "CALLING_LIMIT", "RECKON_AFTER", "iso", "ServiceStats", "ServiceInfo", "ClassInfo", "Joining", "OPEN",
           "pause_of", "BranchSetup", "undone_events", "week_of", "read_setup", "setup_for", "remember_setup",
           "Lines", "read_lines", "lines_now", "remember_lines", "counts", "waiting_counts", "service_stats"]
