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

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping

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
# on_resume(slugs of the branches and ids of the tickets this process's clients follow, emit_here)
ResumeHandler = Callable[[set, set, Callable[[str, dict, str], None]], None]
BRANCH_ROOM = "branch:"
REDIS_CONNECT_WAIT_S = 2
LISTEN_RETRY_FIRST_S = 0.5
LISTEN_RETRY_MAX_S = 4


class Encoded(Mapping):
    """A payload as the JSON text packets carry (json.dumps's, with their separators):
    sent as it is, never encoded again. For the followers' updates, a thousand a call,
    each mostly a text kept from the call before. Read as a mapping (the fields a client
    gets: in-process listeners, tests), it is decoded then, once."""
    __slots__ = ("json", "_fields")

    def __init__(self, text: str):
        self.json = text
        self._fields: dict | None = None

    def _decoded(self) -> dict:
        if self._fields is None:
            self._fields = json.loads(self.json)
        return self._fields

    def __getitem__(self, key):
        return self._decoded()[key]

    def __iter__(self):
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())

    def __repr__(self) -> str:
        return f"Encoded({self.json!r})"


def branch_room(slug: str) -> str:
    """Everyone following a branch: lobby screens, kiosks, staff consoles."""
    return f"{BRANCH_ROOM}{slug}"


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


def _ticket_of(namespace: str, room) -> str | None:
    """The ticket id of a ticket room (ticket_room's), else None."""
    if namespace == "/" and isinstance(room, str) and room.startswith(TICKET_ROOM):
        return room[len(TICKET_ROOM):]
    return None


# Each event's packet up to its payload ("2[\"ticket.update\","), written once.
_EVENT_HEADS: dict[str, str] = {}


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
        self._followed: set[str] = set()
        self._notices: deque[dict] = deque()
        self._draining = False

    def followed(self) -> set[str]:
        """The ids of the tickets this process's clients follow (a copy): kept as
        clients enter and leave ticket rooms, not found among every room (one a client)
        at every notice."""
        return set(self._followed)

    # Every room python-socketio's managers fill or empty (a subscribe, an unsubscribe,
    # a disconnect, a closed room) passes through these two.
    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        ticket = _ticket_of(namespace, room)
        if ticket is not None:
            self._followed.add(ticket)

    def basic_leave_room(self, sid, namespace, room):
        super().basic_leave_room(sid, namespace, room)
        ticket = _ticket_of(namespace, room)
        if ticket is not None and room not in self.rooms.get("/", {}):
            self._followed.discard(ticket)

    def emit_here(self, event: str, payload: dict, room: str) -> None:
        """Send to the clients of this process in `room`: as Manager.emit does without
        callbacks (one packet encoded once for every recipient), but without its walk
        through the payload looking for bytes, which cost as much as encoding it;
        these payloads are JSON."""
        members = self.rooms.get("/", {}).get(room)
        if not members:
            return
        if isinstance(payload, Encoded):  # an EVENT packet of namespace "/", as packet_class encodes it
            head = _EVENT_HEADS.get(event)
            if head is None:
                head = _EVENT_HEADS[event] = f"{sio_packet.EVENT}[{json.dumps(event)},"
            text = f"{head}{payload.json}]"
        else:
            text = self.server.packet_class(sio_packet.EVENT, namespace="/", data=[event, payload],
                                            binary=False).encode()
        packet = eio_packet.Packet(eio_packet.MESSAGE, text)
        for eio_sid in list(members.inverse):  # (a bidict's values() cost twice as much)
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
    each process (this one first, as it publishes) hears it in the channel's order.

    Redis down: python-socketio hands every event to this process's own clients before
    it publishes, so each process keeps serving its clients; what the others emit meanwhile
    does not reach them. The listener reconnects every few seconds at most (python-socketio
    doubles its wait up to a minute), so events flow again soon after Redis is back, and
    this process's clients are brought up to date then (`on_resume`)."""

    def __init__(self, url: str, channel: str, on_notice: NoticeHandler, on_resume: ResumeHandler | None = None):
        # A Redis host that does not answer must not hold a request that emits.
        super().__init__(url, channel=channel, redis_options={"socket_connect_timeout": REDIS_CONNECT_WAIT_S})
        self._start_hearing(on_notice)
        self.on_resume = on_resume
        self._publish_lost = False

    def _resume(self) -> None:
        """Listening again after Redis was lost: what the other processes did meanwhile
        never reached this one's clients, so they get the present (`on_resume`)."""
        branches = {room[len(BRANCH_ROOM):] for room in self.rooms.get("/", {})
                    if isinstance(room, str) and room.startswith(BRANCH_ROOM)}
        followed = self.followed()
        if self.on_resume is None or not (branches or followed):
            return

        def run():
            try:
                self.on_resume(branches, followed, self.emit_here)
            except Exception:  # the channel goes on; the next change brings the present too
                log.exception("bringing this process's clients up to date after Redis came back failed")
        server = getattr(self, "server", None)
        if server is None or server.async_mode == "threading":
            run()
        else:
            server.start_background_task(run)

    def _publish(self, data):  # as python-socketio's, saying so once per outage, not twice per event
        for attempt in (1, 2):  # the second on a new connection: Redis may have restarted
            try:
                if not self.connected:
                    self._redis_connect()
                published = self.redis.publish(self.channel, self.json.dumps(data))
            except Exception as exc:  # noqa: BLE001 - this process's clients have the event already
                self.connected = False
                if attempt == 2 and not self._publish_lost:
                    self._publish_lost = True
                    log.error("cannot publish to Redis (%s): events reach this process's clients only",
                              type(exc).__name__)
                continue
            if self._publish_lost:
                self._publish_lost = False
                log.warning("publishing to Redis again")
            return published
        return None

    def _redis_listen_with_retries(self):  # as python-socketio's, with a shorter longest wait
        wait = LISTEN_RETRY_FIRST_S
        lost = False
        while True:
            try:
                self._redis_connect()
                pubsub = self.pubsub  # its own: a failed publish replaces self.pubsub meanwhile
                pubsub.subscribe(self.channel)
                if lost:
                    log.warning("listening to Redis again: events of the other processes flow")
                    self._resume()
                wait, lost = LISTEN_RETRY_FIRST_S, False
                yield from pubsub.listen()
            except Exception as exc:  # noqa: BLE001 - any failure: listen again later
                if not lost:
                    log.error("lost Redis (%s): this process serves its own clients only until it is back",
                              type(exc).__name__)
                lost = True
                time.sleep(wait)
                wait = min(wait * 2, LISTEN_RETRY_MAX_S)

    def _handle_emit(self, message):
        if message.get("event") == LINES_MOVED:
            data = message.get("data")
            return self.hear(data[0] if isinstance(data, list) else data)
        return super()._handle_emit(message)


def client_manager(redis_url: str | None, channel: str, on_notice: NoticeHandler,
                   on_resume: ResumeHandler | None = None):
    """The Socket.IO client manager of one app."""
    if redis_url:
        return RedisManager(redis_url, channel, on_notice, on_resume)
    return LocalManager(on_notice)


def notice_lines_moved(uow, payload: dict) -> None:
    """Queue a `LINES_MOVED` notice for after the commit (see queue.followers)."""
    uow.emit(LINES_MOVED, payload, NOTICE_ROOM)


__all__ = ["branch_room", "ticket_room", "publish", "client_manager", "LINES_MOVED", "notice_lines_moved"]
