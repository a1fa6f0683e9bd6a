"""A keyboard and nothing else, in Chromium against a live server: join a line and
reach the tracking page, cancel the turn there, book an appointment end to end, and
at the staff console log in, call the next ticket and finish it. Only Tab, Shift+Tab,
Enter, Space and the arrows move and act (and typing fills the fields); at every
stop the focused element shows a visible focus ring."""
from __future__ import annotations

import re

import pytest
import requests
from conftest import DESKTOP, PHONE, screenshot
from playwright.sync_api import expect

# The markup and the focus are the same on any database: the PostgreSQL pass skips them.
pytestmark = [pytest.mark.live, pytest.mark.one_pass]

# What has the focus, and whether it shows it: Turnero's focus ring is an outline of
# at least 2px in a visible colour, on the element or on the label or card that wraps
# a radio (a box-shadow is not counted: cards carry one whether focused or not).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const ring = (e) => {
    if (!e) return false;
    const s = getComputedStyle(e);
    return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2 && !/rgba\\(.*, 0\\)$/.test(s.outlineColor)
      && s.outlineColor !== "transparent";
  };
  const label = (el.labels && el.labels[0]) || el.closest("label");
  const name = (el.getAttribute("aria-label") || (label && label.innerText) || el.innerText || el.value || "")
    .trim().replace(/\\s+/g, " ");
  return {tag: el.tagName.toLowerCase(), type: el.type || "", id: el.id, value: el.value || "", name: name,
          checked: !!el.checked, href: el.getAttribute("href") || "", visible: ring(el) || ring(label)};
}"""


class Walk:
    """Tab through a page, checking the focus ring at every stop."""

    def __init__(self, page):
        self.page = page

    def focused(self) -> dict | None:
        info = self.page.evaluate(FOCUSED)
        if info is not None:
            assert info["visible"], f"focus is not visible on {info}"
        return info

    def press(self, key: str):
        assert key in ("Tab", "Shift+Tab", "Enter", "Space", "ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight")
        self.page.keyboard.press(key)

    def tab_to(self, matches, back: bool = False, most: int = 60) -> dict:
        for _ in range(most):
            self.press("Shift+Tab" if back else "Tab")
            info = self.focused()
            if info is not None and matches(info):
                return info
        raise AssertionError("never reached by the keyboard")

    def type(self, text: str):
        self.page.keyboard.type(text)


def named(pattern: str):
    rx = re.compile(pattern)
    return lambda info: bool(rx.search(info["name"]))


def test_join_then_cancel_with_the_keyboard_only(live, new_page):
    page = new_page(viewport=PHONE, locale="es-MX")
    page.goto(f"{live.url}/b/centro/join")
    walk = Walk(page)
    info = walk.tab_to(lambda i: i["type"] == "radio")
    for _ in range(5):  # the arrows move through the services
        if info["value"] == "plataforma":
            break
        walk.press("ArrowDown")
        info = walk.focused()
    assert info["value"] == "plataforma", info
    walk.press("Space")
    assert walk.focused()["checked"]
    walk.tab_to(lambda i: i["id"] == "name")
    walk.type("Ana")
    walk.tab_to(named("^Tomar mi turno$"))
    screenshot(page, "keyboard-join-es-phone")
    walk.press("Enter")
    page.wait_for_url(re.compile(r"/t/[^/?]+$"))
    expect(page.locator(".code").first).to_have_text(re.compile(r"^B\d{3}$"))

    walk.tab_to(named("^Cancelar mi turno$"))
    walk.press("Enter")
    dialog = page.locator("#cancel-dialog")
    expect(dialog).to_be_visible()
    walk.tab_to(named("^Sí, cancelarlo$"))
    screenshot(page, "keyboard-cancel-es-phone")
    walk.press("Enter")
    expect(page.get_by_text("Este turno fue cancelado.")).to_be_visible()


def test_book_an_appointment_with_the_keyboard_only(live, new_page):
    page = new_page(viewport=PHONE, locale="en-US")
    page.goto(f"{live.url}/b/centro/book")
    walk = Walk(page)
    # Centro books one service ("Customer service"), so the page opens on its days. A
    # working day ahead, so there are free times whatever the hour of the run.
    day = _next_weekday()
    walk.tab_to(lambda i: f"date={day}" in i["href"])
    walk.press("Enter")
    page.wait_for_url(re.compile(f"date={day}"))
    walk.tab_to(lambda i: i["type"] == "radio")
    walk.press("ArrowRight")
    slot = walk.focused()
    assert slot["checked"], slot
    walk.tab_to(lambda i: i["id"] == "name")
    walk.type("Rosa Martínez")
    walk.tab_to(lambda i: i["id"] == "phone")
    walk.type("55 3000 0011")
    walk.tab_to(named("^Book appointment$"))
    screenshot(page, "keyboard-book-en-phone")
    walk.press("Enter")
    page.wait_for_url(re.compile(r"/a/[^/?]+\?booked=1$"))
    expect(page.get_by_role("status")).to_have_text("Your appointment is booked.")


def test_staff_console_with_the_keyboard_only(live, new_page):
    taken = requests.post(f"{live.url}/api/v1/branches/centro/tickets", json={"service": "caja"}, timeout=10)
    assert taken.status_code == 201, taken.text
    code = taken.json()["code"]
    page = new_page(viewport=DESKTOP, locale="en-US")
    page.goto(f"{live.url}/staff/login")
    walk = Walk(page)
    walk.tab_to(lambda i: i["id"] == "username")
    walk.type("agente")
    walk.tab_to(lambda i: i["id"] == "password")
    walk.type(live.password)
    walk.press("Enter")
    page.wait_for_url(re.compile(r"/staff/?$"))
    walk.tab_to(named("Ventanilla 1|Counter 1"))
    walk.press("Enter")
    page.wait_for_url(re.compile(r"/staff/centro/v1$"))
    walk.tab_to(named("Open counter"))
    walk.press("Enter")
    walk.tab_to(named("Call next"))
    walk.press("Enter")
    expect(page.locator("#current-code")).to_have_text(code)
    walk.tab_to(named("Finish"))
    screenshot(page, "keyboard-console-en-desktop")
    walk.press("Enter")
    ticket = requests.get(f"{live.url}/api/v1/tickets/{taken.json()['token']}", timeout=10).json()
    assert ticket["status"] == "done", ticket


def _next_weekday() -> str:
    """A Monday-to-Friday day at least two days from today (centro's clock)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    day = datetime.now(ZoneInfo("America/Mexico_City")).date() + timedelta(days=2)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day.isoformat()
