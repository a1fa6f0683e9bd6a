"""The messaging door's use cases: a text received, a call answered.

Each turns what the customer said into calls of the queue's own use cases
(`queue.take_ticket`, `get_ticket`, `cancel`, `give_feedback`) and their answers
into words. The customer is their phone number: the ticket they hold is the
latest active one of that number today at the branch, whatever channel took it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from twilio.twiml.voice_response import Gather, VoiceResponse

from .. import clock
from ..access.services import ANONYMOUS
from ..appointments.checkin import check_in_by_phone
from ..customers import normalize_phone
from ..errors import DomainError, NotFound
from ..models import Branch, Customer, Service, Ticket
from ..queue import services as queue
from ..queue.lookups import find_branch
from ..queue.rules import ACTIVE, local_day
from . import texts
from .rules import Command, match_service, parse
from .models import InboundMessage, OutboxMessage
from .settings import settings

log = logging.getLogger(__name__)

MAX_STORED = 1600  # Twilio's own limit for one message body
MENU_MINUTES = 30
FEEDBACK_HOURS = 24
MESSAGING_CHANNELS = ("sms", "whatsapp", "voice")


@dataclass
class Outcome:
    reply: str = ""
    ticket_seq: int | None = None
    data: dict | None = None
    spoken: list[str] = field(default_factory=list)


class Conversation:
    """One message or call from one phone to one branch, inside one unit of work."""

    def __init__(self, app, uow, branch: Branch, phone: str | None, channel: str, lang: str):
        self.app, self.uow, self.session = app, uow, uow.session
        self.branch, self.phone, self.channel, self.lang = branch, phone, channel, lang
        self.cfg = settings(app)

    # ------------------------------------------------------------ lookups

    def today(self):
        return local_day(clock.utcnow(), self.branch.timezone)

    def customer(self) -> Customer | None:
        if self.phone is None:
            return None
        return self.session.scalar(select(Customer).where(Customer.phone == self.phone))

    def current_ticket(self) -> Ticket | None:
        """The latest active ticket of this phone today at the branch, any channel."""
        if self.phone is None:
            return None
        return self.session.scalar(
            select(Ticket).join(Customer, Customer.id == Ticket.customer_id)
            .where(Customer.phone == self.phone, Ticket.branch_id == self.branch.id,
                   Ticket.day == self.today(), Ticket.status.in_(ACTIVE))
            .order_by(Ticket.seq.desc()).limit(1))

    def services(self) -> list[Service]:
        return list(self.session.scalars(select(Service).where(
            Service.branch_id == self.branch.id, Service.active).order_by(Service.prefix)))

    def joins_last_hour(self) -> int:
        if self.phone is None:
            return 0
        return self.session.scalar(
            select(func.count()).select_from(Ticket).join(Customer, Customer.id == Ticket.customer_id)
            .where(Customer.phone == self.phone, Ticket.channel.in_(MESSAGING_CHANNELS),
                   Ticket.created_at >= clock.utcnow() - timedelta(hours=1)))

    def ticket_seq(self, view: dict) -> int | None:
        return self.session.scalar(select(Ticket.seq).where(Ticket.id == view["id"]))

    # ------------------------------------------------------------ shared steps

    def take(self, service: Service) -> tuple[dict, int | None]:
        view, _ = queue.take_ticket(self.uow, self.branch.slug, service=service.slug, actor=ANONYMOUS,
                                    phone=self.phone, lang=self.lang, via=self.channel)
        return view, self.ticket_seq(view)

    def set_opt_out(self, value: bool) -> None:
        customer = self.customer()
        if customer is None:
            customer = Customer(phone=self.phone, lang=self.lang, opted_out=value)
            self.session.add(customer)
            try:
                with self.session.begin_nested():
                    self.session.flush()
            except IntegrityError:  # the same phone was registered a moment ago
                customer = self.customer()
        customer.opted_out = value


# ---------------------------------------------------------------- texts

def receive_text(app, branch_slug: str, sender: str, to: str, body: str, channel: str = "sms",
                 sid: str | None = None) -> str:
    """Handle one text (SMS or WhatsApp); returns the reply ('' for none).

    The use case it calls commits the change; the message and its reply are then
    logged (the log also holds a pending question, like a service menu)."""
    db = app.extensions["turnero.db"]
    body = (body or "")[:MAX_STORED]
    with db.unit_of_work(write=True) as uow:
        if sid:
            earlier = uow.session.scalar(select(InboundMessage).where(InboundMessage.provider_sid == sid))
            if earlier is not None:  # the provider repeated a webhook: same answer, nothing done twice
                return earlier.reply or ""
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
    return outcome.reply


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
    customer = session.scalar(select(Customer).where(Customer.phone == phone))
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
    current = convo.current_ticket()
    if current is not None:
        return Outcome(texts.already_waiting(queue.get_ticket(convo.uow, current.token)), current.seq)
    services = convo.services()
    names = [s.name(convo.lang) for s in services]
    if command.arg:
        chosen = match_service(command.arg, services)
        if chosen is None:
            return Outcome(texts.unknown_service(command.arg.lower()) + " " + texts.menu(names),
                           data={"menu": [s.slug for s in services]})
    elif len(services) == 1:
        chosen = services[0]
    else:
        return Outcome(texts.menu(names), data={"menu": [s.slug for s in services]})
    return _take(convo, chosen)


def _take(convo: Conversation, service: Service) -> Outcome:
    if convo.joins_last_hour() >= convo.cfg.joins_per_hour:
        log.warning("%s joins from one number at %s refused: rate limit", convo.channel, convo.branch.slug)
        return Outcome(texts.too_many_joins())
    view, seq = convo.take(service)
    return Outcome(texts.confirmation(view, convo.branch.name), seq)


def _status(convo: Conversation, command: Command) -> Outcome:
    current = convo.current_ticket()
    if current is None:
        return Outcome(texts.no_ticket(convo.branch.name))
    return Outcome(texts.ticket_status(queue.get_ticket(convo.uow, current.token)), current.seq)


def _cancel(convo: Conversation, command: Command) -> Outcome:
    current = convo.current_ticket()
    if current is None:
        return Outcome(texts.no_ticket(convo.branch.name))
    view = queue.cancel(convo.uow, current.token, ANONYMOUS)
    return Outcome(texts.cancelled(view["code"]), current.seq)


def _help(convo: Conversation, command: Command) -> Outcome:
    return Outcome(texts.help_text(convo.branch.name, [s.name(convo.lang) for s in convo.services()]))


def _stop(convo: Conversation, command: Command) -> Outcome:
    convo.set_opt_out(True)
    log.info("a number opted out of messages at %s", convo.branch.slug)
    # The one message after STOP is its confirmation (as carriers require).
    return Outcome(texts.opted_out(convo.branch.name))


def _start(convo: Conversation, command: Command) -> Outcome:
    convo.set_opt_out(False)
    return Outcome(texts.opted_in())


def _here(convo: Conversation, command: Command) -> Outcome:
    """Appointment check-in belongs to appointments; without it, there is none."""
    # Raises NotFound (no appointment today) or Conflict (outside the check-in window),
    # which are answered in words like every other refusal.
    view = check_in_by_phone(convo.uow, convo.branch.slug, convo.phone)
    if view is None:
        return Outcome(texts.no_appointment())
    return Outcome(texts.checked_in(view), convo.ticket_seq(view))


def _digit(convo: Conversation, command: Command) -> Outcome:
    """A number answers the latest open question: a service menu or a rating."""
    menu, menu_at = _pending_menu(convo)
    request = _pending_feedback(convo)
    if menu is not None and (request is None or menu_at >= request.created_at):
        number = int(command.arg)
        services = {s.slug: s for s in convo.services()}
        options = [services[slug] for slug in menu if slug in services]
        if not 1 <= number <= len(options):
            return Outcome(texts.menu_again(len(options)) + " " + texts.menu([s.name(convo.lang) for s in options]),
                           data={"menu": [s.slug for s in options]})
        find_branch(convo.session, convo.branch.slug, lock=True)
        current = convo.current_ticket()
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
    last = convo.session.scalar(
        select(InboundMessage).where(InboundMessage.sender == convo.phone,
                                     InboundMessage.branch_id == convo.branch.id,
                                     InboundMessage.channel != "voice")
        .order_by(InboundMessage.id.desc()).limit(1))
    if last is None or not last.data or "menu" not in last.data:
        return None, None
    if last.created_at < clock.utcnow() - timedelta(minutes=MENU_MINUTES):
        return None, None
    return last.data["menu"], last.created_at


def _pending_feedback(convo: Conversation) -> OutboxMessage | None:
    """The latest rating question to this phone in the last day (answered or not:
    a second answer is told that the visit was already rated)."""
    request = convo.session.scalar(
        select(OutboxMessage).where(OutboxMessage.phone == convo.phone, OutboxMessage.kind == "feedback_request",
                                    OutboxMessage.ticket_seq.is_not(None),
                                    OutboxMessage.created_at >= clock.utcnow() - timedelta(hours=FEEDBACK_HOURS))
        .order_by(OutboxMessage.id.desc()).limit(1))
    return request


HANDLERS = {"join": _join, "status": _status, "cancel": _cancel, "help": _help, "stop": _stop,
            "start": _start, "here": _here, "digit": _digit, "unknown": _help, "empty": _help}


# ---------------------------------------------------------------- calls

VOICE_PATH = "/twilio/voice"
MAX_MENU_TRIES = 2


def answer_call(app, branch_slug: str, caller: str, to: str, step: str = "", digits: str = "",
                tries: int = 0, call_sid: str | None = None) -> VoiceResponse:
    """One step of a phone call: the TwiML to answer with.

    `step` "" greets the caller (their ticket, or the service menu); "menu" takes
    the turn for the key pressed; "repeat" says the ticket again on 1.
    """
    db = app.extensions["turnero.db"]
    response = VoiceResponse()
    with db.unit_of_work(write=True) as uow:
        try:
            branch = find_branch(uow.session, branch_slug)
        except NotFound:
            log.error("call to %s: branch %r does not exist (TURNERO_TWILIO_NUMBERS/BRANCH)", to, branch_slug)
            with texts.speaking("es"):
                response.say(texts.not_configured(), language=texts.VOICE_LANGUAGES["es"])
            response.hangup()
            return response
        try:
            phone = normalize_phone(caller, branch.country)
        except DomainError:
            phone = None  # a hidden number: the call still works, without text messages
        lang = branch.lang if branch.lang in texts.VOICE_LANGUAGES else "es"
        convo = Conversation(app, uow, branch, phone, "voice", lang)
        voice = _Voice(response, texts.VOICE_LANGUAGES[lang])
        with texts.speaking(lang):
            try:
                seq = _call_step(convo, voice, step, digits, tries)
            except DomainError as exc:
                uow.rollback()
                voice.say(texts.error(exc))
                voice.say(texts.voice_goodbye())
                response.hangup()
                seq = None
        uow.session.add(InboundMessage(
            sender=phone or caller or "", to=to or "", channel="voice",
            body=(f"{step}:{digits}" if step else "call")[:MAX_STORED], command=f"voice-{step or 'start'}",
            reply=" ".join(voice.spoken) or None, data={"call": call_sid} if call_sid else None,
            branch_id=branch.id, ticket_seq=seq, created_at=clock.utcnow()))
        uow.commit()
    return response


class _Voice:
    """Builds the TwiML and remembers what was said (for the log and the dev phone)."""

    def __init__(self, response: VoiceResponse, language: str):
        self.response, self.language, self.spoken = response, language, []

    def say(self, text: str, into=None) -> None:
        (into or self.response).say(text, language=self.language)
        self.spoken.append(text)

    def gather(self, action: str) -> Gather:
        gather = Gather(input="dtmf", num_digits=1, action=action, method="POST", timeout=6)
        self.response.append(gather)
        return gather


def _call_step(convo: Conversation, voice: _Voice, step: str, digits: str, tries: int) -> int | None:
    if step == "menu":
        services = convo.services()
        if digits.isdigit() and 1 <= int(digits) <= len(services):
            return _voice_take(convo, voice, services[int(digits) - 1])
        voice.say(texts.voice_no_choice())
        return _voice_menu(convo, voice, services, tries + 1)
    if step == "repeat" and digits != "1":
        voice.say(texts.voice_goodbye())
        voice.response.hangup()
        return None
    current = convo.current_ticket()
    if current is not None:
        if step != "repeat":
            voice.say(texts.voice_welcome(convo.branch.name))
        _voice_ticket(convo, voice, queue.get_ticket(convo.uow, current.token))
        return current.seq
    if step != "repeat":
        voice.say(texts.voice_welcome(convo.branch.name))
    return _voice_menu(convo, voice, convo.services(), tries)


def _voice_menu(convo: Conversation, voice: _Voice, services: list[Service], tries: int) -> None:
    if tries >= MAX_MENU_TRIES or not services:
        voice.say(texts.voice_goodbye())
        voice.response.hangup()
        return None
    gather = voice.gather(f"{VOICE_PATH}?step=menu" + (f"&tries={tries}" if tries else ""))
    for digit, service in enumerate(services, start=1):
        voice.say(texts.voice_option(service.name(convo.lang), digit), into=gather)
    # Reached only when no key was pressed in time.
    voice.say(texts.voice_no_choice())
    voice.response.redirect(f"{VOICE_PATH}?tries={tries + 1}", method="POST")
    return None


def _voice_take(convo: Conversation, voice: _Voice, service: Service) -> int | None:
    find_branch(convo.session, convo.branch.slug, lock=True)
    current = convo.current_ticket()
    if current is not None:
        _voice_ticket(convo, voice, queue.get_ticket(convo.uow, current.token))
        return current.seq
    if convo.joins_last_hour() >= convo.cfg.joins_per_hour:
        voice.say(texts.voice_too_many())
        voice.response.hangup()
        return None
    view, seq = convo.take(service)
    customer = convo.customer()
    _voice_ticket(convo, voice, view, sms=customer is not None and not customer.opted_out)
    return seq


def _voice_ticket(convo: Conversation, voice: _Voice, view: dict, sms: bool = False) -> None:
    voice.say(texts.voice_ticket(view))
    if sms:
        voice.say(texts.voice_sms_follows())
    gather = voice.gather(f"{VOICE_PATH}?step=repeat")
    voice.say(texts.voice_repeat(), into=gather)
    voice.say(texts.voice_goodbye())
    voice.response.hangup()
