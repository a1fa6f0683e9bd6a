"""A branch's day: when walk-ins may join (the opening hours, a line paused by its
manager), and the end of the day, when every turn
still waiting or called expires (never to be called on a later day, when the codes
start again).

A turn expires at its day's closing time, or at local midnight when it was taken
after closing or on a day the branch does not open (`hours.Week.turn_ends`).
`close_due_days` runs every minute in `turnero serve`: it finds what is due from the
clock and the tickets themselves, so a server that was down at closing time closes
the day as soon as it is back, and a run that finds nothing due changes nothing. The
same round tells every door the waits as of the minute while a counter's turn runs on
or one is yet to open as planned (`reckon_waits`): they count down between calls.
`turnero day close` expires a branch's turns at once (a branch closing early)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from .. import clock
from .. import hours
from ..access import audit
from ..access.services import Actor
from ..db import Database, UnitOfWork
from ..errors import N_, Conflict, Invalid
from ..leader import always
from ..models import Branch, Service, Ticket
from . import read_models as views
from . import places, rules, texts
from .changes import apply, changed
from .lookups import TICKET_LOAD, find_branch, find_service
from .rules import Status, local_day
from .setup import OPEN, Joining, counts, lines_now, pause_of, setup_for, week_of

log = logging.getLogger(__name__)

CLOSE_EVERY_S = 60


# ---------------------------------------------------------------- joining

def refused_join(joining: Joining, tz_name: str) -> Conflict:
    """The 409 every door shows for a line that takes no new turns now: staff's message
    for a paused line, when it opens next for a closed branch (`opens_at` in the
    problem's members, and in the customer's words in its detail)."""
    extra = {"joining": joining.state, "opens_at": views.iso(joining.opens_at), "until": views.iso(joining.until)}
    if joining.state == "paused":
        if joining.message:
            return Conflict(N_("This line is not taking new turns right now: %(note)s"), extra=extra,
                            note=joining.message)
        return Conflict(N_("This line is not taking new turns right now."), extra=extra)
    if joining.opens_at is None:
        return Conflict(N_("The branch is closed and takes no turns now."), extra=extra)
    return Conflict(N_("The branch is closed now. You can take a turn from %(opens)s."), extra=extra,
                    opens=texts.When(joining.opens_at, tz_name))


MAX_JOIN_MESSAGE = 200


def set_joining(uow: UnitOfWork, branch_slug: str, service_slug: str | None, *, open: bool,
                message: str | None = None, until: datetime | None = None, actor: Actor) -> list[dict]:
    """A manager stops new turns to one line (`service_slug`), or to every line of the
    branch (None), while those waiting are still served; with a message for the
    customers, and until a time (it reopens by itself then) or until reopened. In the
    audit log; one change, shown at once on every door. Pausing a paused line, or
    opening an open one, is refused and changes nothing (for the whole branch: when
    every line already is so)."""
    session = uow.session
    branch = find_branch(session, branch_slug, lock=True)
    actor.require_manager(branch)
    message = (message or "").strip() or None
    if open and (message or until):
        raise Invalid(N_("A line that reopens takes no message or end time."),
                      errors={"message": [N_("A line that reopens takes no message or end time.")]})
    if message and len(message) > MAX_JOIN_MESSAGE:
        raise Invalid(N_("This is too long."), errors={"message": [N_("This is too long.")]})
    now = clock.utcnow()
    if until is not None and until.tzinfo is None:  # a wall time of the branch
        until = hours.local_to_utc(until.date(), until.time(), branch.timezone)
        if until is None:
            raise Invalid(N_("That time does not exist there (a daylight-saving change)."),
                          errors={"until": [N_("That time does not exist there (a daylight-saving change).")]})
    if until is not None and until <= now:
        raise Invalid(N_("Give a time in the future."), errors={"until": [N_("Give a time in the future.")]})
    if service_slug is not None:
        lines = [find_service(session, branch, service_slug)]
    else:
        lines = list(session.scalars(select(Service).where(Service.branch_id == branch.id, Service.active)
                                     .order_by(Service.prefix)))
    # The whole branch: the lines not yet in that state; one line: refused if it is.
    lines = [s for s in lines if (pause_of(s, now) is not None) == open]
    if not lines:
        raise Conflict(N_("This line already takes new turns.") if open else
                       N_("This line is already paused for new turns."))
    for service in lines:
        service.join_paused, service.join_message, service.join_until = not open, message, until
        audit.record(session, actor, "service.joining_opened" if open else "service.joining_paused",
                     branch=branch.slug, target=service.slug,
                     changes={"message": message, "until": views.iso(until)} if not open else None)
    changed(uow, branch, services=[s.id for s in lines])
    result = [{"service": s.slug, **(pause_of(s, now) or OPEN).as_dict()} for s in lines]
    uow.commit()
    log.info("new turns %s at %s for %s", "reopened" if open else "paused", branch.slug,
             ", ".join(s.slug for s in lines))
    return result


def refresh_joining(uow: UnitOfWork, branch_slug: str, now: datetime, since: datetime | None) -> bool:
    """Show the lines' new joining state once it changed with the time: a pause whose
    end time came is lifted; a branch that takes walk-ins only in its hours opened or
    closed since `since`. True when something was shown."""
    session = uow.session
    branch = find_branch(session, branch_slug, lock=True)
    ended = list(session.scalars(select(Service).where(
        Service.branch_id == branch.id, Service.join_paused, Service.join_until.is_not(None),
        Service.join_until <= now)))
    for service in ended:
        service.join_paused, service.join_message, service.join_until = False, None, None
    flipped = False
    if branch.join_hours and since is not None:
        week = week_of(session, branch.id, branch.timezone)
        flipped = week.may_join(since, branch.last_entry_min) != week.may_join(now, branch.last_entry_min)
    if not (ended or flipped):
        return False
    services = session.scalars(select(Service.id).where(Service.branch_id == branch.id)).all()
    changed(uow, branch, services=services)
    uow.commit()
    return True


def reckon_waits(uow: UnitOfWork, branch_slug: str, now: datetime) -> bool:
    """Tell every door the waits as of `now` once they have aged (setup.BranchSetup.aged:
    half a minute or more since the branch's last change while a counter's turn or pause
    runs on, or a counter is yet to open as planned) and someone waits, as a turn taken
    then does (issuing): the lobby's waits and every follower's count down while no one
    joins and no one is called. True when they were reckoned again."""
    session = uow.session
    branch = find_branch(session, branch_slug, lock=True)
    setup = setup_for(session, branch.id, branch.setup_version, local_day(now, branch.timezone))
    if not setup.aged(now) or not any(counts(lines_now(session, branch)).values()):
        return False
    branch.reckoned_at = now
    # A change of the setup (a new version, read again as of `now`) that moved no one's
    # place: the followers' kept lines move by no shift (known_lines).
    changed(uow, branch, services=[s.id for s in setup.services if s.active], shifts=[])
    uow.commit()
    return True


# ---------------------------------------------------------------- the end of the day

def due_turns(session, branch: Branch, now: datetime, *, everything: bool = False) -> list[Ticket]:
    """The branch's waiting and called tickets whose day has ended at `now` (all of
    them when `everything`), in call order."""
    query = select(Ticket).options(*TICKET_LOAD).where(
        Ticket.branch_id == branch.id, Ticket.status.in_((Status.WAITING, Status.CALLED)))
    if not everything:
        today = local_day(now, branch.timezone)
        due = Ticket.day < today
        closing = week_of(session, branch.id, branch.timezone).closing(today)
        if closing is not None and now >= closing:
            due = or_(due, and_(Ticket.day == today, Ticket.created_at < closing))
        query = query.where(due)
    return list(session.scalars(query.order_by(*places.LINE_ORDER)))


def not_arrived(session, branch: Branch, now: datetime) -> list[Ticket]:
    """With `remote_check_in`: the remote turns whose place came and whose holder did
    not arrive within the branch's grace time."""
    if not branch.remote_check_in:
        return []
    return list(session.scalars(select(Ticket).options(*TICKET_LOAD).where(
        Ticket.branch_id == branch.id, Ticket.status == Status.WAITING, Ticket.arrived_at.is_(None),
        Ticket.passed_at.is_not(None), Ticket.passed_at <= now - timedelta(minutes=branch.remote_grace_min))
        .order_by(*places.LINE_ORDER)))


