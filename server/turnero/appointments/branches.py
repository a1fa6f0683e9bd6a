"""What appointments keep of a branch, answered when an admin deletes one
(`signals.branch_contents`, `signals.branch_deleting`)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from ..errors import N_, Message
from ..signals import BranchContents
from .models import Appointment, AppointmentEvent, Closure, OpeningHours
from .rules import AppointmentStatus as St


def contents(session, *, branch, now) -> BranchContents:
    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(model.branch_id == branch.id, *where))

    upcoming = (Appointment.status == St.BOOKED, Appointment.end_at > now)
    found = BranchContents(counts={"appointments": count(Appointment),
                                   "hours": count(OpeningHours) + count(Closure)})
    ahead = count(Appointment, *upcoming)
    if ahead:
        first = session.scalar(select(func.min(Appointment.start_at)).where(Appointment.branch_id == branch.id,
                                                                            *upcoming))
        when = first.astimezone(ZoneInfo(branch.timezone)).strftime("%Y-%m-%d %H:%M")
        found.blockers["appointments"] = [Message(N_("Appointments booked from now on: %(count)d, the first on "
                                                     "%(when)s. Cancel or move them first."), count=ahead, when=when)]
    return found


def deleting(session, *, branch_id, tickets) -> None:
    for model in (AppointmentEvent, Appointment, OpeningHours, Closure):
        session.execute(delete(model).where(model.branch_id == branch_id))
