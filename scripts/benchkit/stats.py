"""Bench part stats: the manager's figures over a year of a busy branch.

For SQLite and PostgreSQL: a server with the demo data, then a year of tickets at
`centro` written straight into its database (by default 300 days x 1,000 tickets:
taken between 09:00 and 17:00, four events each for those served, a fifth with
feedback, 12% cancelled, no-show or expired), then, over HTTP as an administrator,
GET /stats for the whole year: the first request (which counts the closed days from
the log and keeps them), then each grouping; and tickets.csv for the year and for a
month. Prints the median of a few requests of each."""
from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from .common import API, BRANCH, PASSWORD, KeepAlive, Servers, free_port, ms, out, pct, prepare_instance
from .issuing import PgDatabase, _pg_reachable

BY = ("day", "hour", "service", "counter", "agent", "channel")
CHANNELS = ("kiosk",) * 5 + ("web",) * 3 + ("sms", "whatsapp", "voice", "staff")
ROUNDS = 3


def _fill(db_url: str, days: int, per_day: int, seed: int = 7) -> tuple[date, date, int]:
    """A year of tickets at centro, inserted in bulk. -> (first day, last day, events)."""
    from sqlalchemy import create_engine, insert, select

    from turnero.models import Branch, Counter, Feedback, Service, Ticket, TicketEvent, User

    rng = random.Random(seed)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        branch_id, tz = conn.execute(select(Branch.id, Branch.timezone).where(Branch.slug == BRANCH)).one()
        services = [row[0] for row in conn.execute(select(Service.id).where(Service.branch_id == branch_id))]
        counters = [row[0] for row in conn.execute(select(Counter.id).where(Counter.branch_id == branch_id))]
        agent = conn.execute(select(User.id).where(User.username == "agente")).scalar_one()
    zone = ZoneInfo(tz)
    last = date.today() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    seq = 10_000_000
    events_total = 0
    for n in range(days):
        day = first + timedelta(days=n)
        opens = datetime(day.year, day.month, day.day, 9, tzinfo=zone).astimezone(timezone.utc)
        tickets, events, feedback = [], [], []
        numbers = dict.fromkeys(services, 0)
        for _ in range(per_day):
            seq += 1
            service = rng.choice(services)
            numbers[service] += 1
            taken = opens + timedelta(seconds=rng.uniform(0, 8 * 3600))
            channel = rng.choice(CHANNELS)
            fate = rng.random()
            status = "done" if fate < 0.88 else "cancelled" if fate < 0.94 else "no_show" if fate < 0.98 else "expired"
            counter = rng.choice(counters) if status in ("done", "no_show") else None
            called = taken + timedelta(minutes=rng.lognormvariate(2.0, 0.6)) if counter else None
            started = called + timedelta(seconds=rng.uniform(20, 90)) if status == "done" else None
            finished = started + timedelta(minutes=rng.lognormvariate(1.5, 0.5)) if started else None
            code = f"{'AB'[services.index(service) % 2]}{numbers[service]:03d}"
            tickets.append(dict(seq=seq, id=f"bench-{seq}", token=f"bench-token-{seq}", branch_id=branch_id,
                                service_id=service, day=day, number=numbers[service], code=code, channel=channel,
                                priority=False, lang="es", status=status, sort_at=taken, created_at=taken,
                                called_at=called, started_at=started, finished_at=finished, counter_id=counter,
                                recalls=0, late_moves=0))
            def event(kind, at, by_staff=True, data=None):
                events.append(dict(ticket_seq=seq, branch_id=branch_id, kind=kind, at=at,
                                   channel="staff" if by_staff else channel, user_id=agent if by_staff else None,
                                   counter_id=counter if by_staff else None, data=data))
            ahead = rng.randint(0, 12)
            event("issued", taken, by_staff=False,
                  data={"eta": [ahead, 2 * ahead + 3], "ahead": ahead, "configured_min": 5.0})
            if called:
                event("called", called)
            if started:
                event("started", started)
                event("done", finished)
                if rng.random() < 0.2:
                    feedback.append(dict(ticket_seq=seq, score=rng.choice((1, 2, 3, 4, 4, 5, 5, 5)),
                                         channel="sms", at=finished + timedelta(minutes=2)))
            elif status in ("cancelled", "no_show", "expired"):
                event(status, (called or taken) + timedelta(minutes=5), by_staff=status == "no_show")
        with engine.begin() as conn:
            conn.execute(insert(Ticket), tickets)
            conn.execute(insert(TicketEvent), events)
            if feedback:
                conn.execute(insert(Feedback), feedback)
        events_total += len(events)
    engine.dispose()
    return first, last, events_total


def _time(ka: KeepAlive, path: str, token: str, rounds: int = ROUNDS) -> tuple[float, int, int]:
    """-> (median seconds, status, body bytes) of `rounds` GETs."""
    times, status, size = [], 0, 0
    for _ in range(rounds):
        t = time.perf_counter()
        status, body = ka.request("GET", path, token=token)
        times.append(time.perf_counter() - t)
        size = len(body)
    return pct(times, 50), status, size


def _report(name: str, db_url: str, tmp: Path, servers: Servers, days: int, per_day: int) -> None:
    port = free_port()
    prepare_instance(tmp, name, db_url, [port], servers)
    t = time.monotonic()
    first, last, events = _fill(db_url, days, per_day)
    out(f"{name}: {days * per_day:,} tickets, {events:,} events over {days} days written in "
        f"{time.monotonic() - t:.0f} s")
    ka = KeepAlive(port, 120)
    try:
        status, body = ka.json("POST", f"{API}/auth/token", {"username": "admin", "password": PASSWORD})
        token = body["token"]
        year = f"from={first}&to={last}"
        # The first request counts the year from the log and keeps each closed day's
        # figures (reports/models.py); the ones after read what was kept.
        took, status, size = _time(ka, f"{API}/branches/{BRANCH}/stats?{year}&by=day", token, rounds=1)
        out(f"{name}: GET /stats a year, first  {ms(took):>9} ms  ({status}, {size:,} bytes; counts and keeps "
            f"the closed days)")
        for by in BY:
            took, status, size = _time(ka, f"{API}/branches/{BRANCH}/stats?{year}&by={by}", token)
            out(f"{name}: GET /stats a year by {by:<8} {ms(took):>9} ms  ({status}, {size:,} bytes)")
        month = f"from={last - timedelta(days=29)}&to={last}"
        for label, query in (("a month", month), ("a year", year)):
            took, status, size = _time(ka, f"{API}/branches/{BRANCH}/tickets.csv?{query}", token, rounds=1)
            out(f"{name}: GET /tickets.csv {label:<8}  {ms(took):>9} ms  ({status}, {size / 1e6:.1f} MB)")
    finally:
        ka.close()


def part_stats(args, tmp: Path, servers: Servers) -> None:
    _report("stats-sqlite", f"sqlite:///{tmp / 'stats-sqlite' / 'turnero.db'}", tmp, servers, args.stats_days,
            args.stats_per_day)
    servers.stop_all()
    if not _pg_reachable(args.pg_url):
        out(f"stats: PostgreSQL part skipped: not reachable ({args.pg_url})")
        return
    pg = PgDatabase(args.pg_url)
    try:
        _report("stats-postgresql", pg.url, tmp, servers, args.stats_days, args.stats_per_day)
    finally:
        servers.stop_all()
        pg.drop()
