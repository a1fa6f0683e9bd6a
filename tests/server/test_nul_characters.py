"""A NUL character in a request is a 400 at every door, on both databases, and nothing
is written. Found by fuzzing the OpenAPI document: PostgreSQL can neither store nor
compare text holding one, and every such request was a 500 there (SQLite stored it)."""
import pytest
from conftest import problem
from sqlalchemy import func, select

from turnero.models import Ticket

API = "/api/v1"


def tickets(app) -> int:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Ticket))


@pytest.mark.parametrize("request_args", [
    ("POST", f"{API}/branches/centro/tickets", {"json": {"service": "caja", "name": "Ana\x00"}}),
    ("POST", f"{API}/branches/centro/tickets", {"json": {"service": "caja"}, "headers": {"Idempotency-Key": "k\x00"}}),
    ("GET", f"{API}/branches/cen%00tro", {}),
    ("GET", f"{API}/tickets/abc%00", {}),
    ("GET", f"{API}/branches/centro/slots?service=plata%00forma&date=2031-03-03", {}),
    ("POST", f"{API}/auth/token", {"json": {"username": "admin\x00", "password": "x"}}),
    ("PUT", f"{API}/branches/centro/opening-hours", {"json": {"hours": {"0\x00": ""}}}),
], ids=["json", "idempotency-key", "path", "token", "query", "login", "json-key"])
def test_a_nul_character_is_a_bad_request_at_the_api(app, client, admin, request_args):
    method, url, kwargs = request_args
    kwargs = {**kwargs, "headers": {**admin, **kwargs.get("headers", {})}}
    problem(client.open(url, method=method, **kwargs), 400)
    assert tickets(app) == 0


def test_a_nul_character_is_a_bad_request_on_the_pages(app, client):
    assert client.get("/b/cen%00tro/join").status_code == 400
    assert client.get("/t/abc%00").status_code == 400
    assert client.post("/b/centro/join", data={"service": "caja", "name": "Ana\x00"}).status_code == 400
    assert tickets(app) == 0


def test_text_without_nul_characters_is_untouched(client):
    r = client.post(f"{API}/branches/centro/tickets", json={"service": "caja", "name": "Ana \\x00 López"})
    assert r.status_code == 201
