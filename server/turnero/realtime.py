"""Rooms and broadcasting: what the unit of work committed goes out over Socket.IO.

Every door that speaks Socket.IO and every use case that queues an event names its
room here, so a room is spelled once. The subscribe handlers (the Socket.IO door)
live with the queue, in `queue/live.py`.
"""
from __future__ import annotations

from .extensions import socketio


def branch_room(slug: str) -> str:
    """Everyone following a branch: lobby screens, kiosks, staff consoles."""
    return f"branch:{slug}"


def ticket_room(ticket_id: str) -> str:
    """Everyone following one ticket (by its public UUID, never its secret token)."""
    return f"ticket:{ticket_id}"


def publish(events) -> None:
    """Emit committed events, in order, each to its room (through the message
    queue when several processes share it)."""
    for name, payload, room in events:
        socketio.emit(name, payload, to=room)
