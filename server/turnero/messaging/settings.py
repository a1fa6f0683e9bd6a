"""Messaging settings, as the app's configuration (`Config`, from the environment)
holds them: the names of CONTRACT.md (`TURNERO_SMS_BACKEND`, `TURNERO_TWILIO_*`) and
the ones only messaging uses:

- `TURNERO_TWILIO_BRANCH` (default `centro`): the branch a Twilio number serves when
  it is not listed in `TURNERO_TWILIO_NUMBERS`.
- `TURNERO_TWILIO_NUMBERS`: `+15550001111=centro,+15550002222=norte`, one entry per
  Twilio number (SMS, WhatsApp and voice share the number's branch).
- `TURNERO_TWILIO_TEMPLATES`: `turn_called.es=HX...,turn_called.en=HX...`, the content
  SID of each approved WhatsApp template per language (templates.py): what is sent to a
  WhatsApp number that has not written in 24 hours. The console backend pretends every
  template is approved.
- `TURNERO_SMS_JOINS_PER_HOUR` (default 3): turns one phone may take by text or call.
- `TURNERO_SMS_MAX_CHARS` (default 480): longer outgoing texts are cut at a word.
- `TURNERO_OUTBOX_IN_SERVE` (default: on with the console backend, off with twilio):
  run the outbox worker inside `turnero serve`.
- `TURNERO_OUTBOX_POLL_S` (default 1): how often the worker looks for due messages.
- `TURNERO_DEV_PHONE=1`: the /dev/phone page, only with the console backend and only
  for browsers on this machine: the page shows and sends any number's messages.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from flask import current_app

from ..config import parse_bool


@dataclass(frozen=True)
class MessagingSettings:
    backend: str
    account_sid: str | None
    auth_token: str | None
    sms_from: str | None
    whatsapp_from: str | None
    public_url: str
    default_branch: str
    numbers: dict[str, str] = field(default_factory=dict)
    templates: dict[tuple[str, str], str] = field(default_factory=dict)
    whatsapp: bool = False  # messages can go by WhatsApp (Config.whatsapp_enabled): customers may choose it
    joins_per_hour: int = 3
    confirmations_per_day: int = 3
    max_chars: int = 480
    in_serve: bool = True
    poll_s: float = 1.0
    dev_phone: bool = False

    @property
    def console(self) -> bool:
        return self.backend == "console"

    def template_sid(self, key: str, lang: str) -> str | None:
        """The content SID of an approved template in a language (None: not configured)."""
        if self.console:
            return self.templates.get((key, lang), f"HXconsole_{key}_{lang}")
        return self.templates.get((key, lang))

    def branch_for(self, to: str | None) -> str:
        """The branch slug a Twilio number (SMS, `whatsapp:` or voice) serves."""
        number = (to or "").strip()
        if number.lower().startswith("whatsapp:"):
            number = number.split(":", 1)[1]
        return self.numbers.get(number.replace(" ", ""), self.default_branch)

    def number_of(self, branch: str) -> str:
        """The number customers of a branch text (the dev phone shows it)."""
        for number, slug in self.numbers.items():
            if slug == branch:
                return number
        return self.sms_from or "+15005550006"


def settings(app=None) -> MessagingSettings:
    app = app or current_app
    cfg = app.config["TURNERO"]

    def value(name: str, default=None):
        found = getattr(cfg, name, None)
        return default if found is None or found == "" else found

    backend = (value("SMS_BACKEND", "console") or "console").strip().lower()
    token = value("TWILIO_AUTH_TOKEN")
    if token is None and backend == "console":
        token = dev_auth_token(app)
    public_url = str(value("PUBLIC_URL", "http://127.0.0.1:5000")).rstrip("/")
    return MessagingSettings(
        backend=backend,
        account_sid=value("TWILIO_ACCOUNT_SID"),
        auth_token=token,
        sms_from=value("TWILIO_FROM"),
        whatsapp_from=value("TWILIO_WHATSAPP_FROM"),
        public_url=public_url,
        default_branch=value("TWILIO_BRANCH", "centro"),
        numbers=parse_numbers(value("TWILIO_NUMBERS", "")),
        templates=parse_templates(value("TWILIO_TEMPLATES", "")),
        whatsapp=cfg.whatsapp_enabled,
        joins_per_hour=int(value("SMS_JOINS_PER_HOUR", 3)),
        confirmations_per_day=int(value("CONFIRMATIONS_PER_DAY", 3)),
        max_chars=int(value("SMS_MAX_CHARS", 480)),
        in_serve=parse_bool(str(value("OUTBOX_IN_SERVE", "")), default=backend == "console"),
        poll_s=float(value("OUTBOX_POLL_S", 1.0)),
        dev_phone=backend == "console" and parse_bool(str(value("DEV_PHONE", ""))),
    )


def dev_auth_token(app=None) -> str:
    """The auth token of the console backend (no Twilio account): derived from the
    secret key, so the dev phone and any local test client can sign requests."""
    app = app or current_app
    return hmac.new(app.config["SECRET_KEY"].encode(), b"turnero-dev-twilio", hashlib.sha256).hexdigest()[:32]


def parse_numbers(text) -> dict[str, str]:
    if isinstance(text, dict):
        return dict(text)
    mapping = {}
    for entry in str(text).split(","):
        number, sep, slug = entry.partition("=")
        if sep and number.strip() and slug.strip():
            mapping[number.strip().replace(" ", "")] = slug.strip()
    return mapping


def parse_templates(text) -> dict[tuple[str, str], str]:
    """`turn_called.es=HX...,turn_called.en=HX...` -> {("turn_called", "es"): "HX..."}."""
    mapping = {}
    for entry in str(text or "").split(","):
        name, sep, sid = entry.partition("=")
        key, dot, lang = name.strip().rpartition(".")
        if sep and dot and key and lang and sid.strip():
            mapping[(key, lang.lower())] = sid.strip()
    return mapping
