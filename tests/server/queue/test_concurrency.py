"""The heart of a queue under load: many threads on real PostgreSQL (and SQLite).
No two tickets share a code; no ticket is claimed by two counters."""
import random
import threading
from collections import Counter as Tally
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as NoConnectionFree

from turnero.access.services import ANONYMOUS, actor_for_user
from turnero.errors import Busy, Conflict
from turnero.web import lock_wait
from turnero.models import Branch, Counter, Service, Ticket, TicketEvent, User
from turnero.queue import counters
from turnero.queue import services as queue
from turnero.queue.rules import Action

THREADS = 50
PER_THREAD = 8
COUNTERS = 10


def add_counters(db, n):
    with db.unit_of_work(write=True) as uow:
        s = uow.session
        branch = s.scalar(select(Branch).where(Branch.slug == "centro"))
        services = s.scalars(select(Service).where(Service.branch_id == branch.id)).all()
        for i in range(n):
            s.add(Counter(branch_id=branch.id, slug=f"c{i:02d}", name=f"Caja {i}", state="open",
                          services=list(services)))
        agent = s.scalar(select(User).where(User.username == "agente"))
        uow.commit()
        return actor_for_user(agent)


def take_many(db, n, service):
    """n tickets, one transaction each. A take told the database is busy (a wait for the
    branch or for a connection past WRITE_WAIT_S: a 503 to a client, nothing written,
    as fifty threads on a loaded machine may see) is tried again, as a client would."""
    codes = []
    while len(codes) < n:
        taken = write(db, lambda uow: queue.take_ticket(uow, "centro", service=service, actor=ANONYMOUS))
        assert taken.created
        codes.append(taken.ticket.code)
    return codes


def told_busy(exc: Exception) -> bool:
    """What a client hears as 503 Busy (nothing written; it tries again): a wait for
    the branch's lock or for a free connection that ran out on a loaded machine."""
    return isinstance(exc, (Busy, NoConnectionFree)) or (isinstance(exc, OperationalError) and lock_wait(exc))


def write(db, work):
    """`work(uow)` in a write transaction of its own, tried again while the database
    says it is busy, as a client told 503 would."""
    for _ in range(50):
        try:
            with db.unit_of_work(write=True) as uow:
                return work(uow)
        except Exception as exc:
            if not told_busy(exc):
                raise
    raise AssertionError("busy again and again")


class Overlap:
    """How many jobs were running at once, at most: the proof that threads met."""

    def __init__(self):
        self.lock, self.now, self.most = threading.Lock(), 0, 0

    def __enter__(self):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *exc):
        with self.lock:
            self.now -= 1


def run_threads(fn, jobs, overlap: Overlap | None = None):
    """Every job in its own thread, all let go at once (a barrier)."""
    start = threading.Barrier(len(jobs))
    overlap = overlap or Overlap()

    def run(*args):
        start.wait(30)
        with overlap:
            return fn(*args)
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [f.result() for f in [pool.submit(run, *args) for args in jobs]]


def test_fifty_threads_taking_tickets_never_share_a_code(app):
    db = app.extensions["turnero.db"]
    overlap = Overlap()
    results = run_threads(take_many, [(db, PER_THREAD, "caja" if i % 2 else "plataforma") for i in range(THREADS)],
                          overlap)
    # At least ten ran together (on a loaded 2-core machine fewer than half may: seen once).
    assert overlap.most >= 10, f"only {overlap.most} threads ever ran together"
    codes = [c for chunk in results for c in chunk]
    assert len(codes) == THREADS * PER_THREAD
    duplicates = [c for c, n in Tally(codes).items() if n > 1]
    assert duplicates == []
    # Numbers run without gaps: every A and B number from 1 up was given once.
    half = THREADS * PER_THREAD // 2
    assert sorted(c for c in codes if c.startswith("A")) == [f"A{i:03d}" for i in range(1, half + 1)]
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(Branch.seq).where(Branch.slug == "centro")) == THREADS * PER_THREAD


