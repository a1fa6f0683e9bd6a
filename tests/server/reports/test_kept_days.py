"""A closed day's figures are kept (reports/models.py) and read back instead of the
log: the figures must be the very same, whether counted from the log or read from
what was kept, and a later change to one of that day's tickets must show. Both
databases."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from turnero.access.services import Actor
from turnero.models import Branch, Counter, Feedback, Service, Ticket, TicketEvent, User
from turnero.reports import figures
from turnero.reports import services as reports
from turnero.reports.models import ReportDay
from turnero.reports.visits import Period, read_visits

ADMIN = Actor(kind="user", user_id=None, username="admin", role="admin")
FIRST = date(2031, 2, 20)  # eight days, the last two not closed when the clock says 2031-02-28
DAYS = 9


def _write_days(app, seed: int = 11) -> None:
    """A seeded log at centro: 40 tickets a day, with the events the figures read."""
    rng = random.Random(seed)
    db = app.extensions["turnero.db"]
    with db.unit_of_work(write=True) as uow:
        s = uow.session
        branch = s.scalar(select(Branch).where(Branch.slug == "centro"))
        services = list(s.scalars(select(Service.id).where(Service.branch_id == branch.id)))
        counters = list(s.scalars(select(Counter.id).where(Counter.branch_id == branch.id)))
        agent = s.scalar(select(User.id).where(User.username == "agente"))
        seq = 5_000_000
        zone = ZoneInfo(branch.timezone)
        tickets, events, feedback = [], [], []
        for n in range(DAYS):
            day = FIRST + timedelta(days=n)
            opens = datetime(day.year, day.month, day.day, 9, tzinfo=zone).astimezone(timezone.utc)
            for number in range(1, 41):
                seq += 1
                taken = opens + timedelta(seconds=rng.uniform(0, 8 * 3600))
                fate = rng.random()
                status = "done" if fate < 0.8 else "cancelled" if fate < 0.9 else "no_show"
                counter = rng.choice(counters) if status != "cancelled" else None
                called = taken + timedelta(seconds=rng.uniform(0, 1800)) if counter else None
                started = called + timedelta(seconds=rng.uniform(5, 60)) if status == "done" else None
                finished = started + timedelta(seconds=rng.uniform(60, 900)) if started else None
                tickets.append(dict(seq=seq, id=f"kept-{seq}", token=f"kept-token-{seq}", branch_id=branch.id,
                                    service_id=rng.choice(services), day=day, number=number, code=f"A{number:03d}",
                                    channel=rng.choice(("kiosk", "web", "sms")), priority=False, lang="es",
                                    status=status, sort_at=taken, created_at=taken, called_at=called,
                                    started_at=started, finished_at=finished, counter_id=counter, recalls=0,
                                    late_moves=0))
                ahead = rng.randint(0, 8)
                events.append(dict(ticket_seq=seq, branch_id=branch.id, kind="issued", at=taken, channel="web",
                                   data={"eta": [ahead, 2 * ahead + 2], "ahead": ahead, "configured_min": 4.0}))
                if called:
                    events.append(dict(ticket_seq=seq, branch_id=branch.id, kind="called", at=called,
                                       channel="staff", user_id=agent, counter_id=counter))
                if finished:
                    events.append(dict(ticket_seq=seq, branch_id=branch.id, kind="done", at=finished,
                                       channel="staff", user_id=agent, counter_id=counter))
                    if rng.random() < 0.4:
                        feedback.append(dict(ticket_seq=seq, score=rng.randint(1, 5), channel="sms", at=finished))
        s.execute(insert(Ticket), tickets)
        s.execute(insert(TicketEvent), events)
        s.execute(insert(Feedback), feedback)
        uow.commit()


def _stats(app, *groupings):
    with app.app_context(), app.extensions["turnero.db"].unit_of_work() as uow:
        return reports.stats_by(uow, "centro", ADMIN, groupings or figures.BY, first=FIRST,
                                last=FIRST + timedelta(days=DAYS - 1))


def _from_the_log_only(app) -> dict:
    """The reference: every day counted from the log, nothing kept or read back."""
    with app.app_context(), app.extensions["turnero.db"].unit_of_work() as uow:
        branch = uow.session.scalar(select(Branch).where(Branch.slug == "centro"))
        visits = read_visits(uow.session, branch, Period(FIRST, FIRST + timedelta(days=DAYS - 1)))
    out = {}
    for by in figures.BY:
        groups = figures.tally(visits, by)
        out[by] = {"total": figures.total(groups.values()).figures(15 * 60),
                   "groups": {k: t.figures(15 * 60) for k, t in groups.items()}}
    return out


def _kept(app) -> list[tuple[date, str]]:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return sorted(tuple(r) for r in uow.session.execute(
            select(ReportDay.day, ReportDay.by).join(Branch, Branch.id == ReportDay.branch_id)
            .where(Branch.slug == "centro")))


def _comparable(body: dict) -> dict:
    out = {}
    for by, figs in body.items():
        out[by] = {"total": {k: v for k, v in figs["total"].items() if k != "appointment_show_rate"},
                   "groups": {row["key"]: {k: v for k, v in row.items()
                                           if k not in ("key", "label", "appointment_show_rate")}
                              for row in figs["groups"]}}
    return out


def test_kept_days_give_the_same_figures_as_the_log(app, clock):
    _write_days(app)
    reference = _from_the_log_only(app)
    assert _kept(app) == []
    counted = _stats(app)  # counts the closed days from the log and keeps them
    # Closed: up to two days before today (2031-02-28 in Mexico City): 20th to 26th.
    assert _kept(app) == sorted((FIRST + timedelta(days=n), by) for n in range(7) for by in figures.BY)
    read_back = _stats(app)  # reads them back
    assert _comparable(counted) == _comparable(read_back)
    assert read_back["day"]["total"]["arrivals"] == DAYS * 40
    # The keys differ only in form (the API's slugs against ids), not in figures.
    for by in figures.BY:
        assert read_back[by]["total"] == {**reference[by]["total"],
                                          "appointment_show_rate": read_back[by]["total"]["appointment_show_rate"]}
        assert sorted(map(repr, (_comparable(read_back)[by]["groups"].values()))) == \
            sorted(map(repr, reference[by]["groups"].values()))
    # Another target wait is worked out from the kept waits too.
    with app.app_context(), app.extensions["turnero.db"].unit_of_work() as uow:
        other = reports.stats(uow, "centro", ADMIN, first=FIRST, last=FIRST + timedelta(days=DAYS - 1),
                              target_wait_min=5)
    assert other["total"]["within_target"] < read_back["day"]["total"]["within_target"]


def test_a_late_rating_of_a_kept_day_shows_at_once(app, client, clock, take, agent, open_counter):
    friday = clock.now
    ticket = take()
    open_counter("v1")
    assert client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent).status_code == 200
    for action in ("start", "done"):
        assert client.post(f"/api/v1/tickets/{ticket['id']}/{action}", headers=agent).status_code == 200
    clock.now = friday + timedelta(days=3)
    day = friday.date()

    with app.app_context(), app.extensions["turnero.db"].unit_of_work() as uow:
        first = reports.stats(uow, "centro", ADMIN, first=day, last=day)
    assert (first["total"]["served"], first["total"]["feedback_count"]) == (1, 0)
    assert (day, "day") in _kept(app)
    # Three days later the customer rates the visit from the link in the text.
    assert client.post(f"/api/v1/tickets/{ticket['token']}/feedback", json={"score": 4}).status_code == 201
    assert [k for k in _kept(app) if k[0] == day] == []  # forgotten with the rating
    # Counted again: read at once, it is not kept (a change within the last minute may
    # be missing from what was read); a while later it is.
    with app.app_context(), app.extensions["turnero.db"].unit_of_work() as uow:
        assert reports.stats(uow, "centro", ADMIN, first=day, last=day)["total"]["feedback_count"] == 1
    assert [k for k in _kept(app) if k[0] == day] == []
    clock.now += timedelta(minutes=2)
    with app.app_context(), app.extensions["turnero.db"].unit_of_work() as uow:
        again = reports.stats(uow, "centro", ADMIN, first=day, last=day)
    assert (again["total"]["feedback_count"], again["total"]["feedback_avg"]) == (1, 4.0)
    assert (day, "day") in _kept(app)  # and kept again


def test_today_and_yesterday_are_never_kept(app, clock, take):
    take()
    today = clock.now.date()
    with app.app_context(), app.extensions["turnero.db"].unit_of_work() as uow:
        body = reports.stats(uow, "centro", ADMIN, first=today - timedelta(days=1), last=today)
    assert body["total"]["arrivals"] == 1 and _kept(app) == []


def test_deleting_a_branch_deletes_its_kept_days(app, clock):
    _write_days(app)
    _stats(app, "day")
    with app.extensions["turnero.db"].unit_of_work() as uow:
        assert len(_kept(app)) == 7 * len(figures.BY)
    from turnero.admin import deletion
    with app.app_context(), app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        deletion.delete_branch(uow, ADMIN, "centro", confirm="centro")
    with app.extensions["turnero.db"].unit_of_work() as uow:
        assert _kept(app) == [] and uow.session.scalar(select(func.count()).select_from(ReportDay)) == 0


def test_the_hourly_job_keeps_the_last_weeks_closed_days(app, clock):
    _write_days(app)
    with app.app_context(), app.extensions["turnero.db"].unit_of_work() as uow:
        reports.keep_closed_days(uow)
    # The week up to two days before today (2031-02-28): the 20th to the 26th, every grouping.
    assert _kept(app) == sorted((FIRST + timedelta(days=n), by) for n in range(7) for by in figures.BY)
    with app.app_context(), app.extensions["turnero.db"].unit_of_work() as uow:
        reports.keep_closed_days(uow)  # nothing left to do: the same rows
    assert len(_kept(app)) == 7 * len(figures.BY)
