"""Every public and staff page, in Spanish (desktop) and in English (phone), audited
by axe-core in Chromium against a live server (WCAG 2.0/2.1 A and AA): no serious or critical
violation. Moderate and minor ones are printed, not failed on. On the phone, no page is
wider than the screen (WCAG's reflow: a wide table or strip scrolls inside itself).
axe-core comes from npm (package.json's devDependencies; `scripts/setup --test`);
it is injected by the test and never served by Turnero."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from conftest import DESKTOP, NARROW, PHONE, ROOT, TV

# The markup and the focus are the same on any database: the PostgreSQL pass skips them.
pytestmark = [pytest.mark.live, pytest.mark.one_pass]

AXE = Path(ROOT) / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
API = "/api/v1"


def audit(page, where: str, lang: str) -> list[str]:
    """Run axe on the page as it is; returns the serious/critical findings, prints the rest."""
    assert (page.get_attribute("html", "lang") or "").startswith(lang), f"{where}: not in {lang}"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                           " resultTypes: ['violations']})", TAGS)
    failures = []
    for v in result["violations"]:
        targets = "; ".join(" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                            for n in v["nodes"][:5])
        line = f"{where}: [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])}x: {targets})"
        if v["impact"] in ("serious", "critical"):
            failures.append(line)
        else:
            print("moderate/minor:", line)
    return failures


def _next_weekday(after: int = 1) -> str:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    day = datetime.now(ZoneInfo("America/Mexico_City")).date() + timedelta(days=after)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day.isoformat()


@pytest.fixture
def scene(live):
    """A waiting and a called ticket, a cancelled one, and an appointment."""
    api, admin = f"{live.url}{API}", live.staff()

    def take():
        r = requests.post(f"{api}/branches/centro/tickets", json={"service": "caja"}, timeout=10)
        assert r.status_code == 201, r.text
        return r.json()

    called = take()
    waiting = take()
    requests.post(f"{api}/branches/centro/counters/v1/open", headers=admin, timeout=10).raise_for_status()
    r = requests.post(f"{api}/branches/centro/counters/v1/call-next", headers=admin, timeout=10)
    assert r.status_code == 200 and r.json()["code"] == called["code"], r.text
    cancelled = take()
    requests.post(f"{api}/tickets/{cancelled['token']}/cancel", timeout=10).raise_for_status()
    day = _next_weekday()
    slots = requests.get(f"{api}/branches/centro/slots", params={"service": "plataforma", "date": day},
                         timeout=10).json()
    # A time this phone has not booked yet: the module's server keeps the appointments
    # that earlier tests booked (its reset empties today's line alone).
    for slot in slots[2:]:
        r = requests.post(f"{api}/branches/centro/appointments", timeout=10,
                          json={"service": "plataforma", "start": slot["start"], "name": "Rosa Martínez",
                                "phone": "55 3000 0009"})
        if r.status_code != 409:
            break
    assert r.status_code == 201, r.text
    return {"waiting": waiting["token"], "called": called["token"], "cancelled": cancelled["token"],
            "appointment": r.json()["token"], "day": day}


def public_pages(s: dict) -> list[str]:
    return [
        "/", "/b/centro/join", "/b/centro/join?service=caja", "/b/norte/join",
        f"/t/{s['waiting']}", f"/t/{s['called']}", f"/t/{s['cancelled']}", f"/t/{s['waiting']}/cancel",
        "/b/centro/here", "/b/centro/display", "/b/centro/poster",
        f"/b/centro/book?service=plataforma&date={s['day']}",
        f"/a/{s['appointment']}", f"/a/{s['appointment']}/move?date={s['day']}",
        "/a/not-an-appointment", "/t/not-a-ticket", "/b/nowhere/join", "/no/such/page",
        "/dev/phone", "/staff/login",
    ]


def staff_pages(s: dict) -> list[str]:
    return [
        "/staff/", "/staff/centro/v1", "/staff/appointments", f"/staff/appointments/centro?date={s['day']}",
        "/staff/appointments/centro/book", "/staff/appointments/centro/settings",
        "/staff/reports", "/staff/reports/centro",
        "/admin/", "/admin/branches", "/admin/branches/new", "/admin/branches/centro",
        "/admin/branches/centro/setup", "/admin/branches/centro/hours", "/admin/branches/centro/priority",
        "/admin/branches/centro/services", "/admin/branches/centro/services/new",
        "/admin/branches/centro/services/caja", "/admin/branches/centro/counters",
        "/admin/branches/centro/counters/new", "/admin/branches/centro/counters/v1",
        "/admin/branches/centro/devices", "/admin/branches/centro/webhooks", "/admin/branches/centro/delete",
        "/admin/users", "/admin/users/new", "/admin/audit", "/admin/customers",
        "/admin/customers?phone=5530000009",
    ]


def too_wide(page, where: str, viewport: dict) -> list[str]:
    """The page scrolls sideways as a whole (what WCAG 1.4.10, reflow, asks not to be)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return [f"{where}: {width} px wide on a {viewport['width']} px screen"] if width > viewport["width"] else []


