"""What the lobby shows as "now calling" (queue/lobby.py): one large row per counter
that called in the last HIGHLIGHT_SECONDS, the newest call always, never a paused
counter's call; the rest is history."""
from datetime import datetime, timedelta, timezone

from turnero.queue.lobby import HIGHLIGHT_SECONDS, MAX_NOW, lit, split_calls

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=timezone.utc)


def call(code, counter, seconds_ago, state="open", recall=False):
    at = (NOW - timedelta(seconds=seconds_ago)).isoformat().replace("+00:00", "Z")
    return {"code": code, "service": "caja", "counter": {"id": counter, "name": counter, "state": state},
            "called_at": at, "recall": recall}


def codes(calls):
    return [c["code"] for c in calls]


def test_counters_calling_within_seconds_each_keep_a_large_row_until_their_time_is_up():
    calls = [call("A003", "v3", 2), call("A002", "v2", 5), call("A001", "v1", HIGHLIGHT_SECONDS - 1),
             call("A000", "v4", HIGHLIGHT_SECONDS + 1)]
    now, recent = split_calls(calls, NOW)
    assert codes(now) == ["A003", "A002", "A001"] and codes(recent) == ["A000"]
    later, recent = split_calls(calls, NOW + timedelta(seconds=HIGHLIGHT_SECONDS))
    assert codes(later) == ["A003"] and codes(recent) == ["A002", "A001", "A000"]  # one big row, as always
    # A lone call is lit in its line's colour for the same time, then calmer.
    assert lit(calls[0], NOW) and not lit(calls[0], NOW + timedelta(seconds=HIGHLIGHT_SECONDS)) and not lit(None, NOW)


def test_one_row_per_counter_a_recall_once_no_paused_counter_and_a_cap():
    calls = [call("A002", "v1", 1), call("A001", "v1", 3), call("A001", "v1", 20, recall=True),
             call("B001", "v2", 2, state="paused")]
    now, recent = split_calls(calls, NOW)
    assert codes(now) == ["A002"] and codes(recent) == ["A001", "B001"]
    many = [call(f"A00{i}", f"v{i}", i) for i in range(MAX_NOW + 2)]
    now, recent = split_calls(many, NOW)
    assert len(now) == MAX_NOW and codes(recent) == codes(many[MAX_NOW:])
    # The newest call stays "now" for as long as its counter is open, however old.
    assert codes(split_calls([call("A009", "v1", 3600)], NOW)[0]) == ["A009"]
    assert split_calls([call("A009", "v1", 3, state="closed")], NOW)[0] == []
