"""The tracking page as an app in a real browser (Debian's Chromium, headless): its web
app manifest, the service worker that shows the pushes, and what the page offers for
alerts: "Allow notifications" without a phone on file, the texts' state with one.

Headless Chromium has no push service to reach here, so a real subscription cannot be
made in this test; the subscription's path to a push service is proven against a real
receiver in test_push.py."""
from __future__ import annotations

import pytest
import requests
from conftest import DESKTOP, PHONE, screenshot
from playwright.sync_api import expect

pytestmark = pytest.mark.live


def test_the_tracking_page_is_an_app_that_offers_notifications(live, new_page):
    api = f"{live.url}/api/v1"
    plain = requests.post(f"{api}/branches/centro/tickets", json={"service": "caja"}, timeout=10).json()

    for lang, locale in (("en", "en-US"), ("es", "es-MX")):
        page = new_page(viewport=PHONE, locale=locale, permissions=["notifications"])
        page.goto(f"{live.url}/t/{plain['token']}?lang={lang}")
        # The worker is registered with a scope that covers every tracking page.
        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        assert scope == f"{live.url}/t/"
        box = page.locator("[data-push]")
        expect(box.locator("[data-push-on]")).to_be_visible()
        expect(box.locator("[data-push-state]")).to_be_hidden()
        screenshot(page, f"push-track-phone-{lang}")
        if lang == "en":
            expect(box.locator("[data-push-on]")).to_have_text("Allow notifications")
            # Tapping it asks the browser for a subscription: headless Chromium has no push
            # service, so the page says it could not, and still offers the button.
            box.locator("[data-push-on]").click()
            expect(box.locator("[data-push-error]")).to_be_visible()
            expect(box.locator("[data-push-on]")).to_be_enabled()
            screenshot(page, "push-track-phone-en-failed")

    manifest_url = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = requests.get(live.url + manifest_url, timeout=10)
    assert manifest.headers["Content-Type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == f"/t/{plain['token']}" and body["scope"] == "/t/"
    assert body["display"] == "standalone" and body["theme_color"].startswith("#")
    assert {"any", "maskable"} <= {i["purpose"] for i in body["icons"]}
    for icon in body["icons"]:
        got = requests.get(live.url + icon["src"], timeout=10)
        assert got.status_code == 200 and got.headers["Content-Type"] == "image/png"
    assert requests.get(f"{live.url}/t/{'x' * 40}/manifest.webmanifest", timeout=10).status_code == 404

    # A phone on file: the page says where the texts go (its end only), and offers no push.
    texted = requests.post(f"{api}/branches/centro/tickets", timeout=10,
                           json={"service": "caja", "phone": "55 1234 5678"}).json()
    page = new_page(viewport=DESKTOP, locale="en-US")
    page.goto(f"{live.url}/t/{texted['token']}?lang=en")
    expect(page.locator("[data-alerts]")).to_contain_text("•••5678")
    assert "1234" not in page.content()
    assert page.locator("[data-push]").count() == 0
    screenshot(page, "push-track-desktop-texts-en")
