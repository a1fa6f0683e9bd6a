"""What the lobby display shows, without widgets: the branch, the calls, the lines
and their waits (all as the server computed them), the connection, the clock.

Fed by turnero_qt's DeviceLink; the window only draws it, the Announcer only says
what `announce` asks. Codes only: the server's branch room carries no names or
phones, and nothing here would keep them.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from . import i18n
from .words import announcement

log = logging.getLogger(__name__)

DEFAULT_COLOR = "#1f6feb"
LAST_CALLS = 5


@dataclass(frozen=True)
class Call:
    code: str
    service: str
    counter_id: str
    counter_name: str
    called_at: str | None
    recall: bool
    color: str


@dataclass(frozen=True)
class Line:
    """One service's line: people waiting and the wait range the server gave."""
    id: str
    name: str
    prefix: str
    color: str
    waiting: int
    people: str
    wait: str


class DisplayModel(QObject):
    """Signals:
      changed()               something shown changed (branch, calls, lines, language)
      connection_changed(str) "connecting" (never reached yet) | "online" | "reconnecting"
      highlight_changed(bool) the current call is new (for `highlight_seconds`)
      clock_changed(str)      "HH:MM" in the branch's time zone
      announce(str, str)      a sentence to say and its language, for every fresh call
                              and recall (never for calls made while offline)
    """

    changed = Signal()
    connection_changed = Signal(str)
    highlight_changed = Signal(bool)
    clock_changed = Signal(str)
    announce = Signal(str, str)

    def __init__(self, lang: str | None = None, join_url: str | None = None, highlight_seconds: float = 8.0,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.lang_override = lang if lang in i18n.LANGS else None
        self.join_base = join_url
        self.branch_slug: str | None = None
        self.branch_name = ""
        self.branch_lang = i18n.DEFAULT_LANG
        self.message = ""
        self.problem = ""
        self.zone: ZoneInfo | None = None
        self.calls: list[Call] = []
        self.lines: list[Line] = []
        self.connection = "connecting"
        self.highlighted = False
        self.clock = ""
        self._state: dict | None = None
        self._highlight = QTimer(self)
        self._highlight.setSingleShot(True)
        self._highlight.setInterval(int(highlight_seconds * 1000))
        self._highlight.timeout.connect(lambda: self._set_highlight(False))
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()
        self._tick()

    # ------------------------------------------------------------ read

    @property
    def lang(self) -> str:
        return self.lang_override or self.branch_lang

    @property
    def current(self) -> Call | None:
        return self.calls[0] if self.calls else None

    @property
    def last_calls(self) -> list[Call]:
        return self.calls[1:1 + LAST_CALLS]

    @property
    def join_url(self) -> str | None:
        if not self.join_base or not self.branch_slug:
            return None
        return f"{self.join_base.rstrip('/')}/b/{self.branch_slug}/join"

    def tr(self, key: str, **params) -> str:
        return i18n.text(key, self.lang, **params)

    # ------------------------------------------------------------ fed by the link

    @Slot(object)
    def set_device(self, device: dict) -> None:
        self.branch_slug = device.get("branch") or self.branch_slug
        self.problem = ""
        self.changed.emit()

    @Slot(object)
    def set_branch(self, detail: dict) -> None:
        """GET /branches/{b}: name, language, time zone, message."""
        self.branch_slug = detail.get("slug") or detail.get("id") or self.branch_slug
        self.branch_name = detail.get("name") or ""
        if detail.get("lang") in i18n.LANGS:
            self.branch_lang = detail["lang"]
        self.message = (detail.get("message") or "").strip()
        try:
            self.zone = ZoneInfo(detail["timezone"]) if detail.get("timezone") else None
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r; showing local time", detail.get("timezone"))
            self.zone = None
        if self._state is not None:
            self._apply(self._state)  # service names in the (possibly new) language
        self._tick()
        self.changed.emit()

    @Slot(object, str)
    def set_state(self, state: dict, how: str = "event") -> None:
        """A branch.state (event or snapshot): the calls and the lines, as given."""
        self._state = state
        self._apply(state)
        self.changed.emit()

    @Slot(object)
    def on_called(self, call: dict) -> None:
        """A fresh ticket.called (the client never hands over stale ones): highlight, say it."""
        counter = call.get("counter") or {}
        code = str(call.get("code") or "")
        if not code:
            return
        self._set_highlight(True)
        self._highlight.start()
        self.announce.emit(announcement(code, str(counter.get("name") or counter.get("id") or ""), self.lang),
                           self.lang)

    @Slot(bool)
    def set_online(self, online: bool) -> None:
        if online:
            new = "online"
        else:
            new = "connecting" if self.connection == "connecting" else "reconnecting"
        if new != self.connection:
            self.connection = new
            self.connection_changed.emit(new)

    @Slot(str)
    def set_problem(self, message: str) -> None:
        self.problem = message
        self.changed.emit()

    # ------------------------------------------------------------ inside

    def _apply(self, state: dict) -> None:
        colors: dict[str, str] = {}
        lines = []
        for service in state.get("services") or []:
            color = service.get("color") or DEFAULT_COLOR
            colors[service.get("id", "")] = color
            names = service.get("names") or {}
            waiting = int(service.get("waiting") or 0)
            lines.append(Line(id=service.get("id", ""), name=names.get(self.lang) or service.get("name") or "",
                              prefix=service.get("prefix") or "", color=color, waiting=waiting,
                              people=i18n.people(waiting, self.lang),
                              wait=i18n.wait_range(service.get("eta"), self.lang)))
        calls, seen = [], set()
        for entry in state.get("calling") or []:
            code = entry.get("code")
            if not code or code in seen:  # a recall repeats a code: show it once, newest
                continue
            seen.add(code)
            counter = entry.get("counter") or {}
            calls.append(Call(code=code, service=entry.get("service") or "",
                              counter_id=counter.get("id") or "", counter_name=counter.get("name") or "",
                              called_at=entry.get("called_at"), recall=bool(entry.get("recall")),
                              color=colors.get(entry.get("service") or "", DEFAULT_COLOR)))
        self.lines, self.calls = lines, calls

    def _set_highlight(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.highlight_changed.emit(on)

    def _tick(self) -> None:
        now = datetime.now(timezone.utc)
        local = now.astimezone(self.zone) if self.zone else now.astimezone()
        text = local.strftime("%H:%M")
        if text != self.clock:
            self.clock = text
            self.clock_changed.emit(text)
