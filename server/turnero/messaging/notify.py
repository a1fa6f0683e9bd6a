"""Notifications to any ticket with a phone, whatever its channel; and the texts
other parts of Turnero ask for (`signals.customer_text`: appointments).

`on_ticket_event` is registered in `db.ticket_listeners`: the queue calls it inside
the transaction of every change, so the outbox rows it adds commit (or roll back)
with the change itself.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import clock
from ..customers import find_customer
from ..models import Customer, Feedback, Ticket
from ..queue import read_models as views
from ..queue.events import Called, Event, Expired, Finished, Issued, Moved, PhoneAdded, Recalled, Undone
from ..queue.rules import PHONE_CHANNELS, Status, alert_channel
from . import push, texts
from .models import OutboxMessage, TicketNotice
from .outbox import address, enqueue
from .settings import settings

log = logging.getLogger(__name__)

# A ticket taken by text already got its confirmation as the reply to the text.
ANSWERED_INLINE = ("sms", "whatsapp")
# A caller is asked whether the link goes by SMS or WhatsApp: their confirmation waits
# this long for the answer (calls.py sends it at once when it comes).
VOICE_CHOICE = timedelta(seconds=90)


def customer_text(session: Session, *, phone: str, body: str, kind: str, lang: str,
                  branch_id: int | None = None, template: str | None = None, values: dict | None = None,
                  notify_by: str | None = None) -> bool:
    """A text another part of Turnero asks for (appointments), queued by the channel
    chosen for that appointment (`notify_by`), else the customer's preferred one; False
    when the number opted out."""
    channel = message_channel(find_customer(session, phone), None, settings(), turn=notify_by)
    return enqueue(session, phone=phone, body=body, kind=kind, lang=lang or "es", branch_id=branch_id, channel=channel,
                   template=template, values=values) is not None


def send_confirmation_by(session: Session, ticket_seq: int, channel: str, cfg) -> bool:
    """A caller chose where their turn's link goes: its confirmation, still waiting
    for that choice, goes now by that channel (one already sent goes again by it).
    False when the turn has no confirmation at all (an opted-out number)."""
    row = session.scalar(select(OutboxMessage).where(
        OutboxMessage.ticket_seq == ticket_seq, OutboxMessage.kind == "confirm")
        .order_by(OutboxMessage.id.desc()).limit(1).with_for_update())
    if row is None:
        return False
    channel = channel if channel == "sms" or cfg.whatsapp else "sms"
    if row.status == "queued" and row.attempts == 0:
        row.channel, row.to = channel, address(row.phone, channel)
        row.next_attempt_at = clock.utcnow()
        return True
    return enqueue(session, phone=row.phone, body=row.body, kind="confirm", lang=row.lang, channel=channel,
                   branch_id=row.branch_id, ticket_seq=ticket_seq, template=row.template,
                   values=row.template_values) is not None


def message_channel(customer: Customer | None, ticket_channel: str | None, cfg, turn: str | None = None) -> str:
    """Where a message about a turn goes (queue.rules.alert_channel): the turn's own
    choice (`turn`), else the customer's; WhatsApp only when the server sends by it."""
    channel = alert_channel(turn, customer.channel if customer is not None else None, ticket_channel)
    return channel if channel == "sms" or cfg.whatsapp else "sms"


