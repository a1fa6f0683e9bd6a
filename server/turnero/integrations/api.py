"""REST of webhooks under /api/v1 (administrators)."""
from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Integer, List, String
from apiflask.validators import Length, OneOf
from flask import current_app

from ..access.requests import BEARER
from ..access.requests import request_actor as actor
from ..fields import UtcTime
from ..web import database
from . import services

api = APIBlueprint("integrations_api", __name__, url_prefix="/api/v1", tag="Webhooks")
TAG = {"name": "Webhooks", "description": "Signed deliveries of a branch's events to integrators (administrators)"}


class EndpointIn(Schema):
    url = String(required=True, validate=Length(1, 500), metadata={"example": "https://example.com/turnero"})
    events = List(String(validate=OneOf(services.EVENT_NAMES)), required=True, validate=Length(1, 10))


class EndpointOut(Schema):
    id = Integer()
    url = String()
    events = List(String())
    active = Boolean()
    created_at = UtcTime()


class NewEndpointOut(EndpointOut):
    secret = String(metadata={"description": "the signing key; shown only now"})


class DeliveryOut(Schema):
    id = String(metadata={"description": "also the Turnero-Delivery header"})
    event = String()
    status = String(metadata={"description": "queued, delivered or failed"})
    attempts = Integer()
    last_code = Integer(allow_none=True)
    last_error = String(allow_none=True)
    created_at = UtcTime()
    delivered_at = UtcTime(allow_none=True)
    next_attempt_at = UtcTime()


@api.post("/branches/<branch>/webhooks")
@api.input(EndpointIn, arg_name="body")
@api.output(NewEndpointOut, status_code=201)
@api.doc(summary="Register a webhook for a branch's events (administrators)", responses=[401, 403, 404, 422],
         **BEARER)
def add(branch, body):
    with database().unit_of_work(write=True) as uow:
        return services.add_endpoint(uow, branch, actor(uow), body["url"], body["events"],
                                     allow_private=current_app.config["TURNERO"].WEBHOOKS_ALLOW_PRIVATE)


@api.get("/branches/<branch>/webhooks")
@api.output(EndpointOut(many=True))
@api.doc(summary="A branch's webhooks (administrators)", responses=[401, 403, 404], **BEARER)
def listed(branch):
    with database().unit_of_work() as uow:
        return services.list_endpoints(uow, branch, actor(uow))


@api.delete("/webhooks/<int:endpoint_id>")
@api.output({}, status_code=204)
@api.doc(summary="Remove a webhook and its deliveries (administrators)", responses=[401, 403, 404], **BEARER)
def remove(endpoint_id):
    with database().unit_of_work(write=True) as uow:
        services.remove_endpoint(uow, endpoint_id, actor(uow))
    return ""


@api.get("/webhooks/<int:endpoint_id>/deliveries")
@api.output(DeliveryOut(many=True))
@api.doc(summary="A webhook's latest deliveries (administrators)", responses=[401, 403, 404], **BEARER)
def log(endpoint_id):
    with database().unit_of_work() as uow:
        return services.deliveries(uow, endpoint_id, actor(uow))
