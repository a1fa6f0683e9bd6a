"""Read models: what every channel shows. Positions and waits are computed here
only, from the database, so all channels agree at the same moment."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, tuple_
from sqlalchemy.orm import Session

from ..domain.rules import Eta, Status, estimate_wait, mean_service_minutes
from ..models import Branch, Counter, Service, Ticket, TicketEvent, counter_services

RECENT_SAMPLES = 10
CALLING_LIMIT = 10


def iso(moment) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ServiceStats:
    waiting: int
    mean_min: float
    open_counters: int

    def eta(self, ahead: int) -> Eta:
        return estimate_wait(ahead, self.mean_min, self.open_counters)


# Statements of the hot path are built once: building SQLAlchemy expressions costs
# more than running these small indexed queries.
_SERVICES = (select(Service).where(Service.branch_id == bindparam("branch_id"))
             .order_by(Service.prefix))
_WAITING_COUNTS = (select(Ticket.service_id, func.count())
                   .where(Ticket.branch_id == bindparam("branch_id"), Ticket.status == Status.WAITING.value)
                   .group_by(Ticket.service_id))
_OPEN_COUNTERS = (select(counter_services.c.service_id, func.count())
                  .join(Counter, Counter.id == counter_services.c.counter_id)
                  .where(Counter.branch_id == bindparam("branch_id"), Counter.state == "open")
                  .group_by(counter_services.c.service_id))
_RANKED_DONE = (
    select(Ticket.service_id, Ticket.started_at, Ticket.finished_at,
           func.row_number().over(partition_by=Ticket.service_id,
                                  order_by=Ticket.finished_at.desc()).label("rn"))
    .where(Ticket.branch_id == bindparam("branch_id"), Ticket.day == bindparam("day"),
           Ticket.status == Status.DONE.value, Ticket.started_at.is_not(None), Ticket.finished_at.is_not(None))
    .subquery())
_RECENT_DURATIONS = (select(_RANKED_DONE.c.service_id, _RANKED_DONE.c.started_at, _RANKED_DONE.c.finished_at)
                     .where(_RANKED_DONE.c.rn <= RECENT_SAMPLES))
_AHEAD = (select(func.count()).select_from(Ticket).where(
    Ticket.branch_id == bindparam("branch_id"), Ticket.service_id == bindparam("service_id"),
    Ticket.status == Status.WAITING.value,
    tuple_(Ticket.sort_at, Ticket.seq) < tuple_(bindparam("sort_at", type_=Ticket.sort_at.type),
                                                bindparam("seq"))))
_ANY_BEHIND = (select(Ticket.seq).where(
    Ticket.branch_id == bindparam("branch_id"), Ticket.service_id == bindparam("service_id"),
    Ticket.status == Status.WAITING.value,
    tuple_(Ticket.sort_at, Ticket.seq) > tuple_(bindparam("sort_at", type_=Ticket.sort_at.type),
                                                bindparam("seq"))).limit(1))


def branch_services(session: Session, branch: Branch) -> list[Service]:
    return session.scalars(_SERVICES, {"branch_id": branch.id}).all()


def service_stats(session: Session, branch: Branch, today,
                  services: list[Service] | None = None) -> dict[int, ServiceStats]:
    """Waiting count, recent mean service time and open counters, per service."""
    services = services if services is not None else branch_services(session, branch)
    params = {"branch_id": branch.id}
    waiting = dict(session.execute(_WAITING_COUNTS, params).all())
    open_counts = dict(session.execute(_OPEN_COUNTERS, params).all())
    durations: dict[int, list[float]] = defaultdict(list)
    for service_id, started, finished in session.execute(_RECENT_DURATIONS, {**params, "day": today}):
        durations[service_id].append(_seconds(started, finished))
    return {
        s.id: ServiceStats(waiting=waiting.get(s.id, 0),
                           mean_min=mean_service_minutes(durations.get(s.id, []), s.avg_service_min),
                           open_counters=open_counts.get(s.id, 0))
        for s in services
    }


def _seconds(started, finished) -> float:
    # Naive values come back from raw (non-ORM) selects on SQLite; both are UTC.
    if started.tzinfo is None or finished.tzinfo is None:
        started, finished = started.replace(tzinfo=None), finished.replace(tzinfo=None)
    return (finished - started).total_seconds()


_RECENT_CALLS = (
    select(TicketEvent.kind, TicketEvent.at, Ticket.code, Service.slug, Counter.slug, Counter.name)
    .join(Ticket, Ticket.seq == TicketEvent.ticket_seq)
    .join(Service, Service.id == Ticket.service_id)
    .join(Counter, Counter.id == TicketEvent.counter_id)
    .where(TicketEvent.branch_id == bindparam("branch_id"), TicketEvent.kind.in_(("called", "recalled")))
    .order_by(TicketEvent.id.desc())
    .limit(CALLING_LIMIT))


def recent_calls(session: Session, branch: Branch, lang: str) -> list[dict]:
    rows = session.execute(_RECENT_CALLS, {"branch_id": branch.id}).all()
    return [{"code": code, "service": service, "counter": {"id": cslug, "name": cname},
             "called_at": iso(at), "recall": kind == "recalled"}
            for kind, at, code, service, cslug, cname in rows]


def branch_state(session: Session, branch: Branch, today, lang: str | None = None,
                 stats: dict[int, ServiceStats] | None = None, services: list[Service] | None = None) -> dict:
    """The `branch.state` payload: codes only, never names or phones."""
    lang = lang or branch.lang
    services = services if services is not None else branch_services(session, branch)
    stats = stats if stats is not None else service_stats(session, branch, today, services)
    return {
        "branch": branch.slug,
        "seq": branch.seq,
        "services": [_service_entry(s, stats[s.id], lang) for s in services if s.active],
        "calling": recent_calls(session, branch, lang),
    }


def _service_entry(service: Service, stats: ServiceStats, lang: str) -> dict:
    return {
        "id": service.slug,
        "name": service.name(lang),
        "names": {"es": service.name_es, "en": service.name_en},
        "prefix": service.prefix,
        "color": service.color,
        "waiting": stats.waiting,
        "eta": stats.eta(stats.waiting).as_dict(),
        "takes_appointments": service.takes_appointments,
    }


def branch_detail(session: Session, branch: Branch, today, lang: str | None = None) -> dict:
    lang = lang or branch.lang
    state = branch_state(session, branch, today, lang)
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
        "message": branch.message,
        "seq": branch.seq,
        "services": state["services"],
        "counters": [{"id": c.slug, "name": c.name, "state": c.state,
                      "services": [s.slug for s in c.services]} for c in counters],
        "recent_calls": state["calling"],
    }


def branch_summary(branch: Branch) -> dict:
    return {"id": branch.slug, "slug": branch.slug, "name": branch.name,
            "timezone": branch.timezone, "lang": branch.lang}


def _place(ticket: Ticket) -> dict:
    return {"branch_id": ticket.branch_id, "service_id": ticket.service_id,
            "sort_at": ticket.sort_at, "seq": ticket.seq}


def ahead_of(session: Session, ticket: Ticket) -> int:
    """Tickets of the same line that will be called before this one."""
    return session.scalar(_AHEAD, _place(ticket))


def anyone_behind(session: Session, ticket: Ticket) -> bool:
    """Whether a waiting ticket of the same line stands behind this one."""
    return session.scalar(_ANY_BEHIND, _place(ticket)) is not None


def ticket_view(ticket: Ticket, *, ahead: int | None, stats: ServiceStats | None, public_url: str,
                include_token: bool = True, staff: bool = False) -> dict:
    """A ticket in JSON. `ahead`/`position`/`eta` only while it waits."""
    waiting = ticket.status == Status.WAITING
    view = {
        "id": ticket.id,
        "code": ticket.code,
        "branch": ticket.branch.slug,
        "service": ticket.service.slug,
        "service_name": ticket.service.name(ticket.lang),
        "channel": ticket.channel,
        "priority": ticket.priority,
        "status": ticket.status,
        "position": (ahead + 1) if waiting and ahead is not None else None,
        "ahead": ahead if waiting else None,
        "eta": stats.eta(ahead).as_dict() if waiting and stats is not None and ahead is not None else None,
        "counter": ({"id": ticket.counter.slug, "name": ticket.counter.name}
                    if ticket.counter is not None and ticket.status in (Status.CALLED, Status.SERVING)
                    else None),
        "lang": ticket.lang,
        "recalls": ticket.recalls,
        "created_at": iso(ticket.created_at),
        "called_at": iso(ticket.called_at),
        "started_at": iso(ticket.started_at),
        "finished_at": iso(ticket.finished_at),
    }
    if include_token:
        view["token"] = ticket.token
        view["track_url"] = f"{public_url}/t/{ticket.token}"
    if staff:
        view["phone"] = ticket.customer.phone if ticket.customer is not None else None
        view["name"] = ticket.name
        view["target_counter"] = ticket.target_counter.slug if ticket.target_counter else None
    return view


def waiting_with_positions(session: Session, branch_id: int, service_ids, after=None):
    """Every waiting ticket of these lines with its `ahead`, in one query.

    With `after` = (sort_at, seq), only the tickets behind that place (the ones
    whose position a change there moved)."""
    ahead = func.row_number().over(partition_by=Ticket.service_id,
                                   order_by=(Ticket.sort_at, Ticket.seq)) - 1
    inner = (select(Ticket.seq.label("seq"), ahead.label("ahead"))
             .where(Ticket.branch_id == branch_id, Ticket.status == Status.WAITING,
                    Ticket.service_id.in_(list(service_ids)))
             .subquery())
    query = select(Ticket, inner.c.ahead).join(inner, inner.c.seq == Ticket.seq)
    if after is not None:
        query = query.where(tuple_(Ticket.sort_at, Ticket.seq) > tuple_(*after))
    return session.execute(query.order_by(Ticket.sort_at, Ticket.seq)).all()


__all__ = ["ServiceStats", "service_stats", "branch_services", "anyone_behind", "branch_state", "branch_detail", "branch_summary",
           "ahead_of", "ticket_view", "waiting_with_positions", "iso"]