def expire_turns(uow: UnitOfWork, tickets: list[Ticket], now: datetime, reason: str | None = None) -> set[int]:
    """Expire these tickets (the branch row locked by the caller); the services touched."""
    for ticket in tickets:
        apply(uow, ticket, rules.expire, now, actor=None, reason=reason)
    return {t.service_id for t in tickets}


def close_day(uow: UnitOfWork, branch_slug: str, *, now: datetime | None = None, everything: bool = False,
              actor: Actor | None = None) -> list[str]:
    """Expire the branch's turns whose day has ended (all still waiting or called with
    `everything`), in one change; the codes expired."""
    session = uow.session
    branch = find_branch(session, branch_slug, lock=True)
    if actor is not None:
        actor.require_manager(branch)
    now = now or clock.utcnow()
    tickets = due_turns(session, branch, now, everything=everything)
    late = [t for t in not_arrived(session, branch, now) if t not in tickets]
    if not tickets and not late:
        return []
    services = expire_turns(uow, tickets, now) | expire_turns(uow, late, now, reason="not_arrived")
    tickets += late
    changed(uow, branch, services=services, eta_changed=True, also=tickets)
    codes = [t.code for t in tickets]
    uow.commit()
    log.info("day closed at %s: %d turns expired", branch.slug, len(codes))
    return codes


