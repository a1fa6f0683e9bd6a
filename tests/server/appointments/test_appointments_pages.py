"""The appointment pages through Flask's test client: book with messages next to
the fields, the confirmation and manage page (calendar, move, cancel, check in,
late walk-in), CSRF, both languages; the staff day view, booking for a customer,
no-shows and the settings. SQLite only: the use cases below them are tested on
both databases in test_appointments_api.py and test_appointments_check_in.py."""
import re
from datetime import datetime, timezone

import pytest
from conftest import DEMO_PASSWORD
from sqlalchemy import func, select

from turnero.appointments.models import Appointment, OpeningHours

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

UTC = timezone.utc
DAY = "2031-03-03"


def local(hour, minute=0):
    return datetime(2031, 3, 3, hour + 6, minute, tzinfo=UTC)


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def appointments(app):
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Appointment))


def book_form(client, **fields):
    page = client.get(f"/b/centro/book?date={DAY}")
    data = {"csrf_token": csrf(page.get_data(as_text=True)), "service": "plataforma", "date": DAY,
            "start": "2031-03-03T16:00:00Z", "name": "Ana López", "phone": "55 1000 0001", **fields}
    return client.post("/b/centro/book", data=data)


def test_the_booking_page_offers_the_days_free_times(client, clock):
    r = client.get(f"/b/centro/book?date={DAY}&lang=es")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Reservar una cita" in html and "Atención a clientes" in html
    assert 'value="2031-03-03T16:00:00Z"' in html and "10:00" in html
    assert html.count('class="appt-slot"') == 24
    assert 'aria-current="date"' in html  # the chosen day among the chips
    english = client.get(f"/b/centro/book?date={DAY}&lang=en").get_data(as_text=True)
    assert "Book an appointment" in english and "10:00\u202fAM" in english


def test_missing_fields_are_shown_next_to_them_and_nothing_is_written(client, app, clock):
    r = book_form(client, name="", phone="12")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert re.search(r'id="name"[^>]*aria-invalid="true"', html)
    assert 'id="phone-error"' in html
    assert 'value="2031-03-03T16:00:00Z" checked' in html  # the chosen time is kept
    assert appointments(app) == 0


def test_a_form_without_its_csrf_token_is_refused(client, app, clock):
    r = client.post("/b/centro/book", data={"service": "plataforma", "start": "2031-03-03T16:00:00Z",
                                            "name": "Ana", "phone": "55 1000 0001"})
    assert r.status_code == 400 and appointments(app) == 0


def test_book_then_see_the_confirmation_with_calendar_move_and_cancel(client, app, clock):
    r = book_form(client)
    assert r.status_code == 303
    manage = r.headers["Location"]
    token = re.search(r"/a/([^?]+)", manage).group(1)
    html = client.get(manage).get_data(as_text=True)
    with app.extensions["turnero.db"].unit_of_work() as uow:
        code = uow.session.scalar(select(Appointment.code))
    assert code in html and "Su cita está reservada." in html
    # Where to go and what to bring (the demo branch's address, the service's list).
    assert "Av. Juárez 100, Centro, Ciudad de México" in html
    assert "Por favor traiga" in html and "Una identificación oficial" in html
    assert f"/api/v1/appointments/{token}/calendar.ics" in html
    assert f"/a/{token}/move" in html and f"/a/{token}/cancel" in html
    # Another customer finds the slot with one place left, then full.
    book_form(client, phone="55 1000 0002")
    full = book_form(client, phone="55 1000 0003")
    assert full.status_code == 409 and "otra hora" in full.get_data(as_text=True)

    move = client.get(f"/a/{token}/move?date=2031-03-04")
    assert move.status_code == 200
    r = client.post(f"/a/{token}/move", data={"csrf_token": csrf(move.get_data(as_text=True)),
                                               "date": "2031-03-04", "start": "2031-03-04T15:00:00Z"})
    assert r.status_code == 303 and "moved=1" in r.headers["Location"]
    assert "9:00" in client.get(r.headers["Location"]).get_data(as_text=True)

    page = client.get(f"/a/{token}").get_data(as_text=True)
    r = client.post(f"/a/{token}/cancel", data={"csrf_token": csrf(page)})
    assert r.status_code == 303
    assert "Esta cita fue cancelada." in client.get(f"/a/{token}").get_data(as_text=True)


def test_the_appointment_page_opens_in_the_language_it_was_booked_in(client, app, clock):
    """Booked in English: its link (texted in English) opens in English on a Spanish
    phone, service and all; the page's switch still wins, and then the service's name
    follows the page too."""
    page = client.get(f"/b/centro/book?date={DAY}&lang=en")
    data = {"csrf_token": csrf(page.get_data(as_text=True)), "service": "plataforma", "date": DAY,
            "start": "2031-03-03T16:00:00Z", "name": "Ann Lee", "phone": "55 1000 0004"}
    r = client.post("/b/centro/book?lang=en", data=data)
    assert r.status_code == 303
    token = re.search(r"/a/([^?]+)", r.headers["Location"]).group(1)
    fresh = app.test_client()  # another browser: Spanish, no cookie
    html = fresh.get(f"/a/{token}", headers={"Accept-Language": "es-MX,es"}).get_data(as_text=True)
    assert 'lang="en"' in html and "Appointment code" in html and "Customer service" in html
    fresh.set_cookie("lang", "es")
    html = fresh.get(f"/a/{token}").get_data(as_text=True)
    assert 'lang="es"' in html and "Código de la cita" in html and "Atención a clientes" in html


