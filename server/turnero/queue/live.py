"""The Socket.IO door: `subscribe` to a branch or a ticket (answered with a
snapshot), `unsubscribe`; the events themselves are broadcast after each commit
(realtime.publish)."""
from __future__ import annotations

import logging
from collections import Counter
from contextlib import nullcontext

from flask import current_app, request
from flask_babel import force_locale, gettext
from flask_socketio import ConnectionRefusedError, join_room, leave_room, rooms

from ..errors import N_, DomainError
from ..extensions import LANGUAGES, socketio
from ..metrics import SOCKET_CLIENTS
from ..access.devices import socket_connected, socket_gone
from ..access.staff_pages import current_actor
from ..realtime import branch_room, staff_room, ticket_room
from ..web import database, error_text, require_uuid
from . import services as queue
from . import undo as undo_case
from .lookups import NO_TICKET, find_branch, find_ticket_by_token

log = logging.getLogger(__name__)

BAD_SUBSCRIBE = N_("Subscribe with {\"branch\": SLUG} or {\"ticket\": TOKEN}.")
# A lobby follows one branch, a phone one ticket and its branch, a kiosk the tickets it
# shows one after another (it unsubscribes): a connection never needs more rooms.
MAX_ROOMS = 20
TOO_MANY_ROOMS = N_("This connection follows too many branches and tickets; unsubscribe from some first.")


# The kiosks and displays connected to this process, by connection: a device is online
# while its connection lasts (access.devices keeps it in the database for every process).
_device_of: dict[str, int] = {}
# The other connections, by client address: a script cannot hold thousands open from
# one address (TURNERO_SOCKETS_PER_ADDRESS). Loopback is not counted: this machine, or
# a proxy in front that the server was not told of (TURNERO_PROXY_HOPS 0; the server
# warns of it), whose clients would all share one count. Unlike metrics.from_this_machine,
# which refuses what it cannot place, this lets it through: a wrong setting must not
# shut the lobby screens out.
_address_of: dict[str, str] = {}
_open_from: Counter[str] = Counter()
LOOPBACK = ("127.0.0.1", "::1")
TOO_MANY_SOCKETS = N_("Too many connections from this address; close some and try again.")


@socketio.on("connect")
def on_connect(auth=None):
    token = auth.get("token") if isinstance(auth, dict) else None
    if token is None:
        scheme, _, value = (request.headers.get("Authorization") or "").partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else None
    device_id = socket_connected(database(), token, request.sid) if token else None
    if device_id is not None:
        _device_of[request.sid] = device_id
    else:
        address = request.remote_addr or ""
        limit = current_app.config["TURNERO"].SOCKETS_PER_ADDRESS
        if address not in LOOPBACK and limit > 0:
            if _open_from[address] >= limit:
                log.warning("Socket.IO connection from %s refused: %d open already", address, limit)
                raise ConnectionRefusedError(gettext(TOO_MANY_SOCKETS))
            _open_from[address] += 1
            _address_of[request.sid] = address
    SOCKET_CLIENTS.inc()


@socketio.on("disconnect")
def on_disconnect(*_args):
    SOCKET_CLIENTS.dec()
    address = _address_of.pop(request.sid, None)
    if address is not None:
        _open_from[address] -= 1
        if _open_from[address] <= 0:
            del _open_from[address]
    device_id = _device_of.pop(request.sid, None)
    if device_id is not None:
        socket_gone(database(), device_id, request.sid)


@socketio.on("subscribe")
def on_subscribe(data):
    """`{"branch": slug}` or `{"ticket": token}`: join its room, answer with a snapshot.
    `{"staff": slug}` (the console of a manager of the branch, by its browser session):
    the managers' events, like `feedback.low`.

    The room is joined before the snapshot is read, so nothing committed after the
    snapshot can be missed; the client drops events whose `seq` it already has.
    """
    if not isinstance(data, dict):
        return {"ok": False, "error": gettext(BAD_SUBSCRIBE)}
    lang = data.get("lang") if data.get("lang") in LANGUAGES else None
    with force_locale(lang) if lang else nullcontext():
        return _subscribe(data, lang)


