"""Reading the ticket log for a period, as every report does: the days asked for
(`Period`, a year at most) and each ticket's visit (`read_visits`: its row, its first
call, who served it, the wait it was shown, its score), for figures.py to count.

Fast on a year of a busy branch: four indexed range reads (tickets by branch and day,
events by branch, kind and time), times turned into seconds by the database, the
rest one pass in Python."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Float, String, func, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from ..errors import N_, Invalid, Message
from ..models import Branch, Feedback, Ticket, TicketEvent
from ..queue.rules import day_bounds_utc, local_day
from ..queue.setup import undone_events
from .figures import Visit

MAX_DAYS = 366


class epoch(FunctionElement):
    """Seconds since 1970 of a naive UTC timestamp column, computed by the database."""
    type = Float()
    inherit_cache = True


@compiles(epoch, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch, "postgresql")
def _epoch_postgresql(element, compiler, **kw):
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @classmethod
    def of(cls, branch: Branch, first: date | None, last: date | None, now: datetime) -> Period:
        """The days asked for (today when none), checked: in order, a year at most."""
        today = local_day(now, branch.timezone)
        first, last = first or last or today, last or first or today
        if first > last:
            raise Invalid(N_("The first day comes after the last."),
                          errors={"from": [N_("The first day comes after the last.")]})
        if (last - first).days >= MAX_DAYS:
            message = Message(N_("Ask for %(max)s days at most."), max=MAX_DAYS)
            raise Invalid(message, errors={"to": [message]}, max=MAX_DAYS)
        return cls(first, last)

    def utc_bounds(self, tz: str) -> tuple[datetime, datetime]:
        """From the first day's start to a day after the last day's end (a turn of the
        last day may be finished after midnight)."""
        start, end = day_bounds_utc(self.first, tz)[0], day_bounds_utc(self.last, tz)[1] + timedelta(days=1)
        return start.replace(tzinfo=timezone.utc), end.replace(tzinfo=timezone.utc)


class _LocalHours:
    """The local hour of an instant, remembered per quarter hour (every UTC offset in
    use is a multiple of 15 minutes), so that a year of tickets converts each quarter
    hour once."""

    def __init__(self, tz: str):
        self.zone, self.seen = ZoneInfo(tz), {}

    def __call__(self, seconds: float) -> int:
        quarter = int(seconds // 900)
        hour = self.seen.get(quarter)
        if hour is None:
            hour = self.seen[quarter] = datetime.fromtimestamp(quarter * 900, self.zone).hour
        return hour


def read_visits(session: Session, branch: Branch, period: Period) -> list[Visit]:
    # Plain rows on the session's connection: no ORM bookkeeping per row, and the
    # shown waits are read out of the events' JSON by the database, not in Python.
    conn = session.connection()
    start, end = period.utc_bounds(branch.timezone)
    # A call or finish that staff undid (queue.undo) did not happen, for the figures.
    events = (TicketEvent.branch_id == branch.id, TicketEvent.at >= start, TicketEvent.at < end,
              TicketEvent.id.not_in(undone_events(branch.id)))
    calls = {seq: (first, user) for seq, first, user in conn.execute(
        select(TicketEvent.ticket_seq, func.min(epoch(TicketEvent.at)), func.max(TicketEvent.user_id))
        .where(TicketEvent.kind == "called", *events).group_by(TicketEvent.ticket_seq)).all()}
    finishers = dict(conn.execute(
        select(TicketEvent.ticket_seq, func.max(TicketEvent.user_id))
        .where(TicketEvent.kind == "done", TicketEvent.user_id.is_not(None), *events)
        .group_by(TicketEvent.ticket_seq)).all())
    data = TicketEvent.data
    # The wait told (`about`, the range's middle for a ticket shown a range alone).
    shown = {seq: ((low * 60, high * 60, (about if about is not None else (low + high) / 2) * 60),
                   (ahead or 0) * (average or 0) * 60)
             for seq, low, high, about, ahead, average in conn.execute(
                 select(TicketEvent.ticket_seq, data[("eta", 0)].as_float(), data[("eta", 1)].as_float(),
                        data[("eta", 2)].as_float(), data[("ahead",)].as_float(),
                        data[("configured_min",)].as_float())
                 .where(TicketEvent.kind == "issued", *events)).all()
             if low is not None and high is not None}
    in_period = (Ticket.branch_id == branch.id, Ticket.day >= period.first, Ticket.day <= period.last)
    scores = dict(conn.execute(
        select(Feedback.ticket_seq, Feedback.score).join(Ticket, Ticket.seq == Feedback.ticket_seq)
        .where(*in_period)).all())
    hour_of = _LocalHours(branch.timezone)
    hours, days = hour_of.seen, {}
    no_call, no_estimate = (None, None), (None, None)
    visits = []
    # Per row, only dictionary lookups (about 8% of a year's read, measured): the day as
    # the database gives it (SQLite: text) turned into a date once per distinct day, the
    # local hour looked up by the quarter hour before asking _LocalHours.
    for seq, code, raw_day, taken, service, channel, status, counter, served in conn.execute(
            select(Ticket.seq, Ticket.code, type_coerce(Ticket.day, String), epoch(Ticket.created_at),
                   Ticket.service_id, Ticket.channel, Ticket.status, Ticket.counter_id,
                   epoch(Ticket.finished_at) - epoch(Ticket.started_at))
            .where(*in_period).order_by(Ticket.seq)).all():
        day = days.get(raw_day)
        if day is None:
            day = days[raw_day] = raw_day if isinstance(raw_day, date) else date.fromisoformat(str(raw_day)[:10])
        hour = hours.get(int(taken // 900))
        if hour is None:
            hour = hour_of(taken)
        first_call, caller = calls.get(seq, no_call)
        estimate, naive = shown.get(seq, no_estimate)
        visits.append(Visit(seq, code, day, hour, taken, service, channel, status, counter,
                            finishers.get(seq, caller),
                  None if first_call is None else max(0.0, round(first_call - taken, 3)),
                  None if served is None else max(0.0, round(served, 3)), scores.get(seq), estimate, naive))
    return visits
