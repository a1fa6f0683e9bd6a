"""Headless Chromium reaches the live server: the start page and the API docs page
render with nothing loaded from another host."""
from conftest import DESKTOP, PHONE, screenshot


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
