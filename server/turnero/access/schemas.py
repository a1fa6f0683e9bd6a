"""Schemas of the access endpoints (marshmallow, through APIFlask)."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Integer, String
from apiflask.validators import Length, OneOf

from .services import DEVICE_KINDS


class LoginIn(Schema):
    username = String(required=True, validate=Length(1, 80))
    password = String(required=True, validate=Length(1, 256))


class TokenOut(Schema):
    token = String()


class DeviceOut(Schema):
    id = Integer()
    kind = String(validate=OneOf(DEVICE_KINDS))
    branch = String(metadata={"description": "slug of the device's branch", "example": "centro"})
    name = String()
