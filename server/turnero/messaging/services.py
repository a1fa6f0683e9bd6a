"""Messaging's use cases for texts: a text received (SMS or WhatsApp) is answered
with a reply value, and a delivery report is recorded. Each turns what the customer
said into the queue's and appointments' own use cases (`take_ticket`, `get_ticket`,
`cancel`, `give_feedback`, `check_in_by_phone`) and their answers into words. Voice
calls are in calls.py; webhooks.py turns replies into TwiML."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from .. import clock
from ..access.services import ANONYMOUS
from ..appointments.checkin import check_in_by_phone
from ..customers import find_customer, normalize_phone
from ..errors import DomainError, NotFound
from ..models import Service, Ticket
from ..queue import services as queue
from ..queue.alerts import choose_for_customer
from ..queue.lookups import find_branch
from . import booking, texts
from .backends import TWILIO_UNSUBSCRIBED
from .conversation import Conversation, Outcome
from .models import InboundMessage, OutboxMessage
from .rules import Command, parse
from .worker import STATUS_RANK

log = logging.getLogger(__name__)

MAX_STORED = 1600  # Twilio's own limit for one message body
MENU_MINUTES = 30
FEEDBACK_HOURS = 24


@dataclass(frozen=True)
class TextReply:
    """What to answer a text with: `text` ("" for no answer at all)."""
    text: str


def receive_text(app, branch_slug: str, sender: str, to: str, body: str, channel: str = "sms",
                 sid: str | None = None) -> TextReply:
    """Handle one text (SMS or WhatsApp) and say what to answer.

    The use case it calls commits the change; the message and its reply are then
    logged (the log also holds a pending question, like a service menu)."""
    db = app.extensions["turnero.db"]
    body = (body or "")[:MAX_STORED]
    with db.unit_of_work(write=True) as uow:
        if sid:
            earlier = uow.session.scalar(select(InboundMessage).where(InboundMessage.provider_sid == sid))
            if earlier is not None:  # the provider repeated a webhook: same answer, nothing done twice
                return TextReply(earlier.reply or "")
        command = parse(body)
        branch, phone, lang, outcome = _answer_text(app, uow, branch_slug, sender, command, channel)
        data = {**(outcome.data or {}), **({"lang": lang} if lang else {})}
        uow.session.add(InboundMessage(
            provider_sid=sid, sender=phone or sender, to=to or "", channel=channel, body=body,
            command=command.name, reply=outcome.reply or None, data=data or None,
            branch_id=branch.id if branch is not None else None, ticket_seq=outcome.ticket_seq,
            created_at=clock.utcnow()))
        uow.commit()
    log.info("%s %s at %s answered", channel, command.name, branch_slug)
    return TextReply(outcome.reply)


def _answer_text(app, uow, branch_slug: str, sender: str, command: Command, channel: str):
    """(branch, E.164 phone, language, outcome) of one text."""
    session = uow.session
    try:
        branch = find_branch(session, branch_slug)
    except NotFound:
        log.error("text for branch %r, which does not exist (TURNERO_TWILIO_NUMBERS/BRANCH)", branch_slug)
        with texts.speaking(command.lang or "es"):
            return None, None, command.lang, Outcome(texts.not_configured())
    try:
        phone = normalize_phone(sender, branch.country)
    except DomainError:
        with texts.speaking(command.lang or branch.lang):
            return branch, None, command.lang, Outcome(texts.bad_sender())
    customer = find_customer(session, phone)
    lang = command.lang or _recent_lang(session, phone) or \
        (customer.lang if customer is not None and customer.lang else branch.lang)
    if customer is not None and customer.opted_out and command.name != "start":
        # Nothing goes to an opted-out number (a repeated STOP included) but START's answer.
        log.info("text from an opted-out number at %s: not answered", branch.slug)
        return branch, phone, lang, Outcome()
    convo = Conversation(app, uow, branch, phone, channel, lang)
    with texts.speaking(lang):
        try:
            outcome = HANDLERS[command.name](convo, command)
        except DomainError as exc:
            uow.rollback()
            outcome = Outcome(texts.error(exc))
    if outcome.reply:
        outcome.reply = texts.fit(outcome.reply, convo.cfg.max_chars)
    return branch, phone, lang, outcome


def _recent_lang(session, phone: str) -> str | None:
    """The language of this phone's conversation in the last half hour (a digit or
    STOP says nothing about it: the question it answers does)."""
    last = session.scalar(select(InboundMessage).where(
        InboundMessage.sender == phone, InboundMessage.channel != "voice",
        InboundMessage.created_at >= clock.utcnow() - timedelta(minutes=MENU_MINUTES))
        .order_by(InboundMessage.id.desc()).limit(1))
    return (last.data or {}).get("lang") if last is not None else None


def _join(convo: Conversation, command: Command) -> Outcome:
    # Lock the branch first: the check for a ticket and the new ticket are then one step.
    find_branch(convo.session, convo.branch.slug, lock=True)
    current = convo.current_ticket(own=True)
    if current is not None:
        return Outcome(texts.already_waiting(queue.get_ticket(convo.uow, current.token)), current.seq)
    chosen = convo.pick_service(command.arg, convo.services(), texts.menu, "menu")
    return chosen if isinstance(chosen, Outcome) else _take(convo, chosen)


def _take(convo: Conversation, service: Service) -> Outcome:
    if convo.joins_last_hour() >= convo.cfg.joins_per_hour:
        log.warning("%s joins from one number at %s refused: rate limit", convo.channel, convo.branch.slug)
        return Outcome(texts.too_many_joins())
    view = convo.take(service)
    return Outcome(texts.confirmation(view, convo.branch.name), view.seq)


def _status(convo: Conversation, command: Command) -> Outcome:
    """Every active turn of the number today, whichever channel took it (the kiosk's
    ticket is followed by text)."""
    tickets = convo.active_tickets()
    if not tickets:
        return Outcome(texts.no_ticket(convo.branch.name))
    return Outcome(" ".join(texts.ticket_status(queue.get_ticket(convo.uow, t.token)) for t in tickets),
                   tickets[0].seq)


def _cancel(convo: Conversation, command: Command) -> Outcome:
    """The number's own turn is cancelled at once; a turn taken elsewhere with this
    number (a page, the kiosk) only after a yes to a question that names it.
    CANCEL APPOINTMENT asks about the number's next appointment."""
    if command.arg in booking.APPOINTMENT_WORDS:
        return booking.cancel_question(convo)
    own = convo.current_ticket(own=True)
    if own is not None:
        view = queue.cancel(convo.uow, own.token, ANONYMOUS)
        return Outcome(texts.cancelled(view.code), own.seq)
    other = convo.current_ticket()
    if other is None:
        return Outcome(texts.no_ticket(convo.branch.name))
    view = queue.get_ticket(convo.uow, other.token)
    return Outcome(texts.cancel_question(view.code, view.service_name), other.seq, data={"cancel": other.id})


