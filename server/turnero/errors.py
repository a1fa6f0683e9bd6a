"""Errors of the use cases. Each carries an English message id that the door
translates into the user's language (Flask-Babel), plus parameters."""
from __future__ import annotations


def N_(message: str) -> str:
    """Marks a message for translation; it is translated where it is shown."""
    return message


class Message(str):
    """A message id with its parameters: translated, then formatted, where shown
    (doors call `gettext(message, **message.params)`)."""

    params: dict

    def __new__(cls, msgid: str, **params):
        obj = super().__new__(cls, msgid)
        obj.params = params
        return obj


class DomainError(Exception):
    status = 400
    title = N_("Bad request")

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None, *, extra: dict | None = None,
                 **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params
        self.errors = errors or {}
        # Members of the JSON answer besides the message (problem+json), e.g. `opens_at`.
        self.extra = extra or {}


class NotFound(DomainError): status, title = 404, N_("Not found")  # noqa: E701
class Conflict(DomainError): status, title = 409, N_("Conflict")  # noqa: E701
class Invalid(DomainError): status, title = 422, N_("Invalid input")  # noqa: E701
class Unauthorized(DomainError): status, title = 401, N_("Authentication required")  # noqa: E701
class Forbidden(DomainError): status, title = 403, N_("Forbidden")  # noqa: E701
class TooMany(DomainError): status, title = 429, N_("Too many requests")  # noqa: E701


class Busy(Exception):
    """The database could not take the change in time (another writer held it; when it
    cannot be reached at all, `Unavailable`): nothing was changed; the client may try
    again in `retry_after` seconds.
    Not a DomainError: no door answers it as a refusal of what was asked; the app
    answers it as a 503 (web.busy_answer)."""
    status, title = 503, N_("Busy")
    message = N_("We are very busy right now; nothing was changed. Try again in a few seconds.")
    params: dict = {}
    retry_after = 2


class Unavailable(Busy):
    """The database cannot be reached (stopped, restarting, a network cut): nothing was
    changed; the pool reconnects by itself once it is back (db.make_engine)."""
    title = N_("Service unavailable")
    message = N_("The service is not available right now; nothing was changed. Try again in a few seconds.")
    retry_after = 5
