"""A branch's weekly opening hours, read and replaced through one use case
(`set_opening_hours`) whatever the door: the admin's weekly editor, the appointment
settings' text form, the REST API and the CLI. The rules (a range opens before it
closes, ranges of a day never overlap) are `hours.range_problems`."""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import time

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..access import audit
from ..access.services import Actor
from ..db import UnitOfWork
from ..errors import N_, Invalid
from ..hours import parse_wall, range_problems
from ..models import Branch, OpeningHours
from ..queue.services import branch_changed
from .services import managed_branch
from .validation import Message

log = logging.getLogger(__name__)

WEEKDAYS = range(7)
MAX_RANGES = 6  # per day: more is a mistake (or someone filling the form with noise)

PROBLEMS = {"order": N_("It must open before it closes."),
            "overlap": N_("This range overlaps another one of the same day.")}


def week_of(session: Session, branch: Branch) -> dict[int, list[tuple[time, time]]]:
    """weekday (0 = Monday) -> its ranges in order; [] when closed that day."""
    week: dict[int, list[tuple[time, time]]] = {d: [] for d in WEEKDAYS}
    for weekday, opens, closes in session.execute(
            select(OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
            .where(OpeningHours.branch_id == branch.id).order_by(OpeningHours.weekday, OpeningHours.opens)):
        week[weekday].append((opens, closes))
    return week


def opening_hours(uow: UnitOfWork, actor: Actor, branch_slug: str) -> dict:
    """The branch's week for the editor: its name, time zone and ranges as "HH:MM"."""
    branch = managed_branch(uow.session, actor, branch_slug)
    return {"slug": branch.slug, "name": branch.name, "timezone": branch.timezone, "join_hours": branch.join_hours,
            "week": {d: [(f"{o:%H:%M}", f"{c:%H:%M}") for o, c in ranges]
                     for d, ranges in week_of(uow.session, branch).items()}}


def _parse_day(errors: dict, weekday: int, ranges: Sequence) -> list[tuple[time, time]]:
    """The day's ranges as times; a message per field that is not a time."""
    if len(ranges) > MAX_RANGES:
        errors[f"day-{weekday}"] = [Message(N_("At most %(max)d ranges a day."), max=MAX_RANGES)]
        return []
    parsed, broken = [], False
    for i, pair in enumerate(ranges):
        times = []
        for end, given in zip(("opens", "closes"), pair):
            try:
                times.append(given if isinstance(given, time) else parse_wall(str(given or "")))
            except ValueError:
                errors[f"day-{weekday}-{i}-{end}"] = [N_("Enter a time like 09:00 (24-hour clock).")]
                broken = True
        if len(times) == 2:
            parsed.append((times[0].replace(second=0, microsecond=0), times[1].replace(second=0, microsecond=0)))
    if broken:
        return []
    for i, problem in range_problems(parsed).items():
        errors.setdefault(f"day-{weekday}-{i}-{'closes' if problem == 'order' else 'opens'}", []).append(
            PROBLEMS[problem])
    return parsed


def check_week(week: Mapping[int, Sequence[tuple[str | time, str | time]]]
               ) -> tuple[dict[int, list[tuple[time, time]]], dict[str, list]]:
    """The week's ranges as times, in order, and the messages of whatever is wrong
    with them (field -> messages; {} when all is right). `set_opening_hours` saves
    nothing unless this finds no fault; a form may ask it too, to show every message at once."""
    errors: dict[str, list] = {}
    parsed: dict[int, list[tuple[time, time]]] = {}
    for weekday, ranges in week.items():
        if weekday not in WEEKDAYS:
            errors[f"day-{weekday}"] = [N_("Weekdays go from 0 (Monday) to 6 (Sunday).")]
            continue
        parsed[weekday] = sorted(_parse_day(errors, weekday, list(ranges or ())))
    return parsed, errors


def set_opening_hours(uow: UnitOfWork, actor: Actor, branch_slug: str,
                      week: Mapping[int, Sequence[tuple[str | time, str | time]]]) -> dict:
    """Replace the opening hours of the weekdays given (0 = Monday; an empty list closes
    that day; weekdays left out keep theirs). Every range is checked (times, opening
    before closing, no overlaps) and all messages raised at once, field by field
    (`day-D-I-opens`, `day-D-I-closes`, `day-D`); nothing is saved unless all are
    right. Booked appointments are kept; the displays and kiosks hear the change."""
    session = uow.session
    branch = managed_branch(session, actor, branch_slug, lock=True)
    parsed, errors = check_week(week)
    if errors:
        raise Invalid(N_("Some opening hours are not valid."), errors=errors)
    before = week_of(session, branch)
    changes = {str(d): [_text(before[d]), _text(ranges)] for d, ranges in parsed.items()
               if before[d] != ranges}
    if changes:
        audit.record(session, actor, "hours.changed", branch=branch.slug, changes=changes)
        for weekday in changes:
            session.execute(delete(OpeningHours).where(OpeningHours.branch_id == branch.id,
                                                       OpeningHours.weekday == int(weekday)))
            session.add_all(OpeningHours(branch_id=branch.id, weekday=int(weekday), opens=o, closes=c)
                            for o, c in parsed[int(weekday)])
        session.flush()
        branch_changed(uow, branch)  # walk-ins may join in other hours now (`join_hours`)
    uow.commit()
    log.info("opening hours of %s %s by %s", branch.slug, "changed" if changes else "saved unchanged",
             actor.username)
    return {d: [(f"{o:%H:%M}", f"{c:%H:%M}") for o, c in ranges] for d, ranges in week_of(session, branch).items()}


def _text(ranges: Sequence[tuple[time, time]]) -> str:
    return ", ".join(f"{o:%H:%M}-{c:%H:%M}" for o, c in ranges)
