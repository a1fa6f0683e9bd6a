"""Webhooks for integrators: administrators register endpoints per branch (URL, the
events wanted). The worker reads the branch's ticket event log past each endpoint's
place in it (only committed events are there), and past its place in the
appointments' log, and turns the wanted ones into deliveries, one per event and endpoint (a unique key: never two), moving the place
on in the same transaction; nothing is added to the changes themselves. Payloads carry
no personal data: codes, services, statuses, times, scores.

A delivery is POSTed as JSON with the headers `Turnero-Event`, `Turnero-Delivery` (a
UUID: the receiver's key against repeats) and `Turnero-Signature: t=TIMESTAMP,v1=HMAC`
where HMAC is the hex HMAC-SHA256, with the endpoint's secret, of `TIMESTAMP.BODY`.

An endpoint must be on the public internet: an address that is (or resolves to) the
server's own machine or network (loopback, private, link-local like a cloud's metadata
service) is refused when added and again before each delivery, unless
TURNERO_WEBHOOKS_ALLOW_PRIVATE is on (an integration inside the same network)."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..access import audit
from ..access.services import Actor
from ..appointments.models import Appointment, AppointmentEvent
from ..db import UnitOfWork
from ..errors import N_, Invalid, NotFound
from ..queue.lookups import find_branch
from ..models import Branch, Service, Ticket, TicketEvent
from ..queue.read_models import iso
from .models import WebhookDelivery, WebhookEndpoint

# Ticket event kinds -> the names integrators subscribe to.
EVENTS = {"issued": "ticket.created", "called": "ticket.called", "done": "ticket.done",
          "cancelled": "ticket.cancelled", "no_show": "ticket.no_show", "expired": "ticket.expired",
          "feedback": "feedback", "undone": "ticket.undone"}
# The same for the appointments' log.
APPOINTMENT_EVENTS = {"booked": "appointment.booked", "rescheduled": "appointment.rescheduled",
                      "cancelled": "appointment.cancelled", "checked_in": "appointment.checked_in",
                      "no_show": "appointment.no_show"}
EVENT_NAMES = sorted({*EVENTS.values(), *APPOINTMENT_EVENTS.values()})
MAX_ENDPOINTS = 10
NO_ENDPOINT = N_("There is no such webhook.")


def sign(secret: str, timestamp: int, body: str) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def _view(endpoint: WebhookEndpoint, secret: bool = False) -> dict:
    view = {"id": endpoint.id, "url": endpoint.url, "events": list(endpoint.events), "active": endpoint.active,
            "created_at": iso(endpoint.created_at)}
    if secret:  # shown once, when made
        view["secret"] = endpoint.secret
    return view


def _check_url(url: str, allow_private: bool) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or len(url) > 500:
        raise Invalid(N_("Give the address the deliveries go to (https://...)."),
                      errors={"url": [N_("Give the address the deliveries go to (https://...).")]})
    if not allow_private and inside_network(parts.hostname):
        raise Invalid(N_("This address is inside the server's own network; webhooks go to public addresses."),
                      errors={"url": [N_("This address is inside the server's own network; webhooks go to "
                                         "public addresses.")]})
    return url


def inside_network(host: str) -> bool:
    """Whether a host is, or resolves to, an address of this machine or its networks
    (a name that does not resolve is not: it reaches nothing, and is looked at again
    before each delivery)."""
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError):
        return False
    for text in found:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if getattr(address, "ipv4_mapped", None):
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            return True
    return False


def add_endpoint(uow: UnitOfWork, branch_slug: str, actor: Actor, url: str, events: list[str],
                 allow_private: bool = False) -> dict:
    actor.require_admin()
    session = uow.session
    branch = find_branch(session, branch_slug)
    url = _check_url(url, allow_private)
    chosen = sorted(set(events or []))
    if not chosen or any(e not in EVENT_NAMES for e in chosen):
        raise Invalid(N_("Choose events among: %(events)s.", events=", ".join(EVENT_NAMES)),
                      errors={"events": [N_("Choose events among the list.")]}, events=", ".join(EVENT_NAMES))
    count = session.scalar(select(func.count()).select_from(WebhookEndpoint)
                           .where(WebhookEndpoint.branch_id == branch.id))
    if count >= MAX_ENDPOINTS:
        raise Invalid(N_("A branch has at most 10 webhooks."), errors={"url": [N_("A branch has at most 10 webhooks.")]})
    # From now on: the events already in the log are not told.
    now_at = session.scalar(select(func.max(TicketEvent.id)).where(TicketEvent.branch_id == branch.id)) or 0
    booked_at = session.scalar(select(func.max(AppointmentEvent.id))
                               .where(AppointmentEvent.branch_id == branch.id)) or 0
    endpoint = WebhookEndpoint(branch_id=branch.id, url=url, secret=secrets.token_hex(32), events=chosen,
                               active=True, cursor=now_at, appointment_cursor=booked_at)
    session.add(endpoint)
    session.flush()
    audit.record(session, actor, "webhook.added", branch=branch.slug, target=urlsplit(url).netloc,
                 changes={"events": chosen})
    view = _view(endpoint, secret=True)
    uow.commit()
    return view


def list_endpoints(uow: UnitOfWork, branch_slug: str, actor: Actor) -> list[dict]:
    actor.require_admin()
    branch = find_branch(uow.session, branch_slug)
    return [_view(e) for e in uow.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.branch_id == branch.id).order_by(WebhookEndpoint.id))]


def _endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(NO_ENDPOINT)
    return endpoint


def remove_endpoint(uow: UnitOfWork, endpoint_id: int, actor: Actor) -> None:
    actor.require_admin()
    session = uow.session
    endpoint = _endpoint(session, endpoint_id)
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    audit.record(session, actor, "webhook.removed", target=urlsplit(endpoint.url).netloc)
    session.delete(endpoint)
    uow.commit()


def deliveries(uow: UnitOfWork, endpoint_id: int, actor: Actor, limit: int = 100) -> list[dict]:
    """The endpoint's latest deliveries, newest first (the delivery log)."""
    actor.require_admin()
    endpoint = _endpoint(uow.session, endpoint_id)
    rows = uow.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                               .order_by(WebhookDelivery.id.desc()).limit(limit))
    return [{"id": d.uuid, "event": d.event, "status": d.status, "attempts": d.attempts,
             "last_code": d.last_code, "last_error": d.last_error, "created_at": iso(d.created_at),
             "delivered_at": iso(d.delivered_at), "next_attempt_at": iso(d.next_attempt_at)} for d in rows]


