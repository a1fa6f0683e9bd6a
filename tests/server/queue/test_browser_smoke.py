"""Headless Chromium reaches the live server: the start page and the API docs page
render with nothing loaded from another host. And the lobby screen as a TV runs it
(one live server for both: each module starts its own): several counters calling at
once each get a large row, the last calls never show half a row at any TV size, and in
kiosk mode (`?tv=1`, Chromium started with --autoplay-policy=no-user-gesture-required)
every call is said with no click: a chime, then the same sentence the lobby display app
says, one announcement after the other."""
from __future__ import annotations

import pytest
import requests
from conftest import CHROMIUM, DESKTOP, PHONE, screenshot
from playwright.sync_api import expect
from turnero_display.words import announcement


def test_start_page_and_docs_in_a_real_browser(live, new_page):
    page = new_page(viewport=PHONE, locale="es-MX")
    foreign = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(live.url) else None)
    page.goto(live.url + "/")
    assert page.locator("h1").inner_text() == "Tome un turno o reserve una cita"
    assert "Sucursal Centro" in page.content()
    page.get_by_role("link", name="Tomar un turno").first.click()  # the branch finder leads to a branch's door
    page.wait_for_url(live.url + "/b/*/join")
    page.go_back()
    screenshot(page, "start-es-phone")
    docs = new_page(viewport=DESKTOP, locale="en-US")
    docs.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(live.url) else None)
    docs.goto(live.url + "/api/v1/docs")
    docs.get_by_text("/api/v1/branches/{branch}/tickets", exact=True).first.wait_for()
    screenshot(docs, "api-docs-en-desktop")
    assert foreign == []


# ---------------------------------------------------------------- the lobby screen on a TV

SIZES = {"720p": (1280, 720), "768p": (1366, 768), "1080p": (1920, 1080), "4k": (3840, 2160)}

# Records what the page asks the browser to say, in order, with how many chimes had
# been played by then and whether something was still being said (it never should).
SPEECH_STUB = """
(() => {
  const said = window.__said = [];
  let busy = false;
  class Utterance { constructor(text) { this.text = text; this.lang = ""; this.voice = null; } }
  window.SpeechSynthesisUtterance = Utterance;
  const synth = {
    getVoices: () => [], cancel() {}, get speaking() { return busy; },
    speak(u) {
      said.push({text: u.text, lang: u.lang, chimes: window.Turnero.chimes, overlapping: busy});
      busy = true;
      setTimeout(() => { busy = false; said[said.length - 1].ended = window.Turnero.chimes; u.onend && u.onend(); }, 200);
    },
  };
  Object.defineProperty(window, "speechSynthesis", {get: () => synth, configurable: true});
})();
"""


def stop_the_clock(page) -> None:
    """The screen's date stops now (its timers go on), so the calls made next stay
    "now" however slow the machine is."""
    page.clock.set_fixed_time(page.evaluate("Date.now()") / 1000)  # seconds


class Desk:
    """The admin of `centro` over REST: opens counters, hands out and calls turns."""

    def __init__(self, live):
        self.api, self.headers = f"{live.url}/api/v1", live.staff()

    def post(self, path: str, **body) -> requests.Response:
        r = requests.post(f"{self.api}{path}", json=body or None, headers=self.headers, timeout=10)
        assert r.status_code < 300, r.text
        return r

    def take(self, service: str, n: int = 1) -> None:
        for _ in range(n):
            self.post("/branches/centro/tickets", service=service)

    def call(self, counter: str) -> dict:
        return self.post(f"/branches/centro/counters/{counter}/call-next").json()


@pytest.fixture(scope="module")
def tv_browser(browser):
    """Chromium as a TV is launched in kiosk mode: sound needs no click."""
    tv = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--autoplay-policy=no-user-gesture-required"])
    yield tv
    tv.close()


@pytest.fixture
def tv_page(tv_browser):
    contexts = []

    def _open(locale="es-MX", size=(1920, 1080)):
        ctx = tv_browser.new_context(viewport={"width": size[0], "height": size[1]}, locale=locale)
        ctx.add_init_script(SPEECH_STUB)
        contexts.append(ctx)
        return ctx.new_page()
    yield _open
    for ctx in contexts:
        ctx.close()


