"""A device's whole conversation with the server, wired once for the kiosk and the
display: who am I (GET /device), my branch (GET /branches/{b}), and its live
events (RealtimeClient), with retries while the server is away."""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from .backoff import Backoff
from .realtime import RealtimeClient
from .rest import ApiError, RestClient

log = logging.getLogger(__name__)


class LinkSignals(QObject):
    """What a device hears about its server, as signals; DeviceLink emits them (and a
    test's fake link may, deriving from this class).

      device_known(device)        {"id", "kind", "branch", "name"} (once)
      branch_changed(detail)      GET /branches/{b} (name, lang, timezone, message, services,
                                  counters, recent_calls), fetched again after every snapshot
                                  that is not a plain event (subscribe, reconnect, resync)
      branch_state(state, how)    as RealtimeClient.branch_state
      called(call)                as RealtimeClient.called
      ticket_updated(ticket)      as RealtimeClient.ticket_updated
      online_changed(bool)        as RealtimeClient.online_changed (False until the first snapshot)
      failed(message)             the token was refused or is of the wrong kind; the link keeps
                                  retrying slowly, in case the device is registered later

    `attach(listener)` connects each of them to the listener's `on_<signal>` slot, where
    it has one: the kiosk's flow and the display's model listen so.
    """

    device_known = Signal(object)
    branch_changed = Signal(object)
    branch_state = Signal(object, str)
    called = Signal(object)
    ticket_updated = Signal(object)
    online_changed = Signal(bool)
    failed = Signal(str)

    SIGNALS = ("device_known", "branch_changed", "branch_state", "called", "ticket_updated", "online_changed",
               "failed")

    def attach(self, listener: QObject) -> None:
        for name in self.SIGNALS:
            slot = getattr(listener, f"on_{name}", None)
            if slot is not None:
                getattr(self, name).connect(slot)


class DeviceLink(LinkSignals):
    """A device's link to its server (REST + Socket.IO): the signals of LinkSignals."""

    def __init__(self, server: str, token: str, *, kind: str | None = None, branch: str | None = None,
                 lang: str | None = None, backoff: Backoff | None = None, rest: RestClient | None = None,
                 realtime: RealtimeClient | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.kind = kind
        self.lang = lang
        self.backoff = backoff or Backoff()
        self.rest = rest or RestClient(server, token, lang=lang, parent=self)
        self.realtime = realtime or RealtimeClient(server, token, lang=lang, backoff=self.backoff, parent=self)
        self.device: dict | None = {"kind": kind, "branch": branch, "name": ""} if branch else None
        self.branch: dict | None = None
        self._attempt = 0
        self._started = False
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._ask_device)
        self.realtime.branch_state.connect(self._on_state)
        self.realtime.called.connect(self.called)
        self.realtime.ticket_updated.connect(self.ticket_updated)
        self.realtime.online_changed.connect(self.online_changed)

    @property
    def online(self) -> bool:
        return self.realtime.online

    def start(self) -> None:
        self._started = True
        if self.device is not None:
            self.device_known.emit(self.device)
            self._begin_live()
        else:
            self._ask_device()

    def watch_ticket(self, token: str) -> None:
        """Follow one ticket too: `ticket_updated` with its snapshot, then each change."""
        self.realtime.watch_ticket(token)

    def unwatch_ticket(self, token: str) -> None:
        """Stop passing on that ticket's changes."""
        self.realtime.unwatch_ticket(token)

    def server_now(self):
        """The server's clock as best known (RestClient.server_now)."""
        return self.rest.server_now()

    def stop(self) -> None:
        self._started = False
        self._retry.stop()
        self.realtime.stop()

    def _ask_device(self) -> None:
        if not self._started:
            return
        reply = self.rest.device()
        reply.succeeded.connect(self._on_device)
        reply.failed.connect(self._on_device_failed)

    def _on_device(self, device) -> None:
        if not self._started or not isinstance(device, dict) or not device.get("branch"):
            return
        if self.kind and device.get("kind") != self.kind:
            self.failed.emit(f"this token belongs to a {device.get('kind')} device, not a {self.kind}")
            return
        self.device = device
        self.device_known.emit(device)
        self._begin_live()

    def _on_device_failed(self, error: ApiError) -> None:
        if not self._started:
            return
        if not error.network:
            self.failed.emit(str(error))
        delay = self.backoff.delay(self._attempt) if error.network else self.backoff.maximum
        self._attempt += 1
        self._retry.start(int(delay * 1000))

    def _begin_live(self) -> None:
        self.realtime.set_branch(self.device["branch"])
        self.realtime.start()

    def _on_state(self, state, how: str) -> None:
        self.branch_state.emit(state, how)
        if how != "event":
            self._fetch_branch()

    def _fetch_branch(self) -> None:
        reply = self.rest.branch(self.device["branch"], self.lang)
        reply.succeeded.connect(self._on_branch)
        reply.failed.connect(self._on_branch_failed)

    def _on_branch_failed(self, error: ApiError) -> None:
        # The snapshot came, so the server is there: try again shortly while online.
        if self._started and self.online:
            QTimer.singleShot(int(self.backoff.delay(0) * 1000), self, self._fetch_branch)

    def _on_branch(self, detail) -> None:
        if isinstance(detail, dict):
            self.branch = detail
            self.branch_changed.emit(detail)