def test_ten_counters_calling_at_once_never_claim_the_same_ticket(app):
    db = app.extensions["turnero.db"]
    agent = add_counters(db, COUNTERS)
    total = 200
    take_many(db, total // 2, "caja")
    take_many(db, total // 2, "plataforma")

    def drain(counter_slug):
        claimed = []
        while True:
            ticket = write(db, lambda uow: counters.call_next(uow, "centro", counter_slug, agent))
            if ticket is None:
                return claimed
            claimed.append(ticket.id)

    results = run_threads(drain, [(f"c{i:02d}",) for i in range(COUNTERS)])
    claimed = [t for chunk in results for t in chunk]
    assert len(claimed) == total and len(set(claimed)) == total
    assert sum(1 for chunk in results if chunk) > 1  # the counters really competed
    with db.unit_of_work() as uow:
        calls = uow.session.execute(
            select(TicketEvent.ticket_seq, func.count()).where(TicketEvent.kind == "called")
            .group_by(TicketEvent.ticket_seq)).all()
        assert len(calls) == total and all(n == 1 for _, n in calls)


def test_calls_and_issues_interleaved_keep_the_line_consistent(app):
    """Tickets taken while counters call: every ticket ends called exactly once, in
    each counter's calls the order in time holds, and seq counts every change."""
    db = app.extensions["turnero.db"]
    agent = add_counters(db, 4)
    issued = THREADS // 2 * PER_THREAD

    def issue(i):
        return take_many(db, PER_THREAD, "caja")

    def call(counter_slug):
        got = []
        idle = 0
        while idle < 200 and len(got) < issued:
            t = write(db, lambda uow: counters.call_next(uow, "centro", counter_slug, agent))
            if t is None:
                idle += 1
            else:
                got.append(t)
        return got

    with ThreadPoolExecutor(max_workers=THREADS // 2 + 4) as pool:
        issuers = [pool.submit(issue, i) for i in range(THREADS // 2)]
        callers = [pool.submit(call, f"c{i:02d}") for i in range(4)]
        for f in issuers:
            f.result()
        calls = [f.result() for f in callers]
    # Whatever is still waiting is called now, by one counter.
    leftovers = call("c00")
    claimed = [t.id for chunk in calls for t in chunk] + [t.id for t in leftovers]
    assert len(claimed) == len(set(claimed)) == issued
    for chunk in calls:
        created = [t.created_at for t in chunk]
        assert created == sorted(created)


@pytest.mark.parametrize("action", [Action.START, Action.NO_SHOW])
def test_two_agents_acting_on_one_ticket_at_once_apply_it_once(app, action):
    db = app.extensions["turnero.db"]
    agent = add_counters(db, 1)
    take_many(db, 1, "caja")
    with db.unit_of_work(write=True) as uow:
        ticket = counters.call_next(uow, "centro", "c00", agent)

    def attempt(_):
        try:
            write(db, lambda uow: queue.act(uow, ticket.id, action, agent))
            return "ok"
        except Exception as exc:  # the loser gets a 409 Conflict
            return type(exc).__name__

    outcomes = run_threads(attempt, [(i,) for i in range(8)])
    assert outcomes.count("ok") == 1 and set(outcomes) - {"ok"} == {"Conflict"}
    with db.unit_of_work() as uow:
        kinds = uow.session.scalars(select(TicketEvent.kind).join(Ticket).where(Ticket.id == ticket.id)).all()
    assert kinds.count({"start": "started", "no_show": "no_show"}[action.value]) == 1


def test_two_requests_with_one_idempotency_key_at_once_make_one_ticket(app):
    """A kiosk retries while its first request is still in flight: both answers are the
    one ticket, and the second says it is a replay."""
    answers = run_threads(lambda: app.test_client().post(
        "/api/v1/branches/centro/tickets", json={"service": "caja"}, headers={"Idempotency-Key": "kiosk-17"}),
        [()] * 2)
    assert [r.status_code for r in answers] == [201, 201]
    assert answers[0].get_json()["id"] == answers[1].get_json()["id"]
    assert sorted(r.headers.get("Idempotent-Replayed", "") for r in answers) == ["", "true"]
    with app.extensions["turnero.db"].unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_counters_calling_chosen_tickets_and_the_next_at_once_never_call_one_ticket_twice(app):
    """Half the counters call the next ticket, the other half call chosen tickets (all of
    them, each in its own order) at the same time: every ticket is called exactly once;
    a chosen ticket someone else called first is refused with a Conflict."""
    db = app.extensions["turnero.db"]
    agent = add_counters(db, COUNTERS)
    total = 60
    take_many(db, total, "caja")
    with db.unit_of_work() as uow:
        ids = list(uow.session.scalars(select(Ticket.id)))

    def next_caller(counter_slug):
        claimed = []
        while True:
            ticket = write(db, lambda uow: counters.call_next(uow, "centro", counter_slug, agent))
            if ticket is None:
                return claimed, 0
            claimed.append(ticket.id)

    def chooser(counter_slug, order):
        claimed, refused = [], 0
        for ticket_id in order:
            try:
                claimed.append(write(db, lambda uow: counters.call_ticket(
                    uow, "centro", counter_slug, ticket_id, "en la puerta", agent)).id)
            except Conflict:
                refused += 1
        return claimed, refused

    jobs = []
    for i in range(COUNTERS):
        if i % 2:
            jobs.append((lambda slug, order: chooser(slug, order), f"c{i:02d}", random.Random(i).sample(ids, total)))
        else:
            jobs.append((lambda slug, order: next_caller(slug), f"c{i:02d}", None))
    results = run_threads(lambda fn, slug, order: fn(slug, order), jobs)
    claimed = [t for chunk, _ in results for t in chunk]
    assert sorted(claimed) == sorted(ids)  # each once
    assert sum(1 for i, (chunk, _) in enumerate(results) if i % 2 and chunk) > 0  # choosers won some
    assert sum(1 for i, (chunk, _) in enumerate(results) if not i % 2 and chunk) > 0  # and call-next too
    assert sum(refused for _, refused in results) > 0  # they really collided
    with db.unit_of_work() as uow:
        calls = uow.session.execute(
            select(TicketEvent.ticket_seq, func.count()).where(TicketEvent.kind == "called")
            .group_by(TicketEvent.ticket_seq)).all()
        assert len(calls) == total and all(n == 1 for _, n in calls)
        chosen = [d for d in uow.session.scalars(select(TicketEvent.data).where(TicketEvent.kind == "called")) if d]
        assert len(chosen) == sum(1 for i, (chunk, _) in enumerate(results) if i % 2 for _ in chunk)
        assert all(d == {"chosen": True, "reason": "en la puerta"} for d in chosen)
