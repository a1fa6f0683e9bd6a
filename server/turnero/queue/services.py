"""The queue's use cases, one function each (taking a turn is in issuing.py, a counter's
own and calling tickets to it in counters.py). Every one that changes something runs
inside a unit of work, locks its branch first (so each branch's changes are applied
one at a time and `seq` follows commit order), changes tickets only through the
transitions of rules.py, commits once, and queues its events for after the commit
(changes.py)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..access import audit
from ..access.services import Actor
from ..db import UnitOfWork
from ..errors import N_, Conflict, Invalid
from ..models import Branch, Customer, Feedback, PriorityClass, Service, Ticket, TicketEvent
from ..realtime import staff_room
from . import events, rules
from . import read_models as views
from .changes import apply, changed, record, refused, ticket_result, today
from .alerts import Alerts, alert_phone, set_alert_channel, set_ticket_phone
from .issuing import TicketTaken, fingerprint, issue_ticket, take_ticket
from .lookups import (TICKET_LOAD, find_branch, find_counter, find_service, find_ticket_by_id, find_ticket_by_token,
                      holders_ticket, locked_ticket)
from .places import LINE_ORDER, older_in_lines, places_behind, waiting_with_positions
from .rules import Action, Status, place_of
from .setup import service_stats, setup_for
from .undo import check_may_return

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- reading

def get_ticket(uow: UnitOfWork, token: str) -> views.TicketView:
    return ticket_result(uow, find_ticket_by_token(uow.session, token))


def ticket_lang(uow: UnitOfWork, token: str) -> str | None:
    """The language a ticket was taken in (its texts'), or None for no such ticket."""
    return uow.session.scalar(select(Ticket.lang).where(Ticket.token == token))


def get_branch(uow: UnitOfWork, slug: str, lang: str | None = None) -> dict:
    branch = find_branch(uow.session, slug)
    return views.branch_detail(uow.session, branch, today(branch), lang)


def get_logo(uow: UnitOfWork, slug: str) -> tuple[bytes, str, str] | None:
    """A branch's logo: (bytes, media type, version), or None."""
    return views.branch_logo(uow.session, slug)


def get_branch_state(uow: UnitOfWork, slug: str, lang: str | None = None) -> dict:
    branch = find_branch(uow.session, slug)
    return views.branch_state(uow.session, branch, today(branch), lang)


def list_branches(uow: UnitOfWork) -> list[dict]:
    return [views.branch_summary(b) for b in uow.session.scalars(select(Branch).order_by(Branch.slug))]


def branch_directory(uow: UnitOfWork, lang: str | None = None) -> list[dict]:
    """The start page's branches: each with today's opening hours (wall times, none when
    it does not open today or has no hours), whether walk-ins may join now, and its
    services' lines as every channel shows them."""
    session = uow.session
    now = clock.utcnow()
    found = []
    for branch in session.scalars(select(Branch).order_by(Branch.name)):
        day = today(branch)
        detail = views.branch_detail(session, branch, day, lang)
        week = setup_for(session, branch.id, branch.setup_version, day).week
        found.append({**detail, "address": branch.address, "hours": [(r.opens, r.closes) for r in week.ranges_on(day)],
                      "has_hours": bool(week.ranges), "open_now": week.may_join(now),
                      "books": any(s.get("takes_appointments") for s in detail["services"])})
    return found


def active_turns(uow: UnitOfWork, branch_slug: str, tokens: list[str]) -> list[views.TicketView]:
    """Of these tickets (a phone's remembered links), the ones waiting or called today
    at the branch; unknown links are left out."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    if not tokens:
        return []
    found = session.scalars(select(Ticket).where(
        Ticket.token.in_(tokens), Ticket.branch_id == branch.id, Ticket.day == today(branch),
        Ticket.status.in_((Status.WAITING, Status.CALLED)))).all()
    return [get_ticket(uow, t.token) for t in sorted(found, key=lambda t: t.seq, reverse=True)]


def list_tickets(uow: UnitOfWork, slug: str, actor: Actor, status: str | None = None,
                 service: str | None = None) -> list[views.TicketView]:
    """Today's tickets of a branch, in call order, for staff."""
    session = uow.session
    branch = find_branch(session, slug)
    actor.require_staff(branch)
    query = (select(Ticket).options(*TICKET_LOAD)
             .where(Ticket.branch_id == branch.id, Ticket.day == today(branch)))
    if status:
        if status not in set(Status):
            raise Invalid(N_("Unknown ticket status."), errors={"status": [N_("Unknown ticket status.")]})
        query = query.where(Ticket.status == status)
    if service:
        query = query.where(Ticket.service_id == find_service(session, branch, service).id)
    tickets = session.scalars(query.order_by(*LINE_ORDER)).all()
    stats = service_stats(session, branch, today(branch))
    positions = {t.seq: ahead for t, ahead in waiting_with_positions(session, branch.id, stats.keys())}
    # The tickets of the lines sharing counters placed before each (the wait counts them).
    older = older_in_lines(session, branch.id, set().union(*(s.others for s in stats.values())), positions)
    return [views.ticket_view(t, ahead=positions.get(t.seq), stats=stats[t.service_id], older=older.get(t.seq),
                              public_url=uow.db.public_url, staff=True) for t in tickets]


def ticket_history(uow: UnitOfWork, ticket_id: str, actor: Actor) -> list[dict]:
    ticket = find_ticket_by_id(uow.session, ticket_id)
    actor.require_staff(ticket.branch)
    events = uow.session.scalars(
        select(TicketEvent).options(joinedload(TicketEvent.counter), joinedload(TicketEvent.user))
        .where(TicketEvent.ticket_seq == ticket.seq).order_by(TicketEvent.id)).all()
    return [{"kind": e.kind, "at": views.iso(e.at), "channel": e.channel,
             "counter": e.counter.slug if e.counter else None,
             "user": e.user.username if e.user else None, "data": e.data or {}} for e in events]


# ---------------------------------------------------------------- staff actions on one ticket

TRANSITIONS = {Action.RECALL: rules.recall, Action.START: rules.start, Action.DONE: rules.finish,
               Action.NO_SHOW: rules.no_show, Action.REQUEUE: rules.requeue}


def act(uow: UnitOfWork, ticket_id: str, action: Action, actor: Actor) -> views.TicketView:
    """Recall, start, finish, no-show or requeue a ticket (by its UUID)."""
    session = uow.session
    ticket = find_ticket_by_id(session, ticket_id)
    branch = locked_ticket(session, ticket)
    actor.require_staff(branch)
    place = place_of(ticket)
    was_waiting = ticket.status == Status.WAITING
    if action is Action.REQUEUE and branch.no_show_after_recalls and _requeued(session, ticket):
        raise Conflict(N_("This turn was already put back in line once."))
    if action is Action.REQUEUE:
        check_may_return(branch, ticket)
    apply(uow, ticket, TRANSITIONS[action], clock.utcnow(), actor=actor)
    moved = action is Action.REQUEUE or was_waiting
    stats = changed(uow, branch, services=[ticket.service_id], moved_behind=place if moved else None,
                    also=[ticket], called=ticket if action is Action.RECALL else None, counter=ticket.counter,
                    eta_changed=action is Action.DONE)
    result = ticket_result(uow, ticket, stats)
    uow.commit()
    return result


def _requeued(session, ticket: Ticket) -> bool:
    return session.scalar(select(func.count()).select_from(TicketEvent).where(
        TicketEvent.ticket_seq == ticket.seq, TicketEvent.kind == events.Requeued.kind)) > 0


# ---------------------------------------------------------------- the holder: running late, arriving

MAX_LET_PASS = 10


def let_pass(uow: UnitOfWork, token: str, places: int, actor: Actor, channel: str | None = None) -> views.TicketView:
    """The holder is running late: the ticket moves back behind `places` people of its
    line (fewer at its end), everyone else keeping their order; twice at most."""
    if not 1 <= places <= MAX_LET_PASS:
        raise Invalid(N_("Let between 1 and 10 people pass."), errors={"places": [N_("Let between 1 and 10 people pass.")]})
    session = uow.session
    ticket, branch = holders_ticket(session, token, actor)
    if ticket.status != Status.WAITING:
        raise refused(rules.TransitionNotAllowed(Action.LET_PASS, Status(ticket.status)))
    if ticket.late_moves >= rules.MAX_LATE_MOVES:
        raise Conflict(N_("You already let people pass twice; ask at the branch if you need more time."))
    before = place_of(ticket)
    spot = rules.place_after(places_behind(session, ticket, places + 10), places)
    if spot is None:
        raise Conflict(N_("No one is behind you: you keep your place."))
    sort_at, passed = spot
    apply(uow, ticket, rules.let_pass, sort_at, passed, clock.utcnow(), actor=actor,
          channel=channel or (None if actor.kind == "user" else ticket.channel))
    stats = changed(uow, branch, services=[ticket.service_id], moved_behind=before, also=[ticket],
                    setup_changed=False)
    result = ticket_result(uow, ticket, stats)
    uow.commit()
    log.info("ticket %s at %s let %d people pass", ticket.code, branch.slug, passed)
    return result


def arrive(uow: UnitOfWork, token: str, actor: Actor, channel: str | None = None) -> views.TicketView:
    """The holder of a waiting turn is at the branch ("I'm here"): with
    `remote_check_in`, a remote turn may be called from now on (at once if its place
    already came). Saying it twice changes nothing."""
    session = uow.session
    ticket, branch = holders_ticket(session, token, actor)
    if ticket.status == Status.WAITING and ticket.arrived_at is not None:
        return ticket_result(uow, ticket)
    if ticket.status != Status.WAITING:
        raise refused(rules.TransitionNotAllowed(Action.ARRIVE, Status(ticket.status)))
    apply(uow, ticket, rules.arrive, clock.utcnow(), actor=actor,
          channel=channel or (None if actor.kind == "user" else ticket.channel))
    stats = changed(uow, branch, services=[ticket.service_id], also=[ticket], setup_changed=False)
    result = ticket_result(uow, ticket, stats)
    uow.commit()
    log.info("ticket %s at %s: its holder arrived", ticket.code, branch.slug)
    return result


def arrive_by_phone(uow: UnitOfWork, branch: Branch, phone: str, actor: Actor) -> views.TicketView | None:
    """At the branch (its kiosk, its staff), the customer gives the phone a remote turn
    of today was taken with: that turn's holder arrived. None when this phone has no
    remote turn waiting today; the turn as it is when it had arrived already."""
    ticket = uow.session.scalar(
        select(Ticket).join(Customer, Customer.id == Ticket.customer_id)
        .where(Customer.phone == phone, Ticket.branch_id == branch.id, Ticket.day == today(branch),
               Ticket.status == Status.WAITING, Ticket.channel.in_(rules.REMOTE_CHANNELS))
        .order_by(Ticket.arrived_at.is_not(None), Ticket.seq.desc()).limit(1))
    if ticket is None:
        return None
    return arrive(uow, ticket.token, actor, channel="kiosk" if actor.kind == "device" else None)


def transfer(uow: UnitOfWork, ticket_id: str, actor: Actor, service: str | None = None,
             counter: str | None = None) -> views.TicketView:
    """Move a ticket to another service or counter; it keeps its place in time."""
    if bool(service) == bool(counter):
        raise Invalid(N_("Give either a service or a counter."),
                      errors={"service": [N_("Give either a service or a counter.")]})
    session = uow.session
    ticket = find_ticket_by_id(session, ticket_id)
    branch = locked_ticket(session, ticket)
    actor.require_staff(branch)
    old_service, place = ticket.service_id, place_of(ticket)
    target = {"to_service": _ref(find_service(session, branch, service))} if service else \
        {"to_counter": _ref(find_counter(session, branch, counter))}
    apply(uow, ticket, rules.transfer, clock.utcnow(), actor=actor, from_service=ticket.service.slug, **target)
    stats = changed(uow, branch, services={old_service, ticket.service_id}, moved_behind=place, also=[ticket])
    result = ticket_result(uow, ticket, stats)
    uow.commit()
    return result


def set_priority(uow: UnitOfWork, ticket_id: str, priority: bool, actor: Actor,
                 priority_class: int | None = None) -> views.TicketView:
    """Staff grant priority to a waiting ticket, in one of the branch's classes or
    plain, or remove it (entered in the audit log); the ticket moves by the class's
    boost (the branch's priority boost without one). Asking for what the ticket
    already has changes nothing; another class: remove the priority first."""
    session = uow.session
    ticket = find_ticket_by_id(session, ticket_id)
    branch = locked_ticket(session, ticket)
    actor.require_staff(branch)
    if ticket.priority == priority:
        if not priority or priority_class in (None, ticket.priority_class_id):
            return ticket_result(uow, ticket)
        raise Conflict(N_("The ticket already has priority; remove it first to give another class."))
    if priority and not branch.offers_priority:
        raise Invalid(N_("This branch does not offer priority turns."),
                      errors={"priority": [N_("This branch does not offer priority turns.")]})
    class_id = priority_class if priority else ticket.priority_class_id
    kind = session.get(PriorityClass, class_id) if class_id is not None else None
    if priority and priority_class is not None and (kind is None or kind.branch_id != branch.id):
        raise Invalid(N_("This branch has no such priority class."),
                      errors={"priority_class": [N_("This branch has no such priority class.")]})
    boost = kind.boost_min if kind is not None else branch.priority_boost_min
    before = place_of(ticket)
    apply(uow, ticket, rules.set_priority, priority, boost, clock.utcnow(), actor=actor)
    ticket.priority_class_id = kind.id if priority and kind is not None else None
    audit.record(session, actor, "ticket.priority_granted" if priority else "ticket.priority_removed",
                 branch=branch.slug, target=ticket.code,
                 changes={"class": [None, kind.name_es] if priority else [kind.name_es, None]} if kind else None)
    stats = changed(uow, branch, services=[ticket.service_id], moved_behind=min(before, place_of(ticket)),
                    also=[ticket], setup_changed=False)
    result = ticket_result(uow, ticket, stats)
    uow.commit()
    return result


def _ref(row) -> tuple[int, str]:
    return row.id, row.slug


def cancel(uow: UnitOfWork, token: str, actor: Actor) -> views.TicketView:
    """The holder of the token (or staff for them) cancels the ticket."""
    session = uow.session
    ticket, branch = holders_ticket(session, token, actor)
    place = place_of(ticket)
    was_waiting = ticket.status == Status.WAITING
    apply(uow, ticket, rules.cancel, clock.utcnow(), actor=actor,
          channel=None if actor.kind == "user" else ticket.channel)
    stats = changed(uow, branch, services=[ticket.service_id], moved_behind=place if was_waiting else None,
                    also=[ticket], setup_changed=False, shifts=[(ticket.service_id, place, -1)] if was_waiting else [])
    result = ticket_result(uow, ticket, stats)
    uow.commit()
    return result


# ---------------------------------------------------------------- the holder's rating and phone

@dataclass(frozen=True)
class Rating:
    ticket: str
    score: int
    comment: str | None


def give_feedback(uow: UnitOfWork, token: str, score: int, comment: str | None,
                  channel: str | None = None) -> Rating:
    session = uow.session
    ticket = find_ticket_by_token(session, token)
    if ticket.status != Status.DONE:
        raise Conflict(N_("You can rate a visit once it is over."))
    if session.scalar(select(Feedback).where(Feedback.ticket_seq == ticket.seq)) is not None:
        raise Conflict(N_("This visit was already rated. Thank you!"))
    if not 1 <= score <= 5:
        raise Invalid(N_("The score goes from 1 to 5."), errors={"score": [N_("The score goes from 1 to 5.")]})
    channel = channel or ticket.channel
    feedback = Feedback(ticket_seq=ticket.seq, score=score, comment=comment or None, channel=channel,
                        at=clock.utcnow())
    session.add(feedback)
    record(uow, ticket, events.Rated(at=feedback.at, score=score), None, branch_slug=ticket.branch.slug,
           channel=channel)
    if score <= LOW_SCORE:  # the managers' consoles hear it at once
        uow.emit("feedback.low", _rating_of(ticket, feedback), staff_room(ticket.branch.slug))
    uow.commit()
    return Rating(ticket.id, score, comment or None)


LOW_SCORE = 2


def _rating_of(ticket: Ticket, feedback: Feedback) -> dict:
    return {"ticket": ticket.id, "code": ticket.code, "service": ticket.service.slug,
            "service_names": {"es": ticket.service.name_es, "en": ticket.service.name_en},
            "counter": ticket.counter.name if ticket.counter is not None else None, "score": feedback.score,
            "comment": feedback.comment, "channel": feedback.channel, "at": views.iso(feedback.at)}


def low_ratings(uow: UnitOfWork, branch_slug: str, actor: Actor) -> list[dict]:
    """Today's ratings of 1 or 2 at the branch, newest first (its managers)."""
    session = uow.session
    branch = find_branch(session, branch_slug)
    actor.require_manager(branch)
    rows = session.execute(
        select(Ticket, Feedback).join(Feedback, Feedback.ticket_seq == Ticket.seq)
        .options(joinedload(Ticket.service), joinedload(Ticket.counter))
        .where(Ticket.branch_id == branch.id, Ticket.day == today(branch), Feedback.score <= LOW_SCORE)
        .order_by(Feedback.at.desc()).limit(20))
    return [_rating_of(ticket, feedback) for ticket, feedback in rows]


def get_feedback(uow: UnitOfWork, token: str) -> Rating | None:
    """The rating the holder gave this visit, or None."""
    ticket = find_ticket_by_token(uow.session, token)
    feedback = uow.session.scalar(select(Feedback).where(Feedback.ticket_seq == ticket.seq))
    if feedback is None:
        return None
    return Rating(ticket.id, feedback.score, feedback.comment)


def branch_changed(uow: UnitOfWork, branch: Branch) -> None:
    """An administrative change the displays show (names, colours, counters, settings):
    queue a fresh `branch.state` and new waits for after the commit. Call it with the
    branch row locked (`find_branch(..., lock=True)`)."""
    service_ids = uow.session.scalars(select(Service.id).where(Service.branch_id == branch.id)).all()
    changed(uow, branch, services=service_ids, eta_changed=True)


__all__ = ["take_ticket", "issue_ticket", "TicketTaken", "fingerprint", "act", "transfer", "cancel", "give_feedback",
           "get_feedback", "Rating", "let_pass", "arrive", "get_ticket", "get_branch", "get_branch_state",
           "list_branches", "list_tickets", "ticket_history", "set_ticket_phone", "branch_changed",
           "Alerts", "alert_phone", "set_alert_channel"]
