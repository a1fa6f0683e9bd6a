"""Messaging's use case for phone calls: one step of a call is answered with a
`CallReply`, what to say and which keys to wait for, which webhooks.py renders as
TwiML and the dev phone as a conversation. The caller is their number, as in texts:
a caller who texted hears the same ticket."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from .. import clock
from ..appointments import services as appointments
from ..appointments.checkin import check_in_by_phone
from ..customers import normalize_phone
from ..errors import DomainError, NotFound
from ..models import Service
from ..queue import services as queue
from ..queue.alerts import choose_for_customer
from ..queue.lookups import find_branch
from ..queue.read_models import TicketView
from . import notify, texts
from .conversation import Conversation
from .models import InboundMessage
from .services import MAX_STORED

log = logging.getLogger(__name__)

MAX_MENU_TRIES = 2


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Keys:
    """Wait for one key while saying `prompts`; the key goes to the call's `step`."""
    step: str
    tries: int = 0
    prompts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Again:
    """No key came: start the call's step over, counting the tries."""
    tries: int


@dataclass
class CallReply:
    """What one step of a call answers: the parts in order, in `language` (a BCP-47
    tag the voice understands), and whether the call then ends."""
    language: str
    parts: list[Say | Keys | Again] = field(default_factory=list)
    hangup: bool = False

    def say(self, text: str) -> None:
        self.parts.append(Say(text))

    def end(self, text: str | None = None) -> None:
        if text:
            self.say(text)
        self.hangup = True

    @property
    def spoken(self) -> list[str]:
        """Everything the caller hears, in order (for the log and the dev phone)."""
        heard = []
        for part in self.parts:
            if isinstance(part, Say):
                heard.append(part.text)
            elif isinstance(part, Keys):
                heard.extend(part.prompts)
        return heard

    @property
    def waits_for(self) -> Keys | None:
        """The keys this step waits for, if any."""
        return next((part for part in self.parts if isinstance(part, Keys)), None)

    def to_data(self) -> dict:
        """The reply as the call's log keeps it (JSON), to answer a repeated request alike."""
        parts = [["say", p.text] if isinstance(p, Say) else ["keys", p.step, p.tries, list(p.prompts)]
                 if isinstance(p, Keys) else ["again", p.tries] for p in self.parts]
        return {"language": self.language, "parts": parts, "hangup": self.hangup}

    @classmethod
    def from_data(cls, data: dict) -> CallReply:
        def part(item):
            kind, *rest = item
            if kind == "say":
                return Say(rest[0])
            if kind == "keys":
                return Keys(rest[0], rest[1], tuple(rest[2]))
            return Again(rest[0])
        return cls(data["language"], [part(item) for item in data["parts"]], data["hangup"])


def answer_call(app, branch_slug: str, caller: str, to: str, step: str = "", digits: str = "",
                tries: int = 0, call_sid: str | None = None) -> CallReply:
    """One step of a phone call.

    `step` "" greets the caller (their ticket, or the service menu); "menu" takes
    the turn for the key pressed; "repeat" says the ticket again on 1; "link" sends
    the turn's link by SMS (1) or WhatsApp (2), or says the ticket again (3);
    "checkin" checks in the caller's appointment on 1.
    """
    db = app.extensions["turnero.db"]
    # Twilio signs each step of a call, and may send one again (its own retry, or
    # someone replaying a captured request): a step already answered is answered alike,
    # and nothing is done twice.
    step_id = f"{call_sid}:{step or 'start'}:{tries}:{digits}"[:64] if call_sid else None
    with db.unit_of_work(write=True) as uow:
        if step_id is not None:
            earlier = uow.session.scalar(select(InboundMessage).where(InboundMessage.provider_sid == step_id))
            if earlier is not None and (earlier.data or {}).get("reply"):
                log.info("a step of call %s came again: answered as before", call_sid)
                return CallReply.from_data(earlier.data["reply"])
        try:
            branch = find_branch(uow.session, branch_slug)
        except NotFound:
            log.error("call to %s: branch %r does not exist (TURNERO_TWILIO_NUMBERS/BRANCH)", to, branch_slug)
            reply = CallReply(texts.VOICE_LANGUAGES["es"])
            with texts.speaking("es"):
                reply.end(texts.not_configured())
            return reply
        try:
            phone = normalize_phone(caller, branch.country)
        except DomainError:
            phone = None  # a hidden number: the call still works, without text messages
        lang = branch.lang if branch.lang in texts.VOICE_LANGUAGES else "es"
        convo = Conversation(app, uow, branch, phone, "voice", lang)
        reply = CallReply(texts.VOICE_LANGUAGES[lang])
        with texts.speaking(lang):
            try:
                seq = _call_step(convo, reply, step, digits, tries)
            except DomainError as exc:
                uow.rollback()
                reply.say(texts.error(exc))
                reply.end(texts.voice_goodbye())
                seq = None
        uow.session.add(InboundMessage(
            provider_sid=step_id, sender=phone or caller or "", to=to or "", channel="voice",
            body=(f"{step}:{digits}" if step else "call")[:MAX_STORED], command=f"voice-{step or 'start'}",
            reply=" ".join(reply.spoken) or None,
            data={"call": call_sid, "reply": reply.to_data()} if call_sid else None,
            branch_id=branch.id, ticket_seq=seq, created_at=clock.utcnow()))
        uow.commit()
    return reply


