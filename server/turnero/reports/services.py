"""The manager's figures, read from the ticket log (visits.py): each ticket's row (its
state, kept with its events in one transaction) and its events (the first call, who
served it), with the feedback given and the appointments whose time came. Nothing is
counted twice or kept anywhere else; figures.py does the counting."""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..access.services import Actor
from ..appointments.models import Appointment
from ..appointments.rules import AppointmentStatus
from .. import clock
from ..db import UnitOfWork
from ..errors import N_, Busy, Invalid
from ..hours import hour_covered, parse_ranges
from ..leader import always
from ..models import Branch, Counter, Customer, Feedback, Service, Ticket, TicketEvent, User
from ..queue.lookups import find_branch
from ..queue.rules import Status, day_bounds_utc, local_day
from ..queue.setup import service_stats
from . import erlang, figures
from .figures import BY, Visit
from .models import ReportDay
from .visits import Period, read_visits

log = logging.getLogger(__name__)

BAD_GROUPING = N_("Group by hour, day, service, counter, agent or channel.")


def _appointments(session: Session, branch: Branch, period: Period) -> list[tuple[date, int, bool]]:
    """The appointments whose time came in the period: (local day, service, whether
    the customer checked in)."""
    start, _ = day_bounds_utc(period.first, branch.timezone)
    _, end = day_bounds_utc(period.last, branch.timezone)
    came = (AppointmentStatus.CHECKED_IN, AppointmentStatus.DONE)
    return [(local_day(start_at, branch.timezone), service, status in came) for start_at, service, status in
            session.execute(select(Appointment.start_at, Appointment.service_id, Appointment.status).where(
                Appointment.branch_id == branch.id, Appointment.start_at >= start.replace(tzinfo=timezone.utc),
                Appointment.start_at < end.replace(tzinfo=timezone.utc),
                Appointment.status.in_([*came, AppointmentStatus.NO_SHOW])))]


def _shows(appointments: list[tuple[date, int, bool]], by: str) -> dict:
    """[shows, no-shows] in all (key None) and per group when the grouping has a
    meaning for appointments (day, service)."""
    counts: dict = defaultdict(lambda: [0, 0])
    for day, service, came in appointments:
        index = 0 if came else 1
        counts[None][index] += 1
        if by == "day":
            counts[day][index] += 1
        elif by == "service":
            counts[service][index] += 1
    return counts


def _labels(session: Session, branch: Branch, by: str, keys, lang: str) -> dict:
    """What each group is called: (key for clients, label for people)."""
    if by == "hour":
        return {k: (f"{k:02d}", f"{k:02d}:00") for k in keys}
    if by == "day":
        return {k: (k.isoformat(), k.isoformat()) for k in keys}
    if by == "channel":
        return {k: (k, k) for k in keys}
    ids = [k for k in keys if k is not None]
    if by == "service":
        rows = session.execute(select(Service.id, Service.slug, Service.name_es, Service.name_en)
                               .where(Service.id.in_(ids)))
        named = {i: (slug, en if lang == "en" else es) for i, slug, es, en in rows}
    elif by == "counter":
        named = {i: (slug, name) for i, slug, name in session.execute(
            select(Counter.id, Counter.slug, Counter.name).where(Counter.id.in_(ids)))}
    else:
        named = {i: (name, name) for i, name in session.execute(
            select(User.id, User.username).where(User.id.in_(ids)))}
    return {k: named.get(k, (None, None)) for k in keys}


def _order(by: str, labels: dict):
    if by in ("hour", "day"):
        return lambda k: k
    return lambda k: (k is None, (labels[k][1] or "").lower())


def stats(uow: UnitOfWork, branch_slug: str, actor: Actor, *, first: date | None = None,
          last: date | None = None, by: str = "day", target_wait_min: int | None = None,
          lang: str = "es", now: datetime | None = None) -> dict:
    """The branch's figures for the period, in all and per group (`by`). Managers of
    the branch and administrators."""
    return stats_by(uow, branch_slug, actor, (by,), first=first, last=last, target_wait_min=target_wait_min,
                    lang=lang, now=now)[by]


