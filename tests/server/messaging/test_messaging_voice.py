"""Calling the branch: the TwiML voice menu through the signed /twilio/voice webhook."""
import pytest
from sqlalchemy import select
from twilio_helpers import call, cheap_password_hashing, post_signed, spoken, text  # noqa: F401

from turnero.messaging.models import OutboxMessage
from turnero.messaging.settings import settings
from turnero.models import Branch, Ticket

PHONE = "+525512345678"


@pytest.fixture
def dial(client, app):
    def _dial(**kw):
        return call(client, app, **kw)
    return _dial


def tickets(app):
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return [(t.code, t.channel, t.status) for t in uow.session.scalars(select(Ticket).order_by(Ticket.seq))]


def test_a_caller_without_a_ticket_hears_the_services_by_key(dial, app):
    twiml = dial()
    [gather] = twiml.findall("Gather")
    assert gather.get("action") == "/twilio/voice?step=menu" and gather.get("numDigits") == "1"
    assert gather.get("input") == "dtmf"
    options = [say.text for say in gather.findall("Say")]
    assert options == ["Para Caja, oprima 1.", "Para Atención a clientes, oprima 2."]
    assert {say.get("language") for say in twiml.iter("Say")} == {"es-MX"}
    assert twiml.find("Redirect").text == "/twilio/voice?tries=1"  # no key pressed: the menu again
    assert "Bienvenido a Sucursal Centro" in spoken(twiml)
    assert tickets(app) == []


def confirmations(app):
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.execute(select(OutboxMessage.kind, OutboxMessage.to, OutboxMessage.body,
                                          OutboxMessage.next_attempt_at, OutboxMessage.created_at)
                                   .order_by(OutboxMessage.id)).all()


def test_without_whatsapp_pressing_a_key_takes_the_turn_and_confirms_by_text(dial, app):
    cfg = app.config["TURNERO"]
    cfg.SMS_BACKEND, cfg.TWILIO_AUTH_TOKEN, cfg.TWILIO_FROM = "twilio", "secret-token", "+15005550006"
    twiml = dial(step="menu", digits="2")
    said = spoken(twiml)
    assert "Su turno es B, 0, 0, 1, para Atención a clientes." in said
    assert "mensaje de texto" in said and "WhatsApp" not in said
    assert twiml.find("Gather").get("action") == "/twilio/voice?step=repeat"
    assert twiml.find("Hangup") is not None
    assert tickets(app) == [("B001", "voice", "waiting")]
    [sms] = confirmations(app)
    assert sms.kind == "confirm" and sms.to == PHONE and "B001" in sms.body
    assert sms.next_attempt_at == sms.created_at  # nothing to wait for: it goes at once


def test_a_caller_chooses_whether_the_link_goes_by_sms_or_whatsapp(dial, app):
    twiml = dial(step="menu", digits="2")
    [gather] = twiml.findall("Gather")
    assert gather.get("action") == "/twilio/voice?step=link"
    assert "por WhatsApp, oprima 2" in spoken(gather)
    assert "En un momento le enviaremos el enlace" in spoken(twiml)  # no key: it goes by SMS shortly
    [waiting] = confirmations(app)
    assert waiting.to == PHONE and waiting.next_attempt_at > waiting.created_at
    chose = dial(step="link", digits="2")
    assert "Le estamos enviando el enlace por WhatsApp." in spoken(chose) and chose.find("Hangup") is not None
    [sent] = confirmations(app)  # the same message, now by WhatsApp and due at once
    assert sent.to == f"whatsapp:{PHONE}" and sent.next_attempt_at <= sent.created_at + (
        waiting.next_attempt_at - waiting.created_at)
    with app.extensions["turnero.db"].unit_of_work() as uow:
        from turnero.models import Customer
        assert uow.session.scalar(select(Customer.channel).where(Customer.phone == PHONE)) == "whatsapp"
    again = dial(step="link", digits="3")
    assert "B, 0, 0, 1" in spoken(again) and again.find("Gather").get("action") == "/twilio/voice?step=link"
    dial(step="link", digits="1")  # changed their mind before it left: it goes by SMS instead
    assert [m.to for m in confirmations(app)] == [PHONE]


def test_a_caller_who_texted_hears_the_same_ticket(dial, client, app, take):
    take("caja")
    text(client, app, "turno caja")
    twiml = dial()
    said = spoken(twiml)
    assert "Su turno es A, 0, 0, 2, para Caja." in said and "Hay 1 persona antes que usted" in said
    assert twiml.find("Gather").get("action") == "/twilio/voice?step=repeat"  # it has its link already
    assert len(tickets(app)) == 2  # nothing new was taken


def test_a_called_ticket_is_told_where_to_go(dial, take, client, agent, open_counter):
    take("caja", phone=PHONE)
    open_counter("v1")
    client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent)
    assert "por favor pase a Ventanilla 1" in spoken(dial())


def test_a_ticket_taken_by_phone_is_called_and_its_caller_told(dial, app, client, agent, open_counter):
    dial(step="menu", digits="1")
    open_counter("v1")
    called = client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent)
    assert called.status_code == 200
    assert (called.get_json()["code"], called.get_json()["channel"]) == ("A001", "voice")
    assert tickets(app) == [("A001", "voice", "called")]
    with app.extensions["turnero.db"].unit_of_work() as uow:
        texts = uow.session.execute(select(OutboxMessage.kind, OutboxMessage.to, OutboxMessage.body)
                                    .order_by(OutboxMessage.id)).all()
    assert [(t.kind, t.to) for t in texts] == [("confirm", PHONE), ("called", PHONE)]
    assert texts[1].body == "¡Es su turno! A001, por favor pase a Ventanilla 1."
    # Calling again, the caller hears the same ticket, now called.
    assert "Su turno A, 0, 0, 1 está siendo llamado: por favor pase a Ventanilla 1." in spoken(dial())