@socketio.on("unsubscribe")
def on_unsubscribe(data):
    """`{"branch": slug}` or `{"ticket": token}`: stop receiving its events (a kiosk
    that showed a ticket for a while). Unknown or never-joined rooms are fine."""
    if not isinstance(data, dict):
        return {"ok": False, "error": gettext(BAD_SUBSCRIBE)}
    if isinstance(data.get("branch"), str):
        leave_room(branch_room(data["branch"]))
        return {"ok": True}
    if isinstance(data.get("ticket"), str):
        try:
            room = _ticket_room_of(data["ticket"])
        except DomainError:
            return {"ok": True}
        leave_room(room)
        return {"ok": True}
    return {"ok": False, "error": gettext(BAD_SUBSCRIBE)}


def _ticket_room_of(token: str) -> str:
    with database().unit_of_work() as uow:
        return ticket_room(find_ticket_by_token(uow.session, token).id)


def _subscribe(data: dict, lang: str | None) -> dict:
    if len(rooms()) - 1 >= MAX_ROOMS:  # besides the connection's own room
        return {"ok": False, "error": gettext(TOO_MANY_ROOMS)}
    db = database()
    try:
        if isinstance(data.get("branch"), str):
            slug = data["branch"]
            with db.unit_of_work() as uow:
                find_branch(uow.session, slug)
            join_room(branch_room(slug))
            with db.unit_of_work() as uow:
                state = queue.get_branch_state(uow, slug, lang)
            return {"ok": True, "seq": state["seq"], "state": state}
        if isinstance(data.get("staff"), str):
            # The managers' room of a branch: the browser session of one of its managers.
            slug = data["staff"]
            with db.unit_of_work() as uow:
                current_actor().require_manager(find_branch(uow.session, slug))
            join_room(staff_room(slug))
            return {"ok": True}
        if isinstance(data.get("ticket"), str):
            join_room(_ticket_room_of(data["ticket"]))
            with db.unit_of_work() as uow:
                view = queue.get_ticket(uow, data["ticket"])
            return {"ok": True, "ticket": view.to_json()}
    except DomainError as exc:
        return {"ok": False, "error": error_text(exc)}
    return {"ok": False, "error": gettext(BAD_SUBSCRIBE)}


BAD_UNDO = N_("Send {\"ticket\": ID, \"counter\": SLUG}.")


@socketio.on("undo")
def on_undo(data):
    """`{"ticket": ID, "counter": SLUG}` from a staff console (its browser session; the
    connection is same-origin only): the use case of `POST /api/v1/tickets/{id}/undo`,
    answered `{"ok": true, "ticket", "returned"}` or `{"ok": false, "error"}`. The
    corrections reach every screen as after any change."""
    if not isinstance(data, dict) or not isinstance(data.get("ticket"), str) \
            or not isinstance(data.get("counter", ""), str):
        return {"ok": False, "error": gettext(BAD_UNDO)}
    lang = data.get("lang") if data.get("lang") in LANGUAGES else None
    with force_locale(lang) if lang else nullcontext():
        try:
            ticket_id = require_uuid(data["ticket"], NO_TICKET)
            with database().unit_of_work(write=True) as uow:
                done = undo_case.undo(uow, ticket_id, current_actor(), counter=data.get("counter") or None)
            return {"ok": True, **done.to_json()}
        except DomainError as exc:
            return {"ok": False, "error": error_text(exc)}


@socketio.on_error_default
def on_error(exc):  # pragma: no cover - logged, the connection stays up
    log.exception("socket.io handler failed (sid %s)", getattr(request, "sid", "?"))
    return {"ok": False, "error": gettext(N_("Something went wrong on our side; please try again."))}