SHOWN_ERRORS = ".error-text, .alert-error, .alert.error, [aria-invalid=true]"


def errors_shown(page, where: str) -> None:
    assert page.locator(SHOWN_ERRORS).count() > 0, f"{where}: no error shown"


def sign_in(page, live, password: str) -> None:
    page.goto(f"{live.url}/staff/login")
    page.fill("#username", "admin")
    page.fill("#password", password)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def test_every_page_in_both_languages_has_no_serious_violation(live, scene, browser):
    """Spanish on a desktop, English on a phone; the lobby display on a TV; forms also
    with their error messages shown."""
    assert AXE.exists(), f"{AXE} is missing: run ./scripts/setup --test (npm ci)"
    assert not list((Path(ROOT) / "server" / "turnero").rglob("axe*")), "axe-core is for the tests: never served"
    failures: list[str] = []
    for lang, locale, viewport in (("es", "es-MX", DESKTOP), ("en", "en-US", PHONE)):
        # bypass_csp: the pages allow no inline script, and axe is injected as one.
        ctx = browser.new_context(viewport=viewport, locale=locale, bypass_csp=True)
        try:
            page = ctx.new_page()
            # The language switch (a cookie): a ticket's own page otherwise speaks the
            # language it was taken in.
            page.goto(f"{live.url}/?lang={lang}")
            for path in public_pages(scene):
                page.goto(f"{live.url}{path}")
                failures += audit(page, f"{lang} {path}", lang) + too_wide(page, f"{lang} {path}", viewport)
            page.set_viewport_size(TV)
            page.goto(f"{live.url}/b/centro/display")
            failures += audit(page, f"{lang} /b/centro/display (TV)", lang)
            page.set_viewport_size(viewport)
            for path, submit in (("/b/centro/join", "form.stack button[type=submit]"),
                                 ("/b/centro/book", "form.appt-step button[type=submit]")):
                page.goto(f"{live.url}{path}")
                page.locator(submit).click()
                page.wait_for_load_state()
                errors_shown(page, path)
                failures += audit(page, f"{lang} {path} (errors)", lang)
            page.goto(f"{live.url}/t/{scene['waiting']}")
            page.locator("[data-cancel]").click()
            page.locator("#cancel-dialog").wait_for(state="visible")
            failures += audit(page, f"{lang} /t/<waiting> (cancel dialog)", lang)
            sign_in(page, live, "not-the-password")
            errors_shown(page, "/staff/login")
            failures += audit(page, f"{lang} /staff/login (errors)", lang)
            sign_in(page, live, live.password)
            page.wait_for_url(re.compile(r"/staff/?$"))
            for path in staff_pages(scene):
                response = page.goto(f"{live.url}{path}")
                assert response.status == 200, f"{path}: {response.status}"
                failures += audit(page, f"{lang} {path}", lang) + too_wide(page, f"{lang} {path}", viewport)
            page.goto(f"{live.url}/staff/centro/v1")
            page.locator("button[data-action=transfer]").click()
            page.locator("#transfer-dialog").wait_for(state="visible")
            failures += audit(page, f"{lang} /staff/centro/v1 (transfer dialog)", lang)
            page.goto(f"{live.url}/admin/users")
            page.locator("main table a[href*='/admin/users/']").first.click()
            page.wait_for_url(re.compile(r"/admin/users/\d+$"))
            failures += audit(page, f"{lang} /admin/users/<id>", lang)
            page.goto(f"{live.url}/admin/branches/centro/services/new")
            page.locator("main form button[type=submit]").last.click()
            page.wait_for_load_state()
            errors_shown(page, "/admin/branches/centro/services/new")
            failures += audit(page, f"{lang} /admin/branches/centro/services/new (errors)", lang)
        finally:
            ctx.close()
    assert not failures, "\n".join(failures)


