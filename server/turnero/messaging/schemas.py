"""Schemas of messaging's REST endpoint (marshmallow, through APIFlask)."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Integer, String
from apiflask.validators import OneOf


class MessageOut(Schema):
    """A text or call received about a ticket, the reply given, or a notification sent."""
    direction = String(validate=OneOf(["in", "out"]))
    channel = String(metadata={"example": "sms"})
    kind = String(allow_none=True, metadata={"description": "the command received, `reply`, or the "
                                                              "notification: confirm, near, called, recall, "
                                                              "feedback_request, expired"})
    body = String()
    status = String(metadata={"description": "received; or queued, sending, sent, delivered, failed"})
    phone = String()
    at = String()
    error = String(allow_none=True)
    attempts = Integer()
