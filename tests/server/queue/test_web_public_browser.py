"""The customer pages and the lobby screen in a real browser (Debian's Chromium through
Playwright) against a live gevent server: take a turn on a phone, watch the line move
as an agent calls, the "your turn" alert, cancel, SMS updates, rating, the lobby, the
reconnecting state, the page weight, and nothing loaded from another host.

Staff act through the REST API with a Bearer token, as the staff console does."""
from __future__ import annotations

import re

import pytest
import requests
from conftest import DESKTOP, NARROW, PHONE, TV, screenshot
from playwright.sync_api import expect

pytestmark = pytest.mark.live

WEIGHT_LIMIT = 60 * 1024


class Staff:
    """The agent of branch `centro`, over REST."""

    def __init__(self, base: str, password: str):
        self.base = base + "/api/v1"
        self.http = requests.Session()
        r = self.http.post(f"{self.base}/auth/token", json={"username": "agente", "password": password},
                           timeout=10)
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['token']}"

    def open(self, counter: str) -> None:
        self.http.post(f"{self.base}/branches/centro/counters/{counter}/open", timeout=10).raise_for_status()

    def close(self, counter: str) -> None:
        self.http.post(f"{self.base}/branches/centro/counters/{counter}/close", timeout=10).raise_for_status()

    def call(self, counter: str) -> dict:
        r = self.http.post(f"{self.base}/branches/centro/counters/{counter}/call-next", timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def act(self, ticket: dict, action: str) -> dict:
        r = self.http.post(f"{self.base}/tickets/{ticket['id']}/{action}", timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def take(self, service: str, **body) -> dict:
        r = requests.post(f"{self.base}/branches/centro/tickets", json={"service": service, **body}, timeout=10)
        assert r.status_code == 201, r.text
        return r.json()

    def ticket(self, token: str) -> dict:
        return requests.get(f"{self.base}/tickets/{token}", timeout=10).json()

    def tickets(self) -> list[dict]:
        return self.http.get(f"{self.base}/branches/centro/tickets", timeout=10).json()

    def waiting(self, service: str) -> int:
        branch = requests.get(f"{self.base}/branches/centro", timeout=10).json()
        return {s["id"]: s["waiting"] for s in branch["services"]}[service]


@pytest.fixture(scope="module")
def staff(live_server):
    return Staff(live_server.url, live_server.password)


@pytest.fixture
def browse(live, new_page):
    """`browse(viewport, locale)` -> a page in a fresh context; every URL it asks for,
    WebSockets included, is checked against the server's own origin."""
    foreign: list[str] = []

    def _open(viewport=PHONE, locale="es-MX"):
        page = new_page(viewport=viewport, locale=locale)
        page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(live.url) else None)
        ws_origin = live.url.replace("http://", "ws://")
        page.on("websocket", lambda ws: foreign.append(ws.url) if not ws.url.startswith(ws_origin) else None)
        return page
    _open.foreign = foreign
    return _open


def conn(page):
    return page.locator("main [data-conn], footer [data-conn]").first


def join_through_the_page(page, live, service_name: str, submit: str) -> str:
    page.goto(f"{live.url}/b/centro/join")
    page.get_by_role("radio", name=re.compile("^" + service_name)).check()
    page.get_by_role("button", name=submit).click()
    page.wait_for_url(re.compile(r"/t/[\w-]+$"))
    return page.url.rsplit("/t/", 1)[1]


def shot(page, name: str) -> None:
    """A screenshot once the page's transitions are over (the "your turn" pop, the
    lobby's flash); endless ones such as the reconnecting blink do not count."""
    page.wait_for_function("() => document.getAnimations().every("
                           "a => a.effect.getTiming().iterations === Infinity)")
    screenshot(page, name)


def names_whole(page) -> None:
    """Every line's name on the lobby screen is shown whole: what waits beside it
    wraps instead ("Atención a clientes" was cut to "Ate…" beside "Nadie está
    atendiendo ahora")."""
    cut = page.evaluate("""() => [...document.querySelectorAll('.tv-waits .w-name')]
        .filter(n => n.scrollWidth > n.clientWidth).map(n => n.textContent)""")
    assert cut == [], f"service names cut short: {cut}"


def words_whole(page, selector: str) -> None:
    """No word of the element's text is split across two lines (a wait's "aprox. 32
    min" came out as "aprox. 32 mi" / "n" in a box too narrow for it): each run of
    characters between plain spaces (no-break spaces bind theirs) sits on one line."""
    split = page.evaluate("""(selector) => {
        const split = [];
        for (const el of document.querySelectorAll(selector)) {
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const text = node.textContent;
                let start = 0;
                for (const word of text.split(/[ \\n\\t]/)) {
                    const tops = new Set();
                    for (let i = start; i < start + word.length; i++) {
                        const range = document.createRange();
                        range.setStart(node, i);
                        range.setEnd(node, i + 1);
                        const rect = range.getBoundingClientRect();
                        if (rect.width > 0) tops.add(Math.round(rect.top));
                    }
                    if (tops.size > 1) split.push(word);
                    start += word.length + 1;
                }
            }
        }
        return split;
    }""", selector)
    assert split == [], f"words split across lines: {split}"


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


# ---------------------------------------------------------------- a customer, start to finish

def test_customer_joins_on_a_phone_and_follows_the_line_to_the_counter(live, staff, browse):
    staff.open("v1")
    for _ in range(2):
        staff.take("caja")
    page = browse(PHONE, "es-MX")
    page.goto(f"{live.url}/b/centro/join")
    expect(page.locator("h1")).to_have_text("Tomar un turno")
    token = join_through_the_page(page, live, "Caja", "Tomar mi turno")
    mine = staff.ticket(token)
    assert mine["channel"] == "web" and mine["position"] >= 3
    expect(page.get_by_role("link", name="Cancelar mi turno")).to_be_visible()
    expect(page.locator(".code")).to_have_text(mine["code"])
    expect(conn(page)).to_have_text("En vivo")
    position = page.locator('[data-f="position"]')
    expect(position).to_have_text(str(mine["position"]))
    expect(page).to_have_title(f"{mine['code']}: número {mine['position']} en la fila")
    page.locator(".code").click()  # any tap on the page allows sound

    # The agent calls the people ahead: the position falls, and is announced.
    expected = mine["position"]
    while True:
        called = staff.call("v1")
        if called["token"] == token:
            break
        expected -= 1
        expect(position).to_have_text(str(expected))
        expect(page.locator('[data-f="announce"]')).to_contain_text(f"número {expected} en la fila")
    assert expected == 1

    overlay = page.locator("[data-overlay]")
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("¡Es su turno!")
    expect(overlay).to_contain_text("Ventanilla 1")
    expect(page).to_have_title(f"¡Es su turno! {mine['code']} en Ventanilla 1")
    assert page.evaluate("Turnero.chimes") >= 1
    shot(page, "track-called-es-phone")
    page.get_by_role("button", name="Entendido, voy para allá").click()
    expect(overlay).to_be_hidden()
    expect(page.locator(".callout")).to_contain_text("Ventanilla 1")
    # Called, what no longer applies is gone: the SMS sign-up and cancelling.
    expect(page.locator("#alerts")).to_be_hidden()
    expect(page.get_by_role("link", name="Cancelar mi turno")).to_be_hidden()

    staff.act(called, "start")
    expect(page.locator('[data-f="status"]')).to_have_text("En atención")
    staff.act(called, "done")
    expect(page.locator("#main")).to_have_attribute("data-status", "done")
    expect(page.get_by_text("¿Cómo fue su visita?")).to_be_visible()
    shot(page, "track-rate-es-phone")
    page.get_by_label("5 estrellas").check()
    page.get_by_label("¿Algo que quiera decirnos? (opcional)").fill("Muy rápido")
    page.get_by_role("button", name="Enviar calificación").click()
    expect(page.get_by_role("status").filter(has_text="¡Gracias por su calificación!")).to_be_visible()
    expect(page.locator(".given")).to_have_text("★★★★★")
    shot(page, "track-rated-es-phone")
    assert browse.foreign == []


def test_cancel_asks_for_confirmation(live, staff, browse):
    page = browse(PHONE, "en-US")
    token = join_through_the_page(page, live, "Customer service", "Take my turn")
    expect(conn(page)).to_have_text("Live")
    page.get_by_role("link", name="Cancel my turn").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("You will lose your place in line.")
    shot(page, "track-cancel-dialog-en-phone")
    dialog.get_by_role("button", name="No, keep my turn").click()
    expect(dialog).to_be_hidden()
    assert staff.ticket(token)["status"] == "waiting"
    page.get_by_role("link", name="Cancel my turn").click()
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("status").filter(has_text="Your turn is cancelled.")).to_be_visible()
    expect(page.locator('[data-f="status"]')).to_have_text("Cancelled")
    assert staff.ticket(token)["status"] == "cancelled"
    expect(page.get_by_role("link", name="Take a new turn")).to_be_visible()
    shot(page, "track-cancelled-en-phone")
    assert browse.foreign == []


