"""REST calls to /api/v1 that never block the UI: Qt's network access, with a
timeout per request, results as signals on a RestReply."""
from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from PySide6.QtCore import QByteArray, QObject, QTimer, QUrl, QUrlQuery, Signal
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest

from .backoff import Backoff

log = logging.getLogger(__name__)

_TIMEOUT_ERRORS = {QNetworkReply.NetworkError.OperationCanceledError}
if hasattr(QNetworkReply.NetworkError, "TimeoutError"):
    _TIMEOUT_ERRORS.add(QNetworkReply.NetworkError.TimeoutError)


@dataclass
class ApiError:
    """Why a request failed. `status` is None when the server was not reached
    (refused, unreachable, timed out); otherwise the HTTP status and the
    problem+json fields, already translated by the server (Accept-Language)."""

    status: int | None
    title: str
    detail: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    timeout: bool = False
    # The problem document's other members (e.g. `joining`, `opens_at` of a 409).
    extra: dict = field(default_factory=dict)

    @property
    def network(self) -> bool:
        return self.status is None

    def field_error(self, name: str) -> str:
        """The first message about the request's field `name` ("" when none)."""
        messages = self.errors.get(name)
        if isinstance(messages, list) and messages:
            return str(messages[0])
        return str(messages or "")

    def __str__(self) -> str:
        return self.detail or self.title


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


class RestReply(QObject):
    """One request (and its retries). Exactly one of `succeeded(data)` or
    `failed(ApiError)` is emitted, then `finished()`.

    `data` is the parsed JSON body, or None for an empty answer (204).
    After it ends: `status`, `data`, `error`, `headers` (lower-case names),
    `replayed` (the server answered an Idempotency-Key repeat)."""

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, method: str, path: str, idempotency_key: str | None, parent: QObject | None = None):
        super().__init__(parent)
        self.method, self.path, self.idempotency_key = method, path, idempotency_key
        self.status: int | None = None
        self.data: Any = None
        self.error: ApiError | None = None
        self.headers: dict[str, str] = {}
        self.done = False
        self.attempts = 0
        self._reply: QNetworkReply | None = None
        self._aborted = False
        self.binary = False  # `data` is the body's bytes (RestClient.fetch), not JSON
        self.accept = "application/json"

    @property
    def replayed(self) -> bool:
        return self.headers.get("idempotent-replayed") == "true"

    def abort(self) -> None:
        """Stop waiting; nothing is emitted afterwards."""
        self._aborted = True
        self.done = True
        if self._reply is not None:
            self._reply.abort()


