#!/usr/bin/env python3
"""A simulated day at the demo branch `centro`, replayed through the real use cases, and
how honest the waits it showed were.

A fresh SQLite instance with the demo data (`turnero demo`'s `load_demo`); the server's
one clock (`turnero.clock.utcnow`) is moved by the simulation. Everything that happens
goes through the service layer every door calls: taking a turn (issuing.take_ticket,
kiosk and web), appointments booked the day before and checked in at the kiosk
(appointments.checkin.check_in), counters opened, paused for lunch and closed
(set_counter_state) and call-next (queue.counters), start, done, no-show and cancel
(queue.services).

The day, all from `--seed` (same seed, same figures):
  arrivals   Poisson, a rate per hour and service (the scenario's profile)
  priority   a share of kiosk turns takes a priority class (the demo's classes)
  service    lognormal times per service (their real means differ from the configured)
  customers  some are not there when called (no-show after two minutes), some give up
             waiting (cancel), the rest walk to the counter and are served
  counters   open, pause and close by the scenario's shifts; a counter closing finishes
             its customer first; at the day's end (17:00) no one new joins and the counters empty the line

Then the figures are the reports' own (reports.services.stats over the day's log):
the share of called tickets whose real wait fell inside the range they were shown,
the mean error of the range's middle, the naive estimate's (people ahead x the
configured average), the mean width of the range.

  scripts/simulate                       every day (quiet, busy, lunch), seed 1
  scripts/simulate --day busy --seed 7
  scripts/simulate --staffing            also: a day staffed as the staffing advice
                                         (Erlang C) says, its share called within
                                         the target next to the target
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
if __name__ == "__main__" and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve() and VENV_PYTHON.exists():
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])

import argparse  # noqa: E402
import heapq  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import date, datetime, time, timedelta, timezone  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

BRANCH = "centro"
TZ = ZoneInfo("America/Mexico_City")
DAY = date(2031, 3, 4)  # a Tuesday: the demo hours are 09:00-17:00
OPENS = 9
SERVICES = ("caja", "plataforma")
# Memory-backed when the machine has it: a day is thousands of small commits.
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") else None


# ---------------------------------------------------------------- the scenarios

@dataclass(frozen=True)
class Scenario:
    """A day: walk-ins per hour and service (from OPENS), each service's real mean time
    (minutes) and spread (lognormal sigma), counters' shifts [(counter, from, to)] in
    local hours, and appointments booked per 20-minute slot (a share of the slots)."""
    name: str
    arrivals: dict[str, tuple[float, ...]]
    service_min: dict[str, tuple[float, float]]
    shifts: tuple[tuple[str, float, float], ...]
    booked: float = 0.3
    # Pauses at the console: (counter, from, to, reason) in local hours.
    pauses: tuple[tuple[str, float, float, str], ...] = ()
    priority: float = 0.06
    no_show: float = 0.05
    gives_up: float = 0.04

    @property
    def closes(self) -> int:
        """The hour no one new joins: the end of the longest profile."""
        return OPENS + max(len(rates) for rates in self.arrivals.values())


REAL_TIMES = {"caja": (4.8, 0.5), "plataforma": (11.0, 0.6)}
SCENARIOS = {
    "quiet": Scenario(
        "quiet",
        arrivals={"caja": (5, 7, 8, 9, 8, 6, 6, 4), "plataforma": (2, 2, 3, 3, 2, 2, 2, 1)},
        service_min=REAL_TIMES,
        shifts=(("v1", 9, 18), ("v3", 9, 18), ("v2", 12, 14)), booked=0.2),
    "busy": Scenario(
        "busy",
        arrivals={"caja": (14, 20, 24, 26, 22, 20, 18, 12), "plataforma": (4, 5, 6, 6, 5, 5, 4, 3)},
        service_min=REAL_TIMES,
        shifts=(("v1", 9, 18), ("v2", 9, 18), ("v3", 9, 18)), booked=0.35),
    "lunch": Scenario(
        "lunch",
        arrivals={"caja": (10, 12, 14, 18, 16, 12, 10, 8), "plataforma": (3, 4, 4, 5, 4, 3, 3, 2)},
        service_min=REAL_TIMES,
        # v1 and v3 go to lunch from 13:00 to 14:00, paused for "lunch" at the console as
        # staff do (v2 alone serves both lines then).
        shifts=(("v1", 9, 18), ("v2", 9, 18), ("v3", 9, 18)), booked=0.3,
        pauses=(("v1", 13, 14, "lunch"), ("v3", 13, 14, "lunch"))),
}


def local(day: date, hour: float) -> datetime:
    """A local hour of the day (13.5 = 13:30) as an aware UTC instant."""
    moment = datetime.combine(day, time(0), TZ) + timedelta(hours=hour)
    return moment.astimezone(timezone.utc)


# ---------------------------------------------------------------- the simulation

class Clock:
    """The server's clock while the simulation runs (turnero.clock.utcnow)."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class CounterPlan:
    slug: str
    open: bool = False
    busy: bool = False       # calling or serving someone
    closing: bool = False    # close (or pause: `reason`) once the customer is served
    reason: str | None = None
    draining: bool = False   # the day is over: close once no one is left to call
    calls: int = 0


