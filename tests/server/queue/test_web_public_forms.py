"""The customer pages without a browser: every form validates on the server, answers
with the message next to its field, writes nothing when refused, and needs its CSRF
token; wrong links are friendly HTML 404s. Both databases (the `client` fixture)."""
import gzip
import re

import pytest
from sqlalchemy import func, select

from turnero.models import Ticket

API = "/api/v1"
ES = {"Accept-Language": "es-MX,es;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def count_tickets(app) -> int:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Ticket))


def form_fields(html: str) -> dict:
    """The hidden fields (CSRF token, one-time key) of the first form of a page."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def error_next_to(html: str, field: str) -> str:
    """The message shown under a field (`<p class="error-text" id="FIELD-error">`)."""
    found = re.search(rf'<p class="error-text" id="{field}-error">([^<]+)</p>', html)
    assert found, f"no error shown next to {field}"
    return found.group(1)


@pytest.fixture
def join_form(client):
    def _form(headers=ES):
        r = client.get("/b/centro/join", headers=headers)
        assert r.status_code == 200
        return form_fields(r.get_data(as_text=True))
    return _form


@pytest.fixture
def joined(client, join_form):
    """Take a turn through the page; returns its token."""
    def _join(service="caja", **extra):
        r = client.post("/b/centro/join", data={**join_form(), "service": service, **extra}, headers=ES)
        assert r.status_code == 303, r.get_data(as_text=True)
        return r.headers["Location"].rsplit("/t/", 1)[1]
    return _join


def track_form(client, token) -> dict:
    return form_fields(client.get(f"/t/{token}", headers=ES).get_data(as_text=True))


# ---------------------------------------------------------------- taking a turn

def test_join_page_lists_services_with_their_waits(client, take):
    take("caja")
    take("caja")
    html = client.get("/b/centro/join", headers=ES).get_data(as_text=True)
    assert "Sucursal Centro" in html and "Caja" in html and "Atención a clientes" in html
    assert "2 en espera" in html and "Nadie en espera" in html
    assert "--c:#1f6feb" in html  # the service's own colour
    assert 'name="csrf_token"' in html
    # No priority box: the customer tells the staff, who can see them (and give it).
    assert 'name="priority"' not in html and "avise al personal al llegar" in html
    en = client.get("/b/centro/join", headers=EN).get_data(as_text=True)
    assert "Customer service" in en and "Take my turn" in en
    # The language switch is remembered in a cookie.
    r = client.get("/b/centro/join?lang=en", headers=ES)
    assert "lang=en" in r.headers["Set-Cookie"]
    html = client.get("/b/centro/join", headers=ES).get_data(as_text=True)
    assert '<html lang="en">' in html and "Take my turn" in html


def test_a_line_no_counter_is_serving_says_so_instead_of_a_wait(client, take, open_counter):
    take("caja")
    html = client.get("/b/centro/join", headers=ES).get_data(as_text=True)
    # Every counter is closed: a range would promise a wait no one is working down.
    assert "1 en espera · Nadie está atendiendo ahora" in html
    state = client.get("/api/v1/branches/centro").get_json()
    assert {s["id"]: s["serving"] for s in state["services"]} == {"caja": 0, "plataforma": 0}
    open_counter("v1")  # Ventanilla 1 serves Caja
    html = client.get("/b/centro/join", headers=ES).get_data(as_text=True)
    assert "1 en espera · Nadie está atendiendo ahora" not in html and "1 en espera · " in html
    assert "Nadie en espera · Nadie está atendiendo ahora" in html  # Atención a clientes: still no one
    lobby = client.get("/b/centro/display", headers=ES).get_data(as_text=True)
    assert "Nadie está atendiendo ahora" in lobby


def test_joining_issues_a_web_ticket_and_the_same_form_twice_gives_it_again(client, app, join_form):
    # A "priority" field a script adds to the form is not a thing the page offers: ignored.
    fields = {**join_form(EN), "service": "plataforma", "name": "Ana", "phone": "55 1234 5678", "priority": "1"}
    r = client.post("/b/centro/join", headers=EN, data=fields)
    assert r.status_code == 303
    token = r.headers["Location"].rsplit("/t/", 1)[1]
    ticket = client.get(f"{API}/tickets/{token}").get_json()
    assert ticket["code"] == "B001" and ticket["channel"] == "web" and ticket["priority"] is False
    assert ticket["lang"] == "en"
    page = client.get(r.headers["Location"], headers=EN)
    assert page.status_code == 200 and "B001" in page.get_data(as_text=True)
    # A double tap, or back and send again: the same ticket; back and choose another: a new one.
    again = client.post("/b/centro/join", headers=EN, data=fields)
    assert again.headers["Location"] == r.headers["Location"]
    assert count_tickets(app) == 1
    other = client.post("/b/centro/join", headers=EN, data={**fields, "service": "caja"})
    assert other.status_code == 303 and other.headers["Location"] != r.headers["Location"]
    assert count_tickets(app) == 2


BAD_JOINS = [
    ({"service": ""}, "service", "Elija un servicio."),
    ({"service": "nada"}, "service", "Servicio desconocido."),
    ({"service": "caja", "phone": "12"}, "phone", "No es un número de teléfono válido."),
    ({"service": "caja", "name": "x" * 121}, "name", "Es demasiado largo."),
]


def test_bad_join_input_is_shown_next_to_its_field_and_writes_nothing(client, app, join_form):
    for data, field, message in BAD_JOINS:
        r = client.post("/b/centro/join", data={**join_form(), **data}, headers=ES)
        assert r.status_code == 422, data
        assert r.mimetype == "text/html"
        html = r.get_data(as_text=True)
        assert error_next_to(html, field) == message
        if field != "service":
            assert 'value="caja" checked' in html  # what was chosen stays chosen
    assert count_tickets(app) == 0


def test_forms_need_their_csrf_token_and_the_json_api_does_not(client, app, joined, agent):
    r = client.post("/b/centro/join", data={"service": "caja"}, headers=ES)
    assert r.status_code == 400 and r.mimetype == "text/html"
    assert "Intente de nuevo" in r.get_data(as_text=True)
    assert count_tickets(app) == 0
    token = joined()
    r = client.post(f"/t/{token}/cancel", data={"csrf_token": "forged"}, headers=ES)
    assert r.status_code == 400
    assert client.get(f"{API}/tickets/{token}").get_json()["status"] == "waiting"
    # This client holds a session cookie now; the JSON API still needs no CSRF token.
    assert client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}).status_code == 201
    assert client.post(f"{API}/branches/centro/counters/v1/open", headers=agent).status_code == 200


# ---------------------------------------------------------------- wrong links

def test_wrong_links_are_friendly_html_404s(client, join_form):
    for url in ("/t/not-a-real-token", "/t/not-a-real-token/cancel", "/b/nowhere/join",
                "/b/nowhere/display", "/b/nowhere/join-qr.svg"):
        r = client.get(url, headers=ES)
        assert r.status_code == 404, url
        assert r.mimetype == "text/html"
        html = r.get_data(as_text=True)
        assert "No encontramos esta página" in html and 'href="/"' in html
    r = client.post("/t/not-a-real-token/cancel", data=join_form(), headers=EN)
    assert r.status_code == 404 and "could not find this page" in r.get_data(as_text=True)



def test_an_address_no_door_answers_is_a_page_for_browsers_and_json_for_programs(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = client.get("/no/such/page", headers={"Accept": browser, "Accept-Language": "en"})
    assert r.status_code == 404 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert '<html lang="en">' in html and "<title>" in html and "could not find this page" in html
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    for url, accept in (("/no/such/page", "*/*"), ("/api/v1/no/such", browser), ("/static/no-such.js", "*/*")):
        assert client.get(url, headers={"Accept": accept}).mimetype == "application/problem+json", url


# ---------------------------------------------------------------- following a turn

def test_tracking_page_shows_code_position_and_wait(client, take, joined, open_counter):
    take("caja")
    take("caja")
    token = joined()
    html = client.get(f"/t/{token}", headers=ES).get_data(as_text=True)
    assert 'data-f="eta">Nadie está atendiendo ahora<' in html  # no counter open yet
    open_counter("v1")
    html = client.get(f"/t/{token}", headers=ES).get_data(as_text=True)
    assert 'data-f="code">A003<' in html
    assert 'data-f="position">3<' in html
    assert "2 personas delante de usted" in html
    assert 'data-status="waiting"' in html
    assert "A003: número 3 en la fila" in html  # the page title
    # The wait told and its range, broken only before the bracket.
    assert re.search('data-f="eta">aprox\\.\u00a0\\d+\u00a0min \\((\\d+–|hasta\u00a0)\\d+\\)<', html)
    en = client.get(f"/t/{token}?lang=en").get_data(as_text=True)
    assert "2 people ahead of you" in en


def test_cancel_asks_first_then_cancels(client, take, joined):
    token = joined()
    behind = take("caja")
    confirm = client.get(f"/t/{token}/cancel", headers=ES)
    assert confirm.status_code == 200 and "¿Cancelar su turno?" in confirm.get_data(as_text=True)
    assert client.get(f"{API}/tickets/{token}").get_json()["status"] == "waiting"
    r = client.post(f"/t/{token}/cancel", data=track_form(client, token), headers=ES)
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/t/{token}")
    assert client.get(f"{API}/tickets/{token}").get_json()["status"] == "cancelled"
    assert client.get(f"{API}/tickets/{behind['token']}").get_json()["position"] == 1
    html = client.get(f"/t/{token}", headers=ES).get_data(as_text=True)
    assert "Su turno está cancelado." in html and 'data-status="cancelled"' in html
    again = client.post(f"/t/{token}/cancel", data=track_form(client, token), headers=ES)
    assert again.status_code == 303
    assert "ya no se puede cancelar" in client.get(f"/t/{token}", headers=ES).get_data(as_text=True)


def test_a_phone_for_sms_updates(client, agent, joined):
    token = joined()
    bad = client.post(f"/t/{token}/phone", data={**track_form(client, token), "phone": "123"}, headers=ES)
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert error_next_to(html, "phone") == "No es un número de teléfono válido."
    assert 'value="123"' in html and '<details class="panel" id="alerts" data-show="waiting" open>' in html
    before = client.get(f"/t/{token}", headers=ES).get_data(as_text=True)
    assert "Recibir avisos por SMS" in before and "deje su número arriba" in before
    empty = client.post(f"/t/{token}/phone", data={**track_form(client, token), "phone": " "}, headers=ES)
    assert error_next_to(empty.get_data(as_text=True), "phone") == "Escriba su número de teléfono."
    ok = client.post(f"/t/{token}/phone", data={**track_form(client, token), "phone": "55 8765 4321"},
                     headers=ES)
    assert ok.status_code == 303
    page = client.get(f"/t/{token}", headers=ES).get_data(as_text=True)
    assert "le enviaremos un mensaje" in page
    # The page says where the alerts go now, by the number's end only, and offers to change it.
    assert "Avisos por SMS a •••4321 · cambiar</span>" in page and "Otro teléfono celular" in page
    assert "Le enviaremos un SMS a •••4321" in page and "8765" not in page
    assert "Recibir avisos por SMS" not in page
    listed = client.get(f"{API}/branches/centro/tickets", headers=agent).get_json()
    assert [t["phone"] for t in listed] == ["+525587654321"]


def test_rating_after_the_visit(client, agent, open_counter, joined):
    token = joined()
    early = client.post(f"/t/{token}/feedback", data={**track_form(client, token), "score": "5"}, headers=ES)
    assert early.status_code == 303
    assert "Podrá calificar su visita" in client.get(f"/t/{token}", headers=ES).get_data(as_text=True)
    open_counter("v1")
    ticket = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    client.post(f"{API}/tickets/{ticket['id']}/done", headers=agent)
    html = client.get(f"/t/{token}", headers=ES).get_data(as_text=True)
    assert 'data-status="done"' in html and "¿Cómo fue su visita?" in html
    for score in ("0", "6", "x", ""):
        bad = client.post(f"/t/{token}/feedback", data={**track_form(client, token), "score": score}, headers=ES)
        assert bad.status_code == 422
        assert error_next_to(bad.get_data(as_text=True), "score") == "La calificación va del 1 al 5."
    long = client.post(f"/t/{token}/feedback", headers=ES,
                       data={**track_form(client, token), "score": "4", "comment": "x" * 1001})
    assert error_next_to(long.get_data(as_text=True), "comment") == "Es demasiado largo."
    ok = client.post(f"/t/{token}/feedback", headers=ES,
                     data={**track_form(client, token), "score": "4", "comment": "Rápido"})
    assert ok.status_code == 303
    html = client.get(f"/t/{token}", headers=ES).get_data(as_text=True)
    assert "Gracias por su calificación" in html and "★★★★☆" in html and 'name="score"' not in html
    twice = client.post(f"/t/{token}/feedback", data={**track_form(client, token), "score": "1"}, headers=ES)
    assert twice.status_code == 303
    assert "ya fue calificada" in client.get(f"/t/{token}", headers=ES).get_data(as_text=True)


# ---------------------------------------------------------------- the lobby screen

def test_lobby_page_shows_the_last_calls_and_waits_codes_only(client, agent, take, open_counter):
    take("caja", name="Secreto Pérez", phone="55 1111 2222")
    take("caja")
    take("plataforma")
    idle = client.get("/b/centro/display", headers=ES).get_data(as_text=True)
    assert re.search(r'data-f="call" hidden>', idle) and re.search(r'data-f="idle" >Aquí aparecerá', idle)
    open_counter("v1")
    called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    html = client.get("/b/centro/display", headers=ES).get_data(as_text=True)
    assert f'data-f="code">{called["code"]}<' in html and "Ventanilla 1" in html
    assert re.search(r'data-f="idle" hidden>', html)
    assert "1 en espera" in html  # caja and plataforma each have one left
    assert "Secreto" not in html and "1111" not in html
    assert 'src="/b/centro/join-qr.svg"' in html and "/b/centro/join" in html
    assert re.search(r'data-f="clock">\d\d:\d\d<', html)
    qr = client.get("/b/centro/join-qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"


# ---------------------------------------------------------------- light pages

def test_pages_and_their_files_are_compressed_for_browsers_that_accept_it(client, joined):
    token = joined()
    plain = client.get(f"/t/{token}")
    assert "Content-Encoding" not in plain.headers
    packed = client.get(f"/t/{token}", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert 'data-f="code">A001<' in gzip.decompress(packed.data).decode()
    with client.get("/static/vendor/socket.io/socket.io.min.js", headers={"Accept-Encoding": "gzip"}) as js:
        assert js.headers["Content-Encoding"] == "gzip" and len(js.data) < 20_000
        assert len(gzip.decompress(js.data)) > 40_000
    with client.get("/static/css/turnero.css") as css, \
            client.get("/static/css/turnero.css", headers={"Accept-Encoding": "gzip"}) as packed_css:
        assert gzip.decompress(packed_css.data) == css.data and len(packed_css.data) < len(css.data) / 2
    assert plain.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert plain.headers["Referrer-Policy"] == "same-origin"  # HTTPS form posts need their Referer


@pytest.mark.parametrize(("colour", "ink"), [("#1f6feb", "#ffffff"), ("#8250df", "#ffffff"),
                                             ("#f5a524", "#111111"), ("#ffffff", "#111111"),
                                             ("#000000", "#ffffff"), ("red", "#ffffff"), (None, "#ffffff")])
def test_text_on_a_service_colour_is_the_more_readable_of_black_and_white(colour, ink):
    from turnero.web import ink_on
    assert ink_on(colour) == ink


def test_a_tickets_page_opens_in_the_language_it_was_taken_in(app, take):
    """Taken in English (its texts are in English): its page opens in English on a
    Spanish phone, until the page's switch says otherwise."""
    ticket = take(lang="en")
    browser = app.test_client()
    html = browser.get(f"/t/{ticket['token']}", headers={"Accept-Language": "es-MX,es"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    browser.set_cookie("lang", "es")
    assert '<html lang="es">' in browser.get(f"/t/{ticket['token']}").get_data(as_text=True)
