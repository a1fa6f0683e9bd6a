"""Prometheus metrics (prometheus_client), served at /metrics."""
from __future__ import annotations

import hmac
import time

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

REQUESTS = Histogram("turnero_http_request_seconds", "HTTP request latency", ["method", "endpoint", "status"],
                     buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
TICKETS_ISSUED = Counter("turnero_tickets_issued_total", "Tickets issued", ["branch", "channel"])
TICKETS_CALLED = Counter("turnero_tickets_called_total", "Tickets called", ["branch"])
SOCKET_CLIENTS = Gauge("turnero_socketio_clients", "Connected Socket.IO clients")
# The followers' refresh (queue.known_lines): lines given from the order this process
# keeps, moved by the changes' notices, and lines it had to read whole (a notice missed
# or heard late, a change that did more than a call, a cancel or a join).
LINES_KEPT = Counter("turnero_followers_lines_kept_total",
                     "Waiting lines whose places a followers' refresh took from the order this process keeps")
LINES_READ = Counter("turnero_followers_lines_read_total",
                     "Waiting lines a followers' refresh read whole from the database")
IN_PROGRESS = Gauge("turnero_http_requests_in_progress", "HTTP requests being answered now (besides /metrics)")


def count_committed(recorded) -> None:
    """Every ticket issued and called, whatever the door (a commit listener of the
    database: only what was committed counts, a replayed request does not)."""
    for branch, event in recorded:
        if event.kind == "issued":
            TICKETS_ISSUED.labels(branch, event.channel).inc()
        elif event.kind == "called":
            TICKETS_CALLED.labels(branch).inc()


def monitor_may_look() -> bool:
    """Whether the request comes from the monitoring: this machine itself, or anyone
    with `Authorization: Bearer TURNERO_METRICS_TOKEN` (/metrics, /healthz?full=1).
    Behind a proxy, TURNERO_PROXY_HOPS makes the address the customer's, not nginx's;
    a request forwarded by a proxy the server was not told about (X-Forwarded-For, no
    hops) is nobody's from this machine: nginx's own address proves nothing."""
    token = current_app.config["TURNERO"].METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    return from_this_machine() or bool(token and hmac.compare_digest(sent, f"Bearer {token}"))


def from_this_machine() -> bool:
    """The request comes from this machine itself (a loopback address that a proxy we
    were not told about did not put there: see monitor_may_look)."""
    forwarded_blind = "X-Forwarded-For" in request.headers and current_app.config["TURNERO"].PROXY_HOPS == 0
    return request.remote_addr in ("127.0.0.1", "::1") and not forwarded_blind


def init_app(app: Flask) -> None:
    app.extensions["turnero.db"].commit_listeners.append(count_committed)

    @app.before_request
    def _start_timer():
        g._t0 = time.perf_counter()
        if request.endpoint != "metrics":
            g._counted = True
            IN_PROGRESS.inc()

    @app.teardown_request
    def _done(_exc=None):
        if g.pop("_counted", False):
            IN_PROGRESS.dec()

    @app.after_request
    def _observe(response):
        t0 = g.pop("_t0", None)
        if t0 is not None and request.endpoint != "metrics":
            REQUESTS.labels(request.method, request.endpoint or "none", response.status_code).observe(
                time.perf_counter() - t0)
        return response

    @app.get("/metrics")
    @app.doc(hide=True)  # Prometheus text, not part of the JSON API (like /healthz)
    def metrics():
        """For the monitoring on this machine, or with `Authorization: Bearer
        TURNERO_METRICS_TOKEN` from elsewhere; anyone else finds nothing here."""
        if not monitor_may_look():
            abort(404)
        return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)
