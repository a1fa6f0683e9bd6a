"""Appointments by text (SMS and WhatsApp), on appointments' own use cases.

`CITA` / `APPOINTMENT` alone tells the number's next appointment at the branch; with
no appointment, or with a service (`CITA plataforma`), it offers that service's next
free times as a numbered menu, and the number answered books one (the reply is its
confirmation; a number holds one upcoming appointment booked this way). `CANCELAR CITA` asks first, and a yes cancels. The number a text comes
from is the customer: nothing else is asked of them.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from ..access.services import ANONYMOUS
from ..appointments import services as appointments
from ..models import Service
from . import texts
from .conversation import Conversation, Outcome
from .rules import Command

log = logging.getLogger(__name__)

# The words after CANCELAR / CANCEL that mean the appointment, not the turn.
APPOINTMENT_WORDS = frozenset({"CITA", "APPOINTMENT", "BOOK", "BOOKING"})


def bookable(convo: Conversation) -> list[Service]:
    return list(convo.session.scalars(select(Service).where(
        Service.branch_id == convo.branch.id, Service.active, Service.takes_appointments).order_by(Service.prefix)))


def appointment(convo: Conversation, command: Command) -> Outcome:
    if not command.arg:
        upcoming = appointments.next_for_phone(convo.uow, convo.branch.slug, convo.phone)
        if upcoming is not None:
            view = appointments.appointment_view(upcoming, convo.uow.db.public_url)
            return Outcome(texts.appointment_next(view, convo.lang))
    services = bookable(convo)
    if not services:
        return Outcome(texts.no_appointments(convo.branch.name))
    chosen = convo.pick_service(command.arg, services, texts.appointment_menu, "book_menu")
    return chosen if isinstance(chosen, Outcome) else _offer(convo, chosen)


def _offer(convo: Conversation, service: Service) -> Outcome:
    slots = appointments.next_free_slots(convo.uow, convo.branch.slug, service.slug)
    if not slots:
        return Outcome(texts.no_slots(service.name(convo.lang),
                                      f"{convo.uow.db.public_url}/b/{convo.branch.slug}/book"))
    return Outcome(texts.slot_menu(service.name(convo.lang), [s["local_start"] for s in slots], convo.lang),
                   data={"slots": [s["start"] for s in slots], "service": service.slug})


def answer(convo: Conversation, number: int, asked: dict) -> Outcome:
    """A number answering the latest menu: a service to book, or a time."""
    if "book_menu" in asked:
        services = {s.slug: s for s in bookable(convo)}
        options = [services[slug] for slug in asked["book_menu"] if slug in services]
        if not 1 <= number <= len(options):
            return Outcome(texts.menu_again(len(options)) + " " + texts.appointment_menu(
                [s.name(convo.lang) for s in options]), data={"book_menu": [s.slug for s in options]})
        return _offer(convo, options[number - 1])
    starts = asked["slots"]
    if not 1 <= number <= len(starts):
        return Outcome(texts.menu_again(len(starts)), data=asked)
    # One upcoming appointment per number by text: a script with a phone cannot fill the
    # branch's day (the booking page and staff book more).
    upcoming = appointments.next_for_phone(convo.uow, convo.branch.slug, convo.phone)
    if upcoming is not None:
        return Outcome(texts.appointment_next(appointments.appointment_view(upcoming, convo.uow.db.public_url),
                                              convo.lang))
    customer = convo.customer()
    view = appointments.book(
        convo.uow, convo.branch.slug, service=asked["service"], start=starts[number - 1],
        name=(customer.name if customer is not None and customer.name else texts.customer_name(convo.phone)),
        phone=convo.phone, actor=ANONYMOUS, lang=convo.lang, channel=convo.channel, confirm=False)
    log.info("appointment %s booked by %s at %s", view["code"], convo.channel, convo.branch.slug)
    return Outcome(texts.appointment_booked(view, convo.lang))


def cancel_question(convo: Conversation) -> Outcome:
    upcoming = appointments.next_for_phone(convo.uow, convo.branch.slug, convo.phone)
    if upcoming is None:
        return Outcome(texts.no_upcoming(convo.branch.name))
    view = appointments.appointment_view(upcoming, convo.uow.db.public_url)
    return Outcome(texts.cancel_appointment_question(view, convo.lang), data={"cancel_appointment": upcoming.token})


def cancel(convo: Conversation, token: str) -> Outcome:
    """The yes to "cancel your appointment?": only the number's own, still booked."""
    upcoming = appointments.next_for_phone(convo.uow, convo.branch.slug, convo.phone)
    if upcoming is None or upcoming.token != token:
        return Outcome(texts.no_upcoming(convo.branch.name))
    view = appointments.cancel(convo.uow, token, ANONYMOUS)
    return Outcome(texts.appointment_cancelled(view["code"]))
