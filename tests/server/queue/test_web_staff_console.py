"""The staff console in a real browser against a live gevent server: every button
end to end, live updates over Socket.IO, two agents seeing each other's calls, and
the screenshots people look at (es and en, desktop and phone)."""
import re

import pytest
import requests
from conftest import DESKTOP, PHONE, screenshot
from browser_helpers import sign_in
from playwright.sync_api import expect

API = "/api/v1"
pytestmark = pytest.mark.live


def take(live, service="caja", **body) -> dict:
    r = requests.post(f"{live.url}{API}/branches/centro/tickets", json={"service": service, **body}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def ticket(live, token) -> dict:
    return requests.get(f"{live.url}{API}/tickets/{token}", timeout=10).json()


def counter_state(live, counter) -> str:
    body = requests.get(f"{live.url}{API}/branches/centro", timeout=10).json()
    return {c["id"]: c["state"] for c in body["counters"]}[counter]


def open_console(page, live, counter_name):
    page.get_by_role("link", name=re.compile(counter_name)).click()
    expect(page.locator("#live")).to_have_attribute("data-state", "live")


def button(page, name):
    return page.locator(".actions, .state-banner").get_by_role("button", name=re.compile(name))


def test_an_agent_serves_from_the_console(live, new_page):
    page = new_page(viewport=DESKTOP, locale="es-MX")
    foreign = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(live.url) else None)
    sign_in(page, live, shot="staff-login-es-desktop")
    screenshot(page, "staff-choose-es-desktop")
    open_console(page, live, "Ventanilla 1")
    expect(page.locator("#counter-state")).to_have_text("Cerrada")
    expect(button(page, "Llamar siguiente")).to_be_disabled()

    button(page, "Abrir ventanilla").click()
    expect(page.locator("#counter-state")).to_have_text("Abierta")
    assert counter_state(live, "v1") == "open"

    # A ticket taken elsewhere appears in the waiting list live, with its channel.
    first = take(live, "caja")
    row = page.locator("#waiting-list .waiting-row", has_text=first["code"])
    expect(row).to_be_visible()
    expect(row.locator(".channel-web")).to_have_attribute("title", "Web")

    button(page, "Llamar siguiente").click()
    expect(page.locator("#current-code")).to_have_text(first["code"])
    expect(page.locator("#current-status")).to_have_text("Llamado")
    expect(row).to_have_count(0)
    assert ticket(live, first["token"])["status"] == "called"
    expect(page.locator("#history-list .event")).to_have_count(2)  # issued, called
    screenshot(page, "staff-console-es-desktop")

    button(page, "Volver a llamar").click()
    expect(page.locator("#current-flags")).to_contain_text("×1")
    assert ticket(live, first["token"])["recalls"] == 1

    button(page, "Atender").click()
    expect(page.locator("#current-status")).to_have_text("En atención")
    assert ticket(live, first["token"])["status"] == "serving"

    button(page, "Terminar").click()
    expect(page.locator("#current-ticket")).to_be_hidden()
    expect(page.locator("#undo-toast")).to_contain_text(f"{first['code']} terminado")
    assert ticket(live, first["token"])["status"] == "done"

    # Keyboard: N calls, then the transfer dialog sends the ticket to another line.
    second = take(live, "caja")
    expect(page.locator("#waiting-list .waiting-row", has_text=second["code"])).to_be_visible()
    page.keyboard.press("n")
    expect(page.locator("#current-code")).to_have_text(second["code"])
    button(page, "Transferir").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Atención a clientes").check()
    dialog.get_by_role("button", name="Transferir").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#current-ticket")).to_be_hidden()
    moved = ticket(live, second["token"])
    assert (moved["status"], moved["service"]) == ("waiting", "plataforma")

    # No-show with its shortcut, back to line, then pause.
    third = take(live, "caja")
    expect(page.locator("#waiting-list .waiting-row", has_text=third["code"])).to_be_visible()
    button(page, "Llamar siguiente").click()
    expect(page.locator("#current-code")).to_have_text(third["code"])
    page.keyboard.press("x")
    expect(page.locator("#current-ticket")).to_be_hidden()
    assert ticket(live, third["token"])["status"] == "no_show"

    fourth = take(live, "caja")
    fourth_row = page.locator("#waiting-list .waiting-row", has_text=fourth["code"])
    expect(fourth_row).to_be_visible()
    button(page, "Llamar siguiente").click()
    expect(page.locator("#current-code")).to_have_text(fourth["code"])
    expect(fourth_row).to_have_count(0)  # called: out of the waiting list
    button(page, "Regresar a la fila").click()
    expect(page.locator("#current-ticket")).to_be_hidden()
    expect(fourth_row).to_be_visible()
    assert ticket(live, fourth["token"])["status"] == "waiting"

    # Pausing asks why; the branch's counters show it, with who and since when.
    button(page, "Pausar ventanilla").click()
    pause = page.get_by_role("dialog")
    pause.get_by_role("button", name="Pausar ventanilla").click()
    expect(page.locator("#pause-error")).to_have_text("Elija por qué se pausa la ventanilla.")
    pause.get_by_label("Comida").check()
    screenshot(page, "staff-console-pause-es-desktop")
    pause.get_by_role("button", name="Pausar ventanilla").click()
    expect(pause).to_be_hidden()
    expect(page.locator("#counter-state")).to_have_text("En pausa")
    expect(button(page, "Llamar siguiente")).to_be_disabled()
    assert counter_state(live, "v1") == "paused"
    mine = page.locator("#counters-list .counter-mine")
    expect(mine).to_contain_text("En pausa · Comida")
    expect(mine).to_contain_text(re.compile(r"agente · desde hace \d+ min"))
    button(page, "Abrir ventanilla").click()
    expect(page.locator("#counter-state")).to_have_text("Abierta")
    # Clicking a waiting ticket shows the channels it went through.
    page.locator("#waiting-list .waiting-row", has_text=fourth["code"]).click()
    expect(page.locator("#history-title")).to_have_text(f"Historial de {fourth['code']}")
    expect(page.locator("#history-list .event")).to_have_count(3)  # issued, called, requeued
    assert foreign == []


