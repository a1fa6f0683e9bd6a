"""REST of one customer for staff under /api/v1: find by phone, their history, a note,
where their messages go."""
from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Date, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from ..access.requests import BEARER
from ..access.requests import request_actor as actor
from ..fields import UtcTime
from ..queue.rules import NOTIFY_CHANNELS
from ..web import current_lang, database
from . import history

api = APIBlueprint("customers_api", __name__, url_prefix="/api/v1", tag="Customers")
TAG = {"name": "Customers", "description": "One customer across channels and branches (staff of a branch they "
                                           "visited; administrators)"}


class CustomerQuery(Schema):
    phone = String(required=True, validate=Length(1, 32), metadata={"example": "55 1234 5678"})


class CustomerOut(Schema):
    id = Integer()
    phone = String()
    name = String(allow_none=True)
    lang = String(allow_none=True)
    note = String(allow_none=True, metadata={"description": "what staff keep in mind about the customer"})
    opted_out = Boolean(metadata={"description": "asked for no more texts"})
    channel = String(allow_none=True, metadata={"description": "where their messages go: `sms`, `whatsapp`, or "
                                                                "null for each ticket's own channel"})
    visits = Integer(metadata={"description": "tickets at every branch"})


class VisitOut(Schema):
    id = String()
    code = String()
    date = Date()
    channel = String()
    status = String()
    created_at = UtcTime()
    branch = String()
    branch_name = String()
    service_name = String()
    feedback = Integer(allow_none=True, metadata={"description": "the score given, 1-5"})


class AppointmentRef(Schema):
    branch = String()
    service = String()
    code = String()
    start_at = UtcTime()
    status = String()
    channel = String(allow_none=True)


class HistoryOut(CustomerOut):
    tickets = List(Nested(VisitOut), metadata={"description": "the latest 50, newest first"})
    appointments = List(Nested(AppointmentRef))
    messages_sent = Integer()
    messages_received = Integer()


class ChannelIn(Schema):
    channel = String(required=True, allow_none=True, validate=OneOf(NOTIFY_CHANNELS))


class NoteIn(Schema):
    note = String(required=True, allow_none=True, validate=Length(0, history.MAX_NOTE))


@api.get("/customers")
@api.input(CustomerQuery, location="query", arg_name="query")
@api.output(CustomerOut(many=True))
@api.doc(summary="Find the customer of a phone number (staff)", responses=[401, 403, 422], **BEARER,
         description="An empty list when the number is unknown or the customer never visited the caller's "
                     "branch (administrators: any branch).")
def find(query):
    with database().unit_of_work() as uow:
        return history.find_by_phone(uow, actor(uow), query["phone"])


@api.get("/customers/<int:customer_id>")
@api.output(HistoryOut)
@api.doc(summary="One customer: visits at every branch, appointments, messages, note (staff)",
         responses=[401, 403, 404], **BEARER)
def customer(customer_id):
    with database().unit_of_work() as uow:
        return history.history(uow, customer_id, actor(uow), lang=current_lang() or "es")


@api.put("/customers/<int:customer_id>/note")
@api.input(NoteIn, arg_name="body")
@api.output(CustomerOut)
@api.doc(summary="Keep a note about the customer (staff; empty or null clears it)",
         responses=[401, 403, 404, 422], **BEARER)
def note(customer_id, body):
    with database().unit_of_work(write=True) as uow:
        return history.set_note(uow, customer_id, body.get("note"), actor(uow))


@api.put("/customers/<int:customer_id>/channel")
@api.input(ChannelIn, arg_name="body")
@api.output(CustomerOut)
@api.doc(summary="Choose where the customer's messages go: sms, whatsapp or null (staff)",
         responses=[401, 403, 404, 422], **BEARER)
def channel(customer_id, body):
    with database().unit_of_work(write=True) as uow:
        return history.set_channel(uow, customer_id, body.get("channel"), actor(uow))
