"""Where a turn's messages go (SMS or WhatsApp), and who may choose it.

A number typed on a page or at a kiosk may be anyone's: a choice made with it holds
for that turn alone (`Ticket.notify_by`, an appointment's `notify_by`). The customer's
own choice (`Customer.channel`), which their next turns and appointments follow, is
made only by the number's holder (a text or call from it) or by staff of the branch:
`choose_for_customer`. Messages go by the turn's choice, else the customer's
(rules.alert_channel)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import clock, signals
from ..access.services import Actor
from ..customers import customer_for
from ..db import UnitOfWork
from ..errors import N_, Conflict, Invalid, TooMany
from ..models import Customer, Ticket, TicketEvent
from . import read_models as views
from . import events, rules
from .changes import changed, record, ticket_result
from .lookups import find_ticket_by_token, holders_ticket
from .rules import ACTIVE, NOTIFY_CHANNELS, Status

log = logging.getLogger(__name__)


def choose_for_customer(session: Session, customer: Customer, channel: str | None) -> None:
    """The number's holder or staff chose where the customer's messages go (None: by
    each ticket's own channel): for their next turns and appointments, and for those
    still to come, whose choices made with a typed number give way to it."""
    customer.channel = channel
    session.execute(update(Ticket).where(Ticket.customer_id == customer.id, Ticket.status.in_(ACTIVE),
                                         Ticket.notify_by.is_not(None)).values(notify_by=None))
    signals.customer_channel_chosen.send(session, customer_id=customer.id, channel=channel)


def choice_for_turn(session: Session, customer: Customer | None, channel: str | None, *,
                    owner: bool) -> str | None:
    """A choice of SMS or WhatsApp made with a new turn (a ticket, an appointment) for
    this customer. When `owner` (the number's holder or staff of the branch made it)
    it becomes the customer's and None is returned; else it is returned, for the turn's
    own `notify_by` alone."""
    if customer is None or channel not in NOTIFY_CHANNELS:
        return None
    if owner:
        choose_for_customer(session, customer, channel)
        return None
    return channel


@dataclass(frozen=True)
class Alerts:
    """For the ticket's own page: where its alerts go. `phone` is the number's end
    ("•••5678"); `channel` where they go (`sms`, `whatsapp`: rules.alert_channel)."""
    phone: str
    channel: str | None


def alert_phone(uow: UnitOfWork, token: str) -> Alerts | None:
    """Where the ticket's alerts go; None when no number is on file (or the customer
    asked for no more texts)."""
    ticket = find_ticket_by_token(uow.session, token)
    customer = ticket.customer
    if customer is None or customer.opted_out:
        return None
    return Alerts("•••" + customer.phone[-4:], rules.alert_channel(ticket.notify_by, customer.channel, ticket.channel))


def _not_over(ticket: Ticket) -> None:
    """Messages about a turn are chosen only while it still has some to send."""
    if ticket.status not in (Status.WAITING, Status.CALLED):
        raise Conflict(N_("This turn is over: there is nothing left to send you."))


def set_alert_channel(uow: UnitOfWork, token: str, channel: str, actor: Actor) -> views.TicketView:
    """The holder of an active ticket (or staff for them) chooses where its messages go:
    SMS or WhatsApp. The holder's choice holds for this turn only (the number may not be
    theirs); staff of the branch choose for the customer, their next turns too."""
    if channel not in NOTIFY_CHANNELS:
        raise Invalid(N_("Choose SMS or WhatsApp."), errors={"notify_by": [N_("Choose SMS or WhatsApp.")]})
    session = uow.session
    ticket, branch = holders_ticket(session, token, actor)
    _not_over(ticket)
    if ticket.customer is None:
        raise Conflict(N_("This turn has no phone number yet."))
    if actor.is_staff:
        choose_for_customer(session, ticket.customer, channel)
    else:
        ticket.notify_by = channel
    result = ticket_result(uow, ticket)
    uow.commit()
    log.info("ticket %s at %s: messages now by %s (%s)", ticket.code, branch.slug, channel,
             "the customer's" if actor.is_staff else "this turn's")
    return result


def set_ticket_phone(uow: UnitOfWork, token: str, phone: str, actor: Actor,
                     max_changes: int | None = None, notify_by: str | None = None) -> views.TicketView:
    """The holder of a ticket (or staff for them) leaves a phone number for SMS updates.

    The number goes through the one normaliser and becomes the ticket's customer; the
    change is recorded as a `PhoneAdded` event (so messaging's listener sees it) and
    broadcast like any other change of the branch. Each change texts a confirmation,
    so the holder may change it `max_changes` times (staff without limit). `notify_by`
    holds for this turn only, unless staff chose it.
    """
    session = uow.session
    ticket, branch = holders_ticket(session, token, actor)
    _not_over(ticket)
    if max_changes is not None and not actor.is_staff:
        changes = session.scalar(select(func.count()).select_from(TicketEvent).where(
            TicketEvent.ticket_seq == ticket.seq, TicketEvent.kind == events.PhoneAdded.kind))
        if changes >= max_changes:
            raise TooMany(N_("This turn's phone number was changed too many times; ask at the branch."))
    ticket.customer = customer_for(session, phone, branch.country, ticket.name, ticket.lang)
    # A choice made for the number before is not one for this number.
    ticket.notify_by = choice_for_turn(session, ticket.customer, notify_by, owner=actor.is_staff)
    record(uow, ticket, events.PhoneAdded(at=clock.utcnow()), actor, branch_slug=branch.slug,
           channel=None if actor.kind == "user" else actor.default_channel)
    stats = changed(uow, branch, services=[], also=[ticket], setup_changed=False)
    result = ticket_result(uow, ticket, stats)
    uow.commit()
    log.info("ticket %s at %s now has a phone for updates", ticket.code, branch.slug)
    return result


__all__ = ["choose_for_customer", "choice_for_turn", "Alerts", "alert_phone", "set_alert_channel",
           "set_ticket_phone"]
