"""Web Push: a ticket's holder lets their browser be told when the turn is near and
when it is called, with the tracking page closed and the phone locked.

A browser's subscription (its push service's endpoint and the keys that encrypt for
it) is kept per ticket, a few at most. The alerts themselves go through the outbox
like texts (notify.py decides them once, with the same rules): one outbox row per
subscription, channel `push`, its body the small JSON the service worker shows
(title, body, the tracking page's url, a tag so a recall replaces the call). The
worker sends it (webpush.py); a push service that says the subscription is gone
(404, 410) has it deleted.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import clock
from ..db import UnitOfWork
from ..errors import N_, Conflict, Invalid
from ..models import Ticket
from ..queue.lookups import find_ticket_by_token, locked_ticket
from ..queue.rules import Status
from .models import OutboxMessage, PushSubscription
from .rules import PUSH_SERVICES, push_endpoint_allowed

CHANNEL = "push"
ADDRESS = "push:"  # an outbox row's `to`: "push:<subscription id>"
# The alerts that go by push, and how the worker sends each: seconds a push service
# keeps one for a phone that is offline, and its urgency (RFC 8030).
KINDS = {"near": (15 * 60, "normal"), "called": (10 * 60, "high"), "recall": (10 * 60, "high"),
         "call_undone": (10 * 60, "high")}
NOT_HERE = N_("This address is not a push service this server sends to.")


@dataclass(frozen=True)
class PushPolicy:
    services: tuple[str, ...]
    allow_local: bool
    per_ticket: int
    contact: str


def policy(app) -> PushPolicy:
    cfg = app.config["TURNERO"]
    public = cfg.PUBLIC_URL
    contact = cfg.PUSH_CONTACT or (public if public.startswith("https://") else "mailto:webmaster@localhost")
    return PushPolicy(cfg.PUSH_SERVICES or PUSH_SERVICES, bool(cfg.PUSH_ALLOW_LOCAL or app.testing or app.debug),
                      cfg.PUSH_PER_TICKET, contact)


@dataclass(frozen=True)
class Subscribed:
    created: bool  # False: this browser was subscribed already (its keys are renewed)
    devices: int  # the ticket's subscriptions now


def endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def subscribe(uow: UnitOfWork, token: str, *, endpoint: str, p256dh: str, auth: str,
              rules: PushPolicy) -> Subscribed:
    """The holder's browser subscribes to the ticket's alerts (while it is waiting or
    called); the same browser again renews its keys."""
    session = uow.session
    ticket = find_ticket_by_token(session, token)
    if not push_endpoint_allowed(endpoint, rules.services, rules.allow_local):
        raise Invalid(NOT_HERE, errors={"endpoint": [NOT_HERE]})
    locked_ticket(session, ticket)  # one change at a time: the count below holds
    if ticket.status not in (Status.WAITING, Status.CALLED):
        raise Conflict(N_("This turn is over: there is nothing left to send you."))
    digest = endpoint_hash(endpoint)
    found = session.scalar(select(PushSubscription).where(PushSubscription.ticket_seq == ticket.seq,
                                                          PushSubscription.endpoint_hash == digest))
    devices = _devices(session, ticket.seq)
    if found is not None:
        found.p256dh, found.auth = p256dh, auth
        uow.commit()
        return Subscribed(False, devices)
    if devices >= rules.per_ticket:
        raise Conflict(N_("This turn already sends notifications to as many devices as it may. Turn them off "
                          "on one of them first."))
    session.add(PushSubscription(ticket_seq=ticket.seq, branch_id=ticket.branch_id, endpoint=endpoint,
                                 endpoint_hash=digest, p256dh=p256dh, auth=auth, created_at=clock.utcnow()))
    uow.commit()
    return Subscribed(True, devices + 1)


def unsubscribe(uow: UnitOfWork, token: str, endpoint: str | None) -> int:
    """The holder turns notifications off: for one browser (its endpoint), or for
    every browser of the ticket. Returns how many subscriptions went."""
    ticket = find_ticket_by_token(uow.session, token)
    query = delete(PushSubscription).where(PushSubscription.ticket_seq == ticket.seq)
    if endpoint is not None:
        query = query.where(PushSubscription.endpoint_hash == endpoint_hash(endpoint))
    gone = uow.session.execute(query).rowcount
    uow.commit()
    return gone


def _devices(session: Session, ticket_seq: int) -> int:
    return session.scalar(select(func.count()).select_from(PushSubscription)
                          .where(PushSubscription.ticket_seq == ticket_seq))


def subscription_ids(session: Session, ticket: Ticket) -> list[int]:
    return list(session.scalars(select(PushSubscription.id).where(PushSubscription.ticket_seq == ticket.seq)
                                .order_by(PushSubscription.id)))


def subscribed(session: Session, ticket_seqs: list[int]) -> set[int]:
    """Which of these tickets have a browser subscribed (one query)."""
    return set(session.scalars(select(PushSubscription.ticket_seq).where(PushSubscription.ticket_seq.in_(ticket_seqs))))


def payload(ticket: Ticket, *, kind: str, title: str, body: str, url: str) -> str:
    """What the service worker shows: no phone, no name. A recall's tag is the call's,
    so it replaces that notification instead of piling up."""
    tag = f"turnero-{ticket.code}-{'near' if kind == 'near' else 'call'}"
    return json.dumps({"title": title, "body": body, "url": url, "tag": tag, "kind": kind}, ensure_ascii=False)


def enqueue(session: Session, ticket: Ticket, subscriptions: list[int], *, kind: str, lang: str, title: str,
            body: str, url: str) -> int:
    """One outbox row per subscription, in the caller's transaction."""
    now = clock.utcnow()
    data = payload(ticket, kind=kind, title=title, body=body, url=url)
    for sub_id in subscriptions:
        session.add(OutboxMessage(to=f"{ADDRESS}{sub_id}", phone="", channel=CHANNEL, body=data, lang=lang,
                                  kind=kind, branch_id=ticket.branch_id, ticket_seq=ticket.seq, status="queued",
                                  attempts=0, next_attempt_at=now, created_at=now))
    return len(subscriptions)


def subscription_of(session: Session, address: str) -> PushSubscription | None:
    """The subscription an outbox row is addressed to ("push:<id>"); None once gone."""
    ident = address.removeprefix(ADDRESS)
    return session.get(PushSubscription, int(ident)) if ident.isdigit() else None


def forget(session: Session, address: str) -> None:
    """A push service said the subscription is gone: it is deleted."""
    ident = address.removeprefix(ADDRESS)
    if ident.isdigit():
        session.execute(delete(PushSubscription).where(PushSubscription.id == int(ident)))


@dataclass(frozen=True)
class AppOf:
    """What a ticket's installed web app is called."""
    code: str
    branch_name: str


def app_of(uow: UnitOfWork, token: str) -> AppOf:
    ticket = find_ticket_by_token(uow.session, token)
    return AppOf(ticket.code, ticket.branch.name)