def test_a_tv_in_kiosk_mode_says_each_call_after_a_chime_one_at_a_time(live, tv_page):
    desk = Desk(live)
    page = tv_page("en-US")  # a TV bought abroad: the screen still speaks the branch's Spanish
    page.goto(f"{live.url}/b/centro/display?tv=1")
    expect(page.locator("footer [data-conn]")).to_have_text("En vivo")
    stop_the_clock(page)
    # Nothing to click and no one to switch languages on a TV.
    assert page.locator("[data-sound]").count() == 0 and page.locator(".langs").count() == 0
    # The words of the page are the words of the display app, in both languages.
    for lang in ("es", "en"):
        for code, counter in (("A000", "Ventanilla 1"), ("A007", "v2"), ("A011", "Ventanilla 3"),
                              ("B042", "Caja 12"), ("A100", "Ventanilla 21"), ("C1999", "Módulo 100"),
                              ("A2021", "Counter 7"), ("Z12345", "X"), ("XYZ", "Ventanilla 1")):
            said = page.evaluate("([c, n, l]) => TurneroWords.announcement(c, n, l)", [code, counter, lang])
            assert said == announcement(code, counter, lang), (code, lang)

    for counter in ("v1", "v3"):
        desk.post(f"/branches/centro/counters/{counter}/open")
    desk.take("caja")
    desk.take("plataforma")
    first, second = desk.call("v1"), desk.call("v3")  # two counters within a second
    expect(page.locator(".tv-calls li")).to_have_count(2)
    expect(page.locator(".tv-calls li").nth(0)).to_contain_text(second["code"])
    expect(page.locator(".tv-calls li").nth(1)).to_contain_text(first["code"])
    page.wait_for_function("() => window.__said.length === 2 && window.__said[1].ended !== undefined")
    said = page.evaluate("window.__said")
    assert [s["text"] for s in said] == [announcement(first["code"], "Ventanilla 1", "es"),
                                         announcement(second["code"], "Ventanilla 3", "es")]
    assert [s["lang"][:3] for s in said] == ["es-", "es-"]
    # Each sentence after its own chime, and the next chime only once it was said.
    assert [(s["chimes"], s["ended"]) for s in said] == [(1, 1), (2, 2)]
    assert not any(s["overlapping"] for s in said)

    # A recall is said again, and shown as called again (one row or several).
    desk.post(f"/tickets/{first['id']}/recall")
    page.wait_for_function("() => window.__said.length === 3")
    assert page.evaluate("window.__said[2].text") == said[0]["text"]
    expect(page.locator(".tv-now")).to_contain_text("Llamado de nuevo", use_inner_text=True)

    # A call made while the TV was cut off is said once it is back: it is recent.
    page.evaluate("Turnero.socket.io.reconnection(false); Turnero.socket.io.engine.close()")
    expect(page.locator("footer [data-conn]")).to_have_text("Reconectando…")
    desk.take("plataforma")
    missed = desk.call("v3")
    page.evaluate("Turnero.socket.io.reconnection(true); Turnero.socket.connect()")
    page.wait_for_function("() => window.__said.length === 4")
    assert page.evaluate("window.__said[3].text") == announcement(missed["code"], "Ventanilla 3", "es")
    expect(page.locator(".tv-calls li").first).to_contain_text(missed["code"])


def _clipped_rows(page) -> dict:
    """The last calls' rows drawn outside their panel's content box, and how many show."""
    return page.evaluate("""() => {
      const box = document.querySelector('[data-f="recent-box"]'), style = getComputedStyle(box);
      const r = box.getBoundingClientRect(), bottom = r.bottom - parseFloat(style.paddingBottom);
      const rows = [...box.querySelectorAll('ol li')].filter(li => !li.hidden);
      const clipped = rows.filter(li => { const b = li.getBoundingClientRect();
        return b.bottom > bottom + 0.5 || b.right > r.right + 0.5 || b.top < r.top; }).map(li => li.textContent);
      return {clipped, shown: rows.length, total: box.querySelectorAll('ol li').length};
    }""")


def test_three_counters_at_once_and_the_last_calls_fit_whole_at_every_tv_size(live, tv_page):
    desk = Desk(live)
    for counter in ("v1", "v2", "v3"):
        desk.post(f"/branches/centro/counters/{counter}/open")
    desk.take("caja", 7)
    desk.take("plataforma", 7)
    # Ten calls of the morning, then three counters calling within seconds.
    for counter in ("v1", "v3") * 5:
        ticket = desk.call(counter)
        desk.post(f"/tickets/{ticket['id']}/no-show")
    pages = {}
    for lang, locale in (("es", "es-MX"), ("en", "en-US")):
        page = pages[lang] = tv_page(locale)
        page.goto(f"{live.url}/b/centro/display?tv=1&lang={lang}")
        expect(page.locator("footer [data-conn]")).to_have_text("En vivo" if lang == "es" else "Live")
        stop_the_clock(page)
    now = [desk.call(counter)["code"] for counter in ("v1", "v2", "v3")]
    for lang, page in pages.items():
        expect(page.locator(".tv-calls li")).to_have_count(3)
        for i, code in enumerate(reversed(now)):
            expect(page.locator(".tv-calls li").nth(i)).to_contain_text(code)
        for name, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            rows = _clipped_rows(page)
            assert rows["clipped"] == [], (name, rows)
            assert 2 <= rows["shown"] < rows["total"], (name, rows)
            if lang == "es" or name in ("720p", "4k"):
                page.wait_for_function("() => document.getAnimations().length === 0")  # the flash is over
                screenshot(page, f"lobby-3-calling-{lang}-{name}")
