"""What the lobby screen shows as "now calling" and as history: plain Python, the
same rule the lobby display app (display/turnero_display/model.py) keeps and
static/js/display.js applies as time passes.

- Each code once, newest first (a recall moves the code back to the top).
- "Now calling": the newest call, and every other call made in the last
  HIGHLIGHT_SECONDS, one per counter (its newest), while that counter is open
  (a paused or closed counter is not serving: its call is history). So several
  counters calling within seconds each get a large row; no code hides another.
- Everything else is the last calls, newest first.
"""
from __future__ import annotations

from datetime import datetime

# How long a call stays large beside newer ones (seconds). Three announcements
# (chime, sentence, pause) take about 15 s, so each call stays until it was said.
# The display app keeps the same figure (turnero_display.model.HIGHLIGHT_SECONDS).
HIGHLIGHT_SECONDS = 15
# At most this many "now calling" rows; older ones go on to the last calls.
MAX_NOW = 4


def distinct_calls(calls: list[dict]) -> list[dict]:
    """The calls as the screen lists them: newest first, each code once."""
    seen: set[str] = set()
    out = []
    for call in calls:
        if call["code"] not in seen:
            seen.add(call["code"])
            out.append(call)
    return out


def _open(call: dict) -> bool:
    return (call.get("counter") or {}).get("state", "open") == "open"


def _age(call: dict, now: datetime) -> float | None:
    try:
        called = datetime.fromisoformat(str(call.get("called_at")).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (now - called).total_seconds()


def lit(call: dict | None, now: datetime) -> bool:
    """A single "now calling" row is lit in its line's colour for HIGHLIGHT_SECONDS after
    the call, then calmer (as the display app does)."""
    age = _age(call, now) if call else None
    return age is not None and age <= HIGHLIGHT_SECONDS


def split_calls(calls: list[dict], now: datetime) -> tuple[list[dict], list[dict]]:
    """(now calling, last calls) from the branch's calls (newest first), at `now` (UTC)."""
    distinct = distinct_calls(calls)
    current: list[dict] = []
    counters: set[str] = set()
    for i, call in enumerate(distinct):
        counter = str((call.get("counter") or {}).get("id") or "")
        age = _age(call, now)
        recent = i == 0 or (age is not None and age <= HIGHLIGHT_SECONDS)
        if len(current) < MAX_NOW and _open(call) and recent and counter not in counters:
            current.append(call)
            counters.add(counter)
    return current, [call for call in distinct if call not in current]
