"""Who is behind a request to the JSON API: a Bearer token (staff, kiosk, display),
the staff console's browser session, or anyone."""
from __future__ import annotations

from dataclasses import replace

from flask import after_this_request, current_app, request

from ..errors import N_, Unauthorized
from ..web import database
from .devices import note_seen
from .services import Actor, actor_for_token
from .staff_pages import session_actor

# The OpenAPI security of operations that need a token.
BEARER = {"security": [{"bearer": []}]}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(N_("Use the header “Authorization: Bearer TOKEN”."))
    return token.strip()


def request_actor(uow) -> Actor:
    token = bearer_token()
    if token is None and current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
        # The staff console's JavaScript: the browser session, with X-CSRFToken
        # when it changes something (see staff_pages.session_actor). Staff log in
        # without "remember me", so no session cookie means no staff session.
        who = session_actor()
        if who is not None:
            return who
    return replace(actor_for_token(uow.session, token, seen=_note_seen_after), address=request.remote_addr)


def _note_seen_after(device_id: int) -> None:
    """A device used its token: write it down once this request's own work is done (its
    unit of work closed), so a sighting never holds up or joins the request's transaction."""
    @after_this_request
    def _seen(response):
        note_seen(database(), device_id)
        return response
