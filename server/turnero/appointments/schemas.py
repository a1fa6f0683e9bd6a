"""Request and response schemas of the appointment API (marshmallow via APIFlask)."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Date, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from ..fields import Language, LocalTime, Slug, TimeZone, UtcTime, across_fields
from ..queue.rules import MAX_NAME, MAX_PHONE, NOTIFY_CHANNELS
from .rules import AppointmentStatus, CheckIn

STATUSES = [s.value for s in AppointmentStatus]
# What rules.parse_start and hours.parse_ranges read, as the OpenAPI document says it.
START = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$"
_WALL = r"([01]?\d|2[0-3]):[0-5]\d"
_RANGE = rf"{_WALL}\s*-\s*{_WALL}"
HOURS = rf"^\s*({_RANGE}(\s*,\s*{_RANGE})*)?\s*$"


class SlotQuery(Schema):
    service = String(required=True, validate=Length(1, 40), metadata={"example": "plataforma"})
    date = Date(required=True, metadata={"description": "local day of the branch, YYYY-MM-DD"})


class SlotOut(Schema):
    start = UtcTime(metadata={"example": "2026-11-24T15:00:00Z"})
    end = UtcTime()
    free = Integer(metadata={"description": "places still free in this slot"})
    capacity = Integer()
    local_start = LocalTime(metadata={"description": "the same instant in the branch's time zone",
                                      "example": "2026-11-24T09:00:00-06:00"})
    local_end = LocalTime()


class AppointmentIn(Schema):
    service = String(required=True, validate=Length(1, 40), metadata={"example": "plataforma"})
    start = String(required=True, validate=Length(1, 40), metadata={
        "description": "a slot's `start`: ISO 8601 with offset (`Z` for UTC); without an offset it is "
                       "a wall time of the branch", "example": "2026-11-24T15:00:00Z", "pattern": START})
    name = String(required=True, validate=Length(1, MAX_NAME))
    phone = String(required=True, validate=Length(1, MAX_PHONE), metadata={"example": "55 1234 5678"})
    lang = Language()
    notify_by = String(allow_none=True, validate=OneOf(NOTIFY_CHANNELS),
                       metadata={"description": "where this appointment's confirmation and reminders go: `sms` "
                                                "or `whatsapp` (WhatsApp when the server has it, else SMS); the "
                                                "customer's choice for their next ones too only from staff"})


class RescheduleIn(Schema):
    start = String(required=True, validate=Length(1, 40), metadata={"example": "2026-11-24T15:20:00Z",
                                                                    "pattern": START})


@across_fields(anyOf=[{"required": ["code"]}, {"required": ["phone"]}])
class CheckInIn(Schema):
    """The appointment's code, or the phone it was booked with, or the secret token of
    its page (what the page's QR code holds, read by a kiosk's scanner)."""
    code = String(validate=Length(1, 20), metadata={"example": "HK7MXR"})
    phone = String(validate=Length(1, MAX_PHONE), metadata={"example": "55 1234 5678"})
    token = String(validate=Length(1, 64))


class TicketRef(Schema):
    id = String()
    code = String(metadata={"example": "B007"})
    status = String()
    token = String()
    track_url = String()


class AppointmentOut(Schema):
    id = String(metadata={"description": "UUID, for staff actions"})
    token = String(metadata={"description": "secret of the appointment's holder"})
    code = String(metadata={"description": "what the customer types at the kiosk", "example": "HK7MXR"})
    branch = String()
    branch_name = String()
    service = String()
    service_name = String()
    address = String(allow_none=True, metadata={"description": "the branch's address, when it has one"})
    bring = String(allow_none=True, metadata={"description": "what to bring, in the appointment's language"})
    name = String()
    lang = Language()
    start = UtcTime()
    end = UtcTime()
    timezone = TimeZone()
    local_start = LocalTime()
    local_end = LocalTime()
    status = String(validate=OneOf(STATUSES))
    channel = String()
    created_at = UtcTime()
    checkin_opens = UtcTime()
    checkin_closes = UtcTime()
    checkin_opens_local = LocalTime()
    checkin_closes_local = LocalTime()
    checkin = String(allow_none=True, validate=OneOf([c.value for c in CheckIn]),
                     metadata={"description": "while booked: early, open or late"})
    ticket = Nested(TicketRef, allow_none=True)
    manage_url = String()
    calendar_url = String()


class StaffAppointmentOut(AppointmentOut):
    phone = String(allow_none=True, metadata={"description": "null once the customer's data was erased"})


class DayQuery(Schema):
    date = Date(required=True)
    service = String(validate=Length(1, 40))


class DayAppointment(StaffAppointmentOut):
    """An appointment as listed in its day (a schema of its own so the OpenAPI
    components stay distinct), with what staff may do with it."""

    may_no_show = Boolean()
    may_cancel = Boolean()


class DayService(Schema):
    id = String()
    name = String()
    color = String()
    appointments = List(Nested(DayAppointment))


class DayOut(Schema):
    branch = Slug()
    name = String()
    date = String(metadata={"format": "date"})
    timezone = TimeZone()
    services = List(Nested(DayService))


class HoursIn(Schema):
    hours = Dict(keys=String(), values=String(validate=Length(max=200)), required=True, metadata={
        "description": "weekday (0 = Monday ... 6 = Sunday) -> \"09:00-13:00, 14:00-17:00\"; \"\" closes "
                       "that weekday; weekdays left out keep their hours",
        "example": {"0": "09:00-17:00", "5": "09:00-13:00", "6": ""},
        "properties": {str(d): {"type": "string", "maxLength": 200, "pattern": HOURS} for d in range(7)}})


class CheckInWindowIn(Schema):
    checkin_before_min = Integer(required=True, strict=True, validate=Range(0, 240))
    checkin_after_min = Integer(required=True, strict=True, validate=Range(0, 240))


class ClosureIn(Schema):
    first_day = Date(required=True)
    last_day = Date(metadata={"description": "inclusive; the first day when left out"})
    reason = String(load_default="", validate=Length(max=200))


class ClosureOut(Schema):
    id = Integer()
    first_day = String(metadata={"format": "date"})
    last_day = String(metadata={"format": "date"})
    reason = String()


class ServiceSlots(Schema):
    id = Slug()
    name = String()
    takes_appointments = Boolean()
    slot_minutes = Integer()
    slot_capacity = Integer()


class SettingsOut(Schema):
    branch = Slug()
    name = String()
    timezone = TimeZone()
    hours = Dict(keys=String(), values=String())
    closures = List(Nested(ClosureOut))
    checkin_before_min = Integer()
    checkin_after_min = Integer()
    appointment_boost_min = Integer()
    services = List(Nested(ServiceSlots))
