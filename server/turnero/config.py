"""Configuration from the environment (a `.env` file may supply it)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


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
        self.SMS_BACKEND = env.get("TURNERO_SMS_BACKEND") or "console"
        self.TWILIO_ACCOUNT_SID = env.get("TURNERO_TWILIO_ACCOUNT_SID")
        self.TWILIO_AUTH_TOKEN = env.get("TURNERO_TWILIO_AUTH_TOKEN")
        self.TWILIO_FROM = env.get("TURNERO_TWILIO_FROM")
        self.TWILIO_WHATSAPP_FROM = env.get("TURNERO_TWILIO_WHATSAPP_FROM")
        # Socket.IO async mode: gevent when `turnero serve` patched the process.
        self.ASYNC_MODE = env.get("TURNERO_ASYNC_MODE") or _detect_async_mode()
        self.STAFF_TOKEN_HOURS = int(env.get("TURNERO_STAFF_TOKEN_HOURS") or 12)
        self.LOGIN_RATE_LIMIT = env.get("TURNERO_LOGIN_RATE_LIMIT") or "10 per minute"
        # Appointments booked by customers (web page and API together), per client address.
        self.BOOKING_RATE_LIMIT = env.get("TURNERO_BOOKING_RATE_LIMIT") or "20 per hour"
        self.ECHO_SQL = _bool(env.get("TURNERO_ECHO_SQL"))
        # Behind N reverse proxies, trust the last N X-Forwarded-For/-Proto/-Host
        # entries: rate limits then count each customer's address, not the proxy's.
        self.PROXY_HOPS = int(env.get("TURNERO_PROXY_HOPS") or 0)

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