def make_listener(app):
    def messaging_listener(session: Session, ticket: Ticket, event: Event) -> None:
        if not isinstance(event, HEARD):
            return
        # A moved ticket matters only once near the front: decide that before loading anything.
        if isinstance(event, Moved) and event.ahead > ticket.branch.notify_ahead:
            return
        try:
            on_ticket_event(app, session, ticket, event)
        except Exception:  # a notification must never stop the queue itself
            log.exception("no %s notification for ticket %s", event.kind, ticket.code)

    def many(session: Session, told: list[tuple[Ticket, Event]]) -> None:
        """A line's head after it moved (queue.changes.near_the_front): of the tickets
        near the front, only those not yet told and with someone to tell (a phone, a
        browser) are looked at one by one; the rest cost one query for all."""
        near = []
        for ticket, event in told:
            if not isinstance(event, Moved):
                messaging_listener(session, ticket, event)
            elif event.ahead <= ticket.branch.notify_ahead:
                near.append((ticket, event))
        if not near:
            return
        told_before = set(session.scalars(select(TicketNotice.ticket_seq).where(
            TicketNotice.kind == "near", TicketNotice.ticket_seq.in_([t.seq for t, _ in near]))))
        near = [(t, e) for t, e in near if t.seq not in told_before]
        reachable = {t.seq for t, _ in near if t.customer is not None and not t.customer.opted_out}
        unknown = [t.seq for t, _ in near if t.seq not in reachable]
        if unknown:
            reachable |= push.subscribed(session, unknown)
        for ticket, event in near:
            if ticket.seq in reachable:
                messaging_listener(session, ticket, event)

    messaging_listener.many = many
    return messaging_listener


HEARD = (Issued, PhoneAdded, Moved, Called, Recalled, Finished, Expired, Undone)
LANGS = ("es", "en")


# The alerts a browser subscribed to the ticket gets too (push.py), decided once with the texts.
PUSHED = (Moved, Called, Recalled, Undone)


def on_ticket_event(app, session: Session, ticket: Ticket, event: Event) -> None:
    customer = ticket.customer
    texting = customer is not None and not customer.opted_out
    browsers = push.subscription_ids(session, ticket) if isinstance(event, PUSHED) else []
    if not texting and not browsers:
        return
    branch = ticket.branch
    lang = next((c for c in (ticket.lang, customer.lang if customer else None, branch.lang) if c in LANGS), "es")
    write = _Writer(app, session, ticket, customer.phone if texting else None, lang, browsers)
    match event:
        case Issued() | PhoneAdded():
            view = _waiting_view(session, ticket, app)
            if view.ahead is not None and view.ahead <= branch.notify_ahead:
                _first(session, ticket, "near")  # the confirmation already says how close it is
            if isinstance(event, Issued) and ticket.channel in ANSWERED_INLINE:
                return
            # A number typed on a page or at a kiosk may be a stranger's: it is told how to
            # stop, and a few such confirmations a day is all it gets.
            typed = isinstance(event, PhoneAdded) or ticket.channel not in PHONE_CHANNELS
            if typed and _confirmations_today(session, customer.phone) >= settings(app).confirmations_per_day:
                log.warning("no confirmation for ticket %s at %s: its number had enough today", ticket.code,
                            branch.slug)
                return
            if ticket.status == Status.WAITING:
                wait = VOICE_CHOICE if ticket.channel == "voice" and settings(app).whatsapp else None
                write("confirm", lambda: texts.confirmation(view, branch.name)
                      + (" " + texts.not_yours() if typed else ""),
                      "turn_confirmed", wait=wait, branch=branch.name, code=ticket.code, url=view.track_url)
        case Moved(ahead=ahead):
            if ahead <= branch.notify_ahead and _first(session, ticket, "near"):
                view = _waiting_view(session, ticket, app, ahead=ahead)
                write("near", lambda: texts.near(view), "turn_near", code=ticket.code, ahead=ahead,
                      url=view.track_url)
        case Called():
            write("called", lambda: texts.called(ticket.code, _counter_name(ticket)),
                  "turn_called", code=ticket.code, counter=_counter_name(ticket))
        case Recalled():
            write("recall", lambda: texts.recalled(ticket.code, _counter_name(ticket)),
                  "turn_recalled", code=ticket.code, counter=_counter_name(ticket))
        case Expired(reason=reason):
            if _first(session, ticket, "expired"):
                if reason == "not_arrived":
                    write("expired", lambda: texts.not_arrived(ticket.code), "turn_not_arrived", code=ticket.code)
                else:
                    write("expired", lambda: texts.expired(ticket.code, branch.name),
                          "turn_expired", code=ticket.code, branch=branch.name)
        case Undone(undid="called"):
            if not _withdraw_calls(session, ticket):
                write("call_undone", lambda: texts.call_undone(ticket.code), "turn_call_undone", code=ticket.code)
        case Finished():
            rated = session.scalar(select(Feedback.id).where(Feedback.ticket_seq == ticket.seq))
            if rated is None and _first(session, ticket, "feedback_request"):
                write("feedback_request", lambda: texts.feedback_request(branch.name),
                      "visit_feedback", branch=branch.name)


