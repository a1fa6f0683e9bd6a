"""The forgiving console in a real browser: "Call next" over a ticket still called
offers "Deshacer" for ten seconds, and clicking it puts both tickets back (the server
says so, the console shows it); a late no-show goes back to the line from the recent
no-shows list. Screenshots of the toast: es and en, desktop and phone."""
import re

import pytest
from conftest import DESKTOP, PHONE, screenshot
from playwright.sync_api import expect
from test_web_staff_console import button, open_console, sign_in, take, ticket

pytestmark = pytest.mark.live


def test_an_agent_undoes_a_call_next_that_finished_the_ticket_still_called(live, new_page):
    page = new_page(viewport=DESKTOP, locale="es-MX")
    sign_in(page, live)
    open_console(page, live, "Ventanilla 1")
    button(page, "Abrir ventanilla").click()
    expect(page.locator("#counter-state")).to_have_text("Abierta")
    first, second = take(live, "caja"), take(live, "caja")
    expect(page.locator("#waiting-list .waiting-row")).to_have_count(2)
    button(page, "Llamar siguiente").click()
    expect(page.locator("#current-code")).to_have_text(first["code"])

    # The slip: "Call next" while the first is still called.
    button(page, "Llamar siguiente").click()
    expect(page.locator("#current-code")).to_have_text(second["code"])
    toast = page.locator("#undo-toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text(f"{first['code']} cerrado; {second['code']} llamado a su ventanilla.")
    assert ticket(live, first["token"])["status"] == "done"
    screenshot(page, "staff-console-undo-es-desktop")

    toast.get_by_role("button", name="Deshacer").click()
    expect(toast).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text(
        f"Deshecho: {first['code']} está otra vez en su ventanilla y {second['code']} volvió a su lugar en la fila.")
    expect(page.locator("#current-code")).to_have_text(first["code"])
    expect(page.locator("#current-status")).to_have_text("Llamado")
    expect(page.locator("#waiting-list .waiting-row", has_text=second["code"])).to_be_visible()
    expect(page.locator("#history-list")).to_contain_text("Deshecho")
    assert ticket(live, first["token"])["status"] == "called"
    back = ticket(live, second["token"])
    assert back["status"] == "waiting" and back["position"] == 1

    # A no-show is offered the same undo; once it has gone, the list of recent
    # no-shows brings the late customer back to the line.
    button(page, "No se presentó").click()
    expect(toast).to_be_visible()
    expect(page.locator("#no-shows-list")).to_contain_text(first["code"])
    expect(toast).to_be_hidden(timeout=15000)  # ten seconds, then the offer is gone
    row = page.locator("#no-shows-list li", has_text=first["code"])
    expect(row).to_contain_text("hasta las")
    screenshot(page, "staff-console-no-shows-es-desktop")
    row.get_by_role("button", name=f"Volver {first['code']} a la fila").click()
    expect(page.locator("#toast")).to_contain_text(f"{first['code']}")
    expect(page.locator("#no-shows-list li")).to_have_count(0)
    expect(page.locator("#waiting-list .waiting-row").first).to_contain_text(first["code"])
    assert ticket(live, first["token"])["status"] == "waiting"


@pytest.mark.parametrize(("lang", "locale"), [("es", "es-MX"), ("en", "en-US")])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_undo_toast_screenshots(live, new_page, lang, locale, size):
    page = new_page(viewport=DESKTOP if size == "desktop" else PHONE, locale=locale)
    sign_in(page, live)
    open_console(page, live, "Ventanilla 3")
    button(page, "Abrir ventanilla|Open counter").click()
    take(live, "plataforma", phone="55 1234 5678", name="Ana")
    take(live, "plataforma")
    button(page, "Llamar siguiente|Call next").click()
    expect(page.locator("#current-ticket")).to_be_visible()
    button(page, "Llamar siguiente|Call next").click()
    toast = page.locator("#undo-toast")
    expect(toast.get_by_role("button", name=re.compile("^(Deshacer|Undo) U$"))).to_be_visible()
    box = toast.bounding_box()
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # inside the screen, even on a phone
    screenshot(page, f"staff-console-undo-{lang}-{size}")
