"""How many appointments one client address may book (BOOKING_RATE_LIMIT): one budget
for the booking page and the API, only bookings made count, the answer past it is a
translated 429 (problem+json for the API, the form again with the reason on the
page), and nothing else is limited by it: slots, tickets, staff booking for a customer.

The limit does not depend on the database engine: SQLite only, to keep the suite fast."""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from turnero.appointments.models import Appointment

API = "/api/v1"
DAY = "2031-03-03"  # a Monday at centro, where 10:00 is 16:00 UTC
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    now = lambda: datetime(2031, 2, 28, 18, tzinfo=timezone.utc)  # noqa: E731
    monkeypatch.setattr("turnero.clock.utcnow", now)


@pytest.fixture
def limit(app):
    def _set(value: str):
        app.config["TURNERO"].BOOKING_RATE_LIMIT = value
    return _set


def booked(app) -> int:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Appointment))


def book_api(client, hour: int, phone: str, headers=None, **extra):
    return client.post(f"{API}/branches/centro/appointments", headers=headers or {}, json={
        "service": "plataforma", "start": f"{DAY}T{hour + 6:02d}:00:00Z", "name": "Ana López", "phone": phone,
        **extra})


def book_page(client, hour: int, phone: str, lang="es"):
    page = client.get(f"/b/centro/book?date={DAY}&lang={lang}")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(f"/b/centro/book?lang={lang}", data={
        "csrf_token": token, "service": "plataforma", "date": DAY, "start": f"{DAY}T{hour + 6:02d}:00:00Z",
        "name": "Ana López", "phone": phone})


def test_the_api_answers_429_problem_json_once_the_budget_is_spent(app, client, limit, agent):
    limit("2 per hour")
    # A request with a mistake books nothing and costs nothing.
    assert book_api(client, 10, "55 1000 0001", start="2031-03-03T16:07:00Z").status_code == 422
    assert book_api(client, 10, "55 1000 0001").status_code == 201
    assert book_api(client, 11, "55 1000 0002").status_code == 201

    r = book_api(client, 12, "55 1000 0003", headers={"Accept-Language": "es"})
    assert r.status_code == 429 and r.mimetype == "application/problem+json"
    body = r.get_json()
    assert body["status"] == 429 and body["title"] == "Demasiadas solicitudes"
    assert re.fullmatch(r"Se reservaron demasiadas citas desde esta conexión\. Vuelva a intentarlo en \d+ "
                        r"minutos? o llame a la sucursal\.", body["detail"]), body["detail"]
    assert int(r.headers["Retry-After"]) > 0
    english = book_api(client, 12, "55 1000 0003", headers={"Accept-Language": "en"}).get_json()
    assert english["detail"].startswith("Too many appointments were booked from this connection.")
    assert booked(app) == 2

    # Nothing else is limited: slots, tickets, and staff booking for a customer.
    assert client.get(f"{API}/branches/centro/slots?service=plataforma&date={DAY}").status_code == 200
    assert client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}).status_code == 201
    assert book_api(client, 12, "55 1000 0004", headers=agent).status_code == 201
    # A made-up token does not get around the limit: it counts as anyone, and books nothing.
    assert book_api(client, 13, "55 1000 0005", headers={"Authorization": "Bearer nope"}).status_code == 429
    assert booked(app) == 3


def test_the_page_shows_the_form_again_with_the_reason(app, client, limit):
    limit("1 per hour")
    first = book_page(client, 10, "55 1000 0001")
    assert first.status_code == 303 and "/a/" in first.headers["Location"]

    r = book_page(client, 11, "55 1000 0002")
    html = r.get_data(as_text=True)
    assert r.status_code == 429
    assert re.search(r'role="alert">Se reservaron demasiadas citas desde esta conexión\. Vuelva a intentarlo en '
                     r"\d+ minutos? o llame a la sucursal\.<", html)
    assert 'value="55 1000 0002"' in html  # what was typed is kept
    english = book_page(client, 11, "55 1000 0002", lang="en").get_data(as_text=True)
    assert "Too many appointments were booked from this connection." in english
    assert booked(app) == 1

    # The page still opens; the manage page and taking a turn still work.
    assert client.get(f"/b/centro/book?date={DAY}").status_code == 200
    assert client.get(first.headers["Location"]).status_code == 200
    assert client.get("/b/centro/join").status_code == 200


def test_the_page_and_the_api_share_one_budget(app, client, limit):
    limit("1 per hour")
    assert book_api(client, 10, "55 1000 0001").status_code == 201
    assert book_page(client, 11, "55 1000 0002").status_code == 429
    assert booked(app) == 1


def test_by_default_a_connection_books_twenty_an_hour(app, client):
    """Twenty bookings from one address go through; the twenty-first waits an hour
    (the README's figure, and what a family booking for all its members needs)."""
    times = [(hour, minute) for hour in range(9, 17) for minute in (0, 20, 40)][:21]
    answers = [client.post(f"{API}/branches/centro/appointments", json={
        "service": "plataforma", "start": f"{DAY}T{hour + 6:02d}:{minute:02d}:00Z", "name": "Ana López",
        "phone": f"55 1000 {i:04d}"}).status_code for i, (hour, minute) in enumerate(times)]
    assert answers == [201] * 20 + [429]
    assert booked(app) == 20
