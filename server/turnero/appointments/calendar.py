"""The appointment as an iCalendar file (RFC 5545), for "add to calendar"."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale, gettext
from icalendar import Alarm, Calendar, Event

from ..models import utcnow
from .models import Appointment
from .rules import AppointmentStatus

PRODID = "-//Turnero//Appointments//EN"


def appointment_ics(appointment: Appointment, public_url: str) -> bytes:
    """One VEVENT in UTC; a cancelled appointment is sent as STATUS:CANCELLED so a
    calendar that imported it can drop it. SEQUENCE grows with each move."""
    lang = appointment.lang if appointment.lang in ("es", "en") else "es"
    branch, service = appointment.branch, appointment.service
    manage_url = f"{public_url}/a/{appointment.token}"
    with force_locale(lang):
        summary = gettext("Appointment: %(service)s, %(branch)s", service=service.name(lang), branch=branch.name)
        description = gettext(
            "Appointment code: %(code)s. When you arrive, check in at the kiosk with this code "
            "(from %(before)s minutes before). To move or cancel it: %(url)s",
            code=appointment.code, before=branch.checkin_before_min, url=manage_url)
        bring = service.bring(lang)
        if bring:
            description += "\n" + gettext("Please bring: %(what)s", what=bring)
        alarm_text = gettext("Your appointment is in one hour.")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{appointment.id}@turnero")
    event.add("dtstamp", utcnow())
    event.add("dtstart", appointment.start_at)
    event.add("dtend", appointment.end_at)
    event.add("summary", summary)
    event.add("location", f"{branch.name}, {branch.address}" if branch.address else branch.name)
    event.add("description", description)
    event.add("url", manage_url)
    event.add("sequence", appointment.reschedules)
    event.add("status", "CANCELLED" if appointment.status == AppointmentStatus.CANCELLED else "CONFIRMED")
    if appointment.status == AppointmentStatus.BOOKED:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", alarm_text)
        alarm.add("trigger", timedelta(hours=-1))
        event.add_component(alarm)
    cal.add_component(event)
    return cal.to_ical()
