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

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params
        self.errors = errors or {}


class NotFound(DomainError):
    status = 404
    title = N_("Not found")


class Conflict(DomainError):
    status = 409
    title = N_("Conflict")


class Invalid(DomainError):
    status = 422
    title = N_("Invalid input")


class Unauthorized(DomainError):
    status = 401
    title = N_("Authentication required")


class Forbidden(DomainError):
    status = 403
    title = N_("Forbidden")
