"""Texting the branch (SMS and WhatsApp) through the signed /twilio/sms webhook,
every command in Spanish and English, on SQLite and PostgreSQL."""
import types
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from twilio_helpers import cheap_password_hashing, post_signed, text  # noqa: F401

from turnero.messaging.models import InboundMessage, OutboxMessage
from turnero.messaging.settings import settings
from turnero.models import Customer, Ticket

PHONE = "+525512345678"
OTHER = "+525587654321"


def count(app, model, *where):
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def tickets_of(app, phone=PHONE):
    """The phone's tickets as plain values (read inside the unit of work)."""
    with app.extensions["turnero.db"].unit_of_work() as uow:
        rows = uow.session.scalars(select(Ticket).join(Customer).where(Customer.phone == phone)
                                   .order_by(Ticket.seq)).all()
        return [types.SimpleNamespace(code=t.code, channel=t.channel, lang=t.lang, status=t.status, token=t.token,
                                      service=t.service.slug, branch=t.branch.slug) for t in rows]


@pytest.fixture
def sms(client, app):
    def _sms(body, sender=PHONE, **kw):
        return text(client, app, body, sender=sender, **kw)
    return _sms


# ---------------------------------------------------------------- joining

def test_turno_with_a_service_takes_a_turn_and_answers_in_spanish(sms, app):
    reply = sms("Turno caja")
    assert "A001" in reply and "Caja" in reply and "Sucursal Centro" in reply
    assert "Usted sigue" in reply or "antes que usted" in reply
    [ticket] = tickets_of(app)
    assert ticket.channel == "sms" and ticket.lang == "es" and ticket.status == "waiting"
    assert f"http://turnero.test/t/{ticket.token}" in reply


def test_join_in_english_answers_in_english_and_finds_the_english_name(sms, app, take):
    take("caja")
    reply = sms("JOIN cashier")
    assert "A002" in reply and "Cashier" in reply and "1 person ahead of you" in reply
    assert "Text STATUS" in reply
    [ticket] = tickets_of(app)
    assert ticket.lang == "en"


def test_join_without_a_service_lists_them_and_the_number_takes_the_turn(sms, app):
    reply = sms("turno")
    assert "1 Caja" in reply and "2 Atención a clientes" in reply
    assert tickets_of(app) == []
    reply = sms("2")
    assert "B001" in reply
    assert tickets_of(app)[0].service == "plataforma"


def test_a_menu_answer_out_of_range_asks_again(sms, app):
    sms("join")
    reply = sms("7")
    assert "1 to 2" in reply and "1 Cashier" in reply
    assert "A001" in sms("1")


def test_a_menu_is_answered_for_half_an_hour_then_forgotten(sms, app, clock):
    from turnero.messaging.services import MENU_MINUTES
    sms("turno")
    clock.now += timedelta(minutes=MENU_MINUTES - 1)
    assert "A001" in sms("1")  # still the menu's answer
    sms("cancelar")
    sms("turno")
    clock.now += timedelta(minutes=MENU_MINUTES + 1)
    late = sms("1")
    assert late.startswith("Sucursal Centro por mensaje: TURNO")  # the help text: the menu was forgotten
    assert [t.status for t in tickets_of(app)] == ["cancelled"]


def test_an_unknown_service_gets_the_list(sms, app):
    reply = sms("TURNO pizza")
    assert "“pizza”" in reply and "1 Caja" in reply
    assert tickets_of(app) == []


def test_who_already_waits_by_text_gets_their_ticket_not_a_second_one(sms, app):
    first = sms("TURNO caja")
    assert "A001" in first
    again = sms("TURNO caja")
    assert "Usted ya tiene un turno" in again and "A001" in again
    assert len(tickets_of(app)) == 1


def test_a_ticket_someone_took_with_this_number_does_not_stop_its_owner(sms, app, take):
    """A number typed on a page may be anyone's: its owner still takes a turn by text,
    and STATUS shows both."""
    typed = take("plataforma", phone="55 1234 5678")
    assert "A001" in sms("TURNO caja")
    assert [(t.code, t.channel) for t in tickets_of(app)] == [(typed["code"], "web"), ("A001", "sms")]
    status = sms("ESTADO")
    assert status.startswith("A001 (Caja):") and f"{typed['code']} (Atención a clientes):" in status


