"""Request and response schemas (marshmallow, through APIFlask): validation and OpenAPI."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from ..fields import Language, Slug, TimeZone, UtcTime, across_fields
from .rules import CHANNELS, MAX_COMMENT, MAX_NAME, MAX_PHONE, NOTIFY_CHANNELS, Status


class TicketIn(Schema):
    service = String(required=True, validate=Length(1, 40), metadata={"example": "caja"})
    phone = String(allow_none=True, validate=Length(max=MAX_PHONE), metadata={"example": "55 1234 5678"})
    name = String(allow_none=True, validate=Length(max=MAX_NAME))
    priority = Boolean(load_default=False)
    priority_class = Integer(strict=True, allow_none=True,
                             metadata={"description": "one of the branch's `priority_classes` (a kiosk: those "
                                                      "`at_kiosk`); implies priority, with that class's boost"})
    lang = Language()
    channel = String(validate=OneOf(CHANNELS))
    notify_by = String(allow_none=True, validate=OneOf(NOTIFY_CHANNELS),
                       metadata={"description": "where this turn's messages go: `sms` or `whatsapp` (with a phone; "
                                                "WhatsApp when the server has it, else SMS). The customer's choice "
                                                "for their next turns too only from staff: a number typed on a "
                                                "page or at a kiosk may be anyone's"})


class Eta(Schema):
    low_min = Integer()
    high_min = Integer()
    about_min = Integer(allow_none=True, metadata={"description": "the wait's median in whole minutes, within the "
                                                                  "range: \"about 6 min (4-9)\""})


class CounterRef(Schema):
    id = String()
    name = String()


class TicketOut(Schema):
    id = String(metadata={"description": "UUID, for staff actions"})
    token = String(allow_none=True, metadata={"description": "secret of the ticket's holder: for its holder, "
                                                            "the kiosk and staff only"})
    code = String(metadata={"example": "A042"})
    branch = String()
    service = String()
    service_name = String()
    channel = String(validate=OneOf(CHANNELS))
    priority = Boolean()
    status = String(validate=OneOf([s.value for s in Status]))
    position = Integer(allow_none=True)
    ahead = Integer(allow_none=True)
    eta = Nested(Eta, allow_none=True)
    counter = Nested(CounterRef, allow_none=True)
    lang = Language()
    recalls = Integer()
    created_at = UtcTime()
    called_at = UtcTime(allow_none=True)
    started_at = UtcTime(allow_none=True)
    finished_at = UtcTime(allow_none=True)
    track_url = String(allow_none=True)
    arrived_at = UtcTime(allow_none=True, metadata={"description": "when its holder said \"I'm here\""})
    late_moves = Integer(metadata={"description": "how many times its holder let people pass (2 at most)"})
    priority_class = Integer(allow_none=True, metadata={"description": "its priority class (the branch's "
                                                                       "`priority_classes`)"})


class StaffTicketOut(TicketOut):
    phone = String(allow_none=True)
    name = String(allow_none=True)
    target_counter = String(allow_none=True)
    customer = Integer(allow_none=True, metadata={"description": "the customer's id when a phone is on record: "
                                                                 "GET /customers/{id}"})
    notify_by = String(allow_none=True, validate=OneOf(NOTIFY_CHANNELS),
                       metadata={"description": "`sms` or `whatsapp` chosen for this turn alone (with a number typed "
                                                "on a page or at a kiosk); null: the customer's `channel`"})


class TicketQuery(Schema):
    status = String(validate=OneOf([s.value for s in Status]))
    service = String(validate=Length(1, 40))


class JoiningOut(Schema):
    """Whether a line takes new turns now (the same fields in each service of a branch)."""
    joining = String(validate=OneOf(["open", "paused", "closed"]),
                     metadata={"description": "open; paused by its manager (those waiting are still served); "
                                              "closed outside the branch's hours for walk-ins"})
    message = String(allow_none=True, metadata={"description": "the manager's message for a paused line"})
    until = UtcTime(allow_none=True, metadata={"description": "a paused line reopens by itself then"})
    opens_at = UtcTime(allow_none=True, metadata={"description": "when a closed branch next takes walk-ins "
                                                                "(null: no hours set)"})


class JoiningIn(Schema):
    open = Boolean(required=True, metadata={"description": "false stops new turns (those waiting are still "
                                                          "served); true reopens"})
    message = String(allow_none=True, validate=Length(max=200),
                     metadata={"example": "Caja cerrada para turnos nuevos hasta las 14:00"})
    until = String(allow_none=True, validate=Length(max=40),
                   metadata={"description": "ISO 8601: the line reopens by itself then (without an offset, a wall "
                                            "time of the branch); null: until reopened",
                             "example": "2026-12-02T14:00"})


class LineJoiningOut(JoiningOut):
    service = String()


class ServiceOut(JoiningOut):
    id = String()
    name = String()
    names = Dict(keys=String(), values=String())
    prefix = String()
    color = String()
    waiting = Integer()
    eta = Nested(Eta)
    serving = Integer(metadata={"description": "open counters serving this line now; with none, pages say "
                                              "\"no one is serving now\" instead of the wait"})
    takes_appointments = Boolean()


class PriorityClassOut(Schema):
    id = Integer()
    name = String()
    names = Dict(keys=String(), values=String())
    boost_min = Integer(metadata={"description": "placed in line as if taken this many minutes earlier"})
    at_kiosk = Boolean(metadata={"description": "the kiosk offers it"})


class CallCounter(CounterRef):
    state = String(metadata={"description": "the counter's state now: the lobby shows a call as current only "
                                            "while its counter is open"})


class CallOut(Schema):
    code = String()
    service = String()
    counter = Nested(CallCounter)
    called_at = UtcTime()
    recall = Boolean()


class CounterOut(Schema):
    id = String()
    name = String()
    state = String()
    services = List(String())


class StaffCounterOut(CounterOut):
    """A counter as staff see it."""
    pause_reason = String(allow_none=True, metadata={"description": "why it is paused: break, lunch, "
                                                                    "back_office, or the agent's words"})
    since = UtcTime(allow_none=True, metadata={"description": "since when it is in its state"})
    agent = String(allow_none=True, metadata={"description": "who opened it (username)"})
    planned_hours = String(allow_none=True, metadata={
        "description": "the hours it is planned to serve each day, as \"09:00-13:00, 14:00-18:00\" in the "
                       "branch's wall time (null: none set); the waits count it in them", "example": "09:00-18:00"})


class PauseIn(Schema):
    reason = String(allow_none=True, validate=Length(max=80),
                    metadata={"description": "break, lunch, back_office, or free text", "example": "lunch"})


class BranchCounter(CounterOut):
    """A counter as listed in its branch (a schema of its own so the OpenAPI
    components stay distinct)."""


class BranchSummary(Schema):
    id = Slug()
    slug = Slug()
    name = String()
    timezone = TimeZone()
    lang = Language()


class BrandOut(Schema):
    color = String(allow_none=True, metadata={"description": "the branch's colour, #rrggbb; null: the default look"})
    ink = String(metadata={"description": "the text colour that reads on `color`: #ffffff or #0b1b33"})
    logo_url = String(allow_none=True, metadata={"description": "path of the branch's logo (PNG or JPEG), "
                                                             "versioned; null when it has none"})


class BranchOut(BranchSummary):
    country = String()
    offers_priority = Boolean()
    join_hours = Boolean(metadata={"description": "walk-ins join only during the opening hours"})
    last_entry_min = Integer(metadata={"description": "with join_hours: the last turn is given this many minutes "
                                                     "before closing"})
    remote_check_in = Boolean(metadata={"description": "remote turns are called once their holder says "
                                                      "\"I'm here\""})
    message = String(allow_none=True)
    whatsapp = Boolean(metadata={"description": "customers may have their messages sent by WhatsApp "
                                                "(`notify_by`)"})
    seq = Integer()
    services = List(Nested(ServiceOut))
    counters = List(Nested(BranchCounter))
    recent_calls = List(Nested(CallOut))
    priority_classes = List(Nested(PriorityClassOut), metadata={"description": "who the branch serves first"})
    brand = Nested(BrandOut, metadata={"description": "its colour, the ink on it and its logo"})


@across_fields(oneOf=[{"required": ["service"]}, {"required": ["counter"]}],
               examples=[{"service": "plataforma"}, {"counter": "v2"}])
class TransferIn(Schema):
    """Either a service or a counter."""
    service = String(validate=Length(1, 40))
    counter = String(validate=Length(1, 40))


class CallIn(Schema):
    ticket = String(required=True, validate=Length(1, 64), metadata={"description": "the ticket's id (UUID)"})
    reason = String(required=True, validate=Length(max=200),
                    metadata={"description": "why it is called out of turn (kept in its log with who called)",
                              "example": "Silla de ruedas en la puerta"})


class LetPassIn(Schema):
    places = Integer(load_default=3, strict=True, validate=Range(1, 10),
                     metadata={"description": "how many people to let pass (fewer at the end of the line)"})


class PriorityIn(Schema):
    priority = Boolean(required=True, metadata={"description": "true to grant priority, false to remove it"})
    priority_class = Integer(strict=True, allow_none=True,
                             metadata={"description": "with true: one of the branch's priority classes"})


class FeedbackIn(Schema):
    score = Integer(required=True, strict=True, validate=Range(1, 5))
    comment = String(allow_none=True, validate=Length(max=MAX_COMMENT))


class FeedbackOut(Schema):
    ticket = String()
    score = Integer()
    comment = String(allow_none=True)


class EventOut(Schema):
    kind = String()
    at = UtcTime()
    channel = String(allow_none=True)
    counter = String(allow_none=True)
    user = String(allow_none=True)
    data = Dict()


class NotifyByIn(Schema):
    notify_by = String(required=True, validate=OneOf(NOTIFY_CHANNELS), metadata={"example": "whatsapp"})


class PhoneIn(Schema):
    phone = String(required=True, validate=Length(1, MAX_PHONE, error="Not a valid phone number."),
                   metadata={"example": "55 1234 5678"})
    notify_by = String(allow_none=True, validate=OneOf(NOTIFY_CHANNELS),
                       metadata={"description": "`sms` or `whatsapp`: where this turn's messages go (the "
                                                "customer's choice for their next turns too only from staff)"})


class UndoIn(Schema):
    counter = String(allow_none=True, validate=Length(1, 40),
                     metadata={"description": "the console's counter: the undo is refused when it was done at "
                                              "another", "example": "v1"})


class UndoneTicket(StaffTicketOut):
    """A ticket an undo put back (its own name in the OpenAPI document)."""


class UndoOut(Schema):
    """What an undo put back."""
    ticket = Nested(UndoneTicket, metadata={"description": "the ticket, at its counter again (called or being served)"})
    returned = Nested(UndoneTicket, allow_none=True,
                      metadata={"description": "the ticket that had been called in its place, back in line at its "
                                               "place (null when none was)"})


class NoShowOut(StaffTicketOut):
    back_until = UtcTime(metadata={"description": "until when it may go back to the line (`requeue`)"})
