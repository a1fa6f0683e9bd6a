"""A Twilio of the tests' own, over real HTTP: `FakeTwilio` answers the Messages API
(create and list) on a local port, each create as its script says (an error status, a
stall past the client's timeout, or 201), and keeps what it was asked and what it
"sent". Run as a program, this file is an outbox worker process (`turnero worker` with
the real twilio SDK and its real HTTP transport, pointed at the fake):

    python tests/fake_twilio.py http://127.0.0.1:PORT   # with TURNERO_* in the environment

with waits short enough for a test of seconds (FAKE_TWILIO_TIMEOUT_S, FAKE_BACKOFF_S,
FAKE_CLAIM_S)."""
from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TWILIO_API = "https://api.twilio.com"


@dataclass
class Seen:
    method: str
    path: str
    form: dict
    at: float  # time.monotonic() when it arrived


@dataclass
class FakeTwilio:
    """`script`: what each create answers, in turn, then 201 for the rest: an int (that
    status, as Twilio words an error), "stall" (no answer before the client gives up;
    nothing sent) or "stall-after-sending" (sent, but the answer never arrives)."""
    script: list = field(default_factory=list)
    stall_s: float = 3.0
    seen: list[Seen] = field(default_factory=list)
    sent: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake._see("GET", url.path, query)
                to = query.get("To")
                self._answer(200, {"messages": [m for m in reversed(fake.sent) if m["to"] == to],
                                   "end": 0, "start": 0, "page": 0, "page_size": 50, "first_page_uri": url.path,
                                   "next_page_uri": None, "previous_page_uri": None, "uri": url.path})

            def do_POST(self):
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                        .items()}
                step = fake._see("POST", urlparse(self.path).path, form)
                if isinstance(step, int):
                    self._answer(step, {"code": 20000 + step, "message": "Internal Server Error", "status": step,
                                        "more_info": "https://www.twilio.com/docs/errors"})
                    return
                message = None
                if step != "stall":
                    message = fake._send(form)
                if step in ("stall", "stall-after-sending"):
                    time.sleep(fake.stall_s)  # the client has given up by now
                    return
                self._answer(201, message)

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _see(self, method: str, path: str, form: dict):
        with self._lock:
            self.seen.append(Seen(method, path, form, time.monotonic()))
            if method == "POST":
                return self.script.pop(0) if self.script else "ok"
            return None

    def _send(self, form: dict) -> dict:
        now = format_datetime(datetime.now(timezone.utc), usegmt=True)
        message = {"sid": "SM" + secrets.token_hex(16), "account_sid": "AC" + "0" * 32, "to": form.get("To"),
                   "from": form.get("From"), "body": form.get("Body"), "status": "queued", "date_created": now,
                   "date_updated": now, "date_sent": None, "direction": "outbound-api", "num_segments": "1",
                   "uri": "/2010-04-01/Accounts/AC/Messages/x.json"}
        with self._lock:
            self.sent.append(message)
        return message

    def creates(self) -> list[Seen]:
        return [s for s in self.seen if s.method == "POST"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_worker(twilio_url: str) -> None:
    """An outbox worker process whose Twilio is at `twilio_url` (the SDK's own transport,
    its host replaced)."""
    import logging

    from twilio.http.http_client import TwilioHttpClient

    from turnero import create_app
    from turnero.messaging import worker
    from turnero.messaging.backends import TwilioBackend
    from turnero.messaging.settings import settings

    class LocalTwilio(TwilioHttpClient):
        def request(self, method, url, *args, **kwargs):
            return super().request(method, url.replace(TWILIO_API, twilio_url, 1), *args, **kwargs)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker.BACKOFF_BASE_S = float(os.environ.get("FAKE_BACKOFF_S", "0.5"))
    app = create_app()
    cfg = settings(app)
    transport = LocalTwilio(timeout=float(os.environ.get("FAKE_TWILIO_TIMEOUT_S", "1")))
    backend = TwilioBackend(cfg.account_sid, cfg.auth_token, cfg.sms_from, http_client=transport)
    outbox = worker.OutboxWorker(app, backend=backend, claim_s=int(os.environ.get("FAKE_CLAIM_S", "3")))
    with app.app_context():
        outbox.run_forever(poll_s=0.1)


if __name__ == "__main__":
    run_worker(sys.argv[1])