def collect(session: Session, endpoint: WebhookEndpoint, limit: int = 500) -> int:
    """Deliveries for the endpoint's wanted events logged since its places in the
    ticket log and the appointments' log; moves the places on. Returns how many were
    made."""
    return _collect_tickets(session, endpoint, limit) + _collect_appointments(session, endpoint, limit)


def _body(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def _collect_tickets(session: Session, endpoint: WebhookEndpoint, limit: int) -> int:
    wanted = [kind for kind, name in EVENTS.items() if name in endpoint.events]
    rows = session.execute(
        select(TicketEvent.id, TicketEvent.kind, TicketEvent.at, TicketEvent.data, Ticket.id, Ticket.code,
               Ticket.channel, Ticket.status, Service.slug, Branch.slug)
        .join(Ticket, Ticket.seq == TicketEvent.ticket_seq).join(Service, Service.id == Ticket.service_id)
        .join(Branch, Branch.id == Ticket.branch_id)
        .where(TicketEvent.branch_id == endpoint.branch_id, TicketEvent.id > endpoint.cursor,
               TicketEvent.kind.in_(wanted))
        .order_by(TicketEvent.id).limit(limit)).all()
    if not rows:
        last = session.scalar(select(func.max(TicketEvent.id)).where(TicketEvent.branch_id == endpoint.branch_id))
        endpoint.cursor = max(endpoint.cursor, last or 0)
        return 0
    for event_id, kind, at, data, ticket_id, code, channel, status, service, branch in rows:
        name = EVENTS[kind]
        payload = {"event": name, "at": iso(at), "branch": branch,
                   "ticket": {"id": ticket_id, "code": code, "service": service, "channel": channel}}
        if name == "feedback":
            payload["score"] = (data or {}).get("score")
        elif name == "ticket.undone":  # staff took back, seconds after, a call, finish or no-show
            payload["undid"] = EVENTS.get((data or {}).get("undid"))
        session.add(WebhookDelivery(endpoint_id=endpoint.id, event=name, event_id=event_id, body=_body(payload)))
    endpoint.cursor = rows[-1][0]
    return len(rows)


def _collect_appointments(session: Session, endpoint: WebhookEndpoint, limit: int) -> int:
    """The appointments' events: its id, code, service, time (as it was then) and the
    door it was booked through; never the name or phone."""
    wanted = [kind for kind, name in APPOINTMENT_EVENTS.items() if name in endpoint.events]
    rows = session.execute(
        select(AppointmentEvent.id, AppointmentEvent.kind, AppointmentEvent.at, AppointmentEvent.start_at,
               Appointment.id, Appointment.code, Appointment.channel, Service.slug, Branch.slug)
        .join(Appointment, Appointment.id == AppointmentEvent.appointment_id)
        .join(Service, Service.id == Appointment.service_id).join(Branch, Branch.id == Appointment.branch_id)
        .where(AppointmentEvent.branch_id == endpoint.branch_id, AppointmentEvent.id > endpoint.appointment_cursor,
               AppointmentEvent.kind.in_(wanted))
        .order_by(AppointmentEvent.id).limit(limit)).all()
    if not rows:
        last = session.scalar(select(func.max(AppointmentEvent.id))
                              .where(AppointmentEvent.branch_id == endpoint.branch_id))
        endpoint.appointment_cursor = max(endpoint.appointment_cursor, last or 0)
        return 0
    for event_id, kind, at, start_at, appointment_id, code, channel, service, branch in rows:
        name = APPOINTMENT_EVENTS[kind]
        payload = {"event": name, "at": iso(at), "branch": branch,
                   "appointment": {"id": appointment_id, "code": code, "service": service, "channel": channel,
                                   "start": iso(start_at)}}
        session.add(WebhookDelivery(endpoint_id=endpoint.id, event=name, appointment_event_id=event_id,
                                    body=_body(payload)))
    endpoint.appointment_cursor = rows[-1][0]
    return len(rows)
