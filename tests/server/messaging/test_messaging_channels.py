"""Every channel both ways: where a customer's messages go (SMS or WhatsApp), chosen on
the pages (for that turn), by replying and by staff (for the customer), and WhatsApp's
templates outside the 24-hour window, sent through the real Twilio SDK with its
transport replaced. Typed numbers and the customer's own choice: test_messaging_typed_numbers.py."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from twilio_helpers import (TWILIO_ACCOUNT, RecordingHttpClient, cheap_password_hashing, created, outbox,  # noqa: F401
                            preferred, text, twilio)

from turnero.messaging.backends import TwilioBackend
from turnero.messaging.settings import parse_templates
from turnero.messaging.worker import NO_TEMPLATE, OutboxWorker
from turnero.models import utcnow

PHONE = "+525512345678"
WA = f"whatsapp:{PHONE}"


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def send(app, twilio):
    """Run the worker once at `after` from now; the Twilio requests it made."""
    def _send(after=timedelta(0)):
        http = RecordingHttpClient(default=created())
        clock = Clock()
        clock.now += after
        backend = TwilioBackend(TWILIO_ACCOUNT, "secret-token", "+15005550006", "+14155238886", http_client=http)
        OutboxWorker(app, backend=backend, clock=clock).run_once()
        return http.sent()
    return _send


@pytest.fixture
def called_by_whatsapp(app, client, twilio, agent, open_counter):
    """A customer took a turn by WhatsApp (its reply came inline) and was then called."""
    assert "A001" in text(client, app, "turno caja", sender=WA)
    open_counter("v1")
    r = client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent)
    assert r.status_code == 200
    [row] = outbox(app)
    row["ticket_id"] = r.get_json()["id"]
    assert (row["kind"], row["channel"], row["to"], row["template"]) == ("called", "whatsapp", WA, "turn_called")
    assert row["template_values"] == {"code": "A001", "counter": "Ventanilla 1"}
    return row


# ---------------------------------------------------------------- WhatsApp's 24-hour window

def test_inside_the_window_whatsapp_gets_free_text(app, called_by_whatsapp, send):
    [request] = send(after=timedelta(hours=23))
    assert request.data["To"] == WA and request.data["From"] == "whatsapp:+14155238886"
    assert request.data["Body"] == called_by_whatsapp["body"] and "ContentSid" not in request.data
    assert outbox(app)[0]["status"] == "sent"


def test_after_24_hours_of_silence_the_approved_template_is_sent(app, called_by_whatsapp, send):
    [request] = send(after=timedelta(hours=25))
    assert request.data["ContentSid"] == "HX" + "c" * 32 and "Body" not in request.data
    assert json.loads(request.data["ContentVariables"]) == {"1": "A001", "2": "Ventanilla 1"}
    [row] = outbox(app)
    # What the customer reads is what the outbox keeps (and what staff see).
    assert row["status"] == "sent"
    assert row["body"] == "Es su turno A001: por favor pase a Ventanilla 1. Gracias por esperar."


def test_a_missing_template_fails_at_once_and_staff_are_told_why(app, client, twilio, take, agent, send):
    ticket = take("caja", phone="55 1234 5678", notify_by="whatsapp", headers=agent)
    client.post("/api/v1/branches/centro/counters/v1/open", headers=agent)
    client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent)
    sent = send()
    # The number never wrote on WhatsApp: the confirmation and the call went as templates.
    assert [r.data.get("ContentSid", "")[:2] for r in sent] == ["HX", "HX"]
    assert client.post(f"/api/v1/tickets/{ticket['id']}/recall", headers=agent).status_code == 200
    assert send() == []  # turn_recalled is not configured: nothing goes out
    recall = outbox(app)[-1]
    assert (recall["kind"], recall["status"], recall["error"]) == ("recall", "failed", f"{NO_TEMPLATE} turn_recalled.es")
    messages = client.get(f"/api/v1/tickets/{ticket['id']}/messages", headers={**agent, "Accept-Language": "es"})
    [shown] = [m for m in messages.get_json() if m["kind"] == "recall"]
    assert "no ha escrito por WhatsApp en las últimas 24 horas" in shown["error"] and "turn_recalled" in shown["error"]


def test_a_number_that_writes_again_reopens_the_window(app, client, called_by_whatsapp, send, agent):
    from turnero.messaging.models import InboundMessage
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:  # its text came two days ago
        for row in uow.session.scalars(select(InboundMessage)):
            row.created_at = utcnow() - timedelta(days=2)
        uow.commit()
    assert "ContentSid" in send()[0].data
    text(client, app, "estado", sender=WA)  # it writes again
    assert client.post(f"/api/v1/tickets/{called_by_whatsapp['ticket_id']}/recall",
                       headers=agent).status_code == 200
    [request] = send()
    assert "Body" in request.data and "ContentSid" not in request.data
    assert "A001" in request.data["Body"]


def test_templates_are_read_from_the_setting():
    assert parse_templates("turn_called.es=HX1, turn_called.en=HX2,broken,=HX3,visit_feedback.ES=HX4") == {
        ("turn_called", "es"): "HX1", ("turn_called", "en"): "HX2", ("visit_feedback", "es"): "HX4"}


def test_the_command_lists_the_templates_to_submit_in_both_languages(app, twilio):
    result = app.test_cli_runner().invoke(args=["whatsapp-templates"])
    assert result.exit_code == 0, result.output
    assert "turn_called\n  es  HX" + "c" * 32 in result.output
    assert "Es su turno {{1}}: por favor pase a {{2}}. Gracias por esperar." in result.output
    assert "It is your turn {{1}}: please go to {{2}}. Thank you for waiting." in result.output
    assert "22 of 24 templates not configured" in result.output


def test_no_template_starts_or_ends_with_a_variable(app):
    from turnero.messaging import templates, texts
    for lang in ("es", "en"):
        with texts.speaking(lang, app):
            for key in templates.TEMPLATES:
                body = templates.for_approval(key)
                assert not body.startswith("{{") and not body.rstrip(".").endswith("}}"), (key, lang, body)
                assert body.count("{{") == len(templates.TEMPLATES[key].variables), (key, lang, body)


# ---------------------------------------------------------------- the customer's channel

def test_chosen_on_the_join_api_it_carries_that_turns_messages(app, take, twilio, agent, open_counter, client):
    take("caja", phone="55 1234 5678", notify_by="whatsapp")
    [row] = outbox(app)
    assert (row["channel"], row["to"], row["template"]) == ("whatsapp", WA, "turn_confirmed")
    open_counter("v1")
    assert client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent).status_code == 200
    assert (outbox(app)[-1]["kind"], outbox(app)[-1]["channel"]) == ("called", "whatsapp")
    # A typed number may be anyone's: the choice was this turn's, not the customer's.
    assert preferred(app) is None
    take("plataforma", phone="55 1234 5678")  # the next turn, from another page
    assert outbox(app)[-1]["channel"] == "sms"


def test_without_whatsapp_on_the_server_the_choice_falls_back_to_sms(app, take, twilio, client):
    twilio.TWILIO_WHATSAPP_FROM = None
    take("caja", phone="55 1234 5678", notify_by="whatsapp")
    assert outbox(app)[0]["channel"] == "sms"
    assert "no envía mensajes por WhatsApp" in text(client, app, "WHATSAPP")


def test_replying_whatsapp_or_sms_moves_the_messages(app, client, take, twilio):
    assert "le escribiremos por WhatsApp" in text(client, app, "whatsapp")
    assert preferred(app) == "whatsapp"
    take("caja", phone="55 1234 5678")  # a kiosk turn of the same number
    assert outbox(app)[-1]["channel"] == "whatsapp"
    assert "mensajes de texto (SMS)" in text(client, app, "SMS", sender=WA)
    assert preferred(app) == "sms"
    take("plataforma", phone="55 1234 5678")
    assert outbox(app)[-1]["channel"] == "sms"
    assert "WHATSAPP o SMS" in text(client, app, "ayuda")


def test_an_english_speaker_is_answered_in_english(app, client, take, twilio):
    assert "A001" in text(client, app, "JOIN cashier")
    assert text(client, app, "WHATSAPP") == ("Done: from now on we will write to you on WhatsApp. Reply SMS to get "
                                             "text messages again.")
    assert "WHATSAPP or SMS chooses where we write to you." in text(client, app, "HELP")


def test_the_tracking_page_switches_in_one_tap(app, client, take):
    from web_staff_helpers import csrf_of
    ticket = take("caja", phone="55 1234 5678")
    page = client.get(f"/t/{ticket['token']}?lang=es").get_data(as_text=True)
    assert "Avisos por SMS a •••5678" in page and "Prefiero recibirlos por WhatsApp" in page
    r = client.post(f"/t/{ticket['token']}/notify-by", data={"csrf_token": csrf_of(client, f"/t/{ticket['token']}"),
                                                                 "notify_by": "whatsapp"})
    assert r.status_code == 303
    page = client.get(f"/t/{ticket['token']}?lang=es").get_data(as_text=True)
    assert "Listo: sus avisos ahora llegan por WhatsApp." in page
    assert "Avisos por WhatsApp a •••5678" in page and "Prefiero recibirlos por mensaje de texto (SMS)" in page
    assert preferred(app) is None  # for this turn: the page's holder may not hold the number


def test_a_turn_without_a_phone_has_no_channel_to_choose(client, take):
    ticket = take("caja")
    r = client.post(f"/api/v1/tickets/{ticket['token']}/notify-by", json={"notify_by": "whatsapp"},
                    headers={"Accept-Language": "es"})
    assert r.status_code == 409 and "no tiene número" in r.get_json()["detail"]
    bad = client.post(f"/api/v1/tickets/{ticket['token']}/notify-by", json={"notify_by": "fax"})
    assert bad.status_code == 422


def test_staff_see_and_change_the_channel_with_one_call(app, client, take, agent, open_counter):
    typed = take("caja", phone="55 1234 5678", notify_by="sms")  # a choice for that turn alone
    [found] = client.get("/api/v1/customers?phone=5512345678", headers=agent).get_json()
    assert found["channel"] is None
    listed = client.get("/api/v1/branches/centro/tickets", headers=agent).get_json()
    assert [(t["code"], t["notify_by"]) for t in listed] == [(typed["code"], "sms")]
    r = client.put(f"/api/v1/customers/{found['id']}/channel", json={"channel": "whatsapp"}, headers=agent)
    assert r.status_code == 200 and r.get_json()["channel"] == "whatsapp"
    assert preferred(app) == "whatsapp"
    assert client.put(f"/api/v1/customers/{found['id']}/channel", json={"channel": "pigeon"},
                      headers=agent).status_code == 422
    assert preferred(app) == "whatsapp"
    # The customer asked staff: their turn still to come follows it too.
    assert client.get("/api/v1/branches/centro/tickets", headers=agent).get_json()[0]["notify_by"] is None
    open_counter("v1")
    assert client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent).get_json()["id"] == typed["id"]
    assert (outbox(app)[-1]["kind"], outbox(app)[-1]["channel"]) == ("called", "whatsapp")


def test_an_appointment_booked_for_whatsapp_confirms_by_whatsapp_with_its_template(app, client, clock, twilio):
    r = client.post("/api/v1/branches/centro/appointments", json={
        "service": "plataforma", "start": "2031-03-03T16:00:00Z", "name": "Ana", "phone": "55 1234 5678", "notify_by": "whatsapp"})
    assert r.status_code == 201, r.get_json()
    [row] = outbox(app)
    assert (row["kind"], row["channel"], row["template"]) == ("appointment_confirm", "whatsapp", "appointment_confirm")
    assert row["template_values"]["code"] == r.get_json()["code"]