def test_an_agent_gives_and_takes_away_priority(live, new_page):
    page = new_page(viewport=DESKTOP, locale="es-MX")
    sign_in(page, live)
    open_console(page, live, "Ventanilla 1")
    first, second = take(live, "caja"), take(live, "caja")
    rows = page.locator("#waiting-list .waiting-row")
    expect(rows.first).to_contain_text(first["code"])
    toggle = page.locator("#priority-toggle")
    expect(toggle).to_be_hidden()  # nothing chosen yet

    rows.filter(has_text=second["code"]).click()
    expect(toggle).to_have_accessible_name(f"Dar prioridad · {second['code']}")
    toggle.click()
    expect(page.locator("#toast")).to_contain_text(f"{second['code']} tiene prioridad ahora")
    expect(rows.first).to_contain_text(second["code"])  # moved up the line
    expect(rows.first.locator(".badge-priority")).to_be_visible()
    expect(page.locator("#history-list")).to_contain_text("Prioridad otorgada")
    expect(toggle).to_have_accessible_name(f"Quitar prioridad · {second['code']}")
    assert ticket(live, second["token"])["priority"] is True
    screenshot(page, "staff-console-priority-es-desktop")

    toggle.click()
    expect(page.locator("#toast")).to_contain_text(f"{second['code']} ya no tiene prioridad")
    expect(rows.first).to_contain_text(first["code"])
    assert ticket(live, second["token"])["priority"] is False

    # A class: its name on the ticket, its own boost.
    page.get_by_label("Clase de prioridad").select_option(label="Discapacidad (+20 min)")
    toggle.click()
    expect(rows.first.locator(".badge-priority")).to_have_text("Discapacidad")
    assert ticket(live, second["token"])["priority_class"] is not None


def test_two_agents_see_each_others_calls(live, new_page):
    live.cli("user", "create", "agente2", "--role", "agent", "--branch", "centro", "--password", live.password)
    one = new_page(viewport=DESKTOP, locale="es-MX")
    two = new_page(viewport=DESKTOP, locale="es-MX")
    sign_in(one, live, "agente")
    sign_in(two, live, "agente2")
    open_console(one, live, "Ventanilla 1")
    open_console(two, live, "Ventanilla 2")
    for page in (one, two):  # `live` closed every counter and emptied the line
        button(page, "Abrir ventanilla").click()
        expect(page.locator("#counter-state")).to_have_text("Abierta")

    a, b = take(live, "caja"), take(live, "caja")
    for page in (one, two):  # both lines show both tickets (v1 and v2 both serve caja)
        expect(page.locator("#waiting-list .waiting-row")).to_have_count(2)
    button(one, "Llamar siguiente").click()
    expect(one.locator("#current-code")).to_have_text(a["code"])
    # The other agent sees the call and the shorter line at once.
    expect(two.locator("#calls-list .call").first).to_contain_text(a["code"])
    expect(two.locator("#calls-list .call").first).to_contain_text("Ventanilla 1")
    expect(two.locator("#waiting-list .waiting-row")).to_have_count(1)
    button(two, "Llamar siguiente").click()
    expect(two.locator("#current-code")).to_have_text(b["code"])
    expect(one.locator("#calls-list .call").first).to_contain_text(b["code"])
    expect(one.locator("#calls-list .call").first).to_contain_text("Ventanilla 2")
    expect(one.locator("#waiting-list .waiting-row")).to_have_count(0)


