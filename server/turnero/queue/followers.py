"""The followers of a line: after a change moved tickets, every process updates the
tickets its own clients follow, and only those.

A change does not build a view for each ticket behind it (a line may hold thousands
and few are followed). It queues one notice (`moved`): which lines of the branch
moved, behind which place, and which tickets it acted on. Each process hears the
notice after the commit, in the order of the Socket.IO channel (realtime), and calls
`refresh` with the ids of the tickets its clients follow. The views are read from the
database as it is then, in one query for the whole notice, so a notice heard late, or
after a newer one, can only show a newer place: never an older one.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import select

from .. import clock
from ..db import Database
from ..models import Branch, Ticket
from ..realtime import branch_room, ticket_room
from . import places
from . import read_models as views
from .known_lines import KnownLines
from .lookups import TICKET_LOAD
from .rules import Place, local_day
from .setup import counts, lines_now, setup_for

Emit = Callable[[str, dict, str], None]


def moved(branch_id: int, services: Iterable[int], after: Place | None, tickets: Iterable[str] = (), *,
          seq: int | None = None, prev: int | None = None,
          shifts: Iterable[tuple[int, Place, int]] | None = None) -> dict:
    """The notice (plain JSON: it may travel through Redis): the waiting tickets of
    `services` behind `after` (all of them when None) moved or have a new wait, and
    each of `tickets` (ids) changed itself. `seq` is the branch's after the change,
    `prev` the one of the notice before (the branch's `moved_seq`), `shifts` all the
    change did to the lines' order, each (service id, place, -1 left or +1 entered),
    or None when it did more (known_lines)."""
    return {"branch": branch_id, "services": sorted(services),
            "after": [after.sort_at.isoformat(), after.seq] if after is not None else None,
            "tickets": list(tickets), "seq": seq, "prev": prev,
            "shifts": None if shifts is None else [[service, [place.sort_at.isoformat(), place.seq], by]
                                                   for service, place, by in shifts]}


def _step(notice: dict) -> dict:
    return {"seq": notice.get("seq"), "prev": notice.get("prev"), "shifts": notice.get("shifts")}


def refresh(db: Database, notices: list[dict], followed: set[str], emit: Emit) -> int:
    """`ticket.update` for each ticket of the notices that `followed` holds. Notices
    heard together are merged per branch first: the database is read once for all.
    Returns how many updates were sent."""
    return sum(_refresh(db, notice, followed, emit) for notice in merged(notices))


def merged(notices: list[dict]) -> list[dict]:
    """One notice per branch saying all that these said: the lines of any, behind the
    earliest place (or all of a line when one said so), every ticket, and each one's
    step (`seq`, `prev`, `shifts`) in the order heard."""
    by_branch: dict[int, dict] = {}
    for notice in notices:
        known = by_branch.get(notice["branch"])
        if known is None:
            by_branch[notice["branch"]] = {**notice, "services": list(notice["services"]),
                                           "tickets": list(notice["tickets"]), "steps": [_step(notice)]}
            continue
        known["steps"].append(_step(notice))
        if notice["services"]:
            if not known["services"]:
                known["after"] = notice["after"]
            elif known["after"] is None or notice["after"] is None:
                known["after"] = None
            else:
                known["after"] = min(known["after"], notice["after"], key=_place)
            known["services"] = sorted(set(known["services"]) | set(notice["services"]))
        known["tickets"] += [t for t in notice["tickets"] if t not in known["tickets"]]
    return list(by_branch.values())


def _place(after: list) -> tuple[datetime, int]:
    return datetime.fromisoformat(after[0]), after[1]


def _refresh(db: Database, notice: dict, followed: set[str], emit: Emit) -> int:
    if db.known_lines is None:
        db.known_lines = KnownLines()
    mine = [t for t in notice["tickets"] if t in followed]
    steps = notice["steps"]  # merged() gives every notice its steps
    if not notice["services"] and not mine:
        # Nothing to refresh; what this process knows of the lines still moves.
        db.known_lines.advance(notice["branch"], steps)
        return 0
    sent = 0
    with db.unit_of_work() as uow:
        session = uow.session
        branch = session.get(Branch, notice["branch"])
        if branch is None:  # deleted since
            return 0
        after = notice["after"]
        place = Place(*_place(after)) if after is not None else None
        waiting = counts(lines_now(session, branch))
        known = places.KnownPlaces(db.known_lines, branch.moved_seq, waiting, steps)
        lines = places.followed_in_lines(session, branch.id, notice["services"], followed, known, place)
        if not lines and not mine:
            return 0
        day = local_day(clock.utcnow(), branch.timezone)
        setup = setup_for(session, branch.id, branch.setup_version, day)
        stats = setup.stats(waiting)
        services = {s.id: s for s in setup.services}
        # Where counters serve several lines, the tickets of the others placed before each.
        sharing = {row.seq for row, _ahead in lines if stats[row.service_id].others}
        older = places.older_in_lines(session, branch.id, set().union(*(stats[s].others for s in notice["services"]
                                                                        if s in stats)), sharing)
        done: set[str] = set()
        slug, followed_update = branch.slug, views.followed_update
        for row, ahead in lines:
            update = followed_update(row, ahead, branch_slug=slug, service=services[row.service_id],
                                     stats=stats.get(row.service_id), older=older.get(row.seq))
            emit("ticket.update", update, ticket_room(row.id))
            done.add(row.id)
        sent += len(lines)
        changed_here = session.scalars(select(Ticket).options(*TICKET_LOAD).where(Ticket.id.in_(mine))).unique() \
            if mine else ()
        for ticket in changed_here:
            if ticket.id in done:
                continue
            view = views.view_now(session, ticket, public_url=db.public_url, stats=stats)
            emit("ticket.update", view.to_json(token=False), ticket_room(ticket.id))
            sent += 1
    return sent


def resync(db: Database, branches: set[str], followed: set[str], emit: Emit) -> None:
    """After events may have been missed (this process lost the channel to the others,
    Redis, and has it again): each branch its clients follow gets its `branch.state`
    as it is now, and each followed ticket its `ticket.update`. A client that missed
    nothing drops them (a `seq` it has)."""
    by_branch: dict[int, list[str]] = defaultdict(list)
    with db.unit_of_work() as uow:
        session = uow.session
        for branch in session.scalars(select(Branch).where(Branch.slug.in_(branches))) if branches else ():
            state = views.branch_state(session, branch, local_day(clock.utcnow(), branch.timezone))
            emit("branch.state", state, branch_room(branch.slug))
        if followed:
            for ticket_id, branch_id in session.execute(select(Ticket.id, Ticket.branch_id)
                                                        .where(Ticket.id.in_(followed))):
                by_branch[branch_id].append(ticket_id)
    refresh(db, [moved(branch_id, (), None, ids) for branch_id, ids in by_branch.items()], followed, emit)


__all__ = ["moved", "refresh", "merged", "resync"]
