"""One customer across channels and branches, for staff: found by phone, their visits
at every branch with ratings, their appointments and messages, and a note staff keep.
Only staff of a branch the customer visited see them (others get the same 404 as for
no one); administrators always. Both databases."""
from __future__ import annotations

import pytest

from conftest import problem
from web_staff_helpers import make_user

API = "/api/v1"
PHONE = "55 1234 5678"


@pytest.fixture
def regular(client, clock, take, agent, open_counter):
    """A customer who came to centro twice (the first visit rated 4), by the kiosk and the web."""
    open_counter("v1")
    first = take(phone=PHONE)
    called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    client.post(f"{API}/tickets/{called['id']}/done", headers=agent)
    assert client.post(f"{API}/tickets/{first['token']}/feedback", json={"score": 4}).status_code == 201
    second = take(service="plataforma", phone="+525512345678")
    return first, second


def test_staff_see_the_customer_they_serve_across_visits_and_keep_a_note(client, regular, agent):
    first, second = regular
    listed = client.get(f"{API}/branches/centro/tickets", headers=agent).get_json()
    customer_id = next(t["customer"] for t in listed if t["id"] == second["id"])
    assert customer_id is not None
    found = client.get(f"{API}/customers", query_string={"phone": PHONE}, headers=agent).get_json()
    assert [c["id"] for c in found] == [customer_id] and found[0]["visits"] == 2
    body = client.get(f"{API}/customers/{customer_id}", headers=agent).get_json()
    assert body["phone"] == "+525512345678"
    assert [(t["code"], t["status"], t["branch"], t["feedback"]) for t in body["tickets"]] == [
        (second["code"], "waiting", "centro", None), (first["code"], "done", "centro", 4)]
    r = client.put(f"{API}/customers/{customer_id}/note", json={"note": "  Prefiere inglés  "}, headers=agent)
    assert r.status_code == 200 and r.get_json()["note"] == "Prefiere inglés"
    assert client.get(f"{API}/customers/{customer_id}", headers=agent).get_json()["note"] == "Prefiere inglés"
    assert client.put(f"{API}/customers/{customer_id}/note", json={"note": None},
                      headers=agent).get_json()["note"] is None


def test_no_one_else_learns_who_the_customer_is(app, client, regular, login, kiosk):
    _first, second = regular
    admin = login("admin")
    customer_id = next(t["customer"] for t in client.get(f"{API}/branches/centro/tickets", headers=admin).get_json()
                       if t["id"] == second["id"])
    make_user(app, "agente_norte", "agent", "norte")
    other = login("agente_norte")
    unknown = problem(client.get(f"{API}/customers/999999", headers=other), 404)
    assert problem(client.get(f"{API}/customers/{customer_id}", headers=other), 404) == unknown  # same answer
    problem(client.put(f"{API}/customers/{customer_id}/note", json={"note": "x"}, headers=other), 404)
    assert client.get(f"{API}/customers", query_string={"phone": PHONE}, headers=other).get_json() == []
    problem(client.get(f"{API}/customers/{customer_id}"), 401)
    problem(client.get(f"{API}/customers/{customer_id}", headers=kiosk), 403)
    assert client.get(f"{API}/customers/{customer_id}", headers=admin).status_code == 200
    # Public views never carry it.
    assert "customer" not in client.get(f"{API}/tickets/{second['token']}").get_json()


def test_a_bad_note_is_refused_and_changes_nothing(client, regular, agent):
    _first, second = regular
    customer_id = next(t["customer"] for t in client.get(f"{API}/branches/centro/tickets", headers=agent).get_json()
                       if t["id"] == second["id"])
    client.put(f"{API}/customers/{customer_id}/note", json={"note": "Trae documentos"}, headers=agent)
    for body, status in (({"note": "x" * 501}, 422), ({"note": 5}, 422), ({}, 422), ({"note": "a\x00b"}, 400)):
        problem(client.put(f"{API}/customers/{customer_id}/note", json=body, headers=agent), status)
    assert client.get(f"{API}/customers/{customer_id}", headers=agent).get_json()["note"] == "Trae documentos"