def test_the_wait_says_no_one_is_serving_until_a_counter_opens(live, staff, browse):
    for counter in ("v2", "v3"):  # the counters of Atención a clientes
        staff.close(counter)
    page = browse(PHONE, "es-MX")
    join_through_the_page(page, live, "Atención a clientes", "Tomar mi turno")
    expect(conn(page)).to_have_text("En vivo")
    eta = page.locator('[data-f="eta"]')
    expect(eta).to_have_text("Nadie está atendiendo ahora")
    staff.open("v3")
    expect(eta).not_to_have_text("Nadie está atendiendo ahora")  # told over Socket.IO
    expect(eta).to_contain_text("min")
    shot(page, "track-serving-es-phone")
    assert browse.foreign == []


def test_sms_updates_by_phone_number(live, staff, browse):
    page = browse(PHONE, "es-MX")
    token = join_through_the_page(page, live, "Atención a clientes", "Tomar mi turno")
    page.get_by_text("Recibir avisos por SMS").click()
    page.get_by_label("Teléfono celular").fill("123")
    page.get_by_role("button", name="Enviarme avisos").click()
    expect(page.locator("#phone-error")).to_have_text("No es un número de teléfono válido.")
    expect(page.get_by_label("Teléfono celular")).to_have_attribute("aria-invalid", "true")
    shot(page, "track-phone-error-es-phone")
    page.get_by_label("Teléfono celular").fill("55 2468 1357")
    page.get_by_role("button", name="Enviarme avisos").click()
    expect(page.get_by_role("status").filter(has_text="le enviaremos un mensaje")).to_be_visible()
    code = staff.ticket(token)["code"]
    assert {t["code"]: t["phone"] for t in staff.tickets()}[code] == "+525524681357"
    assert browse.foreign == []