def stats_by(uow: UnitOfWork, branch_slug: str, actor: Actor, groupings, *, first: date | None = None,
             last: date | None = None, target_wait_min: int | None = None, lang: str = "es",
             now: datetime | None = None) -> dict[str, dict]:
    """`stats` grouped several ways from one reading of the log (the reports page)."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    actor.require_manager(branch)
    if any(by not in BY for by in groupings):
        raise Invalid(BAD_GROUPING, errors={"by": [BAD_GROUPING]})
    now = now or clock.utcnow()
    period = Period.of(branch, first, last, now)
    target = target_wait_min or branch.target_wait_min
    tallies = _tallies(uow, branch, period, groupings, now)
    appointments = _appointments(session, branch, period)
    out = {}
    for by in groupings:
        groups = tallies[by]
        whole = figures.total(groups.values())
        shown = _shows(appointments, by)
        labels = _labels(session, branch, by, groups.keys(), lang)
        rows = []
        for k in sorted(groups, key=_order(by, labels)):
            key, label = labels[k]
            row = {"key": key, "label": label, **groups[k].figures(target * 60)}
            if by in ("day", "service"):
                row["appointment_show_rate"] = figures.show_rate(*shown.get(k, (0, 0)))
            rows.append(row)
        out[by] = {"branch": branch.slug, "timezone": branch.timezone, "first": period.first,
                   "last": period.last, "by": by, "target_wait_min": target,
                   "total": {**whole.figures(target * 60),
                             "appointment_show_rate": figures.show_rate(*shown.get(None, (0, 0)))},
                   "groups": rows}
    return out


# ---------------------------------------------------------------- closed days, kept

# A day is closed two days after it, in every time zone: no ticket of it is active any
# more, and a change to one of its tickets (a late rating) deletes what was kept of it
# (`forget_changed_day`) in the change's own transaction.
CLOSED_AFTER = timedelta(days=2)
# How far back a report looks for changes made while it counted days it will keep: a
# change written during the count is newer than this (no transaction lasts a minute).
MARGIN = timedelta(minutes=1)


def _encode(by: str, key):
    return key.isoformat() if by == "day" else key


def _decode(by: str, key):
    return date.fromisoformat(key) if by == "day" else key


def _tallies(uow: UnitOfWork, branch: Branch, period: Period, groupings, now: datetime) -> dict[str, dict]:
    """{by: {key: Tally}} for the period: the closed days from what was kept of them
    (counted from the log and kept the first time they are asked for), the others
    from the log."""
    session = uow.session
    started = now - MARGIN
    closed_until = min(period.last, local_day(now, branch.timezone) - CLOSED_AFTER)
    groupings = list(groupings)
    tallies: dict[str, dict] = {by: {} for by in groupings}

    def add(by: str, key, tally: figures.Tally) -> None:
        mine = tallies[by].get(key)
        if mine is None:
            tallies[by][key] = tally
        else:
            mine.merge(tally)

    missing: list[tuple[date, str]] = []
    if period.first <= closed_until:
        closed = (ReportDay.branch_id == branch.id, ReportDay.day >= period.first, ReportDay.day <= closed_until)
        for day, by, groups in session.execute(
                select(ReportDay.day, ReportDay.by, ReportDay.groups).where(*closed, ReportDay.by.in_(groupings))):
            for key, state in groups:
                add(by, _decode(by, key), figures.Tally.of_state(state))
        kept = {tuple(row) for row in session.execute(select(ReportDay.day, ReportDay.by).where(*closed))}
        days = [period.first + timedelta(days=n) for n in range((closed_until - period.first).days + 1)]
        # A day counted from the log is kept grouped every way at once: the reading
        # is the cost, the grouping is cheap.
        missing = [(day, by) for day in days for by in BY if (day, by) not in kept]
    to_keep = []
    if missing:
        wanted = {day for day, _ in missing}
        by_day: dict[date, list[Visit]] = defaultdict(list)
        for visit in read_visits(session, branch, Period(min(wanted), max(wanted))):
            if visit.day in wanted:
                by_day[visit.day].append(visit)
        for day, by in missing:
            groups = figures.tally(by_day.get(day, ()), by)
            to_keep.append({"branch_id": branch.id, "day": day, "by": by, "made_at": now,
                            "groups": [[_encode(by, k), t.state()] for k, t in groups.items()]})
            if by in tallies:
                for key, tally in groups.items():
                    add(by, key, tally)
    if closed_until < period.last:
        recent = Period(max(period.first, closed_until + timedelta(days=1)), period.last)
        visits = read_visits(session, branch, recent)
        for by in groupings:
            for key, tally in figures.tally(visits, by).items():
                add(by, key, tally)
    if to_keep:
        _keep(uow, branch, to_keep, started)
    return tallies


def _keep(uow: UnitOfWork, branch: Branch, rows: list[dict], started: datetime) -> None:
    """Write the counted closed days, in a transaction of their own; a day one of whose
    tickets changed while it was being counted is left out (counted again next time).
    A failure only costs the next report the same count."""
    try:
        with uow.db.unit_of_work(write=True) as w:
            changed = set(w.session.scalars(
                select(Ticket.day).join(TicketEvent, TicketEvent.ticket_seq == Ticket.seq)
                .where(TicketEvent.branch_id == branch.id, TicketEvent.at >= started).distinct()))
            rows = [row for row in rows if row["day"] not in changed]
            if rows:
                w.session.execute(insert_ignoring(w.session, ReportDay, ("branch_id", "day", "by")), rows)
            w.commit()
    except (SQLAlchemyError, Busy):
        log.warning("the figures of %s closed days of %s were not kept", len(rows), branch.slug, exc_info=True)


KEEP_EVERY_S = 3600
KEEP_WEEK = 7


def keep_closed_days(uow: UnitOfWork, now: datetime | None = None) -> None:
    """Count and keep the closed days of the last week not kept yet, at every branch
    (hourly, in `turnero serve`), so a report seldom counts a day from the log."""
    now = now or clock.utcnow()
    for branch in uow.session.scalars(select(Branch).order_by(Branch.id)).all():
        last = local_day(now, branch.timezone) - CLOSED_AFTER
        _tallies(uow, branch, Period(last - timedelta(days=KEEP_WEEK - 1), last), (), now)


def start_in_serve(app, every_s: float = KEEP_EVERY_S, leads: Callable[[], bool] = always):
    """`keep_closed_days` as a greenlet of `turnero serve` (first run two minutes after
    start), in the process that `leads` the background jobs."""
    import gevent

    db = app.extensions["turnero.db"]

    def _run():
        gevent.sleep(120)
        while True:
            try:
                if leads():
                    with app.app_context(), db.unit_of_work() as uow:
                        keep_closed_days(uow)
            except Exception:  # a database hiccup must not stop the loop
                log.exception("keeping the closed days' figures failed")
            gevent.sleep(every_s)

    return gevent.spawn(_run)


def insert_ignoring(session: Session, model, keys):
    """INSERT that leaves rows already there (another report kept the same day)."""
    if session.bind.dialect.name == "postgresql":
        return pg_insert(model).on_conflict_do_nothing(index_elements=list(keys))
    return sqlite_insert(model).on_conflict_do_nothing(index_elements=list(keys))


def forget_changed_day(session: Session, ticket: Ticket, event) -> None:
    """A ticket listener: a change to a ticket of a closed day deletes what was kept of
    that day, in the change's own transaction. A day is closed two local days after it,
    so a change costs nothing while its ticket cannot be of one: its day is today or
    later in UTC (kept days are before that in every zone), or the ticket was taken
    less than a short local day ago (it is of the branch's today or yesterday; what
    happens in the evening of a branch west of UTC). Else the branch's day decides."""
    now = clock.utcnow()
    if ticket.day >= now.date() or now - ticket.created_at < SAME_OR_NEXT_DAY:
        return
    branch = session.get(Branch, ticket.branch_id)
    if ticket.day <= local_day(now, branch.timezone) - CLOSED_AFTER:
        session.execute(delete(ReportDay).where(ReportDay.branch_id == ticket.branch_id, ReportDay.day == ticket.day))