def _call_step(convo: Conversation, reply: CallReply, step: str, digits: str, tries: int) -> int | None:
    if step == "menu":
        services = convo.services()
        if digits.isdigit() and 1 <= int(digits) <= len(services):
            return _take(convo, reply, services[int(digits) - 1])
        reply.say(texts.voice_no_choice())
        return _menu(convo, reply, services, tries + 1)
    if step == "link":
        return _link(convo, reply, digits)
    if step == "checkin":
        if digits != "1":
            reply.end(texts.voice_goodbye())
            return None
        view = check_in_by_phone(convo.uow, convo.branch.slug, convo.phone)
        reply.say(texts.checked_in(view))
        _ticket(reply, view)
        return view.seq
    if step == "repeat" and digits != "1":
        reply.end(texts.voice_goodbye())
        return None
    current = convo.current_ticket()
    if step != "repeat":
        reply.say(texts.voice_welcome(convo.branch.name))
    if current is not None:
        _ticket(reply, queue.get_ticket(convo.uow, current.token))
        return current.seq
    if step == "" and tries == 0 and _appointment(convo, reply):
        return None
    return _menu(convo, reply, convo.services(), tries)


def _appointment(convo: Conversation, reply: CallReply) -> bool:
    """The caller's next appointment, said before the menu; in its check-in window the
    call checks them in on 1 (and then only that is asked: True)."""
    if convo.phone is None:
        return False
    upcoming = appointments.next_for_phone(convo.uow, convo.branch.slug, convo.phone)
    if upcoming is None:
        return False
    view = appointments.appointment_view(upcoming, convo.uow.db.public_url)
    reply.say(texts.voice_appointment(view, convo.lang))
    if view["checkin"] != "open":
        return False
    reply.parts.append(Keys("checkin", prompts=(texts.voice_checkin_offer(),)))
    reply.end(texts.voice_goodbye())
    return True


def _menu(convo: Conversation, reply: CallReply, services: list[Service], tries: int) -> None:
    if tries >= MAX_MENU_TRIES or not services:
        reply.end(texts.voice_goodbye())
        return None
    reply.parts.append(Keys("menu", tries, tuple(texts.voice_option(service.name(convo.lang), digit)
                                                 for digit, service in enumerate(services, start=1))))
    # Reached only when no key was pressed in time.
    reply.say(texts.voice_no_choice())
    reply.parts.append(Again(tries + 1))
    return None


def _take(convo: Conversation, reply: CallReply, service: Service) -> int | None:
    find_branch(convo.session, convo.branch.slug, lock=True)
    current = convo.current_ticket(own=True)
    if current is not None:
        _ticket(reply, queue.get_ticket(convo.uow, current.token))
        return current.seq
    if convo.joins_last_hour() >= convo.cfg.joins_per_hour:
        reply.end(texts.voice_too_many())
        return None
    view = convo.take(service)
    customer = convo.customer()
    texted = customer is not None and not customer.opted_out
    _ticket(reply, view, sms=texted and not convo.cfg.whatsapp, offer_link=texted and convo.cfg.whatsapp)
    return view.seq


def _link(convo: Conversation, reply: CallReply, digits: str) -> int | None:
    """The caller's answer to "the link by SMS (1) or WhatsApp (2)? hear it again (3)"."""
    current = convo.current_ticket(own=True)
    if current is None:
        reply.end(texts.voice_goodbye())
        return None
    if digits in ("1", "2"):
        channel = "sms" if digits == "1" else "whatsapp"
        choose_for_customer(convo.session, convo.known_customer(), channel)  # the number's holder called
        if notify.send_confirmation_by(convo.session, current.seq, channel, convo.cfg):
            reply.say(texts.voice_link_sent(channel))
        reply.end(texts.voice_goodbye())
        return current.seq
    if digits == "3":
        _ticket(reply, queue.get_ticket(convo.uow, current.token), offer_link=True)
        return current.seq
    reply.end(texts.voice_goodbye())
    return current.seq


def _ticket(reply: CallReply, view: TicketView, sms: bool = False, offer_link: bool = False) -> None:
    reply.say(texts.voice_ticket(view))
    if offer_link:  # no key pressed: the link goes by the customer's channel in a moment
        reply.parts.append(Keys("link", prompts=(texts.voice_link_choice(),)))
        reply.end(texts.voice_link_later())
        return
    if sms:
        reply.say(texts.voice_sms_follows())
    reply.parts.append(Keys("repeat", prompts=(texts.voice_repeat(),)))
    reply.end(texts.voice_goodbye())