def test_an_agent_cannot_use_another_branchs_console(live, new_page):
    page = new_page(viewport=DESKTOP, locale="en-US")
    sign_in(page, live)
    response = page.goto(f"{live.url}/staff/norte/v1")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Forbidden")


@pytest.mark.parametrize(("lang", "locale"), [("es", "es-MX"), ("en", "en-US")])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_console_screenshots(live, new_page, lang, locale, size):
    page = new_page(viewport=DESKTOP if size == "desktop" else PHONE, locale=locale)
    sign_in(page, live, shot=None if (lang, size) == ("es", "desktop") else f"staff-login-{lang}-{size}")
    if (lang, size) != ("es", "desktop"):
        screenshot(page, f"staff-choose-{lang}-{size}")
    open_console(page, live, "Ventanilla 3")
    if page.locator("#closed-banner").is_visible():
        button(page, "Abrir ventanilla|Open counter").click()
    take(live, "plataforma", phone="55 1234 5678", name="Ana")
    take(live, "plataforma")
    if page.locator("#current-ticket").is_hidden():
        button(page, "Llamar siguiente|Call next").click()
    expect(page.locator("#current-ticket")).to_be_visible()
    expect(page.locator("#waiting-list .waiting-row").first).to_be_visible()
    page.locator("#toast").evaluate("el => el.classList.remove('is-visible')")  # the page, not the toast
    expect(page.locator("#toast")).to_be_hidden()
    # es-desktop's first console shot comes from the walk-through above.
    suffix = "-2" if (lang, size) == ("es", "desktop") else ""
    screenshot(page, f"staff-console-{lang}-{size}{suffix}")


@pytest.mark.parametrize(("lang", "locale"), [("es", "es-MX"), ("en", "en-US")])
def test_on_a_phone_the_console_is_one_column_with_the_ticket_at_hand_first(live, new_page, lang, locale):
    """A manager's console at phone width: every panel the column's full width, the
    current ticket's first, and each line's name in "new turns" whole (its state and
    button go under it rather than squeeze it)."""
    page = new_page(viewport=PHONE, locale=locale)
    sign_in(page, live, "admin")
    open_console(page, live, "Ventanilla 2")
    expect(page.locator("#lines-list .line-row").first).to_be_visible()
    panels = page.locator(".console-grid section.panel:visible").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {cls: e.className, top: r.top, width: r.width}; })")
    assert len(panels) >= 6, panels
    assert "current-panel" in min(panels, key=lambda p: p["top"])["cls"], panels
    widths = {round(p["width"]) for p in panels}
    assert len(widths) == 1, panels
    names = page.locator("#lines-list .line-name").evaluate_all(
        "els => els.map(e => [e.textContent, e.scrollWidth <= e.clientWidth, e.getBoundingClientRect().width])")
    assert names and all(whole and width >= 80 for _text, whole, width in names), names


