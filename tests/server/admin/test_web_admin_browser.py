"""The administration in a real browser against a live server: an admin creates a
service that customers can then take (the API and the join page offer it), a form shows its
messages next to the fields, the menus fold behind buttons on a phone, and every admin page
is photographed in es and en."""
import re

import pytest
import requests
from conftest import DESKTOP, PHONE, screenshot
import browser_helpers
from playwright.sync_api import expect

API = "/api/v1"
pytestmark = pytest.mark.live


def sign_in(page, live, username="admin"):
    browser_helpers.sign_in(page, live, username)


def test_admin_creates_a_service_that_customers_can_take(live, new_page):
    page = new_page(viewport=DESKTOP, locale="es-MX")
    foreign = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(live.url) else None)
    sign_in(page, live)
    page.get_by_role("link", name="Administración").click()
    expect(page.locator("h1")).to_have_text("Sucursales")
    nav = page.get_by_role("navigation", name="Administración")
    nav.get_by_role("link", name="Servicios").first.click()
    page.get_by_role("link", name="Nuevo servicio").click()

    # First with a letter already in use: the message appears next to the field.
    page.get_by_label("Nombre corto").fill("tramites")
    page.get_by_label("Letra").fill("A")
    page.get_by_label("Nombre en español").fill("Trámites")
    page.get_by_label("Nombre en inglés").fill("Paperwork")
    page.get_by_label(re.compile("Tiempo promedio")).fill("7")
    page.get_by_role("button", name="Guardar servicio").click()
    letter = page.get_by_label("Letra")
    expect(letter).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#prefix-error")).to_have_text("El servicio “caja” ya usa esta letra.")
    screenshot(page, "admin-service-errors-es-desktop")

    letter.fill("C")
    page.get_by_role("button", name="Guardar servicio").click()
    expect(page.locator(".flash-success")).to_contain_text("Trámites")
    expect(page.get_by_role("row", name=re.compile("Trámites"))).to_be_visible()
    services = {s["id"]: s for s in requests.get(f"{live.url}{API}/branches/centro", timeout=10).json()["services"]}
    assert services["tramites"]["prefix"] == "C" and services["tramites"]["name"] == "Trámites"
    taken = requests.post(f"{live.url}{API}/branches/centro/tickets", json={"service": "tramites"}, timeout=10)
    assert taken.status_code == 201 and taken.json()["code"] == "C001"
    # ... and the customers' join page offers it.
    join = new_page(viewport=PHONE, locale="es-MX")
    join.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(live.url) else None)
    join.goto(f"{live.url}/b/centro/join")
    expect(join.get_by_role("radio", name=re.compile("Trámites"))).to_be_visible()
    assert foreign == []


def test_an_agent_is_kept_out_of_the_administration(live, new_page):
    page = new_page(viewport=DESKTOP, locale="en-US")
    sign_in(page, live, "agente")
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    response = page.goto(f"{live.url}/admin/branches/centro")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Forbidden")


def test_on_a_phone_the_menus_fold_behind_buttons_that_open_them(live, new_page):
    page = new_page(viewport=PHONE, locale="es-MX")
    sign_in(page, live)
    page.goto(live.url + "/admin/branches/centro")
    menu = page.get_by_role("button", name="Menú")
    top_links = page.get_by_role("navigation", name="Cuenta")
    sections = page.get_by_role("button", name=re.compile("^Secciones"))
    admin_nav = page.get_by_role("navigation", name="Administración")
    # Both menus start folded: the page's own content comes first.
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(top_links.get_by_role("link", name="Citas")).to_be_hidden()
    expect(sections).to_contain_text("Sucursal Centro · Configuración")
    expect(admin_nav.get_by_role("link", name="Servicios").first).to_be_hidden()
    expect(page.locator("h1")).to_be_in_viewport()
    screenshot(page, "admin-menus-closed-es-phone")

    # The administration's sections open and lead to a page.
    sections.click()
    expect(sections).to_have_attribute("aria-expanded", "true")
    admin_nav.get_by_role("link", name="Servicios").first.click()
    expect(page.locator("h1")).to_have_text("Servicios")
    expect(page.get_by_role("button", name=re.compile("^Secciones"))).to_contain_text("Sucursal Centro · Servicios")

    # The top bar's menu opens, Escape folds it again, and its links work.
    menu = page.get_by_role("button", name="Menú")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(top_links.get_by_role("link", name="Citas")).to_be_visible()
    screenshot(page, "admin-menu-open-es-phone")
    top_links.get_by_role("link", name="Ventanillas").focus()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    menu.click()
    top_links.get_by_role("link", name="Citas").click()
    expect(page).to_have_url(re.compile(r"/staff/appointments"))

    # On a wide screen every link shows and the buttons are gone.
    page.set_viewport_size(DESKTOP)
    page.goto(live.url + "/admin/branches/centro")
    expect(page.get_by_role("button", name="Menú")).to_be_hidden()
    expect(page.get_by_role("button", name=re.compile("^Secciones"))).to_be_hidden()
    expect(top_links.get_by_role("link", name="Citas")).to_be_visible()
    expect(admin_nav.get_by_role("link", name="Servicios").first).to_be_visible()


