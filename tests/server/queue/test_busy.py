"""A database that is busy past a few seconds (another writer holds the branch), or
unreachable, answers 503 with Retry-After and changes nothing; it never hangs."""
import re

import pytest
from conftest import problem
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import TimeoutError as NoConnectionFree

from turnero.errors import Busy
from turnero.models import Ticket


@pytest.fixture
def short_wait(monkeypatch):
    monkeypatch.setattr("turnero.db.WRITE_WAIT_S", 0.3)


def count(app) -> int:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Ticket))


def test_a_write_that_waits_too_long_is_a_503_and_writes_nothing(short_wait, app, client, db_url):
    db = app.extensions["turnero.db"]
    if db.is_sqlite:
        held = db._writer  # this process's writers queue here before SQLite's own lock
        held.acquire()
        release = held.release
    else:  # another transaction holds the branch row, as a long change would
        engine = create_engine(db_url)
        other = engine.connect()
        other.begin()
        other.execute(text("SELECT id FROM branches WHERE slug = 'centro' FOR UPDATE"))

        def release():
            other.close()
            engine.dispose()
    try:
        r = client.post("/api/v1/branches/centro/tickets", json={"service": "caja"},
                        headers={"Accept-Language": "es"})
        body = problem(r, 503)
        assert r.headers["Retry-After"] == str(Busy.retry_after)
        assert body["title"] == "Ocupado"
        form = client.get("/b/centro/join").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        page = client.post("/b/centro/join", data={"csrf_token": token, "service": "caja"})
        assert page.status_code == 503 and page.mimetype == "text/html" and page.headers["Retry-After"] == "2"
        assert "No se cambió nada" in page.get_data(as_text=True)
    finally:
        release()
    assert count(app) == 0
    assert client.post("/api/v1/branches/centro/tickets", json={"service": "caja"}).status_code == 201


def test_every_connection_in_use_past_the_wait_is_a_503_not_a_failure(short_wait, app, client):
    """A flood holding every connection of the process's pool: the next request waits
    as long as a write waits for the lock, then answers busy (503, Retry-After), as a
    JSON door and as a page; the server answers again once connections are free."""
    engine = app.extensions["turnero.db"].engine
    held = []
    try:
        with pytest.raises(NoConnectionFree):  # take them all, until the pool refuses one
            while len(held) < 100:
                held.append(engine.connect())
        r = client.post("/api/v1/branches/centro/tickets", json={"service": "caja"},
                        headers={"Accept-Language": "en"})
        assert problem(r, 503)["title"] == "Busy" and r.headers["Retry-After"] == str(Busy.retry_after)
        page = client.get("/b/centro/join", headers={"Accept-Language": "es"})
        assert page.status_code == 503 and page.mimetype == "text/html" and "Retry-After" in page.headers
    finally:
        for conn in held:
            conn.close()
    assert count(app) == 0
    assert client.post("/api/v1/branches/centro/tickets", json={"service": "caja"}).status_code == 201
