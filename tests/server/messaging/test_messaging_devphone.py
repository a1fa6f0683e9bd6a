"""/dev/phone: texting and calling the server from a browser, through the same
handlers as Twilio's webhooks (console backend only)."""
import re

import pytest
import requests
from conftest import DESKTOP, PHONE, screenshot, wait_until
from playwright.sync_api import expect
from twilio_helpers import cheap_password_hashing  # noqa: F401


def csrf(page_html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)


@pytest.fixture
def dev_phone_on(app):
    app.config["TURNERO"].DEV_PHONE = "1"


def test_texting_from_the_dev_phone_takes_a_turn_and_shows_the_reply(dev_phone_on, client, agent, open_counter):
    page = client.get("/dev/phone?number=%2B525511112222&branch=centro")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Simulador de teléfono" in html and "Aún no hay mensajes" in html
    r = client.post("/dev/phone", data={"csrf_token": csrf(html), "number": "+525511112222", "branch": "centro",
                                        "channel": "sms", "body": "turno caja"})
    assert r.status_code == 302
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "turno caja" in html and "Su turno en Sucursal Centro: A001 (Caja)." in html
    # A notification the outbox holds for this number shows up too.
    open_counter("v1")
    client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent)
    html = client.get("/dev/phone?number=%2B525511112222&branch=centro").get_data(as_text=True)
    assert "¡Es su turno! A001, por favor pase a Ventanilla 1." in html and "tu turno" in html and "en cola" in html


def test_calling_from_the_dev_phone_walks_the_voice_menu(dev_phone_on, client):
    html = client.get("/dev/phone?lang=en").get_data(as_text=True)
    assert "Phone simulator" in html
    r = client.post("/dev/phone/call?lang=en", data={"csrf_token": csrf(html), "number": "+525511112222",
                                                     "branch": "centro"})
    assert r.status_code == 302 and "call_step=menu" in r.headers["Location"]
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Para Caja, oprima 1." in html and 'name="digits" value="1"' in html
    r = client.post("/dev/phone/call", data={"csrf_token": csrf(html), "number": "+525511112222",
                                             "branch": "centro", "step": "menu", "digits": "1"})
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Su turno es A, 0, 0, 1, para Caja." in html


def test_the_dev_phone_needs_its_form_token(dev_phone_on, client):
    r = client.post("/dev/phone", data={"number": "+525511112222", "branch": "centro", "body": "turno"})
    assert r.status_code == 400


def test_the_dev_phone_is_off_unless_asked_for_and_only_for_this_machine(client, app):
    """It shows and sends any number's messages: only with TURNERO_DEV_PHONE=1, the
    console backend, and a client on this very machine (a proxy in front would make
    every visitor look local: the loopback check is of the client's own address)."""
    cfg = app.config["TURNERO"]
    cfg.PUBLIC_URL = "http://127.0.0.1:5000"  # a loopback public URL alone turns nothing on
    assert client.get("/dev/phone").status_code == 404
    cfg.DEV_PHONE = "1"
    assert client.get("/dev/phone").status_code == 200
    assert client.get("/dev/phone", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 404
    # Through an nginx the server was not told about: nginx's loopback address is not the visitor's.
    assert client.get("/dev/phone", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 404
    html = client.get("/dev/phone").get_data(as_text=True)  # a form token from the machine itself
    r = client.post("/dev/phone", data={"csrf_token": csrf(html), "number": "+525511112222", "body": "turno"},
                    environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert r.status_code == 404
    cfg.SMS_BACKEND = "twilio"
    assert client.get("/dev/phone").status_code == 404


@pytest.mark.live
@pytest.mark.parametrize("locale, lang, word", [("es-MX", "es", "TURNO"), ("en-US", "en", "JOIN")])
def test_dev_phone_in_a_browser(live, new_page, locale, lang, word):
    page = new_page(viewport=PHONE if lang == "es" else DESKTOP, locale=locale)
    page.goto(f"{live.url}/dev/phone?number=%2B5255333{'1' if lang == 'es' else '2'}4444&lang={lang}")
    page.get_by_role("textbox", name="Mensaje" if lang == "es" else "Message").fill(word)
    page.get_by_role("button", name="Enviar" if lang == "es" else "Send", exact=True).click()
    page.wait_for_url("**/dev/phone?**")
    chat = page.locator("ol.dp-chat")
    expected = "¿Qué servicio?" if lang == "es" else "Which service?"
    assert expected in chat.inner_text()
    page.locator("form.dp-quick").get_by_role("button", name="1", exact=True).click()
    page.wait_for_url("**/dev/phone?**")
    staff = live.staff("agente")
    [mine] = requests.get(f"{live.url}/api/v1/branches/centro/tickets?status=waiting", headers=staff,
                          timeout=10).json()  # `live` emptied the line: the one waiting is this phone's
    assert mine["channel"] == "sms" and mine["code"] in chat.inner_text()
    if lang == "es":
        # Staff call the turn: the notification goes through the outbox, and the worker
        # running inside `turnero serve` (console backend) delivers it.
        requests.post(f"{live.url}/api/v1/branches/centro/counters/v1/open", headers=staff).raise_for_status()
        called = requests.post(f"{live.url}/api/v1/branches/centro/counters/v1/call-next", headers=staff)
        assert called.json()["code"] == mine["code"]

        def delivered():
            messages = requests.get(f"{live.url}/api/v1/tickets/{mine['id']}/messages", headers=staff,
                                    timeout=10).json()
            return any(m["kind"] == "called" and m["status"] == "delivered" for m in messages)
        assert wait_until(delivered, 30), "the worker inside `turnero serve` never delivered the call's text"
        page.reload()
        notice = page.locator("ol.dp-chat li.dp-notice").first
        expect(notice).to_contain_text(f"¡Es su turno! {mine['code']}, por favor pase a Ventanilla 1.")
        expect(notice).to_contain_text("entregado")
    shot = screenshot(page, f"messaging-devphone-{lang}")
    assert shot.exists()
