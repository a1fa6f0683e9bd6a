"""The appointment pages in headless Chromium against a real `turnero serve` (gevent,
SQLite, demo data), on a phone in Spanish and in English: book a slot end to end,
check in through the API and see the ticket, move an appointment, see the
messages next to the fields; and the staff day view and settings on a desktop.
Screenshots go to test-artifacts/screenshots/appointments-*.png."""
import re

import pytest
import requests
from conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.live


def bearer(live, username="admin") -> dict:
    r = requests.post(f"{live.url}/api/v1/auth/token", json={"username": username, "password": live.password},
                      timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture(scope="module")
def norte_open_all_day(live_server):
    """Norte takes appointments around the clock, with check-in open four hours ahead,
    so a slot of today can be checked in for whatever the time of the test run."""
    headers = bearer(live_server)
    r = requests.put(f"{live_server.url}/api/v1/branches/norte/opening-hours", headers=headers, timeout=10,
                     json={"hours": {str(d): "00:00-23:59" for d in range(7)}})
    assert r.status_code == 200, r.text
    r = requests.put(f"{live_server.url}/api/v1/branches/norte/check-in-window", headers=headers, timeout=10,
                     json={"checkin_before_min": 240, "checkin_after_min": 10})
    assert r.status_code == 200, r.text


def watch_hosts(page, live, foreign: list):
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(live.url) else None)


def test_book_on_a_phone_in_spanish_then_check_in_and_see_the_ticket(live, new_page, norte_open_all_day):
    foreign: list[str] = []
    page = new_page(viewport=PHONE, locale="es-MX")
    watch_hosts(page, live, foreign)
    page.goto(f"{live.url}/b/norte/book")
    assert page.locator("h1").inner_text() == "Reservar una cita"
    page.locator(".appt-slot:not(.is-full)").first.click()
    page.fill("#name", "María Pérez")
    page.fill("#phone", "55 3000 0001")
    screenshot(page, "appointments-book-es-phone")
    page.get_by_role("button", name="Reservar cita").click()
    page.wait_for_url(re.compile(r"/a/[^/?]+\?booked=1$"))
    assert page.get_by_role("status").inner_text() == "Su cita está reservada."
    code = page.locator(".appt-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", code)
    assert page.get_by_role("link", name="Agregar al calendario").is_visible()
    screenshot(page, "appointments-confirmed-es-phone")

    r = requests.post(f"{live.url}/api/v1/branches/norte/check-in", json={"code": code}, timeout=10)
    assert r.status_code == 201, r.text
    ticket = r.json()
    assert ticket["channel"] == "appointment" and ticket["status"] == "waiting"
    assert ticket.get("token") is None  # whoever typed the code does not get the ticket's key

    page.reload()
    card = page.locator(".appt-ticket")
    assert "Su llegada quedó registrada." in card.inner_text() and ticket["code"] in card.inner_text()
    screenshot(page, "appointments-checked-in-es-phone")
    card.get_by_role("link", name="Seguir mi turno").click()
    page.wait_for_url(re.compile(r"/t/[^/?]+$"))  # the appointment's holder has the ticket's key
    assert page.locator(".code").first.inner_text().strip() == ticket["code"]
    assert foreign == []


def test_book_and_move_on_a_phone_in_english(live, new_page):
    foreign: list[str] = []
    page = new_page(viewport=PHONE, locale="en-US")
    watch_hosts(page, live, foreign)
    page.goto(f"{live.url}/b/centro/book")
    assert page.locator("h1").inner_text() == "Book an appointment"
    page.get_by_role("button", name="Book appointment").click()  # nothing chosen yet
    assert page.locator("#start-error").inner_text() == "Choose a time."
    page.locator(".appt-slot:not(.is-full)").first.click()
    page.get_by_role("button", name="Book appointment").click()
    assert page.locator("#name-error").is_visible() and page.locator("#phone-error").is_visible()
    screenshot(page, "appointments-book-errors-en-phone")

    page.fill("#name", "John Smith")
    page.fill("#phone", "55 3000 0002")
    page.get_by_role("button", name="Book appointment").click()
    page.wait_for_url(re.compile(r"/a/[^/?]+\?booked=1$"))
    assert page.get_by_role("status").inner_text() == "Your appointment is booked."
    first_time = page.locator(".appt-when").inner_text()  # day and hours: the move may keep the hour
    screenshot(page, "appointments-confirmed-en-phone")

    page.get_by_role("link", name="Move to another time").click()
    assert page.locator("h1").inner_text() == "Move your appointment"
    # A whole working day ahead, whatever the hour of the test run (late in the
    # afternoon, today has fewer than three times left).
    page.locator(f'a[href*="date={_next_weekday(after=2)}"]').click()
    page.locator(".appt-slot:not(.is-full)").nth(2).click()
    screenshot(page, "appointments-move-en-phone")
    page.get_by_role("button", name="Move my appointment").click()
    page.wait_for_url(re.compile(r"\?moved=1$"))
    assert page.get_by_role("status").inner_text() == "Your appointment was moved."
    assert page.locator(".appt-when").inner_text() != first_time
    assert foreign == []


def test_staff_day_view_and_settings_on_a_desktop(live, new_page):
    token = requests.post(f"{live.url}/api/v1/auth/token", json={"username": "agente", "password": live.password},
                          timeout=10).json()["token"]
    day = requests.get(f"{live.url}/api/v1/branches/centro/slots", timeout=10,
                       params={"service": "plataforma", "date": _next_weekday()}).json()
    booked = requests.post(f"{live.url}/api/v1/branches/centro/appointments", timeout=10,
                           headers={"Authorization": f"Bearer {token}"},
                           json={"service": "plataforma", "start": day[3]["start"], "name": "Rosa Martínez",
                                 "phone": "55 3000 0003"}).json()
    page = new_page(viewport=DESKTOP, locale="es-MX")
    page.goto(f"{live.url}/staff/login")
    page.fill("#username", "agente")
    page.fill("#password", live.password)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_load_state()
    page.goto(f"{live.url}/staff/appointments/centro?date={booked['local_start'][:10]}")
    row = page.locator("tr", has_text="Rosa Martínez")
    assert booked["code"] in row.inner_text() and "+525530000003" in row.inner_text()
    screenshot(page, "appointments-staff-day-desktop")
    page.get_by_role("link", name="Reservar para un cliente").click()
    assert page.locator("h1").inner_text() == "Reservar para un cliente"
    assert page.locator(".appt-slot").count() == 24
    screenshot(page, "appointments-staff-book-desktop")
    page.go_back()
    page.get_by_role("link", name="Horario y cierres").click()
    assert page.locator("#hours-0").input_value() == "09:00-17:00"
    screenshot(page, "appointments-staff-settings-desktop")


def _next_weekday(after: int = 1) -> str:
    """The first Monday-to-Friday day at least `after` days from today (centro's clock)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    day = datetime.now(ZoneInfo("America/Mexico_City")).date() + timedelta(days=after)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day.isoformat()