def close_due_days(db: Database, now: datetime | None = None, since: datetime | None = None) -> dict[str, int]:
    """Close the ended day of every branch that has turns left from it (branch slug ->
    turns expired), show the lines whose joining changed with the time since `since`
    (`refresh_joining`) and the waits as of `now` (`reckon_waits`). Each branch in its
    own transactions."""
    now = now or clock.utcnow()
    with db.unit_of_work() as uow:
        slugs = uow.session.scalars(select(Branch.slug).order_by(Branch.slug)).all()
    closed = {}
    for slug in slugs:
        try:
            with db.unit_of_work(write=True) as uow:
                codes = close_day(uow, slug, now=now)
            with db.unit_of_work(write=True) as uow:
                refresh_joining(uow, slug, now, since)
            with db.unit_of_work(write=True) as uow:
                reckon_waits(uow, slug, now)
        except Exception:  # one branch's failure must not keep the others open
            log.exception("the day's jobs at %s failed", slug)
            continue
        if codes:
            closed[slug] = len(codes)
    return closed


def start_in_serve(app, every_s: float = CLOSE_EVERY_S, leads: Callable[[], bool] = always):
    """The end of each branch's day as a greenlet of `turnero serve`: at start (a
    server that was down at closing time catches up), then every minute; only in the
    process that `leads` the background jobs."""
    import gevent

    db = app.extensions["turnero.db"]

    def _run():
        since = None
        while True:
            now = clock.utcnow()
            if not leads():
                since = None
                gevent.sleep(every_s)
                continue
            try:
                with app.app_context():
                    close_due_days(db, now, since)
                since = now
            except Exception:  # a database hiccup must not stop the loop
                log.exception("closing the branches' days failed")
            gevent.sleep(every_s)

    return gevent.spawn(_run)


__all__ = ["refused_join", "set_joining", "refresh_joining", "reckon_waits", "due_turns", "expire_turns", "close_day",
           "close_due_days", "start_in_serve"]