# ---------------------------------------------------------------- the lobby screen

def test_lobby_screen_shows_each_call_and_the_waits(live, staff, browse):
    page = browse(TV, "es-MX")
    page.goto(f"{live.url}/b/centro/display")
    expect(conn(page)).to_have_text("En vivo")
    english = browse(TV, "en-US")
    english.goto(f"{live.url}/b/centro/display")
    expect(conn(english)).to_have_text("Live")
    names_whole(page)
    names_whole(english)
    page.mouse.click(960, 540)  # someone set the TV up: that click allows the chime
    staff.take("plataforma", name="Secreto Pérez", phone="55 1357 2468")
    waits = page.locator(".tv-waits li", has_text="Atención a clientes")
    expect(waits).to_contain_text(f"{staff.waiting('plataforma')} en espera")
    chimes = page.evaluate("Turnero.chimes")
    staff.open("v3")
    called = staff.call("v3")
    expect(page.locator('.tv-now [data-f="code"]')).to_have_text(called["code"])
    expect(page.locator('.tv-now [data-f="counter"]')).to_have_text("Ventanilla 3")
    page.wait_for_function(f"() => Turnero.chimes > {chimes}")
    left = staff.waiting("plataforma")
    expect(waits).to_contain_text(f"{left} en espera" if left else "Nadie en espera")
    second = staff.act(called, "recall")
    expect(page.locator('[data-f="again"]')).to_be_visible()
    assert second["code"] == called["code"]
    expect(page.locator(".tv-clock time")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    html = page.content()
    assert "Secreto" not in html and "1357" not in html
    # The room speaks the branch's language; the English screen keeps its own.
    expect(english.locator('.tv-now [data-f="code"]')).to_have_text(called["code"])
    expect(english.locator(".tv-waits")).to_contain_text("Customer service")
    expect(english.locator(".tv-waits")).not_to_contain_text("Atención a clientes")
    names_whole(page)
    names_whole(english)
    shot(page, "display-es-tv-recall")
    assert browse.foreign == []


# ---------------------------------------------------------------- staying live

def test_lost_connection_shows_reconnecting_then_resyncs(live, staff, browse):
    staff.open("v1")
    staff.take("caja")
    page = browse(PHONE, "es-MX")
    token = join_through_the_page(page, live, "Caja", "Tomar mi turno")
    expect(conn(page)).to_have_text("En vivo")
    before = staff.ticket(token)["position"]
    expect(page.locator('[data-f="position"]')).to_have_text(str(before))

    # The connection drops (and stays down until we let it come back).
    page.evaluate("Turnero.socket.io.reconnection(false); Turnero.socket.io.engine.close()")
    expect(conn(page)).to_have_text("Reconectando…")
    expect(conn(page)).to_have_class(re.compile("reconnecting"))
    shot(page, "track-reconnecting-es-phone")
    staff.call("v1")  # the line moves while this phone hears nothing
    after = staff.ticket(token)["position"]
    assert after == before - 1
    expect(page.locator('[data-f="position"]')).to_have_text(str(before))

    page.evaluate("Turnero.socket.io.reconnection(true); Turnero.socket.connect()")
    expect(conn(page)).to_have_text("En vivo")
    expect(page.locator('[data-f="position"]')).to_have_text(str(after))

    # A gap in the branch's seq makes the page take a fresh snapshot.
    resyncs = page.evaluate("Turnero.resyncs")
    page.evaluate("Turnero.socket.listeners('branch.state')[0]"
                  "({branch: 'centro', seq: 1e9, services: [], calling: []})")
    page.wait_for_function(f"() => Turnero.resyncs > {resyncs}")
    expect(conn(page)).to_have_text("En vivo")
    expect(page.locator('[data-f="position"]')).to_have_text(str(staff.ticket(token)["position"]))
    assert browse.foreign == []


# ---------------------------------------------------------------- light, readable, friendly

def test_tracking_page_first_load_weighs_under_60_kb(live, staff, browse):
    token = staff.take("caja")["token"]
    page = browse(PHONE, "es-MX")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    urls: dict[str, str] = {}
    http: dict[str, int] = {}
    frames: list[int] = []
    cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: http.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.webSocketFrameReceived", lambda e: frames.append(len(e["response"]["payloadData"])))
    page.goto(f"{live.url}/t/{token}")
    expect(conn(page)).to_have_text("En vivo")
    page.wait_for_load_state("networkidle")
    total = sum(http.values()) + sum(frames)
    print(f"\ntracking page, first load: {total} bytes ({total / 1024:.1f} KB) transferred: "
          f"{len(http)} HTTP responses ({sum(http.values())} bytes incl. headers), "
          f"{len(frames)} WebSocket frames ({sum(frames)} bytes)")
    for request_id, size in sorted(http.items(), key=lambda kv: -kv[1]):
        print(f"  {size:>7}  {urls.get(request_id, request_id)}")
    assert any("socket.io.min.js" in u for u in urls.values())
    assert total < WEIGHT_LIMIT
    assert browse.foreign == []


def test_wrong_ticket_link_is_a_friendly_404(live, browse):
    for locale, heading in (("es-MX", "No encontramos esta página"), ("en-US", "We could not find this page")):
        page = browse(PHONE, locale)
        response = page.goto(f"{live.url}/t/this-is-not-a-ticket")
        assert response.status == 404
        expect(page.locator("h1")).to_have_text(heading)
        shot(page, f"404-{locale[:2]}-phone")
    page = browse(PHONE, "es-MX")
    assert page.goto(f"{live.url}/b/nowhere/join").status == 404
    assert browse.foreign == []


def test_language_switch_on_every_page_is_remembered(live, staff, browse):
    page = browse(PHONE, "es-MX")
    page.goto(f"{live.url}/b/centro/join")
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Take a turn")
    token = staff.take("caja")["token"]
    page.goto(f"{live.url}/t/{token}")
    expect(page.locator(".code-label")).to_have_text("Your turn number")
    expect(conn(page)).to_have_text("Live")
    page.get_by_role("link", name="Español").click()
    expect(page.locator(".code-label")).to_have_text("Su número de turno")
    assert browse.foreign == []


def test_screenshots_of_every_page_in_both_languages(live, staff, browse):
    """Phone, 320 px, desktop and TV; each page checked for sideways scrolling."""
    staff.take("caja")
    # A ticket's page speaks the language it was taken in: one ticket per language.
    tokens = {lang: staff.take("caja", lang=lang)["token"] for lang in ("es", "en")}
    for lang, locale in (("es", "es-MX"), ("en", "en-US")):
        token = tokens[lang]
        for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page = browse(viewport, locale)
            page.goto(f"{live.url}/b/centro/join")
            no_sideways_scroll(page)
            shot(page, f"join-{lang}-{size}")
        for size, viewport in (("phone", PHONE), ("320", NARROW), ("desktop", DESKTOP)):
            page = browse(viewport, locale)
            page.goto(f"{live.url}/t/{token}")
            expect(conn(page)).to_have_text("En vivo" if lang == "es" else "Live")
            no_sideways_scroll(page)
            shot(page, f"track-{lang}-{size}")
        for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page = browse(viewport, locale)  # the confirmation step of browsers without JavaScript
            page.goto(f"{live.url}/t/{token}/cancel")
            no_sideways_scroll(page)
            shot(page, f"cancel-confirm-{lang}-{size}")
            page.goto(f"{live.url}/t/not-a-ticket")
            shot(page, f"404-{lang}-{size}")
        for size, viewport in (("phone", PHONE), ("320", NARROW)):  # the lobby, looked at from a seat
            page = browse(viewport, locale)
            page.goto(f"{live.url}/b/centro/display")
            expect(conn(page)).to_have_text("En vivo" if lang == "es" else "Live")
            no_sideways_scroll(page)
            names_whole(page)
            words_whole(page, ".tv-waits .w-eta")
            shot(page, f"display-{lang}-{size}")
        page = browse(TV, locale)
        page.goto(f"{live.url}/b/centro/display")
        expect(conn(page)).to_have_text("En vivo" if lang == "es" else "Live")
        assert page.evaluate("document.documentElement.scrollHeight") <= TV["height"]
        no_sideways_scroll(page)
        shot(page, f"display-{lang}-tv")
    assert browse.foreign == []


def test_a_long_wait_keeps_its_words_whole_on_a_small_phone(live, staff, browse):
    """A wait of tens of minutes ("aprox. 45 min (28–63)") on the tracking page at
    390 and 320 px, in both languages: it breaks only between words (before the
    range's bracket), never inside one."""
    staff.open("v3")
    for _ in range(5):
        staff.take("plataforma")
    for lang, locale in (("es", "es-MX"), ("en", "en-US")):
        token = staff.take("plataforma", lang=lang)["token"]
        for size, viewport in (("phone", PHONE), ("320", NARROW)):
            page = browse(viewport, locale)
            page.goto(f"{live.url}/t/{token}")
            eta = page.locator('[data-f="eta"]')
            expect(eta).to_contain_text(re.compile(r"\d\d\smin"))
            words_whole(page, '[data-f="eta"]')
            no_sideways_scroll(page)
            shot(page, f"track-long-wait-{lang}-{size}")
            page.goto(f"{live.url}/b/centro/display")  # the lobby's line of the same wait
            expect(page.locator(".tv-waits .w-eta").filter(has_text=re.compile(r"\d\d\smin")).first).to_be_visible()
            words_whole(page, ".tv-waits .w-eta")
            shot(page, f"display-long-wait-{lang}-{size}")
            page.goto(f"{live.url}/b/centro/join")  # and the join page's
            expect(page.locator("[data-wait]").filter(has_text=re.compile(r"\d\d\smin")).first).to_be_visible()
            words_whole(page, "[data-wait]")
            no_sideways_scroll(page)
            shot(page, f"join-long-wait-{lang}-{size}")


# ---------------------------------------------------------------- a line paused by its manager

def test_a_paused_line_shows_on_the_join_page_and_the_lobby_at_once_and_comes_back(live, browse):
    admin = live.staff("admin")
    base = f"{live.url}/api/v1/branches/centro"
    join = browse(PHONE, "es-MX")
    join.goto(f"{live.url}/b/centro/join")
    join.wait_for_function("() => window.Turnero && Turnero.state === 'live'")
    lobby = browse(TV, "es-MX")
    lobby.goto(f"{live.url}/b/centro/display")
    expect(conn(lobby)).to_have_text("En vivo")
    caja = join.get_by_role("radio", name=re.compile("^Caja"))
    expect(caja).to_be_enabled()
    message = "Caja cerrada para turnos nuevos hasta las 14:00"
    r = requests.post(f"{base}/services/caja/joining", headers=admin, timeout=10,
                      json={"open": False, "message": message})
    assert r.status_code == 200, r.text
    try:
        expect(caja).to_be_disabled()
        expect(join.locator("#join-note-caja")).to_have_text(message)
        expect(join.get_by_role("radio", name=re.compile("^Atención a clientes"))).to_be_enabled()
        expect(lobby.locator(".tv-waits li", has_text="Caja")).to_contain_text(message)
        shot(join, "join-paused-line-es-phone")
        shot(lobby, "display-paused-line-es-tv")
    finally:
        requests.post(f"{base}/services/caja/joining", headers=admin, timeout=10, json={"open": True})
    expect(caja).to_be_enabled()
    expect(join.locator("#join-note-caja")).to_be_hidden()
    expect(lobby.locator(".tv-waits li", has_text="Caja")).not_to_contain_text(message)
    assert browse.foreign == []


# ---------------------------------------------------------------- running late, "I'm here"

@pytest.fixture
def centro_waits_for_arrivals(live):
    """Centro calls remote turns once their holder arrived, for one test."""
    from sqlalchemy import create_engine, text
    engine = create_engine(live.env["TURNERO_DATABASE_URL"])

    def remote_check_in(on: bool) -> None:
        with engine.begin() as conn:
            conn.execute(text("UPDATE branches SET remote_check_in = :on WHERE slug = 'centro'"), {"on": on})
    remote_check_in(True)
    yield
    remote_check_in(False)
    engine.dispose()


def test_a_customer_running_late_lets_people_pass_then_says_i_am_here(live, staff, browse,
                                                                      centro_waits_for_arrivals):
    page = browse(PHONE, "es-MX")
    token = join_through_the_page(page, live, "Caja", "Tomar mi turno")
    behind = [staff.take("caja") for _ in range(3)]
    mine = staff.ticket(token)
    page.get_by_text("¿Va a llegar tarde?").click()
    page.get_by_label(re.compile("^Dejar pasar a")).select_option("2")
    shot(page, "track-running-late-es-phone")
    page.get_by_role("button", name="Dejarlas pasar").click()
    expect(page.locator("main > .alert").first).to_contain_text("Listo: dejó pasar a otras personas.")
    moved = staff.ticket(token)
    assert moved["ahead"] == mine["ahead"] + 2 and moved["late_moves"] == 1
    assert staff.ticket(behind[0]["token"])["ahead"] == mine["ahead"]  # the first behind moved up one
    expect(page.locator('[data-f="position"]')).to_have_text(str(moved["position"]))

    page.get_by_role("button", name="Ya llegué").click()
    expect(page.locator("main > .alert").first).to_contain_text("Gracias: le llamaremos")
    expect(page.get_by_role("button", name="Ya llegué")).to_have_count(0)
    assert staff.ticket(token)["arrived_at"]
    shot(page, "track-arrived-es-phone")
    assert browse.foreign == []


def test_the_lobby_shows_a_paused_counters_call_as_history_not_as_now(live, staff, browse):
    page = browse(TV, "es-MX")
    page.goto(f"{live.url}/b/centro/display")
    expect(conn(page)).to_have_text("En vivo")
    staff.take("plataforma")
    staff.open("v3")
    called = staff.call("v3")
    expect(page.locator('.tv-now [data-f="code"]')).to_have_text(called["code"])
    staff.http.post(f"{staff.base}/branches/centro/counters/v3/pause", json={"reason": "break"},
                    timeout=10).raise_for_status()
    expect(page.locator('[data-f="idle"]')).to_be_visible()
    expect(page.locator(".tv-recent li").first).to_contain_text(called["code"])
    page.reload()  # the page as the server draws it says the same
    expect(page.locator('[data-f="idle"]')).to_be_visible()
    expect(page.locator(".tv-recent li").first).to_contain_text(called["code"])
    staff.act(called, "done")
    staff.http.post(f"{staff.base}/branches/centro/counters/v3/close", timeout=10).raise_for_status()
