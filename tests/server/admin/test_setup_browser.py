"""Setting a branch up in Chromium: an admin creates a branch and lands on its
checklist, its join page says it is not taking turns yet, and the weekly hours editor
(with its JavaScript) adds and removes ranges and shows a mistake next to its field.
Screenshots in es (desktop and phone), then the same pages in en."""
import re

import pytest
from conftest import DESKTOP, PHONE, screenshot
import browser_helpers
from playwright.sync_api import expect

pytestmark = pytest.mark.live


def sign_in(page, live, username="admin"):
    browser_helpers.sign_in(page, live, username)


def test_a_new_branch_is_set_up_in_the_browser(live, new_page):
    slug, lang, locale = "nueva", "es", "es-MX"
    page = new_page(viewport=DESKTOP, locale=locale)
    sign_in(page, live)
    page.goto(f"{live.url}/admin/branches/new")
    page.locator("#slug").fill(slug)
    page.locator("#name").fill("Sucursal Nueva")
    page.locator("#timezone").fill("america/bogota")
    page.locator("form.form-card button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"/admin/branches/{slug}/setup$"))
    expect(page.locator(".setup-step.is-todo")).to_have_count(6)
    screenshot(page, f"setup-checklist-{lang}-desktop")

    phone = new_page(viewport=PHONE, locale=locale)
    phone.goto(f"{live.url}/b/{slug}/join")
    expect(phone.locator("#join-not-ready")).to_be_visible()
    expect(phone.locator("form")).to_have_count(0)
    screenshot(phone, f"setup-join-not-ready-{lang}-phone")

    page.goto(f"{live.url}/admin/branches/{slug}/hours")
    monday = page.locator('[data-day="0"]')
    expect(monday.locator("[data-range]")).to_have_count(0)
    monday.locator("#day-0-open").check()  # opening a day offers 09:00-17:00 at once
    expect(monday.locator("#day-0-0-opens")).to_have_value("09:00")
    monday.locator(".week-add").click()
    monday.locator("#day-0-1-opens").fill("12:00")
    monday.locator("#day-0-1-closes").fill("14:00")
    page.locator("#day-5-open").check()
    page.locator("#day-5-0-closes").fill("13:00")
    page.locator(".form-actions .btn-primary").click()
    expect(page.locator("#day-0-1-opens")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#day-0-1-opens-error")).to_be_visible()
    screenshot(page, f"setup-hours-error-{lang}-desktop")
    page.locator('[data-range="1"] .week-remove').click()
    expect(page.locator("#day-0-1-opens")).to_have_count(0)
    page.locator(".form-actions .btn-primary").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#day-5-0-closes")).to_have_value("13:00")
    expect(page.locator("#day-1-open")).not_to_be_checked()

    sign_in(phone, live)
    phone.goto(f"{live.url}/admin/branches/{slug}/hours")
    screenshot(phone, f"setup-hours-{lang}-phone")
    phone.goto(f"{live.url}/admin/branches/{slug}")
    expect(phone.locator(".setup-step.is-done")).to_have_count(1)  # the hours
    screenshot(phone, f"setup-branch-{lang}-phone")
    page.goto(f"{live.url}/admin/branches/{slug}/counters/new")
    expect(page.locator("#no-services")).to_be_visible()
    screenshot(page, f"setup-counter-first-a-service-{lang}-desktop")

    # The same pages in English, on a desktop and on a phone.
    for viewport, size in (("desktop", DESKTOP), ("phone", PHONE)):
        english = new_page(viewport=size, locale="en-US")
        english.goto(f"{live.url}/b/{slug}/join")
        expect(english.locator("#join-not-ready")).to_contain_text("not taking turns yet")
        screenshot(english, f"setup-join-not-ready-en-{viewport}")
        sign_in(english, live)
        for name in ("setup", "hours"):
            english.goto(f"{live.url}/admin/branches/{slug}/{name}")
            expect(english.locator("h1")).to_be_visible()
            screenshot(english, f"setup-{name}-en-{viewport}")
