"""What appointments keep about customers, answered for the retention purge and for a
customer's copy or erasure (`signals.personal_data_expiring`, `customer_records`,
`customer_erasing`): the name given when booking and the link to the customer."""
from __future__ import annotations

from sqlalchemy import select, update

from ..errors import N_, Message
from ..models import Branch, Service
from ..signals import CustomerRecords
from .models import Appointment
from .rules import AppointmentStatus as St

ERASED_NAME = ""


def expiring(session, *, branch_id, before) -> dict[str, int]:
    if branch_id is None:
        return {}
    changed = session.execute(
        update(Appointment).where(Appointment.branch_id == branch_id, Appointment.start_at < before,
                                  (Appointment.name != ERASED_NAME) | (Appointment.customer_id.is_not(None)))
        .values(name=ERASED_NAME, customer_id=None)).rowcount
    return {"appointments": changed}


def records(session, *, customer_id, phone, now) -> CustomerRecords:
    found = CustomerRecords()
    if customer_id is None:
        return found
    rows = session.execute(
        select(Appointment, Branch.slug, Service.slug).join(Branch, Branch.id == Appointment.branch_id)
        .join(Service, Service.id == Appointment.service_id)
        .where(Appointment.customer_id == customer_id).order_by(Appointment.start_at)).all()
    found.records["appointments"] = [
        {"branch": branch, "service": service, "code": a.code, "name": a.name, "start_at": a.start_at,
         "status": a.status, "channel": a.channel, "created_at": a.created_at, "checked_in_at": a.checked_in_at}
        for a, branch, service in rows]
    upcoming = [a.code for a, _b, _s in rows if a.status == St.BOOKED and a.end_at > now]
    if upcoming:
        found.blockers["appointments"] = [Message(N_("Appointments to come: %(codes)s. Cancel them first."),
                                                  codes=", ".join(upcoming))]
    return found


def erasing(session, *, customer_id, phone) -> dict[str, int]:
    if customer_id is None:
        return {}
    changed = session.execute(update(Appointment).where(Appointment.customer_id == customer_id)
                              .values(name=ERASED_NAME, customer_id=None)).rowcount
    return {"appointments": changed}
