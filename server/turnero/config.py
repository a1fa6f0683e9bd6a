"""Configuration from the environment (a `.env` file may supply it).

Every setting Turnero reads is read here, once, by `create_app`: nothing else looks at
`os.environ`, so `create_app(environ=...)` (and tests' overrides) control everything.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def parse_bool(value: str | None, default: bool = False) -> bool:
    """`1`, `true`, `yes`, `on` (any case) are true; empty or missing is `default`."""
    if value is None or value == "":
        return default
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


# A branch's busy Wi-Fi, 60 people an hour with bursts at opening time, fits; a script
# does not (the README's "Running it in public").
DEFAULT_JOIN_RATE_LIMIT = "20 per minute; 120 per hour"


class Config:
    """Read once by `create_app`; tests pass overrides as a mapping."""

    def __init__(self, instance_path: str, environ: dict | None = None):
        env = os.environ if environ is None else environ
        Path(instance_path).mkdir(parents=True, exist_ok=True)
        default_db = "sqlite:///" + str(Path(instance_path) / "turnero.db")
        self.DATABASE_URL = env.get("TURNERO_DATABASE_URL") or default_db
        self.SECRET_KEY = env.get("TURNERO_SECRET_KEY") or _instance_secret(instance_path)
        self.REDIS_URL = env.get("TURNERO_REDIS_URL") or None
        # Redis pub/sub channels ignore the database number: installations (and test
        # runs) sharing one Redis keep apart by channel name.
        self.SOCKETIO_CHANNEL = env.get("TURNERO_SOCKETIO_CHANNEL") or "turnero"
        self.PUBLIC_URL = (env.get("TURNERO_PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")
        self.CORS_ORIGINS = [o.strip() for o in (env.get("TURNERO_CORS_ORIGINS") or "").split(",") if o.strip()]
        # Socket.IO async mode: gevent when `turnero serve` patched the process.
        self.ASYNC_MODE = env.get("TURNERO_ASYNC_MODE") or _detect_async_mode()
        self.STAFF_TOKEN_HOURS = int(env.get("TURNERO_STAFF_TOKEN_HOURS") or 12)
        # Rate limits (see access/limits.py and the README's "Running it in public"), in
        # Flask-Limiter's notation. Per client address unless said otherwise.
        self.LOGIN_RATE_LIMIT = env.get("TURNERO_LOGIN_RATE_LIMIT") or "10 per minute"
        self.LOGIN_USER_RATE_LIMIT = env.get("TURNERO_LOGIN_USER_RATE_LIMIT") or "20 per hour"  # per username
        # Appointments booked by customers (web page and API together).
        self.BOOKING_RATE_LIMIT = env.get("TURNERO_BOOKING_RATE_LIMIT") or "20 per hour"
        # Turns taken without an account (join page and API together).
        self.JOIN_RATE_LIMIT = env.get("TURNERO_JOIN_RATE_LIMIT") or DEFAULT_JOIN_RATE_LIMIT
        self.JOIN_PHONE_RATE_LIMIT = env.get("TURNERO_JOIN_PHONE_RATE_LIMIT") or "3 per hour"  # per phone number
        self.PHONE_CHANGE_RATE_LIMIT = env.get("TURNERO_PHONE_CHANGE_RATE_LIMIT") or "10 per hour"
        # A holder's own changes to one ticket ("I'm here", letting people pass), per ticket.
        self.TICKET_ACTION_RATE_LIMIT = env.get("TURNERO_TICKET_ACTION_RATE_LIMIT") or "20 per hour"
        self.PHONE_CHANGES_PER_TICKET = int(env.get("TURNERO_PHONE_CHANGES_PER_TICKET") or 3)
        self.CHECKIN_RATE_LIMIT = env.get("TURNERO_CHECKIN_RATE_LIMIT") or "10 per minute; 40 per hour"
        # Tries to exchange a pairing code for a device token (POST /api/v1/devices/pair).
        self.PAIR_RATE_LIMIT = env.get("TURNERO_PAIR_RATE_LIMIT") or "10 per minute; 30 per hour"
        # Open Socket.IO connections without a device token from one client address, per
        # process (phones behind one carrier NAT share an address: keep it generous);
        # this machine itself is not counted (benchmarks, nginx without TURNERO_PROXY_HOPS).
        self.SOCKETS_PER_ADDRESS = int(env.get("TURNERO_SOCKETS_PER_ADDRESS") or 100)
        # Engine.IO's heartbeat: the server pings every client this often and drops one
        # that has not answered within the timeout (a screen gone to sleep, a cut cable).
        # Shorter than every proxy's idle timeout on the way (nginx: 60 s).
        self.PING_INTERVAL_S = float(env.get("TURNERO_PING_INTERVAL") or 25)
        self.PING_TIMEOUT_S = float(env.get("TURNERO_PING_TIMEOUT") or 20)
        # Confirmations a number gets in a day for turns it did not take itself (typed on
        # a page or at a kiosk): what a stranger can make the branch send to it.
        self.CONFIRMATIONS_PER_DAY = int(env.get("TURNERO_CONFIRMATIONS_PER_DAY") or 3)
        self.ECHO_SQL = parse_bool(env.get("TURNERO_ECHO_SQL"))
        # Behind N reverse proxies, trust the last N X-Forwarded-For/-Proto/-Host
        # entries: rate limits then count each customer's address, not the proxy's.
        self.PROXY_HOPS = int(env.get("TURNERO_PROXY_HOPS") or 0)
        # /metrics answers the machine itself, and with this Bearer token anyone else.
        self.METRICS_TOKEN = env.get("TURNERO_METRICS_TOKEN") or None
        # Appointment reminders queued by `turnero serve` itself (else: cron runs
        # `turnero appointments remind`).
        self.REMINDERS_IN_SERVE = parse_bool(env.get("TURNERO_REMINDERS_IN_SERVE"), default=True)

        # Messaging (CONTRACT.md's names; messaging.settings reads them from here).
        self.SMS_BACKEND = env.get("TURNERO_SMS_BACKEND") or "console"
        self.TWILIO_ACCOUNT_SID = env.get("TURNERO_TWILIO_ACCOUNT_SID") or None
        self.TWILIO_AUTH_TOKEN = env.get("TURNERO_TWILIO_AUTH_TOKEN") or None
        self.TWILIO_FROM = env.get("TURNERO_TWILIO_FROM") or None
        self.TWILIO_WHATSAPP_FROM = env.get("TURNERO_TWILIO_WHATSAPP_FROM") or None
        # The branch a Twilio number serves when TWILIO_NUMBERS does not list it, and
        # the list itself: `+15550001111=centro,+15550002222=norte`.
        self.TWILIO_BRANCH = env.get("TURNERO_TWILIO_BRANCH") or "centro"
        self.TWILIO_NUMBERS = env.get("TURNERO_TWILIO_NUMBERS") or ""
        # WhatsApp's approved templates (Content API SIDs) per template and language:
        # `turn_called.es=HX...,turn_called.en=HX...` (messaging/templates.py lists them).
        self.TWILIO_TEMPLATES = env.get("TURNERO_TWILIO_TEMPLATES") or ""
        # Webhooks to addresses inside the server's own networks (refused unless on).
        self.WEBHOOKS_ALLOW_PRIVATE = parse_bool(env.get("TURNERO_WEBHOOKS_ALLOW_PRIVATE"))
        # Turns one phone may take by text or call per hour; longer texts are cut at a word.
        self.SMS_JOINS_PER_HOUR = int(env.get("TURNERO_SMS_JOINS_PER_HOUR") or 3)
        self.SMS_MAX_CHARS = int(env.get("TURNERO_SMS_MAX_CHARS") or 480)
        # The outbox worker inside `turnero serve` (unset: on with the console backend).
        self.OUTBOX_IN_SERVE = env.get("TURNERO_OUTBOX_IN_SERVE") or None
        self.OUTBOX_POLL_S = float(env.get("TURNERO_OUTBOX_POLL_S") or 1.0)
        # /dev/phone: only when set (1), with the console backend, for browsers on this
        # machine: the page shows and sends any number's messages.
        self.DEV_PHONE = env.get("TURNERO_DEV_PHONE") or None
        # Web Push (messaging/push.py): the push services' hosts a browser's subscription
        # may name (comma-separated; "*": any https host), subscriptions per ticket, the
        # VAPID contact (mailto: or https:), and http://127.0.0.1 endpoints (tests only;
        # also allowed when the app runs in testing or debug mode).
        self.PUSH_SERVICES = tuple(h.strip().lower() for h in (env.get("TURNERO_PUSH_SERVICES") or "").split(",")
                                   if h.strip()) or None
        self.PUSH_PER_TICKET = int(env.get("TURNERO_PUSH_PER_TICKET") or 3)
        self.PUSH_CONTACT = env.get("TURNERO_PUSH_CONTACT") or None
        self.PUSH_ALLOW_LOCAL = parse_bool(env.get("TURNERO_PUSH_ALLOW_LOCAL"))
        self.PUSH_RATE_LIMIT = env.get("TURNERO_PUSH_RATE_LIMIT") or "10 per minute; 30 per hour"

    @property
    def whatsapp_enabled(self) -> bool:
        """Whether customers may choose WhatsApp for their messages: a WhatsApp sender
        is configured, or the console backend (development) pretends to send."""
        return (self.SMS_BACKEND or "console").strip().lower() == "console" or bool(self.TWILIO_WHATSAPP_FROM)

    def as_flask(self) -> dict:
        return {
            "SECRET_KEY": self.SECRET_KEY,
            "MAX_CONTENT_LENGTH": 16 * 1024,
            "JSON_SORT_KEYS": False,
            "TURNERO": self,
        }


def _detect_async_mode() -> str:
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def _instance_secret(instance_path: str) -> str:
    """A stable secret kept in the instance folder, so restarts keep sessions valid."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