@dataclass
class Outcome:
    """What one simulated day gives: the reports' figures and the tickets taken."""
    scenario: str
    seed: int
    day: date
    figures: dict
    by_hour: list[dict]
    target_wait_min: int
    taken: dict[str, int] = field(default_factory=dict)
    database: str | None = None


class Day:
    """One day at `centro`: a heap of timed actions, each one use case of the server."""

    def __init__(self, app, scenario: Scenario, seed: int, day: date, clock: Clock,
                 shifts: tuple[tuple[str, float, float], ...] | None = None):
        from sqlalchemy import select

        from turnero.access.services import Actor, actor_for_user
        from turnero.models import Branch, PriorityClass, User

        self.app, self.scenario, self.day, self.clock = app, scenario, day, clock
        self.rng = random.Random(f"{scenario.name}:{seed}:{day.isoformat()}")
        self.db = app.extensions["turnero.db"]
        self.events: list[tuple[datetime, int, Callable[[], None]]] = []
        self.order = 0
        self.shifts = shifts if shifts is not None else scenario.shifts
        self.given_shifts = shifts
        with self.db.unit_of_work() as uow:
            branch = uow.session.scalar(select(Branch).where(Branch.slug == BRANCH))
            self.agent = actor_for_user(uow.session.scalar(select(User).where(User.username == "agente")))
            self.classes = list(uow.session.scalars(select(PriorityClass.id).where(
                PriorityClass.branch_id == branch.id, PriorityClass.at_kiosk).order_by(PriorityClass.position)))
            self.kiosk = Actor(kind="device", device_kind="kiosk", branch_id=branch.id)
            self.web = Actor(kind="anonymous")
        self.counters = {slug: CounterPlan(slug) for slug, _, _ in self.shifts}
        self.taken = {"walk_in": 0, "priority": 0, "appointment": 0, "gave_up": 0, "no_show": 0}
        self.phones = 0

    # -- the heap

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        self.order += 1
        heapq.heappush(self.events, (moment, self.order, action))

    def later(self, minutes: float, action: Callable[[], None]) -> None:
        self.at(self.clock.now + timedelta(minutes=minutes), action)

    def run(self) -> None:
        while self.events:
            moment, _, action = heapq.heappop(self.events)
            if moment > local(self.day, 24):
                raise RuntimeError(f"the simulated day did not end: {len(self.events)} actions left")
            self.clock.now = max(self.clock.now, moment)
            action()

    def use(self, case: Callable, *args, **kwargs):
        """One use case in its own unit of work, as a request runs it."""
        with self.app.app_context(), self.db.unit_of_work(write=True) as uow:
            return case(uow, *args, **kwargs)

    # -- the plan of the day

    def plan(self) -> None:
        shifts_given = self.given_shifts
        self.book_appointments()
        for slug, start, end in self.shifts:
            self.at(local(self.day, start), lambda s=slug: self.open_counter(s))
            self.at(local(self.day, end), lambda s=slug: self.close_counter(s))
        for slug, start, end, reason in (self.scenario.pauses if shifts_given is None else ()):
            self.at(local(self.day, start), lambda s=slug, r=reason: self.close_counter(s, r))
            self.at(local(self.day, end), lambda s=slug: self.open_counter(s))
        for service, rates in self.scenario.arrivals.items():
            for n, rate in enumerate(rates):
                start = local(self.day, OPENS + n)
                moment, end = start, start + timedelta(hours=1)
                while rate > 0:
                    moment += timedelta(hours=self.rng.expovariate(rate))
                    if moment >= end:
                        break
                    self.at(moment, lambda s=service: self.walk_in(s))

    def book_appointments(self) -> None:
        """The day before, customers book a share of plataforma's 20-minute slots; on the
        day each comes around their time (some early, a few late, some not at all)."""
        from turnero.appointments.services import book

        self.clock.now = local(self.day, OPENS) - timedelta(days=1)
        slot = local(self.day, OPENS)
        while slot < local(self.day, self.scenario.closes) - timedelta(minutes=20):
            if self.rng.random() < self.scenario.booked:
                self.phones += 1
                view = self.use(book, BRANCH, service="plataforma", start=slot, name=f"Cita {self.phones}",
                                phone=f"55{10000000 + self.phones:08d}", actor=self.agent, confirm=False)
                if self.rng.random() < 0.9:  # one in ten never comes
                    early = self.rng.uniform(-3, 20)
                    self.at(slot - timedelta(minutes=early), lambda code=view["code"]: self.check_in(code))
            slot += timedelta(minutes=20)

    # -- the customers

    def walk_in(self, service: str) -> None:
        from turnero.queue.issuing import take_ticket

        kiosk = self.rng.random() < 0.6
        priority = kiosk and self.rng.random() < self.scenario.priority
        kwargs = {"priority": True, "priority_class": self.rng.choice(self.classes)} if priority else {}
        taken = self.use(take_ticket, BRANCH, service=service, actor=self.kiosk if kiosk else self.web, **kwargs)
        self.taken["priority" if priority else "walk_in"] += 1
        self.waiting(taken.ticket)

    def check_in(self, code: str) -> None:
        from turnero.appointments.checkin import check_in

        taken = self.use(check_in, BRANCH, code=code, actor=self.kiosk)
        self.taken["appointment"] += 1
        self.waiting(taken.ticket)

    def waiting(self, ticket) -> None:
        if self.rng.random() < self.scenario.gives_up:
            self.later(self.rng.uniform(5, 40), lambda: self.give_up(ticket.token))
        self.wake_counters()

    def give_up(self, token: str) -> None:
        from turnero.errors import Conflict
        from turnero.queue.services import cancel, get_ticket

        if self.use(get_ticket, token).status != "waiting":
            return
        try:
            self.use(cancel, token, self.web)
            self.taken["gave_up"] += 1
        except Conflict:
            pass

    # -- the counters

    def open_counter(self, slug: str) -> None:
        from turnero.queue.counters import set_counter_state

        plan = self.counters[slug]
        plan.closing, plan.reason = False, None
        if not plan.open:
            self.use(set_counter_state, BRANCH, slug, "open", self.agent)
            plan.open = True
        self.next_customer(slug)

    def close_counter(self, slug: str, reason: str | None = None) -> None:
        """Close the counter, or pause it for `reason`, once its customer is served."""
        plan = self.counters[slug]
        plan.reason = reason
        if plan.busy:
            plan.closing = True
        elif plan.open:
            self.shut(slug)

    def shut(self, slug: str) -> None:
        """Close (pause) the counter; at the day's end, only once it found no one left to call."""
        from turnero.queue.counters import set_counter_state

        plan = self.counters[slug]
        if plan.reason is None and local(self.day, self.scenario.closes) <= self.clock.now and not plan.draining:
            plan.draining, plan.closing = True, False
            self.next_customer(slug)
            return
        if plan.reason:
            self.use(set_counter_state, BRANCH, slug, "paused", self.agent, reason=plan.reason)
        else:
            self.use(set_counter_state, BRANCH, slug, "closed", self.agent)
        plan.open = plan.closing = plan.draining = False

    def wake_counters(self) -> None:
        for slug, plan in self.counters.items():
            if plan.open and not plan.busy and not plan.closing:
                self.next_customer(slug)

    def next_customer(self, slug: str) -> None:
        from turnero.queue.counters import call_next

        plan = self.counters[slug]
        if plan.busy or not plan.open:
            return
        if plan.closing:
            self.shut(slug)
            return
        ticket = self.use(call_next, BRANCH, slug, self.agent)
        if ticket is None:
            if plan.draining:
                self.shut(slug)
            return
        plan.busy = True
        plan.calls += 1
        if self.rng.random() < self.scenario.no_show:
            self.later(2, lambda: self.finish(slug, ticket.id, "no_show"))
        else:
            self.later(self.rng.uniform(0.3, 1.0), lambda: self.serve(slug, ticket.id, ticket.service))

    def serve(self, slug: str, ticket_id: str, service: str) -> None:
        from turnero.queue.rules import Action
        from turnero.queue.services import act

        self.use(act, ticket_id, Action.START, self.agent)
        mean, sigma = self.scenario.service_min[service]
        minutes = self.rng.lognormvariate(math.log(mean) - sigma ** 2 / 2, sigma)
        self.later(minutes, lambda: self.finish(slug, ticket_id, "done"))

    def finish(self, slug: str, ticket_id: str, how: str) -> None:
        from turnero.queue.rules import Action
        from turnero.queue.services import act

        self.use(act, ticket_id, Action.DONE if how == "done" else Action.NO_SHOW, self.agent)
        if how == "no_show":
            self.taken["no_show"] += 1
        plan = self.counters[slug]
        plan.busy = False
        self.next_customer(slug)

    # -- the figures

    def figures(self) -> tuple[dict, list[dict], int]:
        from turnero.access.services import SYSTEM
        from turnero.reports.services import stats

        with self.app.app_context(), self.db.unit_of_work() as uow:
            report = stats(uow, BRANCH, SYSTEM, first=self.day, last=self.day, by="hour", now=self.clock.now)
        return report["total"], report["groups"], report["target_wait_min"]


