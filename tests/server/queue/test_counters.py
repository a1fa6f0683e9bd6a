"""Counters and their agents: a pause says why, the counter keeps who opened it and
since when, the audit log keeps every open, pause and close with who did it; staff
see all of it. Both databases."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import problem
from turnero.models import AuditEntry

API = "/api/v1"


def audit(app) -> list[tuple[str, str, str, dict | None]]:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return [(e.action, e.actor, e.target, e.changes) for e in uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("counter.%")).order_by(AuditEntry.id))]


def test_open_pause_with_a_reason_and_close_are_logged_with_who_and_the_console_sees_them(app, client, clock, agent,
                                                                                          admin):
    opened = client.post(f"{API}/branches/centro/counters/v1/open", headers=agent).get_json()
    assert (opened["state"], opened["agent"], opened["pause_reason"]) == ("open", "agente", None)
    assert opened["since"] == clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    clock.now += timedelta(minutes=50)
    paused = client.post(f"{API}/branches/centro/counters/v1/pause", headers=agent, json={"reason": "lunch"})
    assert paused.status_code == 200, paused.get_json()
    paused = paused.get_json()
    assert (paused["state"], paused["pause_reason"], paused["agent"]) == ("paused", "lunch", "agente")
    assert paused["since"] == clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    # Another reason while paused is a change of its own; the same one changes nothing.
    again = client.post(f"{API}/branches/centro/counters/v1/pause", headers=agent,
                        json={"reason": "Archivo de expedientes"}).get_json()
    assert again["pause_reason"] == "Archivo de expedientes"
    client.post(f"{API}/branches/centro/counters/v1/pause", headers=agent, json={"reason": "Archivo de expedientes"})
    # A pause without a body still works (CONTRACT.md: the reason is optional).
    assert client.post(f"{API}/branches/centro/counters/v2/pause", headers=agent).status_code == 200
    listed = {c["id"]: c for c in client.get(f"{API}/branches/centro/counters", headers=agent).get_json()}
    assert listed["v1"]["pause_reason"] == "Archivo de expedientes" and listed["v1"]["agent"] == "agente"
    assert listed["v3"]["state"] == "closed" and listed["v3"]["agent"] is None
    closed = client.post(f"{API}/branches/centro/counters/v1/close", headers=admin).get_json()
    assert (closed["state"], closed["agent"], closed["pause_reason"]) == ("closed", None, None)
    assert audit(app) == [
        ("counter.opened", "agente", "v1", None),
        ("counter.paused", "agente", "v1", {"reason": "lunch"}),
        ("counter.paused", "agente", "v1", {"reason": "Archivo de expedientes"}),
        ("counter.paused", "agente", "v2", None),
        ("counter.closed", "admin", "v1", None),
    ]
    # The public branch shows the states, never who works there.
    public = client.get(f"{API}/branches/centro").get_json()["counters"]
    assert all("agent" not in c for c in public)


@pytest.mark.parametrize("body", [{"reason": "x" * 81}, {"reason": 7}])
def test_a_bad_pause_reason_gets_a_clear_error_and_changes_nothing(app, client, agent, body):
    problem(client.post(f"{API}/branches/centro/counters/v1/pause", headers=agent, json=body), 422)
    assert audit(app) == []
    assert client.get(f"{API}/branches/centro/counters", headers=agent).get_json()[0]["state"] == "closed"


def test_only_staff_of_the_branch_see_its_counters(client, kiosk, login):
    problem(client.get(f"{API}/branches/centro/counters"), 401)
    problem(client.get(f"{API}/branches/centro/counters", headers=kiosk), 403)


def test_the_recent_calls_say_whether_their_counter_still_serves(client, agent, take, open_counter):
    take()
    open_counter("v1")
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    assert client.get(f"{API}/branches/centro").get_json()["recent_calls"][0]["counter"]["state"] == "open"
    client.post(f"{API}/branches/centro/counters/v1/pause", headers=agent, json={"reason": "break"})
    assert client.get(f"{API}/branches/centro").get_json()["recent_calls"][0]["counter"]["state"] == "paused"


def test_the_counter_picker_says_who_is_at_each_counter(app, client, open_counter):
    """An agent choosing a counter sees which ones a colleague already works at (and
    the one they are at themselves); a closed counter names no one."""
    from web_staff_helpers import make_user, sign_in

    open_counter("v1")  # by agente, through the API
    make_user(app, "beto", "agent", "centro")
    browser = app.test_client()
    sign_in(browser, "beto")
    html = browser.get("/staff/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "agente is at it" in html and html.count("is at it") == 1
    sign_in(client, "agente")
    assert "You are at it" in client.get("/staff/", headers={"Accept-Language": "en"}).get_data(as_text=True)