@pytest.mark.parametrize(("lang", "locale"), [("es", "es-MX"), ("en", "en-US")])
def test_admin_page_screenshots(live, new_page, lang, locale):
    page = new_page(viewport=DESKTOP, locale=locale)
    sign_in(page, live)
    pages = {
        "branches": "/admin/branches",
        "branch": "/admin/branches/centro",
        "services": "/admin/branches/centro/services",
        "service": "/admin/branches/centro/services/caja",
        "counters": "/admin/branches/centro/counters",
        "counter": "/admin/branches/centro/counters/v2",
        "users": "/admin/users",
        "user-new": "/admin/users/new",
    }
    for name, path in pages.items():
        response = page.goto(live.url + path)
        assert response.status == 200, path
        expect(page.locator("h1")).to_be_visible()
        screenshot(page, f"admin-{name}-{lang}-desktop")
    page.goto(live.url + "/admin/users")
    page.get_by_role("link", name="agente", exact=True).click()
    expect(page.locator("h1")).to_contain_text("agente")
    screenshot(page, f"admin-user-{lang}-desktop")
    page.goto(live.url + "/admin/branches/centro/devices")
    page.get_by_label(re.compile("Nombre|Name")).fill("Kiosco entrada" if lang == "es" else "Entrance kiosk")
    page.get_by_role("button", name=re.compile("Emitir token|Issue token")).click()
    token = page.locator("#issued-token").inner_text()
    assert len(token) >= 22
    # The token works at once: the kiosk takes a ticket with it.
    r = requests.post(f"{live.url}{API}/branches/centro/tickets", json={"service": "caja"},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 201 and r.json()["channel"] == "kiosk"
    screenshot(page, f"admin-devices-{lang}-desktop")
    # Pairing instead: a short code, large, with its QR, that a display exchanges for its token.
    page.get_by_label(re.compile("Tipo|Kind")).select_option("display")
    page.get_by_role("button", name=re.compile("Vincular un dispositivo|Pair a device")).click()
    code = page.locator("#pairing-code").inner_text()
    expect(page.locator("img.pair-qr")).to_be_visible()
    screenshot(page, f"admin-devices-pairing-{lang}-desktop")
    r = requests.post(f"{live.url}{API}/devices/pair", json={"code": code}, timeout=10)
    assert r.status_code == 201 and r.json()["kind"] == "display"
    phone = new_page(viewport=PHONE, locale=locale)
    sign_in(phone, live)
    phone.goto(live.url + "/admin/branches/centro/devices")
    phone.get_by_role("button", name=re.compile("Vincular un dispositivo|Pair a device")).click()
    expect(phone.locator("#pairing-code")).to_be_visible()
    screenshot(phone, f"admin-devices-pairing-{lang}-phone")
    phone.goto(live.url + "/admin/branches/centro")
    screenshot(phone, f"admin-branch-{lang}-phone")


def test_the_audit_log_shows_a_change_and_a_customer_is_found_copied_and_erased(live, new_page):
    page = new_page(viewport=DESKTOP, locale="es-MX")
    sign_in(page, live)
    page.goto(live.url + "/admin/branches/centro")
    page.get_by_label("Conservar datos personales (días)").fill("60")
    page.get_by_role("button", name="Guardar configuración").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.get_by_role("navigation", name="Administración").get_by_role("link", name="Registro de auditoría").click()
    row = page.get_by_role("row", name=re.compile("Ajustes de la sucursal cambiados"))
    expect(row.first).to_contain_text(re.compile(r"Conservar datos personales \(días\):\s*90 →\D*60"))
    expect(row.first).to_contain_text("desde 127.0.0.1")
    screenshot(page, "admin-audit-es-desktop")

    # A customer who took a turn with their phone and was served asks to be forgotten.
    r = requests.post(f"{live.url}{API}/branches/centro/tickets", timeout=10,
                      json={"service": "caja", "phone": "55 7777 0001", "name": "Olga"})
    ticket = r.json()
    staff = live.staff("agente")
    requests.post(f"{live.url}{API}/branches/centro/counters/v2/open", headers=staff, timeout=10)
    while requests.post(f"{live.url}{API}/branches/centro/counters/v2/call-next", headers=staff,
                        timeout=10).json()["id"] != ticket["id"]:
        pass
    requests.post(f"{live.url}{API}/tickets/{ticket['id']}/done", headers=staff, timeout=10).raise_for_status()

    page.get_by_role("link", name="Datos de clientes").click()
    page.get_by_label("Número de teléfono").fill("55 7777 0001")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.get_by_role("heading", name="+525577770001")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Descargar una copia (JSON)").click()
    copy = download.value.path().read_text(encoding="utf-8")
    assert "Olga" in copy and ticket["code"] in copy
    screenshot(page, "admin-customer-es-desktop")

    page.get_by_role("button", name="Borrar definitivamente").click()
    expect(page.locator("#confirm-error")).to_be_visible()  # the box was not ticked
    page.get_by_label(re.compile("^Entiendo")).check()
    page.get_by_role("button", name="Borrar definitivamente").click()
    expect(page.locator(".flash-success")).to_contain_text("Se borraron los datos del cliente")
    page.get_by_label("Número de teléfono").fill("55 7777 0001")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.get_by_text("No se guarda nada sobre este número.")).to_be_visible()

    page.goto(live.url + "/admin/audit?lang=en")
    expect(page.get_by_role("row", name=re.compile("Customer data erased"))).to_have_count(1)
    expect(page.get_by_role("row", name=re.compile("Customer data exported"))).to_have_count(1)
    assert "5577770001" not in page.content()
    screenshot(page, "admin-audit-en-desktop")
    phone = new_page(viewport=PHONE, locale="es-MX")
    sign_in(phone, live)
    phone.goto(live.url + "/admin/audit")
    screenshot(phone, "admin-audit-es-phone")