def _yes(convo: Conversation, command: Command) -> Outcome:
    """A yes answers the latest question, when it asked to cancel a turn or an appointment."""
    appointment = _pending(convo, "cancel_appointment")
    if appointment:
        return booking.cancel(convo, appointment)
    asked = _pending(convo, "cancel")
    ticket = convo.session.scalar(select(Ticket).where(Ticket.id == asked)) if asked else None
    if ticket is None or ticket not in convo.active_tickets():
        return _help(convo, command)
    view = queue.cancel(convo.uow, ticket.token, ANONYMOUS)
    return Outcome(texts.cancelled(view.code), ticket.seq)


def _help(convo: Conversation, command: Command) -> Outcome:
    return Outcome(texts.help_text(convo.branch.name, [s.name(convo.lang) for s in convo.services()],
                                   whatsapp=convo.cfg.whatsapp, appointments=bool(booking.bookable(convo))))


def _stop(convo: Conversation, command: Command) -> Outcome:
    convo.set_opt_out(True)
    log.info("a number opted out of messages at %s", convo.branch.slug)
    # The one message after STOP is its confirmation (as carriers require).
    return Outcome(texts.opted_out(convo.branch.name))


def _start(convo: Conversation, command: Command) -> Outcome:
    convo.set_opt_out(False)
    return Outcome(texts.opted_in())


def _by_channel(channel: str):
    """WHATSAPP or SMS: where the number's messages go from now on (its tickets' and
    appointments' notices and reminders), whichever channel it wrote from."""
    def handler(convo: Conversation, command: Command) -> Outcome:
        if channel == "whatsapp" and not convo.cfg.whatsapp:
            return Outcome(texts.no_whatsapp())
        choose_for_customer(convo.session, convo.known_customer(), channel)  # the number's holder wrote
        log.info("a number chose %s for its messages at %s", channel, convo.branch.slug)
        return Outcome(texts.channel_chosen(channel))
    return handler


def _here(convo: Conversation, command: Command) -> Outcome:
    """ "I'm here" for the number's own remote turn waiting for it (a branch with
    `remote_check_in`); else appointment check-in, which belongs to appointments."""
    own = convo.current_ticket(own=True)
    if own is not None and convo.branch.remote_check_in and own.status == "waiting" and own.arrived_at is None:
        view = queue.arrive(convo.uow, own.token, ANONYMOUS, channel=convo.channel)
        return Outcome(texts.arrived(view), own.seq)
    # Raises NotFound (no appointment today) or Conflict (outside the check-in window),
    # which are answered in words like every other refusal.
    view = check_in_by_phone(convo.uow, convo.branch.slug, convo.phone)
    if view is None:
        return Outcome(texts.no_appointment())
    return Outcome(texts.checked_in(view), view.seq)


def _late(convo: Conversation, command: Command) -> Outcome:
    """LATE [n]: the number's turn lets n people pass (3 when not said)."""
    ticket = convo.current_ticket()
    if ticket is None:
        return Outcome(texts.no_ticket(convo.branch.name))
    places = int(command.arg) if command.arg.isdigit() else 3
    view = queue.let_pass(convo.uow, ticket.token, places, ANONYMOUS, channel=convo.channel)
    return Outcome(texts.let_pass(view), ticket.seq)