def test_pressing_1_repeats_and_another_key_says_goodbye(dial, take):
    take("caja", phone=PHONE)
    assert "A, 0, 0, 1" in spoken(dial(step="repeat", digits="1"))
    bye = dial(step="repeat", digits="5")
    assert spoken(bye) == "Gracias, hasta luego." and bye.find("Hangup") is not None


def test_a_wrong_key_repeats_the_menu_then_the_call_ends(dial, app):
    twiml = dial(step="menu", digits="7")
    assert "No recibimos su elección." in spoken(twiml)
    assert twiml.find("Gather").get("action") == "/twilio/voice?step=menu&tries=1"
    last = dial(step="menu", digits="9", tries=1)
    assert last.find("Gather") is None and last.find("Hangup") is not None
    assert tickets(app) == []


def test_an_english_branch_speaks_english(dial, app):
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        uow.session.scalar(select(Branch).where(Branch.slug == "centro")).lang = "en"
        uow.commit()
    twiml = dial()
    assert {say.get("language") for say in twiml.iter("Say")} == {"en-US"}
    assert "For Cashier, press 1." in spoken(twiml)
    took = spoken(dial(step="menu", digits="1"))
    assert "Your turn is A, 0, 0, 1, for Cashier. You are next." in took
    assert "To get your turn's link by text message, press 1; by WhatsApp, press 2." in took
    assert "We are sending you the link by WhatsApp now." in spoken(dial(step="link", digits="2"))


def test_a_hidden_number_still_gets_a_turn_without_texts(dial, app):
    said = spoken(dial(sender="anonymous", step="menu", digits="1"))
    assert "A, 0, 0, 1" in said and "mensaje de texto" not in said
    with app.extensions["turnero.db"].unit_of_work() as uow:
        assert uow.session.scalars(select(OutboxMessage)).all() == []


def test_a_forged_call_is_refused(client, app):
    form = {"From": PHONE, "To": "+15005550006", "CallSid": "CA" + "1" * 32, "Digits": "1"}
    r = post_signed(client, "/twilio/voice?step=menu", form, settings(app).auth_token, "http://turnero.test",
                    forge=True)
    assert r.status_code == 403 and tickets(app) == []
    # The query string is signed too: a genuine signature for another step does not carry over.
    sig = post_signed(client, "/twilio/voice", form, settings(app).auth_token, "http://turnero.test")
    assert sig.status_code == 200
    r = client.post("/twilio/voice?step=menu", data=form,
                    headers={"X-Twilio-Signature": sig.request.headers["X-Twilio-Signature"]})
    assert r.status_code == 403 and tickets(app) == []


def test_a_caller_takes_at_most_the_hourly_limit_of_turns(dial, app, client):
    """The same limit as texts: a number takes SMS_JOINS_PER_HOUR turns an hour, by text
    or by call together; the next call is told so and takes none."""
    limit = settings(app).joins_per_hour
    for _ in range(limit):
        dial(step="menu", digits="1")
        text(client, app, "CANCELAR")  # the caller gives the turn up by text
    refused = dial(step="menu", digits="1")
    assert spoken(refused) == "Tomó varios turnos en la última hora; por favor pregunte en la sucursal."
    assert refused.find("Hangup") is not None
    assert [status for _code, _channel, status in tickets(app)] == ["cancelled"] * limit


def test_a_step_of_a_call_sent_again_is_answered_alike_and_done_once(dial, app):
    """Twilio retries a webhook it got no answer to, and a captured signed request can
    be replayed: the same step of the same call takes no second turn."""
    sid = "CA" + "7" * 32
    first = dial(step="menu", digits="1", call_sid=sid)
    again = dial(step="menu", digits="1", call_sid=sid)
    assert spoken(again) == spoken(first) and "A, 0, 0, 1" in spoken(first)
    assert tickets(app) == [("A001", "voice", "waiting")]


def test_a_caller_at_night_hears_when_the_branch_opens_and_takes_no_turn(dial, app, clock):
    from datetime import datetime, timezone
    app.config["TURNERO"].TWILIO_NUMBERS = "+15550001111=norte"
    clock.now = datetime(2031, 3, 1, 4, 30, tzinfo=timezone.utc)  # Friday 22:30 in Mexico City
    said = spoken(dial(step="menu", digits="1", to="+15550001111"))
    assert "La sucursal está cerrada ahora. Puede sacar un turno desde mañana a las 09:00." in said
    assert tickets(app) == []


def test_a_link_already_sent_by_sms_is_sent_again_by_whatsapp_when_asked(dial, app):
    dial(step="menu", digits="1")
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:  # the worker sent it meanwhile
        row = uow.session.scalars(select(OutboxMessage)).one()
        row.status, row.attempts = "sent", 1
        uow.commit()
    assert "por WhatsApp" in spoken(dial(step="link", digits="2"))
    assert [(m.kind, m.to) for m in confirmations(app)] == [("confirm", PHONE), ("confirm", f"whatsapp:{PHONE}")]
