"""Appointments through the REST API of CONTRACT.md, on SQLite and PostgreSQL: slots,
booking, the one-phone rule, cancel and reschedule, the .ics file, reminders through
the outbox, staff listing and settings, and errors that are 4xx problem+json with
nothing written. Checking in (its windows, blending with walk-ins) is in
test_appointments_check_in.py, which shares the helpers below.

Time is controlled by replacing the clocks of the appointment and queue services;
the appointment day is Monday 3 March 2031 at the demo branch `centro`
(America/Mexico_City, UTC-6 all year): 10:00 there is 16:00 UTC."""
from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from turnero.appointments import schedule as appointment_schedule
from turnero.appointments.models import Appointment
from turnero.messaging.models import OutboxMessage
from conftest import problem
from turnero.models import Branch, Customer

API = "/api/v1"
# For behaviour that does not depend on the database engine (input checks, texts,
# files, documents): SQLite only, to keep the suite fast. Everything that locks,
# counts or stores times runs on both.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
UTC = timezone.utc
DAY = "2031-03-03"  # a Monday
TEN = "2031-03-03T16:00:00Z"  # 10:00 at centro


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(hour, minute=0) -> datetime:
    """A wall time at centro on the appointment day, as UTC."""
    return at(2031, 3, 3, hour + 6, minute)


@pytest.fixture
def book(client, clock):
    def _book(start=TEN, phone="55 1000 0001", name="Ana López", service="plataforma", branch="centro",
              status=201, **extra):
        r = client.post(f"{API}/branches/{branch}/appointments",
                        json={"service": service, "start": start, "name": name, "phone": phone, **extra})
        assert r.status_code == status, r.get_json()
        return r.get_json()
    return _book


def count(app, model=Appointment, *where):
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def slots(client, day=DAY, service="plataforma", branch="centro"):
    r = client.get(f"{API}/branches/{branch}/slots", query_string={"service": service, "date": day})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


# ---------------------------------------------------------------- slots

def test_slots_follow_the_demo_opening_hours(client, clock):
    monday = slots(client)
    assert len(monday) == 24  # 09:00-17:00 in 20-minute slots
    assert monday[0] == {"start": "2031-03-03T15:00:00Z", "end": "2031-03-03T15:20:00Z", "free": 2, "capacity": 2,
                         "local_start": "2031-03-03T09:00:00-06:00", "local_end": "2031-03-03T09:20:00-06:00"}
    saturday = slots(client, "2031-03-08")
    assert [s["local_start"][11:16] for s in (saturday[0], saturday[-1])] == ["09:00", "12:40"]
    assert slots(client, "2031-03-09") == []  # Sunday: closed


@SQLITE_ONLY
@pytest.mark.parametrize(("lang", "message"), [("es", "No es una fecha válida."), ("en", "Not a valid date.")])
def test_a_day_that_is_not_a_date_is_refused_in_the_callers_language(client, lang, message):
    r = client.get(f"{API}/branches/centro/slots", query_string={"service": "plataforma", "date": "31/03/2031"},
                   headers={"Accept-Language": lang})
    assert r.status_code == 422 and r.get_json()["errors"] == {"date": [message]}


def test_a_booking_takes_one_place_and_a_full_slot_is_not_bookable(client, book):
    book(phone="55 1000 0001")
    assert slots(client)[3]["free"] == 1
    book(phone="55 1000 0002")
    assert slots(client)[3]["free"] == 0
    body = problem(client.post(f"{API}/branches/centro/appointments", json={
        "service": "plataforma", "start": TEN, "name": "Tercero", "phone": "55 1000 0003"}), 409)
    assert "start" in body["errors"]