def new_instance(folder: Path):
    """A fresh SQLite database, migrated, with the demo data; the app on it."""
    from sqlalchemy import create_engine

    from turnero import create_app
    from turnero.cli import load_demo
    from turnero.migrate import upgrade

    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'turnero.db'}"
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(environ={"TURNERO_DATABASE_URL": url, "TURNERO_SECRET_KEY": "simulate",
                              "TURNERO_INSTANCE_PATH": str(folder / "instance"),
                              "TURNERO_PUBLIC_URL": "http://turnero.simulated", "TURNERO_ASYNC_MODE": "threading"})
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        load_demo(uow.session, "simulate-pass")
        uow.commit()
    return app


def simulate(scenario: str | Scenario, seed: int, folder: Path, *, day: date = DAY,
             shifts: tuple[tuple[str, float, float], ...] | None = None, app=None) -> Outcome:
    """Replay one day into the instance in `folder` (made when `app` is None) and read
    the reports' figures of it."""
    import turnero.clock

    scenario = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
    made = app is None
    app = app or new_instance(folder)
    real_clock = turnero.clock.utcnow
    clock = Clock(local(day, 0))
    turnero.clock.utcnow = clock
    try:
        sim = Day(app, scenario, seed, day, clock, shifts)
        sim.plan()
        sim.run()
        clock.now = max(clock.now, local(day, 20))
        total, by_hour, target = sim.figures()
    finally:
        turnero.clock.utcnow = real_clock
        if made:
            app.extensions["turnero.db"].dispose()
    return Outcome(scenario.name, seed, day, total, by_hour, target, dict(sim.taken), str(folder / "turnero.db"))