def _withdraw_calls(session: Session, ticket: Ticket) -> bool:
    """A call taken back at the counter (undo): its texts not yet tried are withdrawn.
    False when one already went out (or may have): then the customer hears an apology."""
    rows = session.scalars(select(OutboxMessage).where(
        OutboxMessage.ticket_seq == ticket.seq, OutboxMessage.kind.in_(("called", "recall")),
        OutboxMessage.status.notin_(("failed",))).with_for_update()).all()
    went_out = False
    for row in rows:
        if row.status == "queued" and row.attempts == 0 and row.uncertain_since is None:
            row.status, row.error, row.status_at = "failed", "withdrawn: the call was undone", clock.utcnow()
        else:
            went_out = True
    return not went_out


def _confirmations_today(session: Session, phone: str) -> int:
    """Confirmations queued for this number in the last day."""
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.phone == phone, OutboxMessage.kind == "confirm",
        OutboxMessage.created_at >= clock.utcnow() - timedelta(days=1)))


def _counter_name(ticket: Ticket) -> str:
    return ticket.counter.name if ticket.counter is not None else ""


class _Writer:
    """Queues one notice for the ticket: a text to its phone (None: no text) and a push
    to each browser subscribed to it (the notices in push.KINDS only)."""

    def __init__(self, app, session, ticket, phone, lang, browsers=()):
        self.app, self.session, self.ticket, self.phone, self.lang = app, session, ticket, phone, lang
        self.browsers = list(browsers)

    def __call__(self, kind: str, body, template: str, wait: timedelta | None = None, **values) -> None:
        with texts.speaking(self.lang, self.app):
            text = body()
            limit = settings(self.app).max_chars
            title = texts.push_title(kind)
        if self.browsers and kind in push.KINDS:
            url = f"{self.session.info['turnero.db'].public_url}/t/{self.ticket.token}"
            push.enqueue(self.session, self.ticket, self.browsers, kind=kind, lang=self.lang, title=title,
                         body=text, url=url)
            log.info("%s push queued for ticket %s at %s", kind, self.ticket.code, self.ticket.branch.slug)
        if self.phone is None:
            return
        channel = message_channel(self.ticket.customer, self.ticket.channel, settings(self.app),
                                  turn=self.ticket.notify_by)
        enqueue(self.session, phone=self.phone, body=text, kind=kind, lang=self.lang, channel=channel,
                branch_id=self.ticket.branch_id, ticket_seq=self.ticket.seq, max_chars=limit,
                template=template, values=values, not_before=clock.utcnow() + wait if wait else None)
        log.info("%s message queued for ticket %s at %s", kind, self.ticket.code, self.ticket.branch.slug)


def _first(session: Session, ticket: Ticket, kind: str) -> bool:
    """True the first time a notice is decided for this ticket (then recorded)."""
    if session.get(TicketNotice, (ticket.seq, kind)) is not None:
        return False
    session.add(TicketNotice(ticket_seq=ticket.seq, kind=kind, at=clock.utcnow()))
    return True


def _waiting_view(session: Session, ticket: Ticket, app, ahead: int | None = None) -> views.TicketView:
    """The ticket as every channel shows it (place and wait from the read models)."""
    return views.view_now(session, ticket, public_url=session.info["turnero.db"].public_url, ahead=ahead)