def test_an_agent_calls_a_chosen_ticket_out_of_turn_saying_why(live, new_page):
    page = new_page(viewport=DESKTOP, locale="es-MX")
    sign_in(page, live)
    open_console(page, live, "Ventanilla 1")
    button(page, "Abrir ventanilla").click()
    expect(page.locator("#counter-state")).to_have_text("Abierta")
    first, at_the_door = take(live, "caja"), take(live, "caja")
    row = page.locator("#waiting-list .waiting-item", has_text=at_the_door["code"])
    row.get_by_role("button", name=f"Llamar {at_the_door['code']} fuera de turno").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Llamar", exact=True).click()  # no reason yet
    expect(page.locator("#call-error")).to_have_text("Diga por qué llama este turno fuera de orden.")
    assert ticket(live, at_the_door["token"])["status"] == "waiting"
    dialog.get_by_label("Motivo").fill("Silla de ruedas en la puerta")
    screenshot(page, "staff-console-call-chosen-es-desktop")
    dialog.get_by_role("button", name="Llamar", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#current-code")).to_have_text(at_the_door["code"])
    expect(page.locator("#history-list")).to_contain_text("fuera de turno: Silla de ruedas en la puerta")
    assert ticket(live, at_the_door["token"])["status"] == "called"
    assert ticket(live, first["token"])["status"] == "waiting"
    expect(page.locator("#waiting-list .waiting-item").first).to_contain_text(first["code"])


def test_a_manager_stops_and_restarts_new_turns_to_a_line_from_the_console(live, new_page):
    page = new_page(viewport=DESKTOP, locale="es-MX")
    sign_in(page, live, username="admin")
    page.goto(f"{live.url}/staff/centro/v1")  # an admin chooses among every branch's counters
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    lines = page.locator("#lines-list")
    caja = lines.locator(".line-row", has_text="Caja")
    expect(caja).to_contain_text("Dando turnos")
    caja.get_by_role("button", name="Detener turnos nuevos · Caja").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Mensaje para los clientes (opcional)").fill("Caja cerrada para turnos nuevos hasta las 14:00")
    try:
        dialog.get_by_role("button", name="Detener turnos nuevos").click()
        expect(dialog).to_be_hidden()
        expect(caja).to_contain_text("Detenida")
        expect(caja).to_contain_text("hasta las 14:00")
        state = requests.get(f"{live.url}{API}/branches/centro", timeout=10).json()
        assert {s["id"]: s["joining"] for s in state["services"]}["caja"] == "paused"
        screenshot(page, "staff-console-lines-es-desktop")
        caja.get_by_role("button", name="Volver a dar turnos · Caja").click()
        expect(caja).to_contain_text("Dando turnos")
    finally:
        requests.post(f"{live.url}{API}/branches/centro/services/caja/joining", headers=live.staff("admin"),
                      json={"open": True}, timeout=10)


def test_an_agent_finds_a_waiting_turn_and_adds_a_walk_in_at_the_desk(live, new_page):
    page = new_page(viewport=DESKTOP, locale="en-US")
    sign_in(page, live)
    open_console(page, live, "Ventanilla 1")
    plain, with_phone = take(live, "caja"), take(live, "caja", phone="55 8765 4321")
    items = page.locator("#waiting-list .waiting-item")
    expect(items.filter(has_text=with_phone["code"])).to_have_count(1)
    search = page.get_by_label("Find a waiting turn by code or phone")
    search.fill(plain["code"].lower())
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(plain["code"])
    search.fill("876 54")  # a phone's digits, as staff hear them
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(with_phone["code"])
    search.fill("zz9")
    expect(items).to_have_count(0)
    expect(page.locator("#waiting-none-found")).to_be_visible()
    search.fill("")
    expect(items.filter(has_text=plain["code"])).to_have_count(1)

    page.get_by_role("button", name="Add a walk-in").click()
    dialog = page.get_by_role("dialog", name="Add a walk-in")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Phone for text alerts (optional)").fill("12")
    dialog.get_by_role("button", name="Give the turn").click()
    expect(page.locator("#walk-in-error")).not_to_be_empty()  # the server's reason, nothing made
    dialog.get_by_label("Phone for text alerts (optional)").fill("55 1234 0099")
    dialog.get_by_label("Name (optional)").fill("Rosa")
    dialog.get_by_label("Priority").select_option(index=1)
    screenshot(page, "staff-console-walk-in-en-desktop")
    dialog.get_by_role("button", name="Give the turn").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text("is in line.")
    staff = requests.post(f"{live.url}{API}/auth/token", timeout=10,
                          json={"username": "agente", "password": live.password}).json()
    listed = requests.get(f"{live.url}{API}/branches/centro/tickets?status=waiting", timeout=10,
                          headers={"Authorization": f"Bearer {staff['token']}"}).json()
    given = next(t for t in listed if t["name"] == "Rosa")
    assert (given["channel"], given["phone"], given["priority"]) == ("staff", "+525512340099", True)
    expect(items.filter(has_text=given["code"])).to_have_count(1)


def test_the_consoles_keys_do_nothing_behind_an_open_dialog(live, new_page):
    """N calls the next turn, but not while a dialog is open over the console (here
    the walk-in's, its Cancel button focused): a dialog's keys are its own."""
    page = new_page(viewport=DESKTOP, locale="en-US")
    sign_in(page, live)
    open_console(page, live, "Ventanilla 1")
    button(page, "Open counter").click()
    expect(page.locator("#counter-state")).to_have_text("Open")
    waiting = take(live, "caja")
    expect(page.locator("#waiting-list .waiting-row", has_text=waiting["code"])).to_be_visible()
    page.evaluate("""() => {
        window.sent = [];
        const real = window.fetch;
        window.fetch = function (url) { window.sent.push(String(url)); return real.apply(this, arguments); };
    }""")
    page.get_by_role("button", name="Add a walk-in").click()
    dialog = page.get_by_role("dialog", name="Add a walk-in")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").focus()
    page.keyboard.press("n")
    assert [url for url in page.evaluate("window.sent") if "call-next" in url] == []
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    page.keyboard.press("n")  # the dialog closed: N calls
    expect(page.locator("#current-code")).to_have_text(waiting["code"])
