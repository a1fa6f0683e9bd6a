"""One simulated day at `centro`: a heap of timed actions on the server's one clock, each
one use case of the service layer every door calls (taking a turn, checking in an
appointment, opening, pausing and closing a counter, call-next, start, done, no-show,
cancel), and the reports' figures of it."""
from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .scenarios import BRANCH, OPENS, Scenario, local

if TYPE_CHECKING:
    from turnero.reports.figures import Tally


# ---------------------------------------------------------------- the simulation

def _wall(hour: float) -> str:
    """A local hour of the day (13.5) as a wall time ("13:30")."""
    minutes = round(hour * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


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
    # The honest waits' sums, unrounded (reports.figures.Tally): several days' pool exactly.
    tally: Tally | None = None


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
            self.manager = actor_for_user(uow.session.scalar(select(User).where(User.username == "admin")))
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
        self.plan_counters()
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

    def plan_counters(self) -> None:
        """The day before, the manager sets each counter's planned hours, its shift of
        the day less its breaks ("09:00-13:00, 14:00-18:00"), as the counters' admin
        page does: the waits count a counter in them."""
        from turnero.admin.services import get_counter, update_counter

        self.clock.now = local(self.day, OPENS) - timedelta(days=1)
        breaks = self.scenario.pauses if self.given_shifts is None else ()
        for slug, start, end in self.shifts:
            ranges, begins = [], start
            for _counter, paused, back, _reason in sorted(p for p in breaks if p[0] == slug):
                ranges.append((begins, paused))
                begins = back
            ranges.append((begins, end))
            counter = self.use(get_counter, self.manager, BRANCH, slug)
            self.use(update_counter, self.manager, BRANCH, slug, name=counter["name"], services=counter["services"],
                     planned_hours=", ".join(f"{_wall(a)}-{_wall(b)}" for a, b in ranges))

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

    def figures(self) -> tuple[dict, list[dict], int, Tally]:
        """The reports' figures of the day, by hour, its target wait, and the day's
        tally (the sums the figures are rounded from)."""
        from sqlalchemy import select

        from turnero.access.services import SYSTEM
        from turnero.models import Branch
        from turnero.reports.figures import Tally
        from turnero.reports.services import stats
        from turnero.reports.visits import Period, read_visits

        with self.app.app_context(), self.db.unit_of_work() as uow:
            report = stats(uow, BRANCH, SYSTEM, first=self.day, last=self.day, by="hour", now=self.clock.now)
            branch = uow.session.scalar(select(Branch).where(Branch.slug == BRANCH))
            tally = Tally()
            for visit in read_visits(uow.session, branch, Period(self.day, self.day)):
                tally.add(visit)
        return report["total"], report["groups"], report["target_wait_min"], tally
