"""What a script can do to a branch on a public address, and what it now gets: each
attack is shown, answered with a 429 problem (Retry-After, the user's language), and
nothing is written or sent past the limit. Kiosks and staff are never limited by
address; a branch's shared Wi-Fi at its busiest fits under the limits.

The limits count in the app's store; each test has an app, and so fresh counters."""
import re

import pytest
from conftest import problem
from limits import parse_many
from sqlalchemy import func, select

from turnero.messaging.models import OutboxMessage
from turnero.models import Ticket

API = "/api/v1"
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # limits do not depend on the database


def allowed(app, setting: str) -> int:
    """The smallest budget of a Config limit ("20 per minute; 120 per hour" -> 20)."""
    return min(item.amount for item in parse_many(getattr(app.config["TURNERO"], setting)))


def rows(app, model, *where) -> int:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def join(client, headers=None, **body):
    return client.post(f"{API}/branches/centro/tickets", json={"service": "caja", **body}, headers=headers or {})


def test_a_script_flooding_joins_is_stopped_and_real_customers_are_not_pushed_back(app, client, kiosk):
    budget = allowed(app, "JOIN_RATE_LIMIT")
    assert budget >= 20, "a busy branch's Wi-Fi (60 an hour, bursts at opening) must fit"
    answers = [join(client).status_code for _ in range(budget + 5)]
    assert answers == [201] * budget + [429] * 5
    refused = join(client, headers={"Accept-Language": "es"})
    body = problem(refused, 429)
    assert body["title"] == "Demasiadas solicitudes" and int(refused.headers["Retry-After"]) >= 1
    # The join page counts in the same budget, and says so on the form.
    page = client.get("/b/centro/join").get_data(as_text=True)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    r = client.post("/b/centro/join", data={**form, "service": "caja"})
    assert r.status_code == 429 and "Se tomaron demasiados turnos" in r.get_data(as_text=True)
    assert rows(app, Ticket) == budget
    # The kiosk at the door is not the script: it serves the whole branch.
    assert all(join(client, headers=kiosk).status_code == 201 for _ in range(budget + 5))


def test_one_phone_number_cannot_be_given_turn_after_turn(app, client):
    budget = allowed(app, "JOIN_PHONE_RATE_LIMIT")
    numbers = ["55 1234 5678", "+52 55 1234 5678", "5512345678", "(55) 1234-5678"]  # one number, four spellings
    answers = [join(client, phone=numbers[i % len(numbers)]).status_code for i in range(budget + 1)]
    assert answers == [201] * budget + [429]
    assert join(client, phone="55 8765 4321").status_code == 201  # another number
    assert rows(app, Ticket) == budget + 1


def test_a_typed_number_gets_a_few_confirmations_a_day_each_saying_how_to_stop(app, client, kiosk):
    cap = app.config["TURNERO"].CONFIRMATIONS_PER_DAY
    for _ in range(cap + 2):  # at the kiosk, where joins are not limited
        assert join(client, headers=kiosk, phone="55 1234 5678").status_code == 201
    with app.extensions["turnero.db"].unit_of_work() as uow:
        bodies = uow.session.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == "confirm")).all()
    assert len(bodies) == cap
    assert all(body.endswith("Si usted no pidió este turno, responda STOP.") for body in bodies)


def test_a_ticket_s_phone_cannot_be_changed_over_and_over(app, client):
    ticket = join(client).get_json()
    cap = app.config["TURNERO"].PHONE_CHANGES_PER_TICKET
    answers = [client.post(f"{API}/tickets/{ticket['token']}/phone", json={"phone": f"55 1000 00{i:02d}"}).status_code
               for i in range(cap + 1)]
    assert answers == [200] * cap + [429]
    assert rows(app, OutboxMessage, OutboxMessage.kind == "confirm") == cap


def test_codes_cannot_be_tried_one_after_another(app, client):
    budget = allowed(app, "CHECKIN_RATE_LIMIT")
    answers = [client.post(f"{API}/branches/centro/check-in", json={"code": f"AAA{i:03d}"}).status_code
               for i in range(budget + 1)]
    assert answers == [404] * budget + [429]


def test_passwords_cannot_be_tried_for_one_user_from_many_addresses(app, client):
    """Per username too: a botnet trying `agente`'s password from fresh addresses is
    stopped, while the other staff still log in."""
    budget = allowed(app, "LOGIN_USER_RATE_LIMIT")
    answers = [client.post(f"{API}/auth/token", json={"username": "agente", "password": "guess"},
                           environ_base={"REMOTE_ADDR": f"10.0.{i // 250}.{i % 250 + 1}"}).status_code
               for i in range(budget + 1)]
    assert answers == [401] * budget + [429]
    r = client.post(f"{API}/auth/token", json={"username": "admin", "password": "demo-pass-123"},
                    environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert r.status_code == 200


def test_devices_and_other_branches_staff_book_within_their_own(app, client, device, login):
    """A display books nothing; a kiosk and an agent book at their own branch only; a
    kiosk is counted like anyone (only staff are not)."""
    from turnero.appointments.models import Appointment
    slot = client.get(f"{API}/branches/norte/slots?service=plataforma&date=2031-03-03").get_json()
    body = {"service": "plataforma", "start": "2031-03-03T16:00:00Z", "name": "Ana", "phone": "55 1000 0001"}
    problem(client.post(f"{API}/branches/centro/appointments", json=body, headers=device("display")), 403)
    problem(client.post(f"{API}/branches/norte/appointments", json=body, headers=device("kiosk")), 403)
    problem(client.post(f"{API}/branches/norte/appointments", json=body, headers=login("agente")), 403)
    assert rows(app, Appointment) == 0 and isinstance(slot, list)


def test_one_address_cannot_hold_socket_after_socket_open(app, client, kiosk, monkeypatch):
    """A script opening connection after connection from one address is refused past
    TURNERO_SOCKETS_PER_ADDRESS (with why); a device's connections do not count, and a
    closed one makes room again. (The test client's address is loopback, which the
    server does not count: here it is made to count.)"""
    from turnero.extensions import socketio
    from turnero.queue import live

    monkeypatch.setattr(live, "LOOPBACK", ())
    app.config["TURNERO"].SOCKETS_PER_ADDRESS = 3
    opened = [socketio.test_client(app, flask_test_client=client) for _ in range(3)]
    assert all(c.is_connected() for c in opened)
    refused = socketio.test_client(app, flask_test_client=client)
    assert not refused.is_connected()
    token = kiosk["Authorization"].split()[-1]
    kiosk_socket = socketio.test_client(app, flask_test_client=client, auth={"token": token})
    assert kiosk_socket.is_connected()
    opened[0].disconnect()
    again = socketio.test_client(app, flask_test_client=client)
    assert again.is_connected()
    for c in (*opened[1:], again, kiosk_socket):
        c.disconnect()
    assert live._open_from == {}