def test_closures_and_opening_hours_shape_the_slots(client, admin, clock):
    r = client.post(f"{API}/branches/centro/closures", headers=admin,
                    json={"first_day": DAY, "last_day": "2031-03-04", "reason": "Feriado"})
    assert r.status_code == 201, r.get_json()
    assert slots(client) == [] and slots(client, "2031-03-04") == []
    assert len(slots(client, "2031-03-05")) == 24
    r = client.delete(f"{API}/branches/centro/closures/{r.get_json()['id']}", headers=admin)
    assert r.status_code == 204
    assert len(slots(client)) == 24
    # Several ranges a day.
    r = client.put(f"{API}/branches/centro/opening-hours", headers=admin,
                   json={"hours": {"0": "09:00-10:00, 16:00-17:00"}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["hours"]["0"] == "09:00-10:00, 16:00-17:00"
    assert [s["local_start"][11:16] for s in slots(client)] == ["09:00", "09:20", "09:40", "16:00", "16:20", "16:40"]
    assert len(slots(client, "2031-03-04")) == 24  # the other weekdays kept their hours


def test_a_branch_in_a_daylight_saving_zone_shows_its_own_times(client, app, clock):
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        uow.session.scalar(select(Branch).where(Branch.slug == "norte")).timezone = "Europe/Madrid"
        uow.commit()
    clock.now = at(2031, 3, 20, 12)
    friday = slots(client, "2031-03-28", branch="norte")   # CET, UTC+1
    monday = slots(client, "2031-03-31", branch="norte")   # CEST, UTC+2
    assert friday[0]["start"] == "2031-03-28T08:00:00Z" and friday[0]["local_start"] == "2031-03-28T09:00:00+01:00"
    assert monday[0]["start"] == "2031-03-31T07:00:00Z" and monday[0]["local_start"] == "2031-03-31T09:00:00+02:00"
    # An appointment booked across the change keeps its wall time.
    r = client.post(f"{API}/branches/norte/appointments", json={
        "service": "plataforma", "start": "2031-03-31T09:00", "name": "Lucía", "phone": "55 1000 0009"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["start"] == "2031-03-31T07:00:00Z"
    assert r.get_json()["local_start"] == "2031-03-31T09:00:00+02:00"
    # Centro's 09:00 is another instant.
    assert slots(client, "2031-03-31")[0]["start"] == "2031-03-31T15:00:00Z"


@SQLITE_ONLY
def test_past_slots_are_not_shown_nor_bookable(client, book, clock):
    clock.now = local(9, 50)
    assert slots(client)[0]["local_start"][11:16] == "10:00"
    body = book(start="2031-03-03T15:00:00Z", status=422)
    assert "start" in body["errors"]


# ---------------------------------------------------------------- booking

@SQLITE_ONLY
def test_booking_answers_with_the_contracts_fields(client, book):
    a = book()
    assert {"id", "token", "code", "service", "start", "end", "status", "manage_url"} <= set(a)
    assert a["status"] == "booked" and a["service"] == "plataforma"
    assert a["start"] == TEN and a["end"] == "2031-03-03T16:20:00Z"
    assert a["manage_url"] == f"http://turnero.test/a/{a['token']}"
    assert len(a["token"]) >= 22 and len(a["code"]) == 6
    got = client.get(f"{API}/appointments/{a['token']}").get_json()
    assert got["code"] == a["code"] and got["name"] == "Ana López" and "phone" not in got


def test_one_phone_cannot_hold_overlapping_appointments_for_the_same_service(client, book, app):
    book(phone="55 1000 0001")
    body = book(phone="+52 55 1000 0001", name="Otra vez", status=409)  # the same number, written otherwise
    assert "phone" in body["errors"]
    assert count(app) == 1
    book(phone="55 1000 0001", start="2031-03-03T16:20:00Z")  # the next slot is fine


def test_cancel_frees_the_place_and_cannot_be_repeated(client, book):
    a = book()
    book(phone="55 1000 0002")
    r = client.post(f"{API}/appointments/{a['token']}/cancel")
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert slots(client)[3]["free"] == 1
    problem(client.post(f"{API}/appointments/{a['token']}/cancel"), 409)


def test_reschedule_moves_it_keeping_code_and_link(client, book):
    a = book()
    r = client.post(f"{API}/appointments/{a['token']}/reschedule", json={"start": "2031-03-04T09:00"})
    assert r.status_code == 200, r.get_json()
    moved = r.get_json()
    assert moved["start"] == "2031-03-04T15:00:00Z" and moved["code"] == a["code"] and moved["token"] == a["token"]
    assert slots(client)[3]["free"] == 2 and slots(client, "2031-03-04")[0]["free"] == 1
    # Into a full slot: 409, and it stays where it was.
    book(phone="55 1000 0002", start="2031-03-03T16:20:00Z")
    book(phone="55 1000 0003", start="2031-03-03T16:20:00Z")
    problem(client.post(f"{API}/appointments/{a['token']}/reschedule", json={"start": "2031-03-03T16:20:00Z"}), 409)
    assert client.get(f"{API}/appointments/{a['token']}").get_json()["start"] == "2031-03-04T15:00:00Z"


@SQLITE_ONLY
def test_the_calendar_file_parses_back(client, book):
    a = book()
    r = client.get(f"{API}/appointments/{a['token']}/calendar.ics")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    cal = Calendar.from_ical(r.data)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == at(2031, 3, 3, 16) and event.decoded("dtend") == at(2031, 3, 3, 16, 20)
    assert str(event["uid"]) == f"{a['id']}@turnero"
    # Where it is and what to bring: the branch's address and the service's list (the demo's).
    assert str(event["location"]) == "Sucursal Centro, Av. Juárez 100, Centro, Ciudad de México"
    assert a["code"] in str(event["description"]) and a["manage_url"] in str(event["description"])
    assert "Por favor traiga: Una identificación oficial" in str(event["description"])
    assert a["address"] == "Av. Juárez 100, Centro, Ciudad de México" and a["bring"].startswith("Una identificación")
    assert str(event["status"]) == "CONFIRMED"
    client.post(f"{API}/appointments/{a['token']}/cancel")
    cancelled = Calendar.from_ical(client.get(f"{API}/appointments/{a['token']}/calendar.ics").data)
    assert str(next(iter(cancelled.walk("VEVENT")))["status"]) == "CANCELLED"


# ---------------------------------------------------------------- errors

@SQLITE_ONLY
@pytest.mark.parametrize("body, status, field", [
    ({"service": "plataforma", "start": TEN, "name": "Ana"}, 422, "phone"),
    ({"service": "plataforma", "start": TEN, "name": "Ana", "phone": "12"}, 422, "phone"),
    ({"service": "plataforma", "start": "mañana", "name": "Ana", "phone": "55 1000 0001"}, 422, "start"),
    ({"service": "plataforma", "start": "2031-03-03T16:10:00Z", "name": "Ana", "phone": "55 1000 0001"}, 422, "start"),
    ({"service": "plataforma", "start": "2031-03-09T10:00", "name": "Ana", "phone": "55 1000 0001"}, 422, "start"),
    ({"service": "plataforma", "start": "2031-09-01T10:00", "name": "Ana", "phone": "55 1000 0001"}, 422, "start"),
    ({"service": "plataforma", "start": TEN, "name": "   ", "phone": "55 1000 0001"}, 422, "name"),
    ({"service": "caja", "start": TEN, "name": "Ana", "phone": "55 1000 0001"}, 422, "service"),
    ({"service": "nada", "start": TEN, "name": "Ana", "phone": "55 1000 0001"}, 404, "service"),
])
def test_bad_bookings_are_4xx_problems_and_write_nothing(client, app, clock, body, status, field):
    r = client.post(f"{API}/branches/centro/appointments", json=body, headers={"Accept-Language": "es"})
    result = problem(r, status)
    assert field in result["errors"]
    assert count(app) == 0 and count(app, Customer) == 0 and count(app, OutboxMessage) == 0


@SQLITE_ONLY
def test_errors_are_translated(client, clock):
    r = client.post(f"{API}/branches/centro/appointments?lang=es", json={
        "service": "caja", "start": TEN, "name": "Ana", "phone": "55 1000 0001"})
    assert problem(r, 422)["detail"] == "Este servicio no da citas."


@SQLITE_ONLY
def test_unknown_things_are_404(client, clock):
    problem(client.get(f"{API}/branches/nowhere/slots?service=plataforma&date={DAY}"), 404)
    problem(client.get(f"{API}/appointments/not-a-token"), 404)
    problem(client.get(f"{API}/appointments/not-a-token/calendar.ics"), 404)
    problem(client.post(f"{API}/appointments/not-a-token/cancel"), 404)
    problem(client.get(f"{API}/branches/centro/slots?service=plataforma&date=someday"), 422)


@SQLITE_ONLY
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_first_and_last_days_of_the_calendar_answer_like_any_other_day(client, agent, clock, day):
    """Found by fuzzing the OpenAPI document: a day whose start or end is not a datetime
    in UTC was a 500 (OverflowError)."""
    assert slots(client, day) == []
    r = client.get(f"{API}/branches/centro/appointments", query_string={"date": day}, headers=agent)
    assert r.status_code == 200 and r.get_json()["date"] == day
    assert all(s["appointments"] == [] for s in r.get_json()["services"])


@SQLITE_ONLY
@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                                   "9999-12-31T23:59:59", "9999-12-31T23:00:00Z"])
def test_a_time_at_the_ends_of_the_calendar_is_a_422_not_a_500(client, app, book, start):
    appointment = book()
    result = problem(client.post(f"{API}/branches/centro/appointments", json={
        "service": "plataforma", "start": start, "name": "Ana", "phone": "55 1000 0002"}), 422)
    assert "start" in result["errors"]
    assert "start" in problem(client.post(f"{API}/appointments/{appointment['token']}/reschedule",
                                          json={"start": start}), 422)["errors"]
    assert count(app) == 1


# ---------------------------------------------------------------- messages

def outbox(app):
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return [(m.kind, m.phone, m.body) for m in uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


@SQLITE_ONLY
def test_booking_queues_a_confirmation_in_the_customers_language(app, book):
    a = book(phone="55 1000 0001", lang="en")
    b = book(phone="55 1000 0002", lang="es")
    (kind1, phone1, body1), (kind2, _phone2, body2) = outbox(app)
    assert kind1 == kind2 == "appointment_confirm" and phone1 == "+525510000001"
    assert a["code"] in body1 and "Monday 3 March, 10:00" in body1 and a["manage_url"] in body1
    assert b["code"] in body2 and "lunes 3 marzo, 10:00" in body2


def test_reminders_go_to_the_outbox_a_day_and_an_hour_before_once(app, book, clock, client):
    book()
    cancelled = book(phone="55 1000 0002")
    client.post(f"{API}/appointments/{cancelled['token']}/cancel")
    db = app.extensions["turnero.db"]

    def remind(now):
        clock.now = now
        with app.app_context(), db.unit_of_work(write=True) as uow:
            return appointment_schedule.queue_due_reminders(uow)

    assert remind(local(10) - timedelta(hours=24, minutes=1)) == 0
    assert remind(local(10) - timedelta(hours=23, minutes=59)) == 1
    assert remind(local(10) - timedelta(hours=20)) == 0
    assert remind(local(9, 1)) == 1
    assert remind(local(9, 30)) == 0
    kinds = [k for k, _p, _b in outbox(app)]
    # The cancelled one got its confirmation and nothing else.
    assert kinds == ["appointment_confirm", "appointment_confirm", "appointment_day", "appointment_hour"]
    assert "HERE" in outbox(app)[-1][2] or "LLEGUE" in outbox(app)[-1][2]
    # Where to go and what to bring (the demo branch's address, the service's list).
    for _kind, _phone, body in outbox(app)[2:]:
        assert "Dirección: Av. Juárez 100, Centro, Ciudad de México." in body, body
        assert "Por favor traiga: Una identificación oficial" in body, body


# ---------------------------------------------------------------- staff

def test_staff_see_the_days_appointments_per_service_and_mark_no_shows(client, book, clock, agent):
    a = book(name="Ana")
    book(name="Beto", phone="55 1000 0002", start="2031-03-03T15:00:00Z")
    problem(client.get(f"{API}/branches/centro/appointments?date={DAY}"), 401)
    day = client.get(f"{API}/branches/centro/appointments?date={DAY}", headers=agent).get_json()
    service = day["services"][0]
    assert service["id"] == "plataforma"
    assert [(x["name"], x["phone"]) for x in service["appointments"]] == [("Beto", "+525510000002"),
                                                                          ("Ana", "+525510000001")]
    problem(client.post(f"{API}/appointments/{a['id']}/no-show", headers=agent), 409)  # not yet its time
    clock.now = local(10, 30)
    r = client.post(f"{API}/appointments/{a['id']}/no-show", headers=agent)
    assert r.status_code == 200 and r.get_json()["status"] == "no_show"
    # Staff book for a customer on the phone with their token.
    r = client.post(f"{API}/branches/centro/appointments", headers=agent, json={
        "service": "plataforma", "start": "2031-03-04T16:00:00Z", "name": "Doña Rosa", "phone": "55 1000 0004"})
    assert r.status_code == 201 and r.get_json()["channel"] == "staff"


@SQLITE_ONLY
def test_only_managers_change_hours_and_closures(client, agent, clock):
    problem(client.put(f"{API}/branches/centro/opening-hours", headers=agent, json={"hours": {"0": ""}}), 403)
    problem(client.put(f"{API}/branches/centro/opening-hours", json={"hours": {"0": ""}}), 401)
    problem(client.post(f"{API}/branches/centro/closures", headers=agent, json={"first_day": DAY}), 403)
    assert len(slots(client)) == 24


def test_bad_opening_hours_are_refused_field_by_field(client, admin, clock):
    body = problem(client.put(f"{API}/branches/centro/opening-hours", headers=admin,
                              json={"hours": {"0": "09:00-08:00", "1": "9 to 5", "2": "10:00-12:00"}}), 422)
    assert set(body["errors"]) == {"hours-0", "hours-1"}
    assert len(slots(client)) == 24 and len(slots(client, "2031-03-05")) == 24  # nothing changed


@SQLITE_ONLY
def test_the_demo_hours_are_loaded_once(app):
    from turnero.appointments.models import OpeningHours
    from turnero.cli import load_demo
    before = count(app, OpeningHours)
    assert before == 12  # two branches x (Monday-Friday + Saturday)
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        load_demo(uow.session, "another-pass-1")
        uow.commit()
    assert count(app, OpeningHours) == before


@SQLITE_ONLY
def test_the_openapi_document_lists_the_appointment_operations(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    for path in ("/api/v1/branches/{branch}/slots", "/api/v1/branches/{branch}/appointments",
                 "/api/v1/appointments/{token}", "/api/v1/appointments/{token}/cancel",
                 "/api/v1/appointments/{token}/reschedule", "/api/v1/appointments/{token}/calendar.ics",
                 "/api/v1/branches/{branch}/check-in"):
        assert path in spec["paths"], path
    assert any(t["name"] == "Appointments" for t in spec["tags"])