def _digit(convo: Conversation, command: Command) -> Outcome:
    """A number answers the latest open question: a service menu, a time to book, or a rating."""
    menu, menu_at = _pending_menu(convo)
    request = _pending_feedback(convo)
    last = _last_text(convo)
    asked = (last.data or {}) if last is not None else {}
    if ("slots" in asked or "book_menu" in asked) and (request is None or last.created_at >= request.created_at):
        return booking.answer(convo, int(command.arg), asked)
    if menu is not None and (request is None or menu_at >= request.created_at):
        number = int(command.arg)
        services = {s.slug: s for s in convo.services()}
        options = [services[slug] for slug in menu if slug in services]
        if not 1 <= number <= len(options):
            return Outcome(texts.menu_again(len(options)) + " " + texts.menu([s.name(convo.lang) for s in options]),
                           data={"menu": [s.slug for s in options]})
        find_branch(convo.session, convo.branch.slug, lock=True)
        current = convo.current_ticket(own=True)
        if current is not None:
            return Outcome(texts.already_waiting(queue.get_ticket(convo.uow, current.token)), current.seq)
        return _take(convo, options[number - 1])
    if request is not None:
        token = convo.session.scalar(select(Ticket.token).where(Ticket.seq == request.ticket_seq))
        score = int(command.arg)
        queue.give_feedback(convo.uow, token, score, None, channel=convo.channel)
        return Outcome(texts.feedback_thanks(score), request.ticket_seq)
    return _help(convo, command)


def _pending_menu(convo: Conversation):
    """The service menu the latest text was answered with, if it is still open."""
    last = _last_text(convo)
    if last is None or "menu" not in (last.data or {}):
        return None, None
    return last.data["menu"], last.created_at


def _pending(convo: Conversation, question: str):
    """What the latest text's answer asked (`question` in its data), if still open."""
    last = _last_text(convo)
    return (last.data or {}).get(question) if last is not None else None


def _last_text(convo: Conversation) -> InboundMessage | None:
    """The number's latest text to this branch, in the last MENU_MINUTES (a question
    stays open that long)."""
    last = convo.session.scalar(
        select(InboundMessage).where(InboundMessage.sender == convo.phone,
                                     InboundMessage.branch_id == convo.branch.id,
                                     InboundMessage.channel != "voice")
        .order_by(InboundMessage.id.desc()).limit(1))
    if last is None or last.created_at < clock.utcnow() - timedelta(minutes=MENU_MINUTES):
        return None
    return last


def _pending_feedback(convo: Conversation) -> OutboxMessage | None:
    """The latest rating question to this phone in the last day (answered or not:
    a second answer is told that the visit was already rated)."""
    request = convo.session.scalar(
        select(OutboxMessage).where(OutboxMessage.phone == convo.phone, OutboxMessage.kind == "feedback_request",
                                    OutboxMessage.ticket_seq.is_not(None),
                                    OutboxMessage.created_at >= clock.utcnow() - timedelta(hours=FEEDBACK_HOURS))
        .order_by(OutboxMessage.id.desc()).limit(1))
    return request


HANDLERS = {"join": _join, "status": _status, "cancel": _cancel, "yes": _yes, "help": _help, "stop": _stop,
            "start": _start, "here": _here, "late": _late, "digit": _digit, "unknown": _help, "empty": _help,
            "by_whatsapp": _by_channel("whatsapp"), "by_sms": _by_channel("sms"), "appointment": booking.appointment}


# ---------------------------------------------------------------- delivery reports

# Twilio's message statuses -> the outbox's.
PROVIDER_STATUS = {"sent": "sent", "delivered": "delivered", "read": "delivered",
                   "failed": "failed", "undelivered": "failed"}


def record_delivery(uow, *, outbox_id: int | None, sid: str | None, reported: str,
                    error_code: str | None = None) -> None:
    """A delivery report of an outgoing message (Twilio's status callback): the
    message is found by the outbox id its callback URL carries, else by the provider's
    id; a status never goes back; a carrier's "unsubscribed" opts the number out."""
    session = uow.session
    row = None
    if outbox_id is not None:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.id == outbox_id).with_for_update())
    if row is None and sid:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.provider_sid == sid).with_for_update())
    if row is None or (sid and row.provider_sid and row.provider_sid != sid):
        return
    now = clock.utcnow()
    if row.provider_sid is None and sid:
        # The send call's answer was lost but the provider has the message: never resend it.
        row.provider_sid = sid
        row.uncertain_since = None
        row.sent_at = row.sent_at or now
        if row.status == "queued":
            row.status, row.status_at = "sent", now
    new = PROVIDER_STATUS.get(reported)
    if new is not None and STATUS_RANK[new] > STATUS_RANK.get(row.status, 0):
        row.status, row.status_at = new, now
        if new == "failed":
            row.error = f"{reported} (error {error_code})" if error_code else reported
            if error_code == str(TWILIO_UNSUBSCRIBED):  # the carrier says this number opted out
                customer = find_customer(session, row.phone)
                if customer is not None:
                    customer.opted_out = True
    uow.commit()