# Shorter than any local day (23 hours when the clocks go forward): a ticket taken less
# than this ago is of its branch's today or yesterday.
SAME_OR_NEXT_DAY = timedelta(hours=20)


def forget_branch(session: Session, branch_id: int, **_) -> None:
    """`signals.branch_deleting`: the branch's kept days go with it."""
    session.execute(delete(ReportDay).where(ReportDay.branch_id == branch_id))


def comments(uow: UnitOfWork, branch_slug: str, actor: Actor, *, first: date | None = None,
             last: date | None = None, lang: str = "es", limit: int = 30, now: datetime | None = None) -> list[dict]:
    """The latest comments left with a score in the period (newest first)."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    actor.require_manager(branch)
    period = Period.of(branch, first, last, now or datetime.now(timezone.utc))
    rows = session.execute(
        select(Ticket.day, Ticket.code, Service.name_es, Service.name_en, Feedback.score, Feedback.comment,
               Feedback.channel)
        .join(Ticket, Ticket.seq == Feedback.ticket_seq).join(Service, Service.id == Ticket.service_id)
        .where(Ticket.branch_id == branch.id, Ticket.day >= period.first, Ticket.day <= period.last,
               Feedback.comment.is_not(None), Feedback.comment != "")
        .order_by(Feedback.at.desc()).limit(limit))
    return [{"day": day, "code": code, "service": en if lang == "en" else es, "score": score, "comment": comment,
             "channel": channel} for day, code, es, en, score, comment, channel in rows]


def staffing(uow: UnitOfWork, branch_slug: str, actor: Actor, *, day: date | None = None,
             target_wait_min: int | None = None, target_share: float = 0.8, weeks: int = 8,
             now: datetime | None = None) -> dict:
    """The counters needed in each hour of `day` (today when None) to call
    `target_share` of the customers within the target wait, by Erlang C, from the same
    weekday of the `weeks` weeks before it: arrivals per hour (the mean over those of
    them that had turns) and the mean service time. With the share one counter fewer
    or more would give, for a what-if; and how many counters are planned in each hour
    (their planned hours; None when no counter has any)."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    actor.require_manager(branch)
    day = day or local_day(now or datetime.now(timezone.utc), branch.timezone)
    target = target_wait_min or branch.target_wait_min
    days = {day - timedelta(weeks=k) for k in range(1, weeks + 1)}
    visits = [v for v in read_visits(session, branch, Period(min(days), max(days))) if v.day in days]
    open_days = len({v.day for v in visits})
    per_hour: dict[int, int] = defaultdict(int)
    for v in visits:
        per_hour[v.hour] += 1
    served = [v.service_s for v in visits if v.status == "done" and v.service_s]
    if served:
        aht_s = sum(served) / len(served)
    else:  # no history yet: the services' configured averages
        averages = list(session.scalars(select(Service.avg_service_min).where(
            Service.branch_id == branch.id, Service.active)))
        aht_s = 60 * (sum(averages) / len(averages) if averages else 5.0)
    aht, wait = aht_s / 3600, target / 60  # hours
    plans = []
    for text in session.scalars(select(Counter.planned_hours).where(Counter.branch_id == branch.id,
                                                                     Counter.planned_hours.is_not(None))):
        try:
            plans.append(parse_ranges(text))
        except ValueError:  # stored before the rules it is checked by: no plan
            continue
    hours = []
    for hour in sorted(per_hour):
        rate = per_hour[hour] / open_days
        needed = erlang.counters_needed(rate, aht, wait, target_share)
        hours.append({
            "hour": hour, "arrivals": round(rate, 1), "traffic": round(rate * aht, 2), "counters": needed,
            "share": round(erlang.share_within(needed, rate, aht, wait), 3),
            "share_one_fewer": round(erlang.share_within(needed - 1, rate, aht, wait), 3) if needed > 1 else None,
            "share_one_more": round(erlang.share_within(needed + 1, rate, aht, wait), 3),
            "planned": round(sum(hour_covered(plan, hour) for plan in plans), 1) if plans else None})
    return {"branch": branch.slug, "date": day, "weekday": day.weekday(), "weeks": weeks, "days_with_turns": open_days,
            "target_wait_min": target, "target_share": target_share, "service_min": round(aht_s / 60, 1),
            "hours": hours}


