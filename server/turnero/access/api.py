"""REST endpoints of access under /api/v1: staff log in for a Bearer token; a kiosk
or display asks which device it is, or exchanges a pairing code for its token."""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app, request
from flask_limiter.errors import RateLimitExceeded

from ..errors import N_, Forbidden, Unauthorized
from ..web import json_rate_limited
from ..models import Device
from ..web import database
from . import services
from .devices import pair_device
from .limits import limited, login_limits
from .requests import BEARER, request_actor
from .schemas import DeviceOut, LoginIn, PairedOut, PairIn, TokenOut

api = APIBlueprint("access_api", __name__, url_prefix="/api/v1")
api.register_error_handler(RateLimitExceeded, json_rate_limited)


@api.post("/auth/token")
@login_limits
@api.input(LoginIn, arg_name="body")
@api.output(TokenOut)
@api.doc(summary="Staff login: username and password for a Bearer token", tags=["Staff"],
         responses=[401, 429],
         description="Failed attempts are limited per client address (`TURNERO_LOGIN_RATE_LIMIT`) and per "
                     "username (`TURNERO_LOGIN_USER_RATE_LIMIT`): 429 with `Retry-After` past them.")
def auth_token(body):
    return {"token": services.login(database(), body["username"], body["password"],
                                    current_app.config["TURNERO"].STAFF_TOKEN_HOURS)}


@api.get("/device")
@api.output(DeviceOut)
@api.doc(summary="The kiosk or lobby display this device token belongs to, and its branch",
         tags=["Devices"], responses=[401, 403], **BEARER)
def whoami_device():
    with database().unit_of_work() as uow:
        who = request_actor(uow)
        if who.kind == "anonymous":
            raise Unauthorized(N_("Use the header “Authorization: Bearer TOKEN”."))
        if who.kind != "device":
            raise Forbidden(N_("Only a kiosk or display device token can do this."))
        device = uow.session.get(Device, who.device_id)
        return {"id": device.id, "kind": device.kind, "branch": device.branch.slug, "name": device.name}


@api.post("/devices/pair")
@limited("PAIR_RATE_LIMIT", "device-pairing", exempt=None)
@api.input(PairIn, arg_name="body")
@api.output(PairedOut, status_code=201)
@api.doc(summary="A new kiosk or display: exchange a pairing code for its device token", tags=["Devices"],
         responses=[409, 422, 429],
         description="A manager makes the code on the devices page (`/admin/branches/{branch}/devices`); it "
                     "works once, for 10 minutes. A code that is unknown, mistyped, used or expired gets the same "
                     "422. Wrong codes close to a live one count against it: 5 of them burn it. Tries are limited "
                     "per client address (`TURNERO_PAIR_RATE_LIMIT`): 429 with `Retry-After` past them.")
def pair(body):
    return pair_device(database(), body["code"], request.remote_addr, kind=body.get("kind")).to_json(), 201