def staffing_check(name: str, seed: int, folder: Path) -> None:
    """The staffing advice, tried: a day of the scenario a week before, then the advice
    for the day (reports.services.staffing: Erlang C over that week's arrivals and
    service time), then the day itself with that many counters in each hour (counters
    s1, s2... serving both lines, as Erlang C's one line); prints, per hour, the share
    called within the target wait that Erlang C promised and the one achieved."""
    from turnero.access.services import SYSTEM
    from turnero.admin.services import create_counter
    from turnero.reports.services import staffing

    scenario = SCENARIOS[name]
    app = new_instance(folder)
    db = app.extensions["turnero.db"]
    try:
        simulate(scenario, seed, folder, day=DAY - timedelta(days=7), app=app)
        with app.app_context(), db.unit_of_work() as uow:
            advice = staffing(uow, BRANCH, SYSTEM, day=DAY, weeks=1, now=local(DAY, 8))
        needed = {h["hour"]: h["counters"] for h in advice["hours"]}
        most = max(needed.values(), default=0)
        for k in range(1, most + 1):
            with app.app_context(), db.unit_of_work(write=True) as uow:
                create_counter(uow, SYSTEM, BRANCH, slug=f"s{k}", name=f"Simulada {k}", services=list(SERVICES))
        shifts = []
        for k in range(1, most + 1):
            hours = [h for h in sorted(needed) if needed[h] >= k]
            for hour in hours:
                end = hour + 1 if hour + 1 < scenario.closes else scenario.closes + 1
                if shifts and shifts[-1][0] == f"s{k}" and shifts[-1][2] == hour:
                    shifts[-1] = (f"s{k}", shifts[-1][1], end)
                else:
                    shifts.append((f"s{k}", hour, end))
        outcome = simulate(scenario, seed, folder, day=DAY, shifts=tuple(shifts), app=app)
    finally:
        db.dispose()
    achieved = {int(row["key"]): row for row in outcome.by_hour}
    print(f"staffing, day {name}, seed {seed}: counters by Erlang C (target {share(advice['target_share'])} "
          f"called within {advice['target_wait_min']} min; arrivals and service time "
          f"{advice['service_min']} min from the same day a week before), then that day:")
    for hour in sorted(needed):
        row = achieved.get(hour, {})
        h = next(x for x in advice["hours"] if x["hour"] == hour)
        print(f"  {hour:02d}:00  arrivals {h['arrivals']:>5}/h  counters {needed[hour]}  "
              f"Erlang C {share(h['share'])}  achieved {share(row.get('within_target'))} "
              f"({row.get('called', 0)} called)")
    f = outcome.figures
    print(f"  all day: achieved {share(f['within_target'])} within {outcome.target_wait_min} min "
          f"(target {share(advice['target_share'])}); honest waits: inside {share(f['estimate_inside'])}, "
          f"error {minutes(f['estimate_error_min'])}, naive {minutes(f['naive_error_min'])}, "
          f"width {minutes(f['estimate_width_min'])}")


