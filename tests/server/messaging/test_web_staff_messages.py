"""The console's messages panel in a real browser against a live server: a ticket
taken with a phone gets its confirmation queued by the messaging listener, and the
agent sees it (sent, its channel, its delivery status) next to the ticket's history,
refreshed when the ticket is called."""
import re

import pytest
import requests
from conftest import DESKTOP, screenshot
from playwright.sync_api import expect

API = "/api/v1"
pytestmark = pytest.mark.live

WORDS = {
    "es": {"locale": "es-MX", "login": "Iniciar sesión", "open": "Abrir ventanilla",
           "next": "Llamar siguiente", "messages_of": "Mensajes de", "sent": "Enviado", "confirm": "Su turno en",
           "called": "¡Es su turno!", "none": "Este turno no tiene mensajes ni llamadas.",
           "choose": "Elija un turno para ver sus mensajes y llamadas."},
    "en": {"locale": "en-US", "login": "Log in", "open": "Open counter",
           "next": "Call next", "messages_of": "Messages of", "sent": "Sent", "confirm": "Your turn at",
           "called": "It is your turn!", "none": "No texts or calls for this ticket.",
           "choose": "Choose a ticket to see its texts and calls."},
}


def take(live, **body) -> dict:
    r = requests.post(f"{live.url}{API}/branches/centro/tickets", json={"service": "caja", **body}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def console(new_page, live, words):
    page = new_page(viewport=DESKTOP, locale=words["locale"])
    page.goto(f"{live.url}/staff/login")
    page.get_by_label(re.compile("Usuario|Username")).fill("agente")
    page.get_by_label(re.compile("Contraseña|Password")).fill(live.password)
    page.get_by_role("button", name=words["login"], exact=True).click()
    page.get_by_role("link", name=re.compile("Ventanilla 1")).click()
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    return page


def actions(page):
    return page.locator(".actions, .state-banner")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_console_shows_a_tickets_messages(live, new_page, lang):
    words = WORDS[lang]
    page = console(new_page, live, words)
    panel = page.locator(".messages-panel")
    if page.locator("#current-ticket").is_hidden():  # no ticket chosen yet
        expect(panel.get_by_role("heading")).to_have_text(re.compile("^(Mensajes|Messages)$"))
        expect(page.locator("#messages-empty")).to_have_text(words["choose"])
    if page.locator("#closed-banner").is_visible():
        actions(page).get_by_role("button", name=re.compile(words["open"])).click()
    # Whatever the other language's run left is served away first.
    while page.locator("#waiting-list .waiting-row").count() or page.locator("#current-ticket").is_visible():
        if page.locator("#current-ticket").is_visible():
            actions(page).get_by_role("button", name=re.compile("Terminar|Finish")).click()
            expect(page.locator("#current-ticket")).to_be_hidden()
        else:
            actions(page).get_by_role("button", name=re.compile(words["next"])).click()
            expect(page.locator("#current-ticket")).to_be_visible()

    # A ticket without a phone: its panel says there is nothing.
    quiet = take(live, lang=lang)
    page.locator("#waiting-list .waiting-row", has_text=quiet["code"]).click()
    expect(page.locator("#messages-title")).to_have_text(f"{words['messages_of']} {quiet['code']}")
    expect(page.locator("#messages-empty")).to_have_text(words["none"])
    expect(page.locator("#messages-list .message")).to_have_count(0)

    # A ticket with a phone: the listener queued its confirmation.
    texted = take(live, phone="+525512345678", lang=lang)
    row = page.locator("#waiting-list .waiting-row", has_text=texted["code"])
    row.click()
    expect(page.locator("#messages-title")).to_have_text(f"{words['messages_of']} {texted['code']}")
    first = page.locator("#messages-list .message").first
    expect(first).to_have_class(re.compile(r"\bmessage-out\b"))
    expect(first.locator(".message-direction")).to_have_text(words["sent"])
    expect(first.locator(".channel-sms")).to_be_visible()
    expect(first.locator(".message-text")).to_contain_text(words["confirm"])
    expect(first.locator(".message-text")).to_contain_text(texted["code"])
    expect(first.locator(".pill")).to_be_visible()
    expect(page.locator("#messages-empty")).to_be_hidden()

    # Calling the ticket refreshes the panel with the "your turn" text, after the confirmation.
    actions(page).get_by_role("button", name=re.compile(words["next"])).click()  # the quiet one
    expect(page.locator("#current-code")).to_have_text(quiet["code"])
    actions(page).get_by_role("button", name=re.compile("Terminar|Finish")).click()
    expect(page.locator("#current-ticket")).to_be_hidden()
    actions(page).get_by_role("button", name=re.compile(words["next"])).click()
    expect(page.locator("#current-code")).to_have_text(texted["code"])
    items = page.locator("#messages-list .message")
    expect(items).to_have_count(2)
    expect(items.nth(0).locator(".message-text")).to_contain_text(words["confirm"])
    expect(items.nth(1).locator(".message-text")).to_contain_text(words["called"])
    page.locator("#toast").evaluate("el => el.classList.remove('is-visible')")
    expect(page.locator("#toast")).to_be_hidden()
    screenshot(page, f"staff-console-messages-{lang}-desktop")