class RestClient(QObject):
    """Talks to the server's REST API from the GUI thread without blocking it.

    `reachability_changed(bool)`: False when a request could not reach the server,
    True again on the next answer of any kind.

    `server_now()` is the server's clock as best known here: the local clock
    corrected by the HTTP `Date` of the latest answer (`clock_offset` seconds,
    None until one came)."""

    reachability_changed = Signal(bool)

    def __init__(self, server: str, token: str | None = None, *, lang: str | None = None,
                 timeout: float = 10.0, retry_backoff: Backoff | None = None,
                 network: QNetworkAccessManager | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.server = server.rstrip("/")
        self.token = token
        self.lang = lang
        self.timeout = timeout
        self.retry_backoff = retry_backoff or Backoff(first=0.5, maximum=4.0)
        self.network = network or QNetworkAccessManager(self)
        self.reachable: bool | None = None
        self.clock_offset: float | None = None  # server clock minus local clock, seconds
        self._live: set[RestReply] = set()

    # ------------------------------------------------------------ generic

    def get(self, path: str, params: dict[str, Any] | None = None, *, retries: int = 0) -> RestReply:
        return self.request("GET", path, params=params, retries=retries)

    def post(self, path: str, body: dict[str, Any] | None = None, *, idempotency_key: str | None = None,
             retries: int = 0) -> RestReply:
        return self.request("POST", path, body=body, idempotency_key=idempotency_key, retries=retries)

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                body: dict[str, Any] | None = None, idempotency_key: str | None = None,
                retries: int = 0) -> RestReply:
        """`path` is under /api/v1 ("/branches/centro"). A POST is retried (up to
        `retries` times, after a network failure or a 502/503/504) only when it
        carries an idempotency key, so a retry can never make a second ticket."""
        # Owned by Python, not by Qt: kept alive here until it ends, then by whoever holds it.
        reply = RestReply(method, path, idempotency_key)
        if method != "GET" and idempotency_key is None:
            retries = 0
        self._live.add(reply)
        self._send(reply, params, body, retries)
        return reply

    def fetch(self, path: str, *, accept: str = "image/png, image/jpeg") -> RestReply:
        """GET a file the server names by its own path (a branch's `logo_url`, like
        /b/centro/logo?v=...): `data` is its bytes. Only the server's own paths."""
        if not path.startswith("/") or path.startswith("//"):
            raise ValueError(f"not a path of the server: {path!r}")
        reply = RestReply("GET", path, None)
        reply.binary, reply.accept = True, accept
        self._live.add(reply)
        self._send(reply, None, None, 0)
        return reply

    def url(self, path: str) -> str:
        return f"{self.server}/api/v1{path}"

    def _send(self, reply: RestReply, params, body, retries_left: int) -> None:
        if reply._aborted:
            return
        url = QUrl(self.server + reply.path if reply.binary else self.url(reply.path))
        if params:
            query = QUrlQuery()
            for key, value in params.items():
                if value is not None:
                    query.addQueryItem(key, str(value))
            url.setQuery(query)
        request = QNetworkRequest(url)
        request.setTransferTimeout(int(self.timeout * 1000))
        request.setRawHeader(b"Accept", reply.accept.encode())
        if self.token:
            request.setRawHeader(b"Authorization", f"Bearer {self.token}".encode())
        if self.lang:
            request.setRawHeader(b"Accept-Language", self.lang.encode())
        if reply.idempotency_key:
            request.setRawHeader(b"Idempotency-Key", reply.idempotency_key.encode())
        reply.attempts += 1
        if reply.method == "GET":
            net = self.network.get(request)
        else:
            request.setHeader(QNetworkRequest.KnownHeaders.ContentTypeHeader, "application/json")
            payload = QByteArray(json.dumps(body if body is not None else {}).encode())
            net = self.network.sendCustomRequest(request, reply.method.encode(), payload)
        reply._reply = net
        net.finished.connect(lambda: self._finished(reply, net, params, body, retries_left))

    def _finished(self, reply: RestReply, net: QNetworkReply, params, body, retries_left: int) -> None:
        # Disconnect before deleteLater: a reply deleted later with a Python slot still
        # connected crashes when its manager goes away first.
        net.finished.disconnect()
        net.deleteLater()
        reply._reply = None
        if reply._aborted:
            self._live.discard(reply)
            return
        status = net.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        raw = bytes(net.readAll().data())
        if status is None:
            code = net.error()
            error = ApiError(None, "server unreachable", net.errorString(), timeout=code in _TIMEOUT_ERRORS)
            self._set_reachable(False)
        else:
            status = int(status)
            self._set_reachable(True)
            reply.headers = {bytes(k.data()).decode("latin-1").lower(): bytes(v.data()).decode("latin-1")
                             for k, v in net.rawHeaderPairs()}
            self._note_server_date(reply.headers.get("date"))
            data = raw if reply.binary and 200 <= status < 300 else _parse_json(raw)
            if 200 <= status < 300:
                reply.status, reply.data = status, data
                self._end(reply)
                return
            data = data if isinstance(data, dict) else {}
            error = ApiError(status, str(data.get("title") or net.errorString()), str(data.get("detail") or ""),
                             errors=data.get("errors") or {},
                             extra={k: v for k, v in data.items()
                                    if k not in ("type", "status", "title", "detail", "errors")})
        retryable = error.network or error.status in (502, 503, 504)
        if retryable and retries_left > 0:
            delay = self.retry_backoff.delay(reply.attempts - 1)
            log.info("%s %s failed (%s); retry in %.1fs", reply.method, reply.path, error, delay)
            QTimer.singleShot(int(delay * 1000), self, lambda: self._send(reply, params, body, retries_left - 1))
            return
        reply.status, reply.error = error.status, error
        self._end(reply)

    def _end(self, reply: RestReply) -> None:
        reply.done = True
        self._live.discard(reply)
        if reply.error is None:
            reply.succeeded.emit(reply.data)
        else:
            log.warning("%s %s failed: %s", reply.method, reply.path, reply.error)
            reply.failed.emit(reply.error)
        reply.finished.emit()

    def server_now(self) -> datetime:
        """Now by the server's clock (UTC, aware); the local clock until the server
        has answered once."""
        now = datetime.now(timezone.utc)
        return now + timedelta(seconds=self.clock_offset) if self.clock_offset is not None else now

    def _note_server_date(self, value: str | None) -> None:
        # `Date` has whole seconds and is written just before the answer is sent: the
        # server's clock read it somewhere in [Date, Date + 1 s) before we got it.
        if not value:
            return
        try:
            server = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return
        if server.tzinfo is None:
            server = server.replace(tzinfo=timezone.utc)
        self.clock_offset = server.timestamp() + 0.5 - time.time()

    def _set_reachable(self, reachable: bool) -> None:
        if reachable != self.reachable:
            self.reachable = reachable
            self.reachability_changed.emit(reachable)

    # ------------------------------------------------------------ the contract's calls

    def device(self) -> RestReply:
        """GET /device: {"id", "kind", "branch", "name"} of this device token."""
        return self.get("/device")

    def branches(self) -> RestReply:
        return self.get("/branches")

    def branch(self, slug: str, lang: str | None = None) -> RestReply:
        """GET /branches/{slug}: name, lang, timezone, message, services (waiting, eta), counters."""
        return self.get(f"/branches/{slug}", {"lang": lang} if lang else None)

    def take_ticket(self, branch: str, service: str, *, phone: str | None = None, name: str | None = None,
                    priority: bool = False, lang: str | None = None, channel: str | None = None,
                    idempotency_key: str | None = None, retries: int = 2,
                    priority_class: int | None = None, notify_by: str | None = None) -> RestReply:
        """POST /branches/{branch}/tickets, always with an Idempotency-Key (a new one
        unless given; `reply.idempotency_key` tells which, to retry with it)."""
        body: dict[str, Any] = {"service": service, "priority": bool(priority)}
        for key, value in (("phone", phone), ("name", name), ("lang", lang), ("channel", channel),
                           ("priority_class", priority_class), ("notify_by", notify_by)):
            if value:
                body[key] = value
        return self.post(f"/branches/{branch}/tickets", body,
                         idempotency_key=idempotency_key or new_idempotency_key(), retries=retries)

    def ticket(self, token: str) -> RestReply:
        return self.get(f"/tickets/{token}")

    def cancel_ticket(self, token: str) -> RestReply:
        return self.post(f"/tickets/{token}/cancel")

    def check_in(self, branch: str, *, code: str | None = None, phone: str | None = None,
                 token: str | None = None, idempotency_key: str | None = None, retries: int = 2) -> RestReply:
        """POST /branches/{branch}/check-in (appointments): `code`, `phone` or the
        appointment page's `token` -> the ticket."""
        body = {k: v for k, v in (("code", code), ("phone", phone), ("token", token)) if v}
        return self.post(f"/branches/{branch}/check-in", body,
                         idempotency_key=idempotency_key or new_idempotency_key(), retries=retries)


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
