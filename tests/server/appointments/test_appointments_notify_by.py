"""An appointment booked with a typed number keeps its own choice of SMS or WhatsApp:
its confirmation, its reminders and the ticket it checks in for go by it, and the
customer's own choice (made by texting from the number) stays as it was. With
WhatsApp configured (the Twilio backend), on SQLite and PostgreSQL. The other doors a
number is typed at: messaging/test_messaging_typed_numbers.py."""
from datetime import datetime, timedelta, timezone

from twilio_helpers import cheap_password_hashing, outbox, preferred, text, twilio  # noqa: F401

from turnero.appointments import schedule

API = "/api/v1"
X = "+525512345678"
WA = f"whatsapp:{X}"
TEN = datetime(2031, 3, 3, 16, tzinfo=timezone.utc)  # Monday 10:00 at centro


def channels(app, kind: str) -> list[tuple[str, str]]:
    return [(row["channel"], row["to"]) for row in outbox(app) if row["kind"] == kind]


def test_a_web_booking_for_whatsapp_keeps_it_for_its_own_messages_only(app, client, agent, open_counter, clock,
                                                                       twilio):
    assert "mensajes de texto (SMS)" in text(client, app, "SMS", sender=X)  # X's own choice
    r = client.post(f"{API}/branches/centro/appointments", json={
        "service": "plataforma", "start": TEN.isoformat(), "name": "Alguien", "phone": "55 1234 5678",
        "notify_by": "whatsapp"})
    assert r.status_code == 201, r.get_json()
    booked = r.get_json()
    assert preferred(app, X) == "sms"
    assert channels(app, "appointment_confirm") == [("whatsapp", WA)]
    db = app.extensions["turnero.db"]
    for before in (timedelta(hours=23), timedelta(minutes=59)):
        clock.now = TEN - before
        with app.app_context(), db.unit_of_work(write=True) as uow:
            assert schedule.queue_due_reminders(uow) == 1
    assert channels(app, "appointment_day") == channels(app, "appointment_hour") == [("whatsapp", WA)]
    # Checked in at the kiosk, its ticket keeps the appointment's choice.
    clock.now = TEN - timedelta(minutes=15)
    ticket = client.post(f"{API}/branches/centro/check-in", json={"code": booked["code"]}).get_json()
    assert ticket["channel"] == "appointment"
    listed = client.get(f"{API}/branches/centro/tickets", headers=agent).get_json()
    assert [(t["code"], t["notify_by"]) for t in listed] == [(ticket["code"], "whatsapp")]
    open_counter("v3")
    called = client.post(f"{API}/branches/centro/counters/v3/call-next", headers=agent).get_json()
    assert called["id"] == ticket["id"]
    assert channels(app, "called") == [("whatsapp", WA)]
    assert preferred(app, X) == "sms"


def test_an_appointment_booked_without_a_choice_follows_the_customers(app, client, clock, twilio):
    assert "le escribiremos por WhatsApp" in text(client, app, "WHATSAPP", sender=X)
    r = client.post(f"{API}/branches/centro/appointments", json={
        "service": "plataforma", "start": TEN.isoformat(), "name": "Ana", "phone": "55 1234 5678"})
    assert r.status_code == 201, r.get_json()
    assert channels(app, "appointment_confirm") == [("whatsapp", WA)]