def test_a_typed_number_does_not_rename_the_customer(sms, app, take):
    sms("JOIN caja")  # the owner writes in English
    sms("cancel")
    take("caja", phone=PHONE, name="Someone Else", lang="es")
    with app.extensions["turnero.db"].unit_of_work() as uow:
        customer = uow.session.scalar(select(Customer).where(Customer.phone == PHONE))
        assert (customer.name, customer.lang) == (None, "en")


def test_cancel_by_text_of_a_ticket_taken_elsewhere_asks_first(sms, app, take):
    typed = take("plataforma", phone=PHONE, lang="es")
    question = sms("CANCELAR")
    assert question == f"¿Cancelar el turno {typed['code']} (Atención a clientes)? Responda SI para cancelarlo."
    assert tickets_of(app)[0].status == "waiting"
    assert sms("sí") == f"Su turno {typed['code']} quedó cancelado. Envíe TURNO si necesita uno nuevo."
    assert tickets_of(app)[0].status == "cancelled"
    assert sms("si").startswith("Sucursal Centro por mensaje:")  # nothing left to confirm: the help text


def test_joins_per_number_are_rate_limited(sms, app):
    for _ in range(3):
        assert "A00" in sms("turno caja")
        sms("cancelar")
    reply = sms("turno caja")
    assert "última hora" in reply
    assert len(tickets_of(app)) == 3
    assert "A004" in sms("turno caja", sender=OTHER)  # another number is not limited


# ---------------------------------------------------------------- status, cancel, help

def test_estado_and_status_show_the_ticket_of_any_channel(sms, take):
    assert "no tiene turno hoy" in sms("ESTADO")
    assert "Text JOIN" in sms("status")
    take("caja")
    web = take("caja", phone=PHONE, lang="es")  # taken on the web page, with a phone
    eta = web["eta"]
    wait = (f"aprox. {eta['about_min']} min (hasta {eta['high_min']})" if eta["low_min"] == 0
            else f"aprox. {eta['about_min']} min ({eta['low_min']}–{eta['high_min']})")
    assert eta["about_min"] >= 1  # one person ahead: a turn's wait
    assert sms("estado") == f"{web['code']} (Caja): 1 persona antes que usted; espera: {wait}."  # as every page writes it
    reply = sms("STATUS")
    assert web["code"] in reply and "1 person ahead of you" in reply


def test_status_of_a_called_ticket_names_the_counter(sms, client, take, agent, open_counter):
    take("caja", phone=PHONE)
    open_counter("v1")
    client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent)
    assert "Ventanilla 1" in sms("estado")


def test_cancelar_and_cancel_cancel_the_current_ticket(sms, app):
    sms("turno caja")
    assert "A001" in sms("CANCELAR") and tickets_of(app)[0].status == "cancelled"
    sms("join cashier")
    reply = sms("cancel")
    assert "A002 is cancelled" in reply and tickets_of(app)[1].status == "cancelled"
    assert "no tiene turno" in sms("cancelar")


def test_help_and_unknown_commands_get_the_help_text_in_the_customers_language(sms):
    for body in ("AYUDA", "hola", "what?", ""):
        reply = sms(body)
        assert "TURNO [servicio]" in reply and "ESTADO" in reply and "STOP" in reply
    assert "JOIN [service]" in sms("help")
    sms("join cashier")
    assert "JOIN [service]" in sms("???")  # joined in English: spoken to in English


def test_llegue_and_here_without_an_appointment_say_there_is_none(sms, app):
    assert sms("LLEGUE") == "No hay cita hoy para este número de teléfono en esta sucursal."
    assert sms("here") == "There is no appointment today for this phone number at this branch."
    assert tickets_of(app) == []


def _book_for_ten(app, monkeypatch, moment):
    """An appointment of PHONE at 10:00 (centro, 2031-03-03), booked days before; then
    the server's clock is set to `moment` (UTC)."""
    from datetime import datetime, timezone

    from turnero.appointments import services as appointments
    monkeypatch.setattr("turnero.clock.utcnow", lambda: datetime(2031, 2, 28, 18, tzinfo=timezone.utc))
    with app.test_request_context(), app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        booked = appointments.book(uow, "centro", service="plataforma", start="2031-03-03T16:00:00Z",
                                   name="Ana López", phone=PHONE)
    monkeypatch.setattr("turnero.clock.utcnow", lambda: moment)
    return booked