def test_check_in_from_the_page_within_the_window_and_walk_in_when_late(client, clock):
    first = book_form(client).headers["Location"].split("?")[0]
    second = book_form(client, phone="55 1000 0002", start="2031-03-03T15:00:00Z").headers["Location"].split("?")[0]
    clock.now = local(9, 45)
    page = client.get(first).get_data(as_text=True)
    assert f'{first}/check-in' in page
    r = client.post(f"{first}/check-in", data={"csrf_token": csrf(page)})
    assert r.status_code == 303
    html = client.get(first).get_data(as_text=True)
    assert "B001" in html and "/t/" in html
    # The 09:00 appointment: check-in closed at 09:10; the page offers the line.
    late = client.get(second).get_data(as_text=True)
    assert "9:10" in late and f"{second}/walk-in" in late
    r = client.post(f"{second}/walk-in", data={"csrf_token": csrf(late)})
    assert r.status_code == 303 and r.headers["Location"].startswith("/t/")


def test_unknown_branch_or_link_is_the_friendly_404(client):
    assert client.get("/b/nowhere/book").status_code == 404
    assert client.get("/a/not-a-token").status_code == 404


# ---------------------------------------------------------------- staff pages

def staff_login(client, username="agente"):
    page = client.get("/staff/login").get_data(as_text=True)
    r = client.post("/staff/login", data={"csrf_token": csrf(page), "username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]


def test_staff_pages_need_a_login(client):
    r = client.get("/staff/appointments/centro")
    assert r.status_code == 302 and "/staff/login" in r.headers["Location"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_first_and_last_days_of_the_calendar_show_today_instead(client, clock, day):
    """?date= at an end of the calendar was a 500 (the page links the days beside it)."""
    staff_login(client)
    for page in (f"/staff/appointments/centro?date={day}", f"/staff/appointments/centro/book?date={day}",
                 f"/b/centro/book?service=plataforma&date={day}"):
        r = client.get(page)
        assert r.status_code == 200, page
        assert "2031-02-28" in r.get_data(as_text=True), page  # today, at the clock of the tests


def test_staff_day_view_book_for_a_customer_and_mark_a_no_show(client, clock):
    book_form(client, name="Ana López")
    staff_login(client)
    assert client.get("/staff/appointments").headers["Location"].endswith("/staff/appointments/centro")
    day = client.get(f"/staff/appointments/centro?date={DAY}&lang=es").get_data(as_text=True)
    assert "Ana López" in day and "+525510000001" in day and "Atención a clientes" in day

    form = client.get(f"/staff/appointments/centro/book?date={DAY}").get_data(as_text=True)
    r = client.post("/staff/appointments/centro/book", data={
        "csrf_token": csrf(form), "service": "plataforma", "date": DAY, "start": "2031-03-03T16:20:00Z",
        "name": "Doña Rosa", "phone": "55 1000 0004", "lang": "es"})
    assert r.status_code == 303
    day = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Doña Rosa" in day
    assert "/no-show" not in day  # not their time yet

    clock.now = local(10, 30)
    day = client.get(f"/staff/appointments/centro?date={DAY}").get_data(as_text=True)
    action = re.search(r'action="(/staff/appointments/centro/[^/]+/no-show)"', day).group(1)
    r = client.post(action, data={"csrf_token": csrf(day), "date": DAY})
    assert r.status_code == 303
    after = client.get(f"/staff/appointments/centro?date={DAY}").get_data(as_text=True)
    assert "appt-pill-no_show" in after and "No se presentó" in after


def test_staff_settings_agents_read_managers_change(client, app, clock):
    staff_login(client, "agente")
    page = client.get("/staff/appointments/centro/settings").get_data(as_text=True)
    assert "09:00-17:00" in page and "Guardar horario" not in page
    client.post("/staff/logout", data={"csrf_token": csrf(page)})
    staff_login(client, "admin")
    page = client.get("/staff/appointments/centro/settings").get_data(as_text=True)
    hours = {f"hours-{d}": "09:00-14:00" for d in range(5)} | {"hours-5": "", "hours-6": ""}
    r = client.post("/staff/appointments/centro/settings/hours", data={"csrf_token": csrf(page), **hours})
    assert r.status_code == 303
    with app.extensions["turnero.db"].unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(OpeningHours)) == 5 + 6  # centro + norte
    bad = client.post("/staff/appointments/centro/settings/hours",
                      data={"csrf_token": csrf(page), **hours, "hours-0": "9 a 2"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="hours-0-error"' in html and 'value="9 a 2"' in html
    r = client.post("/staff/appointments/centro/settings/closures",
                    data={"csrf_token": csrf(page), "first_day": DAY, "last_day": "", "reason": "Feriado"})
    assert r.status_code == 303
    assert "Feriado" in client.get("/staff/appointments/centro/settings").get_data(as_text=True)