# ---------------------------------------------------------------- printing

def share(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def minutes(value) -> str:
    return "-" if value is None else f"{value:.1f} min"


def print_outcome(outcome: Outcome) -> None:
    f, t = outcome.figures, outcome.taken
    print(f"day {outcome.scenario}, seed {outcome.seed} ({BRANCH}, {outcome.day.isoformat()}):")
    print(f"  tickets {f['arrivals']} (walk-ins {t['walk_in']}, priority {t['priority']}, "
          f"appointments {t['appointment']}); served {f['served']}, no-shows {f['no_show']}, "
          f"gave up {f['cancelled']}, expired {f['expired']}")
    print(f"  wait p50 {minutes(f['wait_p50_min'])}, p90 {minutes(f['wait_p90_min'])}; "
          f"called within {outcome.target_wait_min} min: {share(f['within_target'])}")
    error, naive = f["estimate_error_min"], f["naive_error_min"]
    better = ""
    if error is not None and naive:
        gain = (1 - error / naive) * 100
        better = f" (estimate {abs(gain):.0f}% {'better' if gain >= 0 else 'worse'})"
    print(f"  honest waits ({f['estimated']} called): inside the range {share(f['estimate_inside'])}; "
          f"error of its middle {minutes(error)}, naive {minutes(naive)}{better}; "
          f"mean width {minutes(f['estimate_width_min'])}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="scripts/simulate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--day", action="append", choices=sorted(SCENARIOS),
                    help="the day to simulate (repeatable; default every one)")
    ap.add_argument("--seed", type=int, default=1, help="the random seed (default 1)")
    ap.add_argument("--staffing", action="store_true",
                    help="also staff each day as the staffing advice says and print the share called in time")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    for name in args.day or list(SCENARIOS):
        with tempfile.TemporaryDirectory(prefix="turnero-simulate-", dir=SCRATCH) as folder:
            outcome = simulate(name, args.seed, Path(folder))
            print_outcome(outcome)
        if args.staffing:
            with tempfile.TemporaryDirectory(prefix="turnero-simulate-", dir=SCRATCH) as folder:
                staffing_check(name, args.seed, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
