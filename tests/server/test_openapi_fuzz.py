"""The API against its own OpenAPI document (issue 14): schemathesis makes requests from
the schemas of /api/v1/openapi.json and sends them to the app in process.

- Every operation, a few examples each (FEW) in schemathesis' phases (the document's
  examples, boundary and invalid values, then generated ones), derandomised: the same
  requests on every run.
- Anonymous, on SQLite; and with the admin's Bearer token, on PostgreSQL (production's
  database).
- Path values are real (branch centro, counter v1, and a ticket, appointment or closure
  made for the request), so that requests reach the use cases; bodies and queries are
  what the schemas allow, and in the coverage phase what they refuse.
- Checks: no server error, and every answer has the media type and matches the schema
  documented for its status (error answers included: application/problem+json).

The document is read from an app made once when the module is collected (it touches no
database); each test then calls its own app. (`schemathesis.pytest.from_fixture` would
read it from a fixture, but fails under pytest 9.2: it sets `Function._nodeid`.)
"""
from __future__ import annotations

import itertools
import tempfile
from datetime import date, datetime, timedelta, timezone

import pytest
import schemathesis
from conftest import DEMO_PASSWORD, demo_app
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from turnero import create_app


def served_document() -> dict:
    """/api/v1/openapi.json as the app serves it."""
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(environ={"TURNERO_DATABASE_URL": "sqlite://", "TURNERO_SECRET_KEY": "openapi",
                                  "TURNERO_INSTANCE_PATH": instance, "TURNERO_ASYNC_MODE": "threading"})
        response = app.test_client().get("/api/v1/openapi.json")
        assert response.status_code == 200
        return response.get_json()


schema = schemathesis.openapi.from_dict(served_document())

# No deadline nor "too slow" checks: two shared cores make timings meaningless.
FEW = settings(max_examples=8, derandomize=True, database=None, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Not what is tested here, and a limit reached would answer every later request the same.
UNLIMITED = {"LOGIN_RATE_LIMIT": "100000 per minute", "BOOKING_RATE_LIMIT": "100000 per hour"}


class RealPaths:
    """Fills a case's path with the demo's branch and counter and with objects made for
    it: a ticket (waiting; done for a rating), an appointment, a closure."""

    def __init__(self, app):
        self.client = app.test_client()
        r = self.client.post("/api/v1/auth/token", json={"username": "admin", "password": DEMO_PASSWORD})
        self.admin = {"Authorization": f"Bearer {r.get_json()['token']}"}
        self.slots = self._slots()
        self.numbers = itertools.count(1)

    @staticmethod
    def _slots():
        """Monday to Friday from 2031-03-03 (the clock stands at the Friday before), 09:00-17:00 at centro."""
        for day in (date(2031, 3, 3) + timedelta(days=n) for n in range(60)):
            if day.weekday() < 5:
                nine = datetime(day.year, day.month, day.day, 15, tzinfo=timezone.utc)
                yield from (nine + timedelta(minutes=20 * n) for n in range(24))

    def post(self, path: str, **body) -> dict:
        r = self.client.post("/api/v1" + path, json=body, headers=self.admin)
        assert r.status_code in (200, 201), (path, r.get_data(as_text=True))
        return r.get_json()

    def webhook(self) -> int:
        """A webhook of centro (one already there: a branch has ten at most)."""
        there = self.client.get("/api/v1/branches/centro/webhooks", headers=self.admin).get_json()
        if there:
            return there[0]["id"]
        return self.post("/branches/centro/webhooks", url="https://hooks.example.com/t", events=["ticket.done"])["id"]

    def customer(self) -> int:
        """A customer who took a turn at centro with a phone."""
        ticket = self.post("/branches/centro/tickets", service="caja", phone=f"55 5000 {next(self.numbers):04d}")
        listed = self.client.get("/api/v1/branches/centro/tickets", headers=self.admin).get_json()
        return next(t["customer"] for t in listed if t["id"] == ticket["id"])

    def ticket(self, done: bool = False) -> dict:
        ticket = self.post("/branches/centro/tickets", service="caja")
        if done:
            self.post("/branches/centro/counters/v1/open")
            while self.post("/branches/centro/counters/v1/call-next")["id"] != ticket["id"]:
                pass
            self.post(f"/tickets/{ticket['id']}/done")
        return ticket

    def appointment(self) -> dict:
        start = next(self.slots).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self.post("/branches/centro/appointments", service="plataforma", start=start, name="Ana López",
                         phone=f"55 3000 {next(self.numbers):04d}")

    def closure(self) -> dict:
        return self.post("/branches/centro/closures", first_day=str(date(2031, 12, 1) + timedelta(next(self.numbers))))

    def fill(self, case) -> None:
        path, values = case.operation.path, case.path_parameters or {}
        for name in values:
            if name == "branch":
                values[name] = "centro"
            elif name == "counter":
                values[name] = "v1"
            elif name == "service":  # a line other than the one the tickets here are taken in
                values[name] = "plataforma"
            elif name == "token" and path.startswith("/api/v1/appointments/"):
                values[name] = self.appointment()["token"]
            elif name == "token":
                values[name] = self.ticket(done=path.endswith("/feedback"))["token"]
            elif name == "ticket_id":
                values[name] = self.ticket()["id"]
            elif name == "appointment_id":
                values[name] = self.appointment()["id"]
            elif name == "closure_id":
                values[name] = self.closure()["id"]
            elif name == "customer_id":
                values[name] = self.customer()
            elif name == "endpoint_id":
                values[name] = self.webhook()
            else:
                raise AssertionError(f"{case.operation.label}: no real value for {{{name}}}; teach RealPaths.fill")


@pytest.fixture
def on_sqlite(sqlite_url, tmp_path, clock):
    app = demo_app(sqlite_url, tmp_path, **UNLIMITED)
    yield app, RealPaths(app)
    app.extensions["turnero.db"].dispose()


@pytest.fixture
def on_postgresql(pg_url, tmp_path, clock):
    app = demo_app(pg_url, tmp_path, **UNLIMITED)
    yield app, RealPaths(app)
    app.extensions["turnero.db"].dispose()


@schema.parametrize()
@FEW
def test_anonymous_requests_are_answered_as_documented(case, on_sqlite):
    app, paths = on_sqlite
    paths.fill(case)
    case.call_and_validate(app=app, checks=CHECKS)


@schema.parametrize()
@FEW
def test_the_admins_requests_are_answered_as_documented(case, on_postgresql):
    app, paths = on_postgresql
    paths.fill(case)
    case.call_and_validate(app=app, headers=paths.admin, checks=CHECKS)