def test_the_pages_a_script_or_an_outage_meets_have_no_serious_violation(app, live, browser):
    """Too many requests (429) and the database down (503): rendered as the server
    renders them, shown in Chromium at the live server's address (its styles), audited."""
    from flask import render_template
    failures: list[str] = []
    for lang, locale, viewport in (("es", "es-MX", DESKTOP), ("en", "en-US", PHONE)):
        with app.test_request_context(f"/?lang={lang}", headers={"Accept-Language": lang}):
            pages = {"429": render_template("errors/429.html"), "503": render_template("errors/503.html")}
        ctx = browser.new_context(viewport=viewport, locale=locale, bypass_csp=True)
        try:
            page = ctx.new_page()
            for status, html in pages.items():
                page.route(f"{live.url}/error-{status}",
                           lambda route, _request, html=html, status=status: route.fulfill(
                               status=int(status), body=html, content_type="text/html; charset=utf-8"))
                response = page.goto(f"{live.url}/error-{status}")
                assert response.status == int(status)
                assert page.locator("h1").count() == 1
                failures += audit(page, f"{lang} the {status} page", lang)
        finally:
            ctx.close()
    assert not failures, "\n".join(failures)


# Text cut short: an element whose own text overflows a box that clips it (an ellipsis,
# or overflow hidden); what is only for screen readers, and what scrolls, aside.
CUT_SHORT = """() => [...document.querySelectorAll('body *')].filter(e => {
  const style = getComputedStyle(e);
  if (style.display === 'none' || style.visibility === 'hidden' || e.clientWidth <= 1) return false;
  if (e.closest('.table-wrap, .visually-hidden, .sr-only, [aria-hidden=true], select, script, style')) return false;
  const clips = style.textOverflow === 'ellipsis' || ['hidden', 'clip'].includes(style.overflowX);
  const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  return clips && text && e.scrollWidth > e.clientWidth + 1;
}).map(e => e.textContent.trim().slice(0, 60))"""


def test_at_320_px_no_page_scrolls_sideways_or_cuts_its_text_short(live, scene, browser):
    """WCAG's reflow width (320 CSS px, the narrowest phones): every public page and
    the staff pages people use on a phone, in Spanish (the longer texts), fit the
    screen and show their words whole (a branch's name in the bar, a line's name in
    the console's waiting list)."""
    failures: list[str] = []

    def check(path: str) -> None:
        failures.extend(too_wide(page, path, NARROW))
        failures.extend(f"{path}: cut short: {text!r}" for text in page.evaluate(CUT_SHORT))

    ctx = browser.new_context(viewport=NARROW, locale="es-MX")
    try:
        page = ctx.new_page()
        page.goto(f"{live.url}/?lang=es")
        for path in public_pages(scene):
            page.goto(f"{live.url}{path}")
            check(path)
        sign_in(page, live, live.password)
        for path in staff_pages(scene):
            if path.startswith(("/staff", "/admin/branches/centro")):
                page.goto(f"{live.url}{path}")
                if path == "/staff/centro/v1":
                    page.locator("#waiting-list li").first.wait_for()
                check(path)
    finally:
        ctx.close()
    assert not failures, "\n".join(failures)
