"""The reports page (/staff/reports) on the Flask test client, and in headless
Chromium on a live server (desktop in Spanish, phone in English) with its charts.
Screenshots: test-artifacts/screenshots/reports-*.png."""
from __future__ import annotations

import csv
import io

import pytest
import requests
from conftest import DESKTOP, NARROW, PHONE, screenshot
from test_stats import DAY, the_day  # noqa: F401  (the fixture: a day worked out by hand)
from web_staff_helpers import make_user, sign_in

ES = {"Accept-Language": "es-MX"}


def test_a_manager_reads_the_days_figures_in_spanish_and_downloads_them(app, client, the_day):  # noqa: F811
    make_user(app, "gerente", "manager", "centro")
    sign_in(client, "gerente")
    assert client.get("/staff/reports", headers=ES).headers["Location"].endswith("/staff/reports/centro")
    r = client.get(f"/staff/reports/centro?period=day&date={DAY}", headers=ES)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    html = r.get_data(as_text=True)
    assert "Informes de Sucursal Centro" in html and "Llegadas y esperas por hora" in html
    assert "10.0 min" in html and "67 %" in html and "3.5" in html  # median wait, within 15 min, ratings
    assert 'id="report-data"' in html and "vendor/chart.js/chart.umd.min.js" in html
    # The download links are the API's, which take the same session.
    r = client.get(f"/api/v1/branches/centro/tickets.csv?from={DAY}&to={DAY}")
    assert r.status_code == 200 and len(list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))) == 4
    week = client.get(f"/staff/reports/centro?period=week&date={DAY}", headers=ES).get_data(as_text=True)
    assert "Del 24 de febrero de 2031 al 2 de marzo de 2031" in week


def test_agents_may_not_and_a_manager_sees_only_their_branch(app, client, clock):
    sign_in(client, "agente")
    assert client.get("/staff/reports/centro", headers=ES).status_code == 403
    assert client.get("/staff/reports", headers=ES).status_code == 403
    make_user(app, "gerente", "manager", "centro")
    other = app.test_client()
    sign_in(other, "gerente")
    assert other.get("/staff/reports/norte", headers=ES).status_code == 403
    assert other.get("/staff/reports/centro?period=month&date=not-a-day", headers=ES).status_code == 200
    assert client.get("/staff/reports/nowhere", headers=ES).status_code in (403, 404)


@pytest.mark.live
@pytest.mark.parametrize("viewport, locale, title, name", [
    (DESKTOP, "es-MX", "Informes de Sucursal Centro", "reports-desktop-es"),
    (PHONE, "en-US", "Reports of Sucursal Centro", "reports-phone-en"),
    (NARROW, "es-MX", "Informes de Sucursal Centro", "reports-320-es"),
])
def test_the_reports_page_draws_its_charts_in_a_browser(live, new_page, viewport, locale, title, name):
    staff = {"Authorization": "Bearer " + requests.post(
        f"{live.url}/api/v1/auth/token", json={"username": "admin", "password": live.password}, timeout=10
    ).json()["token"]}
    api = f"{live.url}/api/v1"
    for _ in range(3):
        requests.post(f"{api}/branches/centro/tickets", json={"service": "caja"}, timeout=10).raise_for_status()
    requests.post(f"{api}/branches/centro/counters/v1/open", headers=staff, timeout=10).raise_for_status()
    called = requests.post(f"{api}/branches/centro/counters/v1/call-next", headers=staff, timeout=10).json()
    requests.post(f"{api}/tickets/{called['id']}/done", headers=staff, timeout=10).raise_for_status()
    requests.post(f"{api}/tickets/{called['token']}/feedback", json={"score": 4, "comment": "Muy amables"},
                  timeout=10)
    errors: list[str] = []
    page = new_page(viewport=viewport, locale=locale)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live.url}/staff/login")
    page.fill("#username", "admin")
    page.fill("#password", live.password)
    page.locator("button[type=submit]").click()
    page.wait_for_load_state()
    # An admin chooses the branch first: a list of large buttons, no bullets beside them.
    page.goto(f"{live.url}/staff/reports")
    assert page.evaluate("getComputedStyle(document.querySelector('main li')).listStyleType") == "none"
    page.get_by_role("link", name="Sucursal Centro").click()
    page.wait_for_url(f"{live.url}/staff/reports/centro")
    assert page.locator("h1").inner_text() == title
    page.wait_for_function("() => ['chart-hours', 'chart-services', 'chart-channels', 'chart-feedback']"
                           ".every(id => Chart.getChart(id))")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # nothing wider than the screen
    assert "Muy amables" in page.locator("section[aria-labelledby=comments]").inner_text()
    # The live panel: a turn taken elsewhere shows in it without reloading.
    panel = page.locator(".now-panel")
    panel.locator(".now-conn.is-live").wait_for()
    lang = {"Accept-Language": locale}
    before = requests.get(f"{api}/branches/centro/now", headers={**staff, **lang}, timeout=10).json()
    caja = next(s for s in before["services"] if s["slug"] == "caja")
    requests.post(f"{api}/branches/centro/tickets", json={"service": "caja"}, timeout=10).raise_for_status()
    page.wait_for_function(
        "([name, n]) => [...document.querySelectorAll('[data-now-lines] tr')].some(r =>"
        " r.querySelector('th').textContent === name && r.querySelector('td').textContent === String(n))",
        arg=[caja["name"], caja["waiting"] + 1], timeout=10000)
    desk = panel.locator(".desk", has_text="Ventanilla 1")
    assert "open" in desk.get_attribute("class")
    screenshot(page, name)
    assert errors == []
