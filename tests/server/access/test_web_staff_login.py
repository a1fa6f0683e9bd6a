"""Staff sign-in (session cookie, CSRF, rate limit), the console pages' access rules,
and the JSON API used with the browser session, on SQLite and PostgreSQL."""
import json
import re

from conftest import DEMO_PASSWORD
from sqlalchemy import select
from web_staff_helpers import csrf_of, make_user, post_form, sign_in

from turnero.models import Counter

API = "/api/v1"


def counter_state(app, slug="v1"):
    """The state of centro's counter `slug`."""
    from turnero.models import Branch
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(Counter.state).join(Branch, Branch.id == Counter.branch_id)
                                  .where(Counter.slug == slug, Branch.slug == "centro"))


# ---------------------------------------------------------------- login

def test_login_page_is_translated_and_carries_a_csrf_token(client):
    es = client.get("/staff/login", headers={"Accept-Language": "es-MX"})
    assert es.status_code == 200 and "Iniciar sesión" in es.get_data(as_text=True)
    en = client.get("/staff/login?lang=en").get_data(as_text=True)
    assert "Log in" in en and 'name="csrf_token"' in en


def test_good_login_opens_the_counter_choice(client):
    r = client.post("/staff/login", data={"csrf_token": csrf_of(client), "username": "agente",
                                          "password": DEMO_PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].endswith("/staff/")
    page = client.get("/staff/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Ventanilla 1" in body and "Sucursal Centro" in body
    assert "Sucursal Norte" not in body  # an agent sees only their branch


def test_wrong_password_is_refused_with_a_message(client):
    r = client.post("/staff/login?lang=en", data={"csrf_token": csrf_of(client), "username": "agente",
                                                  "password": "wrong-password"})
    assert r.status_code == 401
    assert "Wrong username or password." in r.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302  # still signed out


def test_unknown_user_gets_the_same_answer(client):
    r = client.post("/staff/login?lang=en", data={"csrf_token": csrf_of(client), "username": "nobody",
                                                  "password": "whatever"})
    assert r.status_code == 401 and "Wrong username or password." in r.get_data(as_text=True)


def test_failed_logins_are_rate_limited(client):
    token = csrf_of(client)
    for _ in range(10):
        r = client.post("/staff/login", data={"csrf_token": token, "username": "agente", "password": "nope"})
        assert r.status_code == 401
    r = client.post("/staff/login?lang=en", data={"csrf_token": token, "username": "agente",
                                                  "password": DEMO_PASSWORD})
    assert r.status_code == 429
    assert "Too many attempts" in r.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302  # the right password did not get in either


def test_login_without_csrf_token_is_refused_and_signs_nobody_in(client):
    r = client.post("/staff/login", data={"username": "agente", "password": DEMO_PASSWORD})
    assert r.status_code == 400
    assert client.get("/staff/").status_code == 302


def test_next_goes_only_to_this_server(client):
    token = csrf_of(client)
    r = client.post("/staff/login?next=//evil.example/x", data={"csrf_token": token, "username": "agente",
                                                                "password": DEMO_PASSWORD})
    assert r.headers["Location"].endswith("/staff/")
    client.post("/staff/logout", data={"csrf_token": csrf_of(client, "/staff/")})
    r = client.post("/staff/login?next=/staff/centro/v2",
                    data={"csrf_token": csrf_of(client), "username": "agente", "password": DEMO_PASSWORD})
    assert r.headers["Location"].endswith("/staff/centro/v2")


def test_logout_ends_the_session_and_needs_csrf(client):
    sign_in(client)
    assert client.post("/staff/logout").status_code == 400  # no token: still signed in
    assert client.get("/staff/").status_code == 200
    r = client.post("/staff/logout", data={"csrf_token": csrf_of(client, "/staff/")})
    assert r.status_code == 302
    assert client.get("/staff/").status_code == 302


def test_a_password_reset_ends_open_sessions(app, client):
    sign_in(client, "agente")
    from turnero.access.services import SYSTEM
    from turnero.admin import users
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        agent_id = next(u["id"] for u in users.list_users(uow, SYSTEM) if u["username"] == "agente")
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        users.reset_password(uow, SYSTEM, agent_id, "another-pass-1")
    assert client.get("/staff/").status_code == 302


# ---------------------------------------------------------------- console pages

def console_config(page) -> dict:
    match = re.search(r'<script type="application/json" id="console-config">(.*?)</script>',
                      page.get_data(as_text=True), re.S)
    assert match, "the console carries its configuration"
    return json.loads(match.group(1))


def test_console_needs_login(client):
    r = client.get("/staff/centro/v1")
    assert r.status_code == 302 and "/staff/login" in r.headers["Location"]


def test_console_shows_the_counter_and_its_current_ticket(client, take, open_counter, agent):
    sign_in(client)
    ticket = take("caja")
    open_counter("v1")
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    page = client.get("/staff/centro/v1?lang=en")
    assert page.status_code == 200
    config = console_config(page)
    counter = config["counter"]
    assert {k: counter[k] for k in ("id", "name", "state", "services", "agent", "pause_reason")} == {
        "id": "v1", "name": "Ventanilla 1", "state": "open", "services": ["caja"], "agent": "agente",
        "pause_reason": None}
    assert config["current"]["code"] == ticket["code"] and config["current"]["status"] == "called"
    assert {s["id"] for s in config["services"]} == {"caja", "plataforma"}
    assert config["texts"]["status"]["called"] == "Called" and config["csrf"]
    body = page.get_data(as_text=True)
    for label in ("Call next", "Recall", "Start", "Finish", "No-show", "Transfer", "Pause counter"):
        assert label in body


def test_agent_cannot_open_another_branchs_console(client):
    sign_in(client)
    r = client.get("/staff/norte/v1")
    assert r.status_code == 403 and "text/html" in r.content_type


def test_unknown_counter_is_a_404_page(client):
    sign_in(client)
    assert client.get("/staff/centro/v9").status_code == 404


def test_admin_chooses_among_every_branch(client):
    sign_in(client, "admin")
    body = client.get("/staff/").get_data(as_text=True)
    assert "Sucursal Centro" in body and "Sucursal Norte" in body


# ---------------------------------------------------------------- the JSON API with the session cookie

def test_session_reads_staff_data_without_a_header(client, take):
    take("caja")
    assert client.get(f"{API}/branches/centro/tickets").status_code == 401  # anonymous
    sign_in(client)
    r = client.get(f"{API}/branches/centro/tickets?status=waiting")
    assert r.status_code == 200 and [t["code"] for t in r.get_json()] == ["A001"]


def test_session_change_needs_the_csrf_header(app, client, take):
    take("caja")
    token = sign_in(client)
    # Without the header the cookie does not count: nothing changes.
    r = client.post(f"{API}/branches/centro/counters/v1/open")
    assert r.status_code == 401 and counter_state(app) == "closed"
    # With a wrong token it is refused outright.
    r = client.post(f"{API}/branches/centro/counters/v1/open", headers={"X-CSRFToken": "forged"})
    assert r.status_code == 400 and r.mimetype == "application/problem+json"
    assert counter_state(app) == "closed"
    # With the page's token the console's calls work end to end.
    headers = {"X-CSRFToken": token}
    assert client.post(f"{API}/branches/centro/counters/v1/open", headers=headers).status_code == 200
    called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=headers)
    assert called.status_code == 200 and called.get_json()["code"] == "A001"
    events = client.get(f"{API}/tickets/{called.get_json()['id']}/events").get_json()
    assert [e["kind"] for e in events] == ["issued", "called"] and events[1]["user"] == "agente"


def test_session_agent_cannot_act_on_another_branch(app, client):
    token = sign_in(client)
    r = client.post(f"{API}/branches/norte/counters/v1/open", headers={"X-CSRFToken": token})
    assert r.status_code == 403
    with app.extensions["turnero.db"].unit_of_work() as uow:
        assert set(uow.session.scalars(select(Counter.state))) == {"closed"}


def test_bearer_token_wins_over_the_session(client, login):
    sign_in(client, "agente")
    make_user(client.application, "norteño", "agent", "norte")
    other = login("norteño")
    # The Bearer header decides who acts: the norte agent may open norte's counter.
    assert client.post(f"{API}/branches/norte/counters/v1/open", headers=other).status_code == 200
    assert client.post(f"{API}/branches/centro/counters/v1/open", headers=other).status_code == 403


def test_public_ticket_taking_ignores_a_staff_cookie_without_header(client):
    sign_in(client)
    r = client.post(f"{API}/branches/centro/tickets", json={"service": "caja"})
    assert r.status_code == 201 and r.get_json()["channel"] == "web"


def test_admin_form_without_csrf_changes_nothing(app, client):
    sign_in(client, "admin")
    r = client.post("/admin/branches/centro/services/new",
                    data={"slug": "nueva", "prefix": "N", "name_es": "Nueva", "name_en": "New",
                          "color": "#123456", "avg_service_min": "5", "slot_minutes": "20", "slot_capacity": "1",
                          "active": "y"})
    assert r.status_code == 400
    assert "nueva" not in [s["id"] for s in client.get(f"{API}/branches/centro").get_json()["services"]]
    assert post_form(client, "/admin/branches/centro/services/new",
                     {"slug": "nueva", "prefix": "N", "name_es": "Nueva", "name_en": "New", "color": "#123456",
                      "avg_service_min": "5", "slot_minutes": "20", "slot_capacity": "1",
                      "active": "y"}).status_code == 302
