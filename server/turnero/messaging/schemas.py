"""Schemas of messaging's REST endpoint (marshmallow, through APIFlask)."""
from __future__ import annotations

import base64
import binascii

from apiflask import Schema
from apiflask.fields import Float, Integer, Nested, String
from apiflask.validators import Length, OneOf, Regexp
from cryptography.hazmat.primitives.asymmetric import ec
from marshmallow import ValidationError, validates


class MessageOut(Schema):
    """A text or call received about a ticket, the reply given, or a notification sent."""
    direction = String(validate=OneOf(["in", "out"]))
    channel = String(metadata={"example": "sms", "description": "sms, whatsapp, voice, or push (a browser notification)"})
    kind = String(allow_none=True, metadata={"description": "the command received, `reply`, or the "
                                                              "notification: confirm, near, called, recall, "
                                                              "feedback_request, expired"})
    body = String()
    status = String(metadata={"description": "received; or queued, sending, sent, delivered, failed"})
    phone = String()
    at = String()
    error = String(allow_none=True)
    attempts = Integer()


B64URL = r"^[A-Za-z0-9_-]+={0,2}$"
MAX_ENDPOINT = 2048


def _b64url_bytes(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (ValueError, binascii.Error):
        raise ValidationError("Not valid base64url.") from None


class PushKeysIn(Schema):
    p256dh = String(required=True, validate=[Length(86, 90), Regexp(B64URL, error="Not valid base64url.")],
                    metadata={"description": "the browser's P-256 public key (65 bytes, base64url)"})
    auth = String(required=True, validate=[Length(22, 24), Regexp(B64URL, error="Not valid base64url.")],
                  metadata={"description": "the browser's authentication secret (16 bytes, base64url)"})

    @validates("p256dh")
    def _point(self, value: str, **_kwargs) -> None:
        raw = _b64url_bytes(value)
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError:
            raise ValidationError("Not a P-256 public key.") from None
        if len(raw) != 65:
            raise ValidationError("Not a P-256 public key.")

    @validates("auth")
    def _secret(self, value: str, **_kwargs) -> None:
        if len(_b64url_bytes(value)) != 16:
            raise ValidationError("The authentication secret has 16 bytes.")


class PushSubscriptionIn(Schema):
    """A browser's PushSubscription as its `toJSON()` gives it."""
    endpoint = String(required=True, validate=Length(1, MAX_ENDPOINT),
                      metadata={"description": "the push service's https address for this browser",
                                "example": "https://fcm.googleapis.com/fcm/send/abc..."})
    expirationTime = Float(allow_none=True, load_default=None, metadata={"description": "ignored"})  # noqa: N815
    keys = Nested(PushKeysIn, required=True)


class PushOffIn(Schema):
    endpoint = String(allow_none=True, load_default=None, validate=Length(1, MAX_ENDPOINT),
                      metadata={"description": "the browser to stop notifying; without it, every browser"})


class PushKeyOut(Schema):
    key = String(metadata={"description": "the VAPID public key (application server key), base64url"})


class PushOnOut(Schema):
    devices = Integer(metadata={"description": "browsers notified for this ticket now"})
