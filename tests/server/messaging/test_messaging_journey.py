"""One customer across channels: a kiosk ticket with a phone, then SMS, a phone
call, the call to the counter by text, and the rating answered by text."""
from sqlalchemy import select
from twilio_helpers import RecordingHttpClient, call, cheap_password_hashing, created, spoken, text  # noqa: F401

from turnero.admin.users import add_device
from turnero.messaging.backends import TwilioBackend
from turnero.messaging.worker import OutboxWorker
from turnero.models import Feedback

PHONE = "+525512345678"


def test_kiosk_ticket_then_sms_status_then_call_then_called_then_rating(app, client, take, agent, open_counter):
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        _device, kiosk_token = add_device(uow.session, "centro", "kiosk", "Entrada")
        uow.commit()
    take("caja")  # someone is ahead
    ticket = take("caja", headers={"Authorization": f"Bearer {kiosk_token}"}, phone="55 1234 5678")
    assert ticket["channel"] == "kiosk" and ticket["code"] == "A002"

    http = RecordingHttpClient()
    worker = OutboxWorker(app, backend=TwilioBackend("AC" + "a" * 32, "token", "+15005550006", http_client=http))
    http.queue(created("SM" + "1" * 32))
    worker.run_once()
    assert "A002" in http.sent()[0].data["Body"] and ticket["track_url"] in http.sent()[0].data["Body"]

    # The same phone texts: it is the same customer, whatever channel took the ticket.
    eta = ticket["eta"]
    wait = (f"aprox. {eta['about_min']} min ({eta['low_min']}–{eta['high_min']})" if eta["low_min"]
            else f"aprox. {eta['about_min']} min (hasta {eta['high_min']})")
    assert text(client, app, "Estado") == f"A002 (Caja): 1 persona antes que usted; espera: {wait}."

    # ... and calls: the voice menu knows the ticket too, and takes no second one.
    said = spoken(call(client, app))
    assert "Su turno es A, 0, 0, 2, para Caja." in said and "Hay 1 persona antes que usted." in said
    assert f"unos {eta['about_min']} minutos, entre {eta['low_min']} y {eta['high_min']}." in said  # the same wait

    open_counter("v1")
    client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent)  # A001
    r = client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent)  # A002, A001 done
    assert r.get_json()["code"] == "A002"
    http.queue(created("SM" + "2" * 32))
    worker.run_once()
    assert http.sent()[-1].data["Body"] == "¡Es su turno! A002, por favor pase a Ventanilla 1."
    assert http.sent()[-1].data["To"] == PHONE

    client.post(f"/api/v1/tickets/{ticket['id']}/done", headers=agent)
    http.queue(created("SM" + "3" * 32))
    worker.run_once()
    assert "Responda con un número del 1 (mal) al 5 (muy bien)" in http.sent()[-1].data["Body"]

    assert text(client, app, "4") == "¡Gracias! Calificó su visita con 4 de 5."
    with app.extensions["turnero.db"].unit_of_work() as uow:
        feedback = uow.session.scalar(select(Feedback))
        assert (feedback.score, feedback.channel) == (4, "sms")
    again = text(client, app, "5")
    assert "calific" in again.lower() or "already rated" in again  # one rating per visit

    # Staff see everything that was said about this ticket, in order.
    messages = client.get(f"/api/v1/tickets/{ticket['id']}/messages", headers=agent).get_json()
    assert [(m["direction"], m["channel"], m["kind"]) for m in messages] == [
        ("out", "sms", "confirm"),
        ("in", "sms", "status"), ("out", "sms", "reply"),
        ("in", "voice", "voice-start"), ("out", "voice", "reply"),
        ("out", "sms", "called"),
        ("out", "sms", "feedback_request"),
        ("in", "sms", "digit"), ("out", "sms", "reply"),
    ]
    assert [m["status"] for m in messages if m["kind"] in ("confirm", "called", "feedback_request")] == ["sent"] * 3
