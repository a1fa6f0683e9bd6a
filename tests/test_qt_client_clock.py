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
