"""Texts about appointments (confirmation, moved, reminders), in the customer's
language and wall time, asked for in the caller's transaction (`signals.customer_text`:
messaging queues them in its outbox)."""
from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import has_app_context
from flask_babel import force_locale, gettext
from sqlalchemy import update

from .. import signals
from ..errors import N_
from .models import Appointment
from .rules import AppointmentStatus as St

log = logging.getLogger(__name__)

KINDS = {
    "appointment_confirm": N_("%(branch)s: your appointment for %(service)s is booked for %(when)s. "
                              "Code %(code)s. See, move or cancel it: %(url)s"),
    "appointment_moved": N_("%(branch)s: your appointment for %(service)s is now on %(when)s. "
                            "Code %(code)s. %(url)s"),
    "appointment_day": N_("%(branch)s: reminder of your appointment for %(service)s tomorrow, %(when)s. "
                          "Code %(code)s. To move or cancel it: %(url)s"),
    "appointment_hour": N_("%(branch)s: your appointment for %(service)s is at %(when)s. When you arrive, "
                           "check in at the kiosk with code %(code)s or reply HERE."),
}
# Where to go and what to bring, after the words of these (not in their WhatsApp
# templates, whose words are fixed when approved).
WITH_DIRECTIONS = ("appointment_confirm", "appointment_day", "appointment_hour")
BRING_CHARS = 160  # of a service's list in a text; the page and the .ics have all of it
# The reminder an hour before shows only the time; the others the day too.
FORMATS = {"appointment_hour": "HH:mm"}
DAY_AND_TIME = "EEEE d MMMM, HH:mm"


def when_text(appointment, lang: str, fmt: str = DAY_AND_TIME) -> str:
    """The appointment's wall time at its branch, as its customer reads it."""
    return format_datetime(appointment.start_at, fmt, tzinfo=ZoneInfo(appointment.branch.timezone), locale=lang)


def message_values(appointment, kind: str, public_url: str) -> dict:
    """What a message about the appointment names, in the customer's language."""
    lang = appointment.lang if appointment.lang in ("es", "en") else "es"
    return {"branch": appointment.branch.name, "service": appointment.service.name(lang),
            "when": when_text(appointment, lang, FORMATS.get(kind, DAY_AND_TIME)), "code": appointment.code,
            "url": f"{public_url}/a/{appointment.token}"}


def message_text(appointment, kind: str, public_url: str) -> str:
    lang = appointment.lang if appointment.lang in ("es", "en") else "es"
    with force_locale(lang):
        text = gettext(KINDS[kind], **message_values(appointment, kind, public_url))
        if kind not in WITH_DIRECTIONS:
            return text
        address = (appointment.branch.address or "").strip().rstrip(".")
        bring = (appointment.service.bring(lang) or "").strip().rstrip(".")
        if address:
            text += " " + gettext("Address: %(address)s.", address=address)
        if bring:
            if len(bring) > BRING_CHARS:
                bring = bring[:BRING_CHARS - 1].rsplit(" ", 1)[0] + "…"
            text += " " + gettext("Please bring: %(what)s", what=bring) + "."
        return text


def queue_message(session, appointment, kind: str, public_url: str) -> bool:
    """Ask for the text; False when it was not queued (opted out, no messaging, or no
    app context to translate in)."""
    if not has_app_context():
        log.warning("appointment %s: %s not queued (no app context)", appointment.code, kind)
        return False
    if appointment.customer is None:  # the customer's data was erased
        return False
    # The kind names messaging's WhatsApp template that says the same (messaging/templates.py).
    return signals.send_customer_text(session, phone=appointment.customer.phone,
                                      body=message_text(appointment, kind, public_url), kind=kind,
                                      lang=appointment.lang, branch_id=appointment.branch_id, template=kind,
                                      values=message_values(appointment, kind, public_url),
                                      notify_by=appointment.notify_by)


def customer_chose_channel(session, customer_id: int, channel: str | None) -> None:
    """`signals.customer_channel_chosen`: the number's holder or staff chose where the
    customer's messages go; the choices made for their appointments still to come (with
    a typed number) give way to it."""
    session.execute(update(Appointment).where(
        Appointment.customer_id == customer_id, Appointment.status.in_((St.BOOKED, St.CHECKED_IN)),
        Appointment.notify_by.is_not(None)).values(notify_by=None))
