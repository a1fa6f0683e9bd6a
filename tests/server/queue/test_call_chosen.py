"""Calling a chosen ticket out of turn: the reason and who called are in its log, the
counter's current ticket is finished first, and every wrong request gets a clear 4xx
that changes nothing. Both databases; the race with call-next is in test_concurrency."""
import pytest

from conftest import problem

API = "/api/v1"
ES = {"Accept-Language": "es-MX,es;q=0.9"}


def seq(client) -> int:
    return client.get(f"{API}/branches/centro").get_json()["seq"]


def test_an_agent_calls_the_customer_at_the_door_before_the_others_and_the_log_says_why(
        client, agent, take, open_counter, sio):
    first, second, at_the_door = take(), take(), take()
    screen = sio()
    screen.emit("subscribe", {"branch": "centro"})
    open_counter("v1")
    screen.get_received()
    r = client.post(f"{API}/branches/centro/counters/v1/call", headers=agent,
                    json={"ticket": at_the_door["id"], "reason": "Silla de ruedas en la puerta"})
    assert r.status_code == 200, r.get_json()
    called = r.get_json()
    assert called["id"] == at_the_door["id"] and called["status"] == "called"
    assert called["counter"]["id"] == "v1"
    calls = [p["args"][0] for p in screen.get_received() if p["name"] == "ticket.called"]
    assert [c["code"] for c in calls] == [at_the_door["code"]]
    events = client.get(f"{API}/tickets/{at_the_door['id']}/events", headers=agent).get_json()
    call = next(e for e in events if e["kind"] == "called")
    assert call["data"] == {"chosen": True, "reason": "Silla de ruedas en la puerta"}
    assert call["user"] == "agente" and call["counter"] == "v1"
    # The others keep their order; the next call finishes the chosen one first.
    assert client.get(f"{API}/tickets/{first['token']}").get_json()["ahead"] == 0
    nxt = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    assert nxt["id"] == first["id"]
    assert client.get(f"{API}/tickets/{at_the_door['token']}").get_json()["status"] == "done"
    assert client.get(f"{API}/tickets/{second['token']}").get_json()["ahead"] == 0


@pytest.mark.parametrize("case, status", [
    ("no reason", 422), ("blank reason", 422), ("long reason", 422), ("not a uuid", 404), ("unknown", 404),
    ("other service", 409), ("other branch", 404), ("not waiting", 409), ("closed counter", 409),
    ("sent to another counter", 409),
])
def test_wrong_chosen_calls_get_a_clear_error_and_change_nothing(client, agent, admin, take, open_counter, case,
                                                                 status, clock):
    caja = take()
    open_counter("v1")
    open_counter("v2", headers=agent)
    ticket, counter, body = caja["id"], "v1", {"reason": "En la puerta"}
    if case == "no reason":
        body = {}
    elif case == "blank reason":
        body = {"reason": "   "}
    elif case == "long reason":
        body = {"reason": "x" * 201}
    elif case == "not a uuid":
        ticket = "A001"
    elif case == "unknown":
        ticket = "00000000-0000-4000-8000-000000000000"
    elif case == "other service":
        ticket = take("plataforma")["id"]  # v1 serves caja only
    elif case == "other branch":
        ticket = take(branch="norte")["id"]  # the clock: norte is open
    elif case == "not waiting":
        client.post(f"{API}/tickets/{caja['token']}/cancel")
    elif case == "closed counter":
        counter = "v3"
        ticket = take("plataforma")["id"]
    elif case == "sent to another counter":
        client.post(f"{API}/tickets/{ticket}/transfer", headers=agent, json={"counter": "v2"})
    before = seq(client)
    answer = problem(client.post(f"{API}/branches/centro/counters/{counter}/call", headers={**agent, **ES},
                                 json={"ticket": ticket, **body}), status)
    assert answer["detail"]
    assert seq(client) == before


def test_only_staff_of_the_branch_call_a_chosen_ticket(client, take, kiosk, open_counter):
    ticket = take()
    open_counter("v1")
    body = {"ticket": ticket["id"], "reason": "En la puerta"}
    problem(client.post(f"{API}/branches/centro/counters/v1/call", json=body), 401)
    problem(client.post(f"{API}/branches/centro/counters/v1/call", json=body, headers=kiosk), 403)
