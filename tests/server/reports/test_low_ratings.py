"""A low rating (1 or 2) reaches the managers' consoles at once, over Socket.IO in the
branch's managers' room (the browser session of a manager of that branch), and the
console lists today's. No one else hears it. Both databases."""
from __future__ import annotations

import json
import re

import pytest

from turnero.extensions import socketio
from web_staff_helpers import make_user, sign_in

API = "/api/v1"


def connected(app, username: str | None):
    """A Socket.IO client with the browser session of `username` (None: anonymous)."""
    browser = app.test_client()
    if username:
        sign_in(browser, username)
    return browser, socketio.test_client(app, flask_test_client=browser)


def events(client, name):
    return [p["args"][0] for p in client.get_received() if p["name"] == name]


@pytest.fixture
def served(client, take, agent, open_counter):
    """Visits over, ready to be rated: `served()` -> the ticket."""
    open_counter("v1")

    def _served():
        ticket = take()
        called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
        assert called["id"] == ticket["id"]
        assert client.post(f"{API}/tickets/{ticket['id']}/done", headers=agent).status_code == 200
        return ticket
    return _served


def test_a_low_rating_reaches_the_branchs_managers_and_no_one_else(app, client, served):
    make_user(app, "gerente", "manager", "centro")
    make_user(app, "gerente_norte", "manager", "norte")
    _, manager = connected(app, "gerente")
    assert manager.emit("subscribe", {"staff": "centro"}, callback=True) == {"ok": True}
    refused = {}
    for name in (None, "agente", "gerente_norte"):
        _, other = connected(app, name)
        refused[name] = other.emit("subscribe", {"staff": "centro"}, callback=True)
    assert all(answer["ok"] is False and answer["error"] for answer in refused.values()), refused
    _, lobby = connected(app, None)
    lobby.emit("subscribe", {"branch": "centro"}, callback=True)
    manager.get_received()
    lobby.get_received()

    happy, unhappy = served(), served()
    assert client.post(f"{API}/tickets/{happy['token']}/feedback", json={"score": 5}).status_code == 201
    assert events(manager, "feedback.low") == []
    r = client.post(f"{API}/tickets/{unhappy['token']}/feedback", json={"score": 1, "comment": "Nadie me atendió"})
    assert r.status_code == 201
    heard = events(manager, "feedback.low")
    assert len(heard) == 1
    assert {k: heard[0][k] for k in ("code", "score", "comment", "service", "counter")} == {
        "code": unhappy["code"], "score": 1, "comment": "Nadie me atendió", "service": "caja", "counter": "Ventanilla 1"}
    assert events(lobby, "feedback.low") == []


def test_the_managers_console_lists_todays_low_ratings(app, client, served, clock):
    unhappy = served()
    client.post(f"{API}/tickets/{unhappy['token']}/feedback", json={"score": 2, "comment": "Muy lento"})
    make_user(app, "gerente", "manager", "centro")
    browser = app.test_client()
    sign_in(browser, "gerente")
    html = browser.get("/staff/centro/v1", headers={"Accept-Language": "es-MX"}).get_data(as_text=True)
    assert "Calificaciones bajas de hoy" in html
    config = json.loads(re.search(r'<script type="application/json" id="console-config">(.*?)</script>', html,
                                  re.S).group(1))
    assert [(r["code"], r["score"], r["comment"]) for r in config["low_ratings"]] == [
        (unhappy["code"], 2, "Muy lento")]
    agent_page = app.test_client()
    sign_in(agent_page, "agente")
    html = agent_page.get("/staff/centro/v1", headers={"Accept-Language": "es-MX"}).get_data(as_text=True)
    assert "Calificaciones bajas de hoy" not in html and "Muy lento" not in html
