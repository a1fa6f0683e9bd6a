"""Appointments by text through the signed /twilio/sms webhook: CITA shows the number's
next appointment or offers the next free times and books the one answered; CANCELAR
CITA cancels after a yes. On SQLite and PostgreSQL, in Spanish and English."""
import re

import pytest
from sqlalchemy import select
from twilio_helpers import cheap_password_hashing, text  # noqa: F401

from turnero.appointments.models import Appointment
from turnero.messaging.models import OutboxMessage
from turnero.models import Customer

PHONE = "+525512345678"


@pytest.fixture
def sms(client, app, clock):
    def _sms(body, sender=PHONE):
        return text(client, app, body, sender=sender)
    return _sms


def appointments(app):
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return [(a.code, a.status, a.channel, a.service.slug, a.start_at, a.name) for a in uow.session.scalars(
            select(Appointment).join(Customer).where(Customer.phone == PHONE).order_by(Appointment.id))]


def options(reply: str) -> list[str]:
    """The numbered choices of a menu: "1) vie 28 feb, 13:00; 2) ..." -> ["vie 28 feb, 13:00", ...]."""
    return re.findall(r"\d\) ([^;]+?)(?=; \d\)|\. )", reply)


def test_cita_offers_the_next_free_times_and_a_number_books_one(sms, app, client):
    menu = sms("cita")
    assert menu.startswith("Próximos horarios para Atención a clientes: 1) ")
    times = options(menu)
    assert len(times) == 5 and len(set(times)) == 5
    booked = sms("2")
    [(code, status, channel, service, start_at, name)] = appointments(app)
    assert (status, channel, service, name) == ("booked", "sms", "plataforma", "Cliente •••5678")
    assert booked.startswith("Reservada: Atención a clientes en Sucursal Centro")
    assert code in booked and "/a/" in booked and "LLEGUE" in booked
    # The reply is the confirmation: no second text for the same booking.
    with app.extensions["turnero.db"].unit_of_work() as uow:
        assert uow.session.scalars(select(OutboxMessage)).all() == []
    # The booking page agrees: the place chosen is taken.
    token = re.search(r"/a/([\w-]+)", booked).group(1)
    view = client.get(f"/api/v1/appointments/{token}").get_json()
    assert view["code"] == code and view["status"] == "booked"


def test_cita_alone_then_tells_the_appointment_with_its_code_and_link(sms, app):
    sms("cita")
    sms("1")
    [(code, *_)] = appointments(app)
    told = sms("CITA")
    assert told.startswith("Su cita en Sucursal Centro: Atención a clientes") and code in told
    assert "/a/" in told and "CANCELAR CITA" in told
    assert len(appointments(app)) == 1  # nothing new was booked


def test_a_number_books_one_upcoming_appointment_by_text(sms, app):
    """A script with a phone cannot fill the day: a second booking by text is answered
    with the appointment it already has."""
    sms("cita")
    sms("1")
    [(code, *_)] = appointments(app)
    sms("cita plataforma")  # asks for times anyway
    again = sms("2")
    assert again.startswith("Su cita en Sucursal Centro") and code in again
    assert len(appointments(app)) == 1


def test_cancelar_cita_asks_first_and_a_yes_cancels(sms, app):
    sms("cita")
    sms("1")
    [(code, *_)] = appointments(app)
    question = sms("cancelar cita")
    assert question.startswith("¿Cancelar su cita del") and code in question and "SI" in question
    assert appointments(app)[0][1] == "booked"
    assert code in sms("si") and appointments(app)[0][1] == "cancelled"
    assert "No tiene citas próximas" in sms("cancelar cita")


def test_in_english_and_by_whatsapp(sms, app):
    menu = sms("APPOINTMENT", sender=f"whatsapp:{PHONE}")
    assert menu.startswith("Next free times for Customer service: 1) ")
    booked = sms("1", sender=f"whatsapp:{PHONE}")
    assert booked.startswith("Booked: Customer service at Sucursal Centro")
    [(_code, _status, channel, *_)] = appointments(app)
    assert channel == "whatsapp"


def test_in_english_the_appointment_is_told_and_cancelled_after_a_yes(sms, app):
    sms("APPOINTMENT")
    sms("1")
    [(code, *_)] = appointments(app)
    told = sms("APPOINTMENT")
    assert told.startswith("Your appointment at Sucursal Centro: Customer service") and code in told
    assert "CANCEL APPOINTMENT" in told
    assert sms("CANCEL APPOINTMENT").startswith("Cancel your appointment of")
    assert sms("YES") == f"Your appointment {code} is cancelled. Text APPOINTMENT to book another."
    assert appointments(app)[0][1] == "cancelled"


def test_a_number_outside_the_menu_asks_again_and_books_nothing(sms, app):
    sms("cita")
    assert "Responda con un número del 1 al 5" in sms("9")
    assert appointments(app) == []
    sms("3")  # the menu is still open
    assert len(appointments(app)) == 1


def test_a_time_taken_meanwhile_is_refused_in_words(sms, app, client):
    menu = sms("cita")
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:  # the service takes one per slot
        from turnero.models import Service
        uow.session.scalar(select(Service).where(Service.slug == "plataforma")).slot_capacity = 1
        uow.commit()
    first = re.search(r"1\) ", menu)
    assert first is not None
    other = "+525587654321"
    text(client, app, "cita", sender=other)
    text(client, app, "1", sender=other)  # someone else takes the first time
    refused = sms("1")
    assert "Reservada" not in refused and refused
    assert appointments(app) == []


def test_a_branch_without_appointment_services_says_so(sms, app):
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        from turnero.models import Service
        for service in uow.session.scalars(select(Service)):
            service.takes_appointments = False
        uow.commit()
    assert "no toma citas por mensaje" in sms("cita")
    assert "CITA" not in sms("ayuda")


# ---------------------------------------------------------------- by phone call

def test_a_caller_hears_the_appointment_and_checks_in_with_a_key(sms, app, client, clock):
    from datetime import timedelta

    from twilio_helpers import call, spoken
    sms("cita")
    sms("1")
    [(code, _status, _channel, _service, start_at, _name)] = appointments(app)
    clock.now = start_at.replace(tzinfo=clock.now.tzinfo) - timedelta(minutes=5)  # at the door, in the window
    greeting = call(client, app)
    said = spoken(greeting)
    assert f"código {', '.join(code)}" in said and "Atención a clientes" in said
    [gather] = greeting.findall("Gather")
    assert gather.get("action") == "/twilio/voice?step=checkin" and "oprima 1" in spoken(gather)
    checked = spoken(call(client, app, step="checkin", digits="1"))
    assert "Llegada registrada" in checked and "Su turno es" in checked
    assert appointments(app)[0][1] == "checked_in"


def test_a_caller_with_a_later_appointment_hears_it_and_the_menu(sms, app, client, clock):
    from twilio_helpers import call, spoken
    sms("cita")
    sms("5")  # the fifth time offered: not yet in its window
    [(code, *_)] = appointments(app)
    greeting = call(client, app)
    assert f"código {', '.join(code)}" in spoken(greeting)
    assert greeting.find("Gather").get("action") == "/twilio/voice?step=menu"
