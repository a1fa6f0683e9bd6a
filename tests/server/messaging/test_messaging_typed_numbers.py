"""A number typed on a page or at a kiosk may be anyone's. Whatever a stranger chooses
with it (SMS or WhatsApp) holds for the stranger's own turn alone: the number's holder
keeps the choice they made by texting, and their turns are messaged by it. Only the
holder (a text or call from the number) or staff of the branch change the customer's
choice, and then the turns still to come follow it. With WhatsApp configured (the
Twilio backend), on SQLite and PostgreSQL."""
import re

import pytest
from twilio_helpers import call, cheap_password_hashing, outbox, preferred, text, twilio  # noqa: F401
from web_staff_helpers import csrf_of

API = "/api/v1"
X = "+525512345678"  # customer X's own number
TYPED = "55 1234 5678"  # the same number, typed by a stranger
WA = f"whatsapp:{X}"
SLOT = "2031-03-03T16:00:00Z"  # Monday 10:00 at centro (the `clock` fixture stands three days before)


def last(app, kind: str) -> dict:
    return [row for row in outbox(app) if row["kind"] == kind][-1]


@pytest.fixture
def x_chose_sms(app, client, twilio, clock):
    """X wrote SMS from their number: their messages go by text."""
    assert "mensajes de texto (SMS)" in text(client, app, "SMS", sender=X)
    assert preferred(app, X) == "sms"


# ---------------------------------------------------------------- the doors a number is typed at
# Each takes a turn with X's number typed and WhatsApp chosen, sending `headers` (none:
# a stranger; a kiosk's or staff's token).

def join_page(client, take, headers):
    html = client.get("/b/centro/join").get_data(as_text=True)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    r = client.post("/b/centro/join", data={**form, "service": "caja", "phone": TYPED, "notify_by": "whatsapp"})
    assert r.status_code == 303, r.get_data(as_text=True)


def join_api(client, take, headers):
    take("caja", phone=TYPED, notify_by="whatsapp", headers=headers)


def phone_of_a_ticket(client, take, headers):
    ticket = take("caja", headers=headers)
    r = client.post(f"{API}/tickets/{ticket['token']}/phone", json={"phone": TYPED, "notify_by": "whatsapp"},
                    headers=headers)
    assert r.status_code == 200, r.get_json()


def alert_channel_api(client, take, headers):
    ticket = take("caja", phone=TYPED, headers=headers)
    r = client.post(f"{API}/tickets/{ticket['token']}/notify-by", json={"notify_by": "whatsapp"}, headers=headers)
    assert r.status_code == 200, r.get_json()


def alert_channel_page(client, take, headers):
    token = take("caja", phone=TYPED)["token"]
    r = client.post(f"/t/{token}/notify-by", data={"csrf_token": csrf_of(client, f"/t/{token}"),
                                                   "notify_by": "whatsapp"})
    assert r.status_code == 303


def booking(client, take, headers):
    r = client.post(f"{API}/branches/centro/appointments", headers=headers, json={
        "service": "plataforma", "start": SLOT, "name": "Alguien", "phone": TYPED, "notify_by": "whatsapp"})
    assert r.status_code == 201, r.get_json()


STRANGERS = [(join_page, None), (join_api, None), (join_api, "kiosk"), (phone_of_a_ticket, None),
             (alert_channel_api, None), (alert_channel_page, None), (booking, None)]


@pytest.mark.parametrize("door, credentials", STRANGERS,
                         ids=lambda v: v.__name__ if callable(v) else (v or "anonymous"))
def test_a_strangers_typed_number_leaves_the_holders_choice_alone(app, client, take, agent, open_counter,
                                                                  x_chose_sms, request, door, credentials):
    door(client, take, request.getfixturevalue(credentials) if credentials else {})
    assert preferred(app, X) == "sms"
    # The stranger's own turn is messaged as the stranger asked.
    if door is booking:
        assert (last(app, "appointment_confirm")["channel"], last(app, "appointment_confirm")["to"]) == ("whatsapp", WA)
    else:
        open_counter("v1")
        assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).status_code == 200
        assert (last(app, "called")["channel"], last(app, "called")["to"]) == ("whatsapp", WA)
    # X's next turn, taken by text, is messaged by text.
    assert "B001" in text(client, app, "turno plataforma", sender=X)
    open_counter("v3")
    called = client.post(f"{API}/branches/centro/counters/v3/call-next", headers=agent).get_json()
    assert (called["code"], called["channel"]) == ("B001", "sms")
    assert (last(app, "called")["channel"], last(app, "called")["to"]) == ("sms", X)


def test_a_typed_turn_is_confirmed_by_its_own_choice(app, take, x_chose_sms):
    take("caja", phone=TYPED, notify_by="whatsapp")
    assert (last(app, "confirm")["channel"], last(app, "confirm")["to"]) == ("whatsapp", WA)
    take("caja", phone=TYPED)  # no choice on this one: the holder's own
    assert last(app, "confirm")["channel"] == "sms"


# ---------------------------------------------------------------- who may choose for the customer

@pytest.mark.parametrize("door", [join_api, phone_of_a_ticket, alert_channel_api, booking],
                         ids=lambda door: door.__name__)
def test_staff_choosing_for_a_customer_at_the_counter_is_the_customers_choice(app, client, take, agent,
                                                                              x_chose_sms, door):
    door(client, take, agent)
    assert preferred(app, X) == "whatsapp"


def test_the_holders_reply_moves_the_turns_still_to_come(app, client, take, agent, open_counter, twilio, clock):
    typed = take("caja", phone=TYPED, notify_by="whatsapp")
    r = client.post(f"{API}/branches/centro/appointments", json={
        "service": "plataforma", "start": SLOT, "name": "Ana", "phone": TYPED, "notify_by": "whatsapp"})
    assert last(app, "appointment_confirm")["channel"] == "whatsapp"
    assert "mensajes de texto (SMS)" in text(client, app, "SMS", sender=X)
    assert preferred(app, X) == "sms"
    open_counter("v1")
    assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()["id"] == typed["id"]
    assert (last(app, "called")["channel"], last(app, "called")["to"]) == ("sms", X)
    moved = client.post(f"{API}/appointments/{r.get_json()['token']}/reschedule",
                        json={"start": "2031-03-03T16:20:00Z"})
    assert moved.status_code == 200, moved.get_json()
    assert (last(app, "appointment_moved")["channel"], last(app, "appointment_moved")["to"]) == ("sms", X)


def test_a_callers_key_is_the_holders_choice(app, client, take, agent, open_counter, twilio, clock):
    typed = take("caja", phone=TYPED, notify_by="sms")
    call(client, app, sender=X, step="menu", digits="2")  # a turn by phone call
    call(client, app, sender=X, step="link", digits="2")  # its link by WhatsApp
    assert preferred(app, X) == "whatsapp"
    assert last(app, "confirm")["to"] == WA
    open_counter("v1")
    assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()["id"] == typed["id"]
    assert last(app, "called")["channel"] == "whatsapp"
