"""RestClient.server_now(): the server's clock, from the HTTP `Date` of its answers.
A small real HTTP server whose clock runs an hour and a half behind ours."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402
from email.utils import formatdate  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

import pytest  # noqa: E402

from turnero_qt import RestClient  # noqa: E402

BEHIND = 90 * 60  # seconds
WAIT = 20_000


class LateClock(BaseHTTPRequestHandler):
    def date_time_string(self, timestamp=None):
        return formatdate(time.time() - BEHIND, usegmt=True)

    def do_GET(self):  # noqa: N802 - http.server's name
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def late_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), LateClock)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_server_now_follows_the_date_of_the_servers_answers(qtbot, late_server):
    rest = RestClient(late_server)
    assert rest.clock_offset is None
    assert abs(rest.server_now() - datetime.now(timezone.utc)) < timedelta(seconds=5)  # ours until it answers
    reply = rest.get("/branches")
    with qtbot.waitSignal(reply.finished, timeout=WAIT):
        pass
    assert reply.data == {"ok": True}
    expected = datetime.now(timezone.utc) - timedelta(seconds=BEHIND)
    assert abs(rest.server_now() - expected) < timedelta(seconds=5)
    assert rest.server_now().tzinfo is not None


@pytest.mark.parametrize("text, expected", [
    ("2026-11-23T15:04:05Z", datetime(2026, 11, 23, 15, 4, 5, tzinfo=timezone.utc)),
    ("2026-11-23T15:04:05+00:00", datetime(2026, 11, 23, 15, 4, 5, tzinfo=timezone.utc)),
    ("2026-11-23T09:04:05-06:00", datetime(2026, 11, 23, 15, 4, 5, tzinfo=timezone.utc)),
    ("2026-11-23T15:04:05", datetime(2026, 11, 23, 15, 4, 5, tzinfo=timezone.utc)),
    ("mañana", None), ("", None), (None, None), (12, None),
])
def test_server_times_are_read_as_aware_utc_or_none(text, expected):
    from turnero_qt import parse_server_time
    moment = parse_server_time(text)
    assert moment == expected
    if moment is not None:
        assert moment.utcoffset() is not None


def test_an_unreadable_issue_time_prints_now_in_the_branch_zone():
    from turnero_kiosk.printing import branch_time
    before = datetime.now(timezone.utc)
    moment = branch_time("not a time", "America/Mexico_City")
    assert moment.tzinfo is not None and str(moment.tzinfo) == "America/Mexico_City"
    assert before - timedelta(seconds=1) <= moment <= datetime.now(timezone.utc) + timedelta(seconds=1)
