"""The tracking page as an app in a real browser (Debian's Chromium, headless): its web
app manifest, the service worker that shows the pushes, and what the page offers for
alerts: "Allow notifications" without a phone on file, the texts' state with one.

Headless Chromium here reaches no push service, so `pushManager.subscribe` fails (the
page says so). To follow the page's own code through, one test stands in for the
browser's push registration only: `subscribe` returns a subscription whose endpoint is
a push service on 127.0.0.1 (push_helpers.PushService) with keys the test holds. The
page hands it to the server, the live server's outbox worker sends the call there, and
the test decrypts it."""
from __future__ import annotations

import json

import pytest
import requests
from conftest import DESKTOP, PHONE, screenshot, wait_until
from playwright.sync_api import expect
from push_helpers import Browser, PushService

pytestmark = pytest.mark.live

# The browser's push registration, replaced: the rest (permission, the worker, fetch) is Chromium's.
FAKE_PUSH = """
(() => {
  const wanted = %s;
  let current = null;
  const make = (key) => ({
    endpoint: wanted.endpoint, options: { applicationServerKey: key.buffer },
    toJSON: () => wanted, unsubscribe: () => { current = null; return Promise.resolve(true); } });
  PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
  PushManager.prototype.subscribe = function (options) {
    current = make(new Uint8Array(options.applicationServerKey));
    return Promise.resolve(current);
  };
})();
"""


def test_notifications_from_the_tracking_page_to_the_phone(live, new_page):
    api, staff = f"{live.url}/api/v1", live.staff()
    ticket = requests.post(f"{api}/branches/centro/tickets", json={"service": "caja", "lang": "en"}, timeout=10).json()
    with PushService() as service:
        browser = Browser(service.url + "/push/phone-1")
        page = new_page(viewport=PHONE, locale="en-US", permissions=["notifications"])
        page.add_init_script(FAKE_PUSH % json.dumps(browser.subscription()))
        page.goto(f"{live.url}/t/{ticket['token']}?lang=en")
        # The worker is registered with a scope that covers every tracking page.
        assert page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)") == f"{live.url}/t/"
        box = page.locator("[data-push]")
        expect(box.get_by_role("button", name="Allow notifications")).to_be_visible()
        screenshot(page, "push-track-phone-en")

        with page.expect_response(lambda r: r.url.endswith("/push") and r.request.method == "POST") as posted:
            box.get_by_role("button", name="Allow notifications").click()
        assert posted.value.status == 201
        expect(box.locator("[data-push-state]")).to_contain_text("Notifications on")
        expect(page.locator("[data-push-foot]")).to_be_hidden()
        screenshot(page, "push-track-phone-en-on")
        page.reload()  # remembered for this turn; the same subscription is not sent again
        expect(box.locator("[data-push-state]")).to_be_visible()

        requests.post(f"{api}/branches/centro/counters/v1/open", headers=staff, timeout=10).raise_for_status()
        called = requests.post(f"{api}/branches/centro/counters/v1/call-next", headers=staff, timeout=10).json()
        assert called["id"] == ticket["id"]
        # Opening the counter put the turn at the front (near), then it was called.
        def kinds():
            return [browser.read(r["body"])["kind"] for r in service.requests]
        assert wait_until(lambda: "called" in kinds(), 30), f"the outbox worker sent no call: {kinds()}"
        assert kinds() == ["near", "called"]
        push = service.requests[-1]
        shown = browser.read(push["body"])
        assert shown["title"] == "It is your turn!" and shown["url"] == f"{live.url}/t/{ticket['token']}"
        assert push["headers"]["urgency"] == "high"

        page.get_by_role("button", name="OK, on my way").click()  # the page's own "your turn" alert
        with page.expect_response(lambda r: r.url.endswith("/push") and r.request.method == "DELETE") as deleted:
            box.get_by_role("button", name="turn off").click()
        assert deleted.value.status == 204
        expect(box.get_by_role("button", name="Allow notifications")).to_be_visible()


def test_the_manifest_the_real_subscription_failing_and_a_phone_on_file(live, new_page):
    api = f"{live.url}/api/v1"
    plain = requests.post(f"{api}/branches/centro/tickets", json={"service": "caja"}, timeout=10).json()
    page = new_page(viewport=PHONE, locale="es-MX", permissions=["notifications"])
    page.goto(f"{live.url}/t/{plain['token']}?lang=es")
    page.evaluate("navigator.serviceWorker.ready")
    button = page.locator("[data-push-on]")
    expect(button).to_be_visible()
    screenshot(page, "push-track-phone-es")
    # Chromium's own subscribe: no push service reachable from this headless browser.
    button.click()
    expect(page.locator("[data-push-error]")).to_be_visible()
    expect(button).to_be_enabled()

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
    assert "1234 5678" not in page.content() and "12345678" not in page.content()
    assert page.locator("[data-push]").count() == 0
    screenshot(page, "push-track-desktop-texts-en")