def test_llegue_checks_in_for_todays_appointment(sms, app, monkeypatch):
    from datetime import datetime, timezone

    from turnero.appointments.models import Appointment
    booked = _book_for_ten(app, monkeypatch, datetime(2031, 3, 3, 15, 45, tzinfo=timezone.utc))  # 9:45 there
    reply = sms("LLEGUÉ")
    [ticket] = tickets_of(app)
    assert ticket.channel == "appointment" and ticket.status == "waiting" and ticket.service == "plataforma"
    assert reply.startswith(f"Llegada registrada: {ticket.code}.")
    with app.extensions["turnero.db"].unit_of_work() as uow:
        appointment = uow.session.scalar(select(Appointment).where(Appointment.code == booked["code"]))
        assert appointment.status == "checked_in" and appointment.ticket.code == ticket.code
    assert sms("LLEGUÉ").startswith(f"Llegada registrada: {ticket.code}.")  # again: the same ticket
    assert len(tickets_of(app)) == 1


def test_here_too_early_says_when_check_in_opens_and_takes_no_ticket(sms, app, monkeypatch):
    from datetime import datetime, timezone
    _book_for_ten(app, monkeypatch, datetime(2031, 3, 3, 14, 0, tzinfo=timezone.utc))  # 8:00 there
    reply = sms("HERE")
    assert reply == ("It is too early to check in: check-in opens at 09:30, 30 minutes before your "
                     "appointment at 10:00.")
    assert tickets_of(app) == []


# ---------------------------------------------------------------- opting out

def test_stop_silences_the_number_everywhere_and_start_turns_it_on(sms, app, take, client, agent, open_counter):
    assert "START" in sms("STOP")
    assert count(app, Customer, Customer.phone == PHONE, Customer.opted_out) == 1
    assert sms("estado") == ""  # an opted-out number gets no message at all
    ticket = take("caja", phone=PHONE)  # at the kiosk, with the same phone
    open_counter("v1")
    client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent)
    client.post(f"/api/v1/tickets/{ticket['id']}/done", headers=agent)
    assert count(app, OutboxMessage, OutboxMessage.phone == PHONE) == 0
    assert sms("STOP") == ""
    assert "AYUDA" in sms("start")
    assert count(app, Customer, Customer.phone == PHONE, Customer.opted_out) == 0


def test_stop_from_a_new_number_is_remembered(sms, app, take):
    sms("stop", sender=OTHER)
    take("caja", phone=OTHER)
    assert count(app, OutboxMessage) == 0


# ---------------------------------------------------------------- WhatsApp, limits, replays

def test_whatsapp_works_the_same_and_its_notifications_go_by_whatsapp(sms, app, client, agent, open_counter):
    reply = sms("turno caja", sender=f"whatsapp:{PHONE}")
    assert "A001" in reply
    [ticket] = tickets_of(app)
    assert ticket.channel == "whatsapp"
    open_counter("v1")
    client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent)
    with app.extensions["turnero.db"].unit_of_work() as uow:
        [message] = uow.session.execute(select(OutboxMessage.to, OutboxMessage.channel, OutboxMessage.kind)).all()
    assert tuple(message) == (f"whatsapp:{PHONE}", "whatsapp", "called")


def test_replies_over_the_limit_are_cut_politely(sms, app):
    app.config["TURNERO"].SMS_MAX_CHARS = 60
    reply = sms("ayuda")
    assert len(reply) <= 60 and reply.endswith("…")


def test_a_repeated_webhook_is_answered_once(sms, app):
    first = sms("turno caja", sid="SM" + "7" * 32)
    again = sms("turno caja", sid="SM" + "7" * 32)
    assert first == again and len(tickets_of(app)) == 1
    assert count(app, InboundMessage) == 1


def test_a_number_that_is_not_a_phone_gets_a_polite_answer(sms, app):
    assert "número" in sms("turno", sender="TWILIO")
    assert count(app, Ticket) == 0


def test_the_twilio_number_decides_the_branch(sms, app, clock):
    # Friday noon in Mexico City: norte, which takes walk-ins only in its hours, is open.
    app.config["TURNERO"].TWILIO_NUMBERS = "+15550001111=norte"
    reply = sms("turno caja", to="+15550001111")
    assert "Sucursal Norte" in reply or "norte" in reply.lower()
    assert tickets_of(app)[0].branch == "norte"


