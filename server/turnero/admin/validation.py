"""Checking what a manager typed: every field is checked, and all field messages are
raised at once as one Invalid (field -> messages), shown next to the fields."""
from __future__ import annotations

import re

from ..errors import N_, Invalid, Message

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
USERNAME_RE = re.compile(r"^[a-zA-Z0-9._-]{2,80}$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
PREFIX_RE = re.compile(r"^[A-Z]$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256


class FieldErrors(dict):
    """Field -> messages, raised at once as one Invalid."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self:
            raise Invalid(N_("Some fields are not valid."), errors=dict(self))


def text(errors: FieldErrors, field: str, value, max_len: int, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            errors.add(field, N_("This field is required."))
        return None
    if len(value) > max_len:
        errors.add(field, Message(N_("At most %(max)d characters."), max=max_len))
    return value


def number(errors: FieldErrors, field: str, value, low: float, high: float, kind=int):
    if value is None or value == "":
        errors.add(field, N_("This field is required."))
        return None
    try:
        parsed = kind(value)
    except (TypeError, ValueError):
        errors.add(field, N_("Enter a number."))
        return None
    if not low <= parsed <= high:
        errors.add(field, Message(N_("Enter a number from %(low)s to %(high)s."), low=low, high=high))
    return parsed


def slug(errors: FieldErrors, value) -> str | None:
    found = (value or "").strip()
    if not found:
        errors.add("slug", N_("This field is required."))
    elif not SLUG_RE.match(found) or found == "new":
        errors.add("slug", N_("Use lowercase letters, digits and hyphens (up to 40)."))
    return found


def password(errors: FieldErrors, value: str | None, field: str = "password") -> None:
    if not value or len(value) < MIN_PASSWORD:
        errors.add(field, Message(N_("At least %(min)d characters."), min=MIN_PASSWORD))
    elif len(value) > MAX_PASSWORD:
        errors.add(field, Message(N_("At most %(max)d characters."), max=MAX_PASSWORD))
