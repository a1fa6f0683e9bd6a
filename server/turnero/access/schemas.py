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


class PairIn(Schema):
    code = String(required=True, validate=Length(1, 40),
                  metadata={"description": "the pairing code shown on the devices page (dashes and spaces, any case)",
                            "example": "ABCD-EFGH"})
    kind = String(validate=OneOf(DEVICE_KINDS),
                  metadata={"description": "what the device is, when it knows: a code made for the other kind is "
                                           "refused with 409 and stays usable"})


class PairedOut(Schema):
    id = Integer(metadata={"description": "the new device's id"})
    token = String(metadata={"description": "the device's Bearer token: keep it, it is not shown again"})
    branch = String(metadata={"description": "slug of the device's branch", "example": "centro"})
    kind = String(validate=OneOf(DEVICE_KINDS))
    name = String()
