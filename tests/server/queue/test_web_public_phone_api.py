"""POST /api/v1/tickets/{token}/phone: SMS updates for a ticket already taken (the same
use case as the tracking page's form), on SQLite and PostgreSQL."""
from sqlalchemy import select

from turnero.models import TicketEvent

API = "/api/v1"


def problem(r, status):
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/problem+json"
    return r.get_json()


def test_holder_adds_a_phone_normalised_to_e164(client, agent, take):
    ticket = take("caja")
    r = client.post(f"{API}/tickets/{ticket['token']}/phone", json={"phone": "55 1234 5678"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["code"] == ticket["code"] and body["status"] == "waiting" and body["position"] == 1
    listed = client.get(f"{API}/branches/centro/tickets", headers=agent).get_json()
    assert listed[0]["phone"] == "+525512345678"
    history = client.get(f"{API}/tickets/{ticket['id']}/events", headers=agent).get_json()
    assert [(e["kind"], e["channel"]) for e in history] == [("issued", "web"), ("phone_added", "web")]
    # The same phone is the same customer.
    other = take("plataforma")
    client.post(f"{API}/tickets/{other['token']}/phone", json={"phone": "+52 55 1234 5678"})
    phones = {t["code"]: t["phone"] for t in client.get(f"{API}/branches/centro/tickets", headers=agent).get_json()}
    assert phones == {ticket["code"]: "+525512345678", other["code"]: "+525512345678"}


def test_bad_phone_is_a_422_unknown_ticket_a_404_finished_turn_a_409(client, app, agent, take):
    ticket = take("caja")
    for body in ({"phone": "123"}, {"phone": ""}, {}, {"phone": "5" * 40}):
        err = problem(client.post(f"{API}/tickets/{ticket['token']}/phone", json=body,
                                  headers={"Accept-Language": "es"}), 422)
        assert "phone" in err["errors"], body
    assert client.get(f"{API}/branches/centro/tickets", headers=agent).get_json()[0]["phone"] is None
    with app.extensions["turnero.db"].unit_of_work() as uow:
        kinds = uow.session.scalars(select(TicketEvent.kind)).all()
    assert kinds == ["issued"]
    problem(client.post(f"{API}/tickets/nope/phone", json={"phone": "55 1234 5678"}), 404)
    # A turn that is over takes no phone.
    client.post(f"{API}/tickets/{ticket['token']}/cancel")
    err = problem(client.post(f"{API}/tickets/{ticket['token']}/phone", json={"phone": "55 1234 5678"},
                              headers={"Accept-Language": "en"}), 409)
    assert "over" in err["detail"]


def test_the_holders_choice_of_channel_is_the_turns_and_goes_with_its_number(client, agent, take):
    """A typed number may be anyone's: SMS or WhatsApp chosen with it is this turn's
    choice, not the customer's; a new number starts again from its customer's own."""
    ticket = take("caja")
    r = client.post(f"{API}/tickets/{ticket['token']}/phone", json={"phone": "55 1234 5678", "notify_by": "whatsapp"})
    assert r.status_code == 200 and "notify_by" not in r.get_json()  # the holder's view is unchanged
    [listed] = client.get(f"{API}/branches/centro/tickets", headers=agent).get_json()
    assert listed["notify_by"] == "whatsapp"
    [customer] = client.get(f"{API}/customers?phone=5512345678", headers=agent).get_json()
    assert customer["channel"] is None
    client.post(f"{API}/tickets/{ticket['token']}/phone", json={"phone": "55 8765 4321"})
    [listed] = client.get(f"{API}/branches/centro/tickets", headers=agent).get_json()
    assert (listed["phone"], listed["notify_by"]) == ("+525587654321", None)
    # Staff for the customer: the customer's choice.
    client.post(f"{API}/tickets/{ticket['token']}/phone", json={"phone": "55 8765 4321", "notify_by": "whatsapp"},
                headers=agent)
    [customer] = client.get(f"{API}/customers?phone=5587654321", headers=agent).get_json()
    assert customer["channel"] == "whatsapp"


def test_staff_add_a_phone_only_at_their_branch(client, agent, take, clock):  # clock: norte open
    here = take("caja")
    r = client.post(f"{API}/tickets/{here['token']}/phone", json={"phone": "55 1234 5678"}, headers=agent)
    assert r.status_code == 200
    history = client.get(f"{API}/tickets/{here['id']}/events", headers=agent).get_json()
    assert history[-1]["kind"] == "phone_added" and history[-1]["user"] == "agente"
    there = take("caja", branch="norte")
    problem(client.post(f"{API}/tickets/{there['token']}/phone", json={"phone": "55 1234 5678"},
                        headers=agent), 403)


def test_the_ticket_room_and_the_branch_hear_of_it(app, client, take):
    from turnero.extensions import socketio
    ticket = take("caja")
    sio = socketio.test_client(app)
    assert sio.emit("subscribe", {"ticket": ticket["token"]}, callback=True)["ok"]
    ack = sio.emit("subscribe", {"branch": "centro"}, callback=True)
    sio.get_received()
    client.post(f"{API}/tickets/{ticket['token']}/phone", json={"phone": "55 1234 5678"})
    received = {m["name"]: m["args"][0] for m in sio.get_received()}
    assert received["branch.state"]["seq"] == ack["seq"] + 1
    assert received["ticket.update"]["code"] == ticket["code"] and "token" not in received["ticket.update"]
    assert "phone" not in received["ticket.update"]
    sio.disconnect()


def test_openapi_lists_the_endpoint(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/tickets/{token}/phone"]["post"]
    assert {"200", "404", "409", "422"} <= set(operation["responses"])