def test_a_text_at_night_to_a_branch_that_takes_walk_ins_in_its_hours_is_told_when_it_opens(sms, app, clock):
    app.config["TURNERO"].TWILIO_NUMBERS = "+15550001111=norte"
    clock.now = datetime(2031, 3, 1, 4, 30, tzinfo=timezone.utc)  # Friday 22:30 in Mexico City
    reply = sms("turno caja", to="+15550001111")
    assert "09:00" in reply and ("mañana" in reply or "tomorrow" in reply), reply
    assert tickets_of(app) == []


# ---------------------------------------------------------------- signatures

def test_a_forged_signature_is_refused_and_changes_nothing(client, app):
    form = {"From": PHONE, "To": "+15005550006", "Body": "TURNO caja", "MessageSid": "SM" + "2" * 32}
    r = post_signed(client, "/twilio/sms", form, settings(app).auth_token, "http://turnero.test", forge=True)
    assert r.status_code == 403
    assert client.post("/twilio/sms", data=form).status_code == 403  # no signature at all
    # Signed for another address than the one called.
    r = post_signed(client, "/twilio/sms", form, settings(app).auth_token, "http://elsewhere.test")
    assert r.status_code == 403
    # A genuine signature over other values.
    good = post_signed(client, "/twilio/sms", form, settings(app).auth_token, "http://turnero.test")
    assert good.status_code == 200
    assert count(app, Ticket) == 1
    tampered = {**form, "From": OTHER, "MessageSid": "SM" + "3" * 32}
    r = client.post("/twilio/sms", data=tampered, headers={"X-Twilio-Signature": good.request.headers.get(
        "X-Twilio-Signature")})
    assert r.status_code == 403
    assert count(app, Ticket) == 1 and count(app, InboundMessage) == 1


def test_the_configured_auth_token_signs_requests(client, app):
    app.config["TURNERO"].TWILIO_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
    form = {"From": PHONE, "To": "+15005550006", "Body": "AYUDA", "MessageSid": "SM" + "4" * 32}
    assert post_signed(client, "/twilio/sms", form, "test-auth-token-0123456789abcdef",
                       "http://turnero.test").status_code == 200
    dev = post_signed(client, "/twilio/sms", {**form, "MessageSid": "SM" + "5" * 32},
                      settings(app).auth_token.replace("test", "dev"), "http://turnero.test")
    assert dev.status_code == 403


def test_without_an_auth_token_the_twilio_backend_refuses_every_webhook(client, app):
    app.config["TURNERO"].SMS_BACKEND = "twilio"
    app.config["TURNERO"].TWILIO_AUTH_TOKEN = None
    assert settings(app).auth_token is None
    r = client.post("/twilio/sms", data={"From": PHONE, "Body": "TURNO"}, headers={"X-Twilio-Signature": "x"})
    assert r.status_code == 403 and count(app, Ticket) == 0


def test_a_failure_on_our_side_still_answers_politely(client, app, monkeypatch):
    from turnero.messaging import services as inbound

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")
    monkeypatch.setattr(inbound, "receive_text", broken)
    assert "algo falló de nuestro lado" in text(client, app, "turno")


def test_late_lets_people_pass_and_here_says_a_remote_turn_arrived(sms, app, clock, client):
    # TARDE at centro: the number's turn lets two people pass.
    first = sms("turno caja")
    assert "A001" in first
    for _ in range(3):
        clock.now += timedelta(seconds=30)
        client.post("/api/v1/branches/centro/tickets", json={"service": "caja"})
    reply = sms("tarde 2")
    assert reply.startswith("Listo: dejó pasar a otras personas. A001: 2 personas antes que usted"), reply
    # LLEGUE at norte (remote_check_in): the number's own remote turn arrived.
    app.config["TURNERO"].TWILIO_NUMBERS = "+15550001111=norte"
    other = "+525598765432"
    assert "A001" in sms("turno caja", sender=other, to="+15550001111")
    reply = sms("llegue", sender=other, to="+15550001111")
    assert reply.startswith("Gracias, ya sabemos que usted llegó: A001."), reply
    [norte] = tickets_of(app, other)
    assert norte.branch == "norte" and client.get(f"/api/v1/tickets/{norte.token}").get_json()["arrived_at"]
