"""Messaging's REST endpoint under /api/v1: a ticket's texts, calls and notifications."""
from __future__ import annotations

from apiflask import APIBlueprint

from ..access.requests import BEARER, request_actor
from ..queue.lookups import NO_TICKET
from ..web import database, require_uuid
from .read_models import ticket_messages
from .schemas import MessageOut

api = APIBlueprint("messaging_api", __name__, url_prefix="/api/v1")


@api.get("/tickets/<ticket_id>/messages")
@api.output(MessageOut(many=True))
@api.doc(summary="The texts, calls and notifications of a ticket, oldest first (staff)", tags=["Staff"],
         responses=[401, 403, 404], **BEARER)
def ticket_messages_of(ticket_id):
    require_uuid(ticket_id, NO_TICKET)
    with database().unit_of_work() as uow:
        return ticket_messages(uow, ticket_id, request_actor(uow))