def right_now(uow: UnitOfWork, branch_slug: str, actor: Actor, *, lang: str = "es",
              now: datetime | None = None) -> dict:
    """The branch at this moment, for its managers (the reports page's live panel):
    each line's people waiting, how long the first of them has waited so far and the
    open counters serving it; each counter's state, who is at it and the turn it has."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    actor.require_manager(branch)
    now = now or clock.utcnow()
    # The lines' waiting and open counters as every screen shows them; how long the
    # first of each line has waited, read here.
    stats = service_stats(session, branch, local_day(now, branch.timezone))
    first_taken = dict(session.execute(
        select(Ticket.service_id, func.min(Ticket.created_at))
        .where(Ticket.branch_id == branch.id, Ticket.status == Status.WAITING).group_by(Ticket.service_id)).all())
    counters = session.execute(
        select(Counter.id, Counter.slug, Counter.name, Counter.state, Counter.pause_reason, User.username)
        .outerjoin(User, User.id == Counter.agent_id).where(Counter.branch_id == branch.id)
        .order_by(Counter.name)).all()
    holding = dict(session.execute(select(Ticket.counter_id, Ticket.code).where(
        Ticket.branch_id == branch.id, Ticket.status.in_([Status.CALLED, Status.SERVING]))).all())
    lines = []
    for service_id, slug, es, en in session.execute(
            select(Service.id, Service.slug, Service.name_es, Service.name_en)
            .where(Service.branch_id == branch.id, Service.active).order_by(Service.prefix)):
        line, first = stats.get(service_id), first_taken.get(service_id)
        lines.append({"slug": slug, "name": en if lang == "en" else es, "waiting": line.waiting if line else 0,
                      "longest_wait_min": None if first is None else max(0, int((now - first).total_seconds() // 60)),
                      "serving": line.open_counters if line else 0})
    return {"branch": branch.slug, "at": now, "services": lines,
            "counters": [{"slug": c.slug, "name": c.name, "state": c.state, "reason": c.pause_reason,
                          "agent": c.username, "ticket": holding.get(c.id)} for c in counters],
            "open": sum(c.state == "open" for c in counters), "paused": sum(c.state == "paused" for c in counters)}


TICKET_COLUMNS = ("day", "code", "service", "channel", "status", "taken_at", "wait_min", "service_min",
                  "counter", "agent", "feedback")


def ticket_rows(uow: UnitOfWork, branch_slug: str, actor: Actor, *, first: date | None = None,
                last: date | None = None, lang: str = "es", now: datetime | None = None):
    """(columns, rows): one row per ticket of the period; the customer's name and phone
    only for administrators."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    actor.require_manager(branch)
    period = Period.of(branch, first, last, now or datetime.now(timezone.utc))
    visits = read_visits(session, branch, period)
    services = _labels(session, branch, "service", {v.service for v in visits}, lang)
    counters = _labels(session, branch, "counter", {v.counter for v in visits}, lang)
    agents = _labels(session, branch, "agent", {v.agent for v in visits}, lang)
    personal = actor.role == "admin"
    people = {}
    if personal:
        people = {seq: (name, phone) for seq, name, phone in session.execute(
            select(Ticket.seq, Ticket.name, Customer.phone).outerjoin(Customer, Customer.id == Ticket.customer_id)
            .where(Ticket.branch_id == branch.id, Ticket.day >= period.first, Ticket.day <= period.last))}
    zone = ZoneInfo(branch.timezone)
    columns = TICKET_COLUMNS + (("name", "phone") if personal else ())

    def minutes(seconds):
        return "" if seconds is None else f"{seconds / 60:.1f}"

    def rows():
        for v in visits:
            row = [v.day.isoformat(), v.code, services[v.service][0] or "", v.channel, v.status,
                   datetime.fromtimestamp(round(v.taken_at), zone).isoformat(), minutes(v.wait_s),
                   minutes(v.service_s if v.status == "done" else None),
                   counters.get(v.counter, (None,))[0] or "", agents.get(v.agent, (None,))[0] or "",
                   "" if v.score is None else v.score]
            if personal:
                row += [x or "" for x in people.get(v.seq, (None, None))]
            yield row
    return columns, rows()
