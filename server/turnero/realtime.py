"""Rooms and broadcasting: what the unit of work committed goes out over Socket.IO.

Every door that speaks Socket.IO and every use case that queues an event names its
room here, so a room is spelled once. The subscribe handlers (the Socket.IO door)
live with the queue, in `queue/live.py`.

Most events are the same for everyone in a room and are built once, in the
transaction. A line that moved is different: thousands may wait in it and few are
followed, and only a process knows whom its own clients follow. So a change queues a
notice (`LINES_MOVED`) instead; it travels in the same channel as every other event
(the Redis message queue when several processes share one), and each process, on
hearing it, builds `ticket.update` for the tickets its own clients follow, from the
database as it is then (`on_notice`: queue.followers.refresh).
"""
from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

import socketio as python_socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

from .extensions import socketio

log = logging.getLogger(__name__)

# Never sent to a client: managers below take it out of the stream. Its room has no members.
LINES_MOVED = "turnero.lines_moved"
NOTICE_ROOM = "turnero:notices"
TICKET_ROOM = "ticket:"
# on_notice(notices, ids of the tickets this process's clients follow, emit_here)
NoticeHandler = Callable[[list, set, Callable[[str, dict, str], None]], None]


def branch_room(slug: str) -> str:
    """Everyone following a branch: lobby screens, kiosks, staff consoles."""
    return f"branch:{slug}"


def staff_room(slug: str) -> str:
    """The branch's managers (their consoles): what only they see, like a low rating."""
    return f"staff:{slug}"


def ticket_room(ticket_id: str) -> str:
    """Everyone following one ticket (by its public UUID, never its secret token)."""
    return f"{TICKET_ROOM}{ticket_id}"


def publish(events) -> None:
    """Emit committed events, in order, each to its room (through the message
    queue when several processes share it)."""
    for name, payload, room in events:
        socketio.emit(name, payload, to=room)


class _Followers:
    """What both managers add: hear `LINES_MOVED`, and know which tickets this
    process's clients follow (the rooms it holds).

    Under gevent (`turnero serve`) notices are handled by one background greenlet,
    after the answer to the change has gone: notices that arrive meanwhile wait and
    are handled together, in order. In threading mode (Flask-SocketIO's test client,
    a development server) each is handled as it is heard."""

    on_notice: NoticeHandler

    def _start_hearing(self, on_notice: NoticeHandler) -> None:
        self.on_notice = on_notice
        self._notices: deque[dict] = deque()
        self._draining = False

    def followed(self) -> set[str]:
        return {room[len(TICKET_ROOM):] for room in self.rooms.get("/", {})
                if isinstance(room, str) and room.startswith(TICKET_ROOM)}

    def emit_here(self, event: str, payload: dict, room: str) -> None:
        """Send to the clients of this process in `room`: as Manager.emit does without
        callbacks (one packet encoded once for every recipient), but without its walk
        through the payload looking for bytes, which cost as much as encoding it;
        these payloads are JSON."""
        members = self.rooms.get("/", {}).get(room)
        if not members:
            return
        packet = eio_packet.Packet(eio_packet.MESSAGE, self.server.packet_class(
            sio_packet.EVENT, namespace="/", data=[event, payload], binary=False).encode())
        for eio_sid in list(members.values()):
            self.server._send_eio_packet(eio_sid, packet)

    def hear(self, payload: dict) -> None:
        server = getattr(self, "server", None)
        if server is None or server.async_mode == "threading":
            self._handle([payload])
            return
        self._notices.append(payload)
        if not self._draining:
            self._draining = True
            server.start_background_task(self._drain)

    def _drain(self) -> None:
        try:
            while self._notices:
                batch = list(self._notices)
                self._notices.clear()
                self._handle(batch)
        finally:
            self._draining = False

    def _handle(self, notices: list[dict]) -> None:
        followed = self.followed()
        if not followed:
            return
        try:
            self.on_notice(notices, followed, self.emit_here)
        except Exception:  # a follower's update must not break the channel
            log.exception("updating the followers of %d moved lines failed", len(notices))


class LocalManager(_Followers, python_socketio.Manager):
    """One process: notices are heard as they are published."""

    def __init__(self, on_notice: NoticeHandler):
        super().__init__()
        self._start_hearing(on_notice)

    def emit(self, event, data, namespace=None, room=None, **kwargs):
        if event == LINES_MOVED:
            return self.hear(data)
        return super().emit(event, data, namespace or "/", room=room, **kwargs)


class RedisManager(_Followers, python_socketio.RedisManager):
    """Several processes: a notice goes through Redis with the other events, and
    each process (this one first, as it publishes) hears it in the channel's order."""

    def __init__(self, url: str, channel: str, on_notice: NoticeHandler):
        super().__init__(url, channel=channel)
        self._start_hearing(on_notice)

    def _handle_emit(self, message):
        if message.get("event") == LINES_MOVED:
            data = message.get("data")
            return self.hear(data[0] if isinstance(data, list) else data)
        return super()._handle_emit(message)


def client_manager(redis_url: str | None, channel: str, on_notice: NoticeHandler):
    """The Socket.IO client manager of one app."""
    if redis_url:
        return RedisManager(redis_url, channel, on_notice)
    return LocalManager(on_notice)


def notice_lines_moved(uow, payload: dict) -> None:
    """Queue a `LINES_MOVED` notice for after the commit (see queue.followers)."""
    uow.emit(LINES_MOVED, payload, NOTICE_ROOM)


__all__ = ["branch_room", "ticket_room", "publish", "client_manager", "LINES_MOVED", "notice_lines_moved"]
