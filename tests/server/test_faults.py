"""A part fails under a running `turnero serve`, and comes back: PostgreSQL stopped and
started again, Redis stopped and started again between two processes. Each test runs
the real processes (a PostgreSQL and a Redis of its own, tests/private_services.py) and
takes seconds."""
from __future__ import annotations

import time

import pytest
import requests

from conftest import DEMO_PASSWORD, LiveServer, wait_until
from private_services import PrivatePostgres, PrivateRedis

pytestmark = [pytest.mark.live, pytest.mark.postgres]


@pytest.fixture
def private_postgres():
    pg = PrivatePostgres()
    try:
        yield pg.start()
    finally:
        pg.remove()


@pytest.fixture
def private_redis():
    redis = PrivateRedis()
    try:
        yield redis.start()
    finally:
        redis.remove()


def started(server: LiveServer) -> LiveServer:
    server.cli("db", "upgrade")
    server.cli("demo", "--password", DEMO_PASSWORD)
    return server.start()


def take(server: LiveServer, **headers) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/branches/centro/tickets", json={"service": "caja"},
                         headers=headers, timeout=10)


def test_postgresql_stopped_answers_503_at_once_and_started_again_serves_within_seconds(
        private_postgres, tmp_path):
    server = started(LiveServer(private_postgres.url, tmp_path / "instance"))
    try:
        assert take(server).status_code == 201
        assert requests.get(f"{server.url}/healthz?full=1", timeout=10).json()["status"] == "ok"

        private_postgres.stop()
        # Customers, in their language: a problem document for the API, a page for browsers.
        began = time.monotonic()
        r = take(server)
        assert time.monotonic() - began < 3, "a request must not hang while the database is down"
        assert r.status_code == 503 and r.headers["Retry-After"].isdigit(), r.text
        assert r.headers["Content-Type"].startswith("application/problem+json")
        assert "no se cambió nada" in r.json()["detail"]
        r = take(server, **{"Accept-Language": "en"})
        assert r.status_code == 503 and "nothing was changed" in r.json()["detail"]
        page = requests.get(f"{server.url}/b/centro/join", timeout=10)
        assert page.status_code == 503 and "Retry-After" in page.headers
        assert "no está disponible" in page.text and "Traceback" not in page.text
        # The monitor: the short answer and the full one both say 503.
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 503
        full = requests.get(f"{server.url}/healthz?full=1", timeout=10)
        assert full.status_code == 503 and full.json()["status"] == "down"
        assert full.json()["database"] == {"ok": False, "error": "OperationalError"}

        private_postgres.start()
        back = time.monotonic()
        assert wait_until(lambda: take(server).status_code == 201, 10, every_s=0.2), server.log.read_text()[-3000:]
        print(f"PostgreSQL back: a ticket issued {time.monotonic() - back:.2f} s after it started")
        assert requests.get(f"{server.url}/b/centro/join", timeout=10).status_code == 200
        assert requests.get(f"{server.url}/healthz?full=1", timeout=10).status_code == 200
        assert server.proc.poll() is None  # the same process all along
    finally:
        server.stop()
