"""What the lobby display shows, without widgets: the branch, the calls, the lines
and their waits (all as the server computed them), the connection, the clock.

Fed by turnero_qt's DeviceLink (`link.attach(model)`: its on_* slots); the window only draws it, the Announcer only says
what `announce` asks. Codes only: the server's branch room carries no names or
phones, and nothing here would keep them.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt, QTimer, Signal, Slot

from turnero_qt import parse_server_time

from . import i18n
from .words import announcement

log = logging.getLogger(__name__)

DEFAULT_COLOR = "#1f6feb"
# The branch's list carries at most 10 calls; the window shows as many as fit whole.
LAST_CALLS = 10
# How long a call stays lit and large beside newer ones (seconds); the web lobby keeps
# the same figure (server: turnero.queue.lobby.HIGHLIGHT_SECONDS; a test compares them).
HIGHLIGHT_SECONDS = 15.0
# At most this many "now calling" rows; older ones go on to the last calls.
MAX_NOW = 4
# A call learnt from the branch's list (its `ticket.called` was lost: a dropped
# connection, a gap) is still said if it is this recent by the server's clock.
LATE_ANNOUNCE = timedelta(minutes=2)

# code, counter id, called_at (to the second), recall: one call. A recall is another,
# even in the same second as the call.
CallKey = tuple[str, str, str, bool]


@dataclass(frozen=True)
class Call:
    code: str
    service: str
    counter_id: str
    counter_name: str
    called_at: str | None
    recall: bool
    color: str
    counter_open: bool = True  # a paused or closed counter's call is history, not "now"


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


class LineList(QAbstractListModel):
    """The lines as a Qt list model over Line dataclasses (a view draws them with a
    delegate). Each row's LINE_ROLE is its Line; DisplayRole its name; the accessible
    text says it all. `wait_label` is the word before each wait ("Espera")."""

    LINE_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.lines: list[Line] = []
        self.wait_label = ""

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name
        return 0 if parent.isValid() else len(self.lines)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.lines):
            return None
        line = self.lines[index.row()]
        if role == self.LINE_ROLE:
            return line
        if role == Qt.ItemDataRole.DisplayRole:
            return line.name
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{line.name}: {line.people}. {self.wait_label} {line.wait}"
        return None

    def roleNames(self) -> dict:  # noqa: N802 - Qt's name
        return {**super().roleNames(), self.LINE_ROLE: b"line"}

    def set_lines(self, lines: list[Line], wait_label: str) -> None:
        """The same services in the same order change in place; any other change resets."""
        if [line.id for line in lines] == [line.id for line in self.lines]:
            self.lines, self.wait_label = lines, wait_label
            if lines:
                self.dataChanged.emit(self.index(0), self.index(len(lines) - 1))
            return
        self.beginResetModel()
        self.lines, self.wait_label = lines, wait_label
        self.endResetModel()


class DisplayModel(QObject):
    """Signals:
      changed()               something shown changed (branch, calls, lines, language)
      connection_changed(str) "connecting" (never reached yet) | "online" | "reconnecting"
      highlight_changed(bool) the current call is new (for `highlight_seconds`)
      clock_changed(str)      "HH:MM" in the branch's time zone (and `date`, the day in words)
      announce(str, str)      a sentence to say and its language, once for every call and
                              recall: from its `ticket.called`, or, when that event was lost
                              (outage, gap), from the branch's `calling` list if the call is
                              at most LATE_ANNOUNCE old by the server's clock. Never for the
                              calls already listed in the first state after the app starts.

    `server_now` gives the server's time (DeviceLink.server_now); the local clock
    when not given.
    """

    changed = Signal()
    connection_changed = Signal(str)
    highlight_changed = Signal(bool)
    clock_changed = Signal(str)
    announce = Signal(str, str)

    def __init__(self, lang: str | None = None, join_url: str | None = None, highlight_seconds: float = HIGHLIGHT_SECONDS,
                 server_now: Callable[[], datetime] | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.server_now = server_now or (lambda: datetime.now(timezone.utc))
        self.lang_override = lang if lang in i18n.LANGS else None
        self.join_base = join_url
        self.branch_slug: str | None = None
        self.branch_name = ""
        self.branch_lang = i18n.DEFAULT_LANG
        self.message = ""
        self.problem = ""
        self.zone: ZoneInfo | None = None
        self.calls: list[Call] = []
        self.line_list = LineList(self)   # the lines, for a view
        self.connection = "connecting"
        self.highlighted = False
        self.clock = ""
        self.date = ""
        self.highlight_seconds = highlight_seconds
        self._state: dict | None = None
        self._message_seq = -1           # the seq of the state or detail the message came from
        self._said: dict[CallKey, bool] = {}  # calls handled: True = announced, False = let pass
        self._heard: list[tuple[int, str, str]] = []  # ticket.called (seq, code, counter) not yet in a state
        self._highlight = QTimer(self)
        self._highlight.setSingleShot(True)
        self._highlight.setInterval(int(highlight_seconds * 1000))
        self._highlight.timeout.connect(lambda: self._set_highlight(False))
        # A call that had its time beside newer ones goes on to the last calls.
        self._expiry = QTimer(self)
        self._expiry.setSingleShot(True)
        self._expiry.timeout.connect(self._calls_aged)
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
    def lines(self) -> list[Line]:
        return self.line_list.lines

    @property
    def now_calls(self) -> list[Call]:
        """"Now calling", as the web lobby (turnero.queue.lobby.split_calls) shows it: the
        newest call, and every other call of the last `highlight_seconds` (by the
        server's clock), one per counter, while that counter is open."""
        now, current, counters = self.server_now(), [], set()
        for i, call in enumerate(self.calls):
            age = _age(call, now)
            fresh = i == 0 or (age is not None and age <= self.highlight_seconds)
            if len(current) < MAX_NOW and call.counter_open and fresh and call.counter_id not in counters:
                current.append(call)
                counters.add(call.counter_id)
        return current

    @property
    def current(self) -> Call | None:
        """The newest call, while its counter is open (a paused counter is not serving)."""
        calls = self.now_calls
        return calls[0] if calls and calls[0] is self.calls[0] else None

    @property
    def last_calls(self) -> list[Call]:
        """Every call not shown large, newest first (the window shows those that fit)."""
        now = self.now_calls
        return [call for call in self.calls if call not in now][:LAST_CALLS]

    @property
    def join_url(self) -> str | None:
        if not self.join_base or not self.branch_slug:
            return None
        return f"{self.join_base.rstrip('/')}/b/{self.branch_slug}/join"

    def tr(self, key: str, **params) -> str:
        return i18n.text(key, self.lang, **params)

    # ------------------------------------------------------------ fed by the link

    @Slot(object)
    def on_device_known(self, device: dict) -> None:
        self.branch_slug = device.get("branch") or self.branch_slug
        self.problem = ""
        self.changed.emit()

    @Slot(object)
    def on_branch_changed(self, detail: dict) -> None:
        """GET /branches/{b}: name, language, time zone, message."""
        self.branch_slug = detail.get("slug") or detail.get("id") or self.branch_slug
        self.branch_name = detail.get("name") or ""
        if detail.get("lang") in i18n.LANGS:
            self.branch_lang = detail["lang"]
        seq = _int(detail.get("seq"), 0)
        if seq >= self._message_seq:  # a detail read before the last branch.state is older
            self._message_seq = seq
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
    def on_branch_state(self, state: dict, how: str = "event") -> None:
        """A branch.state (event or snapshot): the calls, the lines and (when the
        payload has it) the branch message, as given; then say the calls whose
        `ticket.called` never came."""
        first = self._state is None
        self._state = state
        seq = _int(state.get("seq"), 0)
        snapshot = how != "event"
        if "message" in state and (snapshot or seq >= self._message_seq):
            self._message_seq = seq
            self.message = (state.get("message") or "").strip()
        elif snapshot:
            self._message_seq = min(self._message_seq, seq)  # the detail fetched next applies
        self._apply(state)
        self._catch_up(state, first)
        self.changed.emit()

    @Slot(object)
    def on_called(self, call: dict) -> None:
        """A fresh ticket.called (the client never hands over stale ones): highlight, say it,
        unless the branch's list already brought it and it was said then."""
        counter = call.get("counter") or {}
        code = str(call.get("code") or "")
        if not code:
            return
        counter_id = str(counter.get("id") or "")
        seq = _int(call.get("seq"), 0)
        log.info("call %s to %s (seq %d)", code, counter.get("name") or counter_id, seq)
        state = self._state or {}
        if state and seq and seq <= _int(state.get("seq"), 0):
            # Its branch.state came first (events can overtake each other): the call is in it.
            key = _newest(state, code, counter_id)
            if key is not None:
                if self._said.get(key):
                    return
                self._said[key] = True
        else:
            self._heard.append((seq, code, counter_id))
        self._say(code, str(counter.get("name") or counter_id))

    @Slot(bool)
    def on_online_changed(self, online: bool) -> None:
        if online:
            new = "online"
        else:
            new = "connecting" if self.connection == "connecting" else "reconnecting"
        if new != self.connection:
            self.connection = new
            self.connection_changed.emit(new)

    @Slot(str)
    def on_failed(self, message: str) -> None:
        self.problem = message
        self.changed.emit()

    # ------------------------------------------------------------ inside

    def _say(self, code: str, counter_name: str) -> None:
        self._set_highlight(True)
        self._highlight.start()
        self.announce.emit(announcement(code, counter_name, self.lang), self.lang)

    def _catch_up(self, state: dict, first: bool) -> None:
        """Mark the calls heard as events, then say the recent ones nobody said."""
        seq = _int(state.get("seq"), 0)
        heard = []
        for call_seq, code, counter_id in self._heard:
            if call_seq and call_seq > seq:
                heard.append((call_seq, code, counter_id))  # its state is still to come
                continue
            key = _newest(state, code, counter_id)
            if key is not None:
                self._said[key] = True
        self._heard = heard
        entries = [e for e in state.get("calling") or [] if isinstance(e, dict) and e.get("code")]
        listed = {_key(e) for e in entries}
        if first:
            # Switched on: what is already listed was called before; show it, say nothing.
            self._said = {key: False for key in listed}
            return
        now = self.server_now()
        for entry in reversed(entries):  # oldest first, as they were called
            key = _key(entry)
            if key in self._said:
                continue
            called_at = parse_server_time(entry.get("called_at"))
            fresh = called_at is not None and now - called_at <= LATE_ANNOUNCE
            self._said[key] = fresh
            if not fresh:
                log.info("not announcing %s at %s, called at %s", key[0], key[1], entry.get("called_at"))
                continue
            counter = entry.get("counter") or {}
            log.info("announcing %s late: its ticket.called never came", key[0])
            self._say(key[0], str(counter.get("name") or counter.get("id") or ""))
        # A call that left the list never comes back.
        self._said = {key: said for key, said in self._said.items() if key in listed}

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
                              wait=i18n.service_wait(service, self.lang)))
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
                              color=colors.get(entry.get("service") or "", DEFAULT_COLOR),
                              counter_open=counter.get("state", "open") == "open"))
        self.calls = calls
        self.line_list.set_lines(lines, self.tr("wait.label"))
        self._schedule_expiry()

    def _schedule_expiry(self) -> None:
        now, left = self.server_now(), []
        for call in self.now_calls[1:]:
            age = _age(call, now)
            if age is not None and age <= self.highlight_seconds:
                left.append(self.highlight_seconds - age)
        if left:
            self._expiry.start(int(min(left) * 1000) + 100)
        else:
            self._expiry.stop()

    @Slot()
    def _calls_aged(self) -> None:
        self._schedule_expiry()
        self.changed.emit()

    def _set_highlight(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.highlight_changed.emit(on)

    def _tick(self) -> None:
        # The server's clock (corrected by its HTTP Date): a screen whose own clock is off
        # still shows the time and day the counters and phones go by.
        now = self.server_now()
        local = now.astimezone(self.zone) if self.zone else now.astimezone()
        text, date = local.strftime("%H:%M"), i18n.long_date(local.date(), self.lang)
        if (text, date) != (self.clock, self.date):
            self.clock, self.date = text, date
            self.clock_changed.emit(text)


def _key(entry: dict) -> CallKey:
    counter = entry.get("counter") or {}
    return (str(entry.get("code") or ""), str(counter.get("id") or ""), str(entry.get("called_at") or ""),
            bool(entry.get("recall")))


def _newest(state: dict, code: str, counter_id: str) -> CallKey | None:
    """The key of the newest listed call of `code` at `counter_id` (the list is newest first)."""
    for entry in state.get("calling") or []:
        if isinstance(entry, dict):
            key = _key(entry)
            if key[0] == code and key[1] == counter_id:
                return key
    return None


def _age(call: Call, now: datetime) -> float | None:
    """Seconds since the call, by the server's clock (None when it has no time)."""
    called = parse_server_time(call.called_at)
    return None if called is None else (now - called).total_seconds()


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
