"""The administration pages: every form valid and invalid (messages next to the
fields), and who may use them (agent 403, manager only at their branch), on
SQLite and PostgreSQL."""
import re

import pytest
from conftest import DEMO_PASSWORD
from sqlalchemy import select
from web_staff_helpers import csrf_of, make_user, post_form, sign_in

from turnero.models import Branch, Counter, Device, Service, User

API = "/api/v1"
SERVICE = {"slug": "tramites", "prefix": "C", "name_es": "Trámites", "name_en": "Paperwork", "color": "#0e7c66",
           "avg_service_min": "6.5", "slot_minutes": "20", "slot_capacity": "1", "active": "y",
           "bring_es": "Su identificación", "bring_en": "Your ID"}
BRANCH = {"name": "Sucursal Centro", "timezone": "America/Mexico_City", "lang": "es", "country": "MX",
          "priority_boost_min": "20", "appointment_boost_min": "10", "notify_ahead": "4", "offers_priority": "y",
          "message": "Cerramos a las 17:00", "retention_days": "90"}


def field_errors(response, field: str) -> list[str]:
    """The messages shown next to a field (the list the field's aria-describedby names)."""
    match = re.search(rf'<ul class="errors" id="{field}-error">(.*?)</ul>', response.get_data(as_text=True), re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def branch_seq(app, slug="centro") -> int:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(Branch.seq).where(Branch.slug == slug))


def services_of(client, branch="centro", lang="es") -> dict:
    return {s["id"]: s for s in client.get(f"{API}/branches/{branch}?lang={lang}").get_json()["services"]}


@pytest.fixture
def manager(app, client):
    """Signed in as a manager of centro."""
    make_user(app, "gerente", "manager", "centro")
    sign_in(client, "gerente")
    return client


@pytest.fixture
def admin_client(client):
    sign_in(client, "admin")
    return client


# ---------------------------------------------------------------- access

def test_signed_out_admin_pages_send_to_login(client):
    r = client.get("/admin/branches/centro/services")
    assert r.status_code == 302 and "/staff/login" in r.headers["Location"]


@pytest.mark.parametrize("url", ["/admin/", "/admin/branches", "/admin/branches/centro", "/admin/users",
                                 "/admin/branches/centro/services/new", "/admin/branches/centro/devices"])
def test_an_agent_gets_403_everywhere(client, url):
    sign_in(client, "agente")
    r = client.get(url)
    assert r.status_code == 403 and "text/html" in r.content_type


def test_an_agent_cannot_post_either(app, client):
    sign_in(client, "agente")
    token = csrf_of(client, "/staff/")
    r = client.post("/admin/branches/centro/services/new", data={"csrf_token": token, **SERVICE})
    assert r.status_code == 403 and "tramites" not in services_of(client)


def test_a_manager_runs_their_branch_only(app, manager):
    assert manager.get("/admin/").headers["Location"].endswith("/admin/branches/centro")
    for url in ("/admin/branches/centro", "/admin/branches/centro/services", "/admin/branches/centro/counters",
                "/admin/branches/centro/devices", "/admin/users"):
        assert manager.get(url).status_code == 200, url
    for url in ("/admin/branches/norte", "/admin/branches/norte/services", "/admin/branches/norte/services/caja",
                "/admin/branches/norte/counters/v1", "/admin/branches/norte/devices", "/admin/branches/new"):
        assert manager.get(url).status_code == 403, url
    token = csrf_of(manager, "/admin/branches/centro")
    r = manager.post("/admin/branches/norte/services/new", data={"csrf_token": token, **SERVICE})
    assert r.status_code == 403 and "tramites" not in services_of(manager, "norte")
    r = manager.post("/admin/branches/norte", data={"csrf_token": token, **BRANCH, "name": "Mía"})
    assert r.status_code == 403
    # The admin user is not theirs to see.
    with app.extensions["turnero.db"].unit_of_work() as uow:
        admin_id = uow.session.scalar(select(User.id).where(User.username == "admin"))
    assert manager.get(f"/admin/users/{admin_id}").status_code == 403
    assert "admin" not in re.findall(r'/admin/users/\d+">([^<]+)<', manager.get("/admin/users").get_data(as_text=True))


# ---------------------------------------------------------------- branches

def test_branch_settings_are_saved_and_the_display_is_told(app, admin_client):
    before = branch_seq(app)
    r = post_form(admin_client, "/admin/branches/centro", {**BRANCH, "name": "Centro Histórico",
                                                           "address": "Calle 5 de Mayo 20, Centro"})
    assert r.status_code == 302
    body = admin_client.get(f"{API}/branches/centro").get_json()
    assert body["name"] == "Centro Histórico" and body["message"] == "Cerramos a las 17:00"
    assert "Calle 5 de Mayo 20, Centro" in admin_client.get("/").get_data(as_text=True)  # the start page
    assert branch_seq(app) == before + 1  # a fresh branch.state went out after the commit


def test_branch_settings_invalid_show_messages_next_to_fields(app, admin_client):
    before = branch_seq(app)
    r = post_form(admin_client, "/admin/branches/centro?lang=en",
                  {**BRANCH, "notify_ahead": "many"})
    assert r.status_code == 422
    assert field_errors(r, "notify_ahead") == ["Not a valid integer value."]
    assert 'aria-invalid="true"' in r.get_data(as_text=True)
    # Once the values have the right types, the rules of the use case answer, all at once.
    r = post_form(admin_client, "/admin/branches/centro?lang=en",
                  {**BRANCH, "name": "", "timezone": "Mars/Olympus", "country": "XX", "priority_boost_min": "999"})
    assert r.status_code == 422
    assert field_errors(r, "name") == ["This field is required."]
    assert field_errors(r, "timezone") == ["Choose a time zone from the list, like America/Mexico_City."]
    assert field_errors(r, "country") == ["Enter a two-letter country code, like MX."]
    assert field_errors(r, "priority_boost_min") == ["Enter a number from 0 to 240."]
    assert admin_client.get(f"{API}/branches/centro").get_json()["timezone"] == "America/Mexico_City"
    assert branch_seq(app) == before


def test_branch_messages_in_spanish(admin_client):
    r = post_form(admin_client, "/admin/branches/centro?lang=es", {**BRANCH, "timezone": "Nowhere/City",
                                                                   "notify_ahead": "x"})
    assert field_errors(r, "notify_ahead") == ["No es un valor entero válido."]
    r = post_form(admin_client, "/admin/branches/centro?lang=es", {**BRANCH, "timezone": "Nowhere/City"})
    assert field_errors(r, "timezone") == ["Elija una zona horaria de la lista, como America/Mexico_City."]


def test_admin_creates_a_branch_and_a_duplicate_is_refused(admin_client):
    r = post_form(admin_client, "/admin/branches/new", {**BRANCH, "slug": "sur", "name": "Sucursal Sur",
                                                        "timezone": "America/Monterrey"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/branches/sur/setup")  # its checklist next
    assert admin_client.get(f"{API}/branches/sur").get_json()["timezone"] == "America/Monterrey"
    r = post_form(admin_client, "/admin/branches/new?lang=en", {**BRANCH, "slug": "sur"})
    assert r.status_code == 422 and field_errors(r, "slug") == ["Another branch already uses this short name."]
    r = post_form(admin_client, "/admin/branches/new?lang=en", {**BRANCH, "slug": "Bad Slug!"})
    assert field_errors(r, "slug") == ["Use lowercase letters, digits and hyphens (up to 40)."]


# ---------------------------------------------------------------- services

def test_a_new_service_is_offered_by_the_api(app, manager):
    before = branch_seq(app)
    r = post_form(manager, "/admin/branches/centro/services/new", SERVICE)
    assert r.status_code == 302
    service = services_of(manager)["tramites"]
    assert (service["prefix"], service["name"], service["color"]) == ("C", "Trámites", "#0e7c66")
    assert services_of(manager, lang="en")["tramites"]["name"] == "Paperwork"
    assert branch_seq(app) == before + 1
    assert "Trámites" in manager.get("/admin/branches/centro/services").get_data(as_text=True)
    with app.extensions["turnero.db"].unit_of_work() as uow:  # what to bring, kept for the appointments
        kept = uow.session.scalar(select(Service).where(Service.slug == "tramites"))
        assert (kept.bring("es"), kept.bring("en")) == ("Su identificación", "Your ID")


def test_service_rules_answer_next_to_the_fields(manager):
    r = post_form(manager, "/admin/branches/centro/services/new?lang=en",
                  {**SERVICE, "slug": "caja", "prefix": "A", "color": "blue", "name_en": "",
                   "avg_service_min": "0", "slot_capacity": "0"})
    assert r.status_code == 422
    assert field_errors(r, "slug") == ["This branch already has a service with this name."]
    assert field_errors(r, "prefix") == ["The service “caja” already uses this letter."]
    assert field_errors(r, "color") == ["A colour like #1f6feb."]
    assert field_errors(r, "name_en") == ["This field is required."]
    assert field_errors(r, "avg_service_min") == ["Enter a number from 0.5 to 480."]
    assert field_errors(r, "slot_capacity") == ["Enter a number from 1 to 100."]
    r = post_form(manager, "/admin/branches/centro/services/new?lang=en", {**SERVICE, "prefix": "12"})
    assert field_errors(r, "prefix") == ["One letter, A to Z."]
    assert "tramites" not in services_of(manager)


def test_editing_a_service_renames_it_for_every_channel(app, manager):
    page = manager.get("/admin/branches/centro/services/caja")
    assert page.status_code == 200 and 'value="Cashier"' in page.get_data(as_text=True)
    before = branch_seq(app)
    r = post_form(manager, "/admin/branches/centro/services/caja",
                  {**SERVICE, "prefix": "A", "name_es": "Caja rápida", "name_en": "Quick cashier", "color": "#AA3300"})
    assert r.status_code == 302
    caja = services_of(manager)["caja"]
    assert (caja["name"], caja["color"], caja["prefix"]) == ("Caja rápida", "#aa3300", "A")
    assert branch_seq(app) == before + 1
    # Its own letter is not a clash with itself; another service's is.
    r = post_form(manager, "/admin/branches/centro/services/caja?lang=en", {**SERVICE, "prefix": "B"})
    assert field_errors(r, "prefix") == ["The service “plataforma” already uses this letter."]


def test_a_deactivated_service_leaves_the_join_choices(manager, client):
    r = post_form(manager, "/admin/branches/centro/services/plataforma",
                  {**SERVICE, "prefix": "B", "active": ""})
    assert r.status_code == 302
    assert "plataforma" not in services_of(manager)
    taken = client.post(f"{API}/branches/centro/tickets", json={"service": "plataforma"})
    assert taken.status_code == 404


# ---------------------------------------------------------------- counters

def test_counters_are_created_and_given_services(app, manager):
    r = post_form(manager, "/admin/branches/centro/counters/new",
                  {"slug": "v4", "name": "Ventanilla 4", "services": ["caja", "plataforma"]})
    assert r.status_code == 302
    counters = {c["id"]: c for c in manager.get(f"{API}/branches/centro").get_json()["counters"]}
    assert counters["v4"] == {"id": "v4", "name": "Ventanilla 4", "state": "closed", "services": ["caja", "plataforma"]}
    page = manager.get("/admin/branches/centro/counters/v1")
    checked = re.findall(r'<input checked[^>]*value="([a-z]+)"', page.get_data(as_text=True))
    assert checked == ["caja"]
    r = post_form(manager, "/admin/branches/centro/counters/v1", {"name": "Caja 1", "services": ["plataforma"]})
    assert r.status_code == 302
    counters = {c["id"]: c for c in manager.get(f"{API}/branches/centro").get_json()["counters"]}
    assert counters["v1"]["name"] == "Caja 1" and counters["v1"]["services"] == ["plataforma"]


def test_counter_rules_answer_next_to_the_fields(manager):
    r = post_form(manager, "/admin/branches/centro/counters/new?lang=en", {"slug": "v1", "name": ""})
    assert r.status_code == 422
    assert field_errors(r, "slug") == ["This branch already has a counter with this name."]
    assert field_errors(r, "name") == ["This field is required."]
    assert "Choose at least one service." in r.get_data(as_text=True)
    r = post_form(manager, "/admin/branches/centro/counters/v2?lang=en", {"name": "V2", "services": ["nope"]})
    assert r.status_code == 422 and "Unknown service." in r.get_data(as_text=True)


def _planned_hours(app, counter="v2"):
    with app.extensions["turnero.db"].unit_of_work() as uow:
        row = uow.session.scalar(select(Counter).where(Counter.slug == counter, Counter.branch.has(slug="centro")))
        return row.name, [s.slug for s in row.services], row.planned_hours


def test_a_counters_planned_hours_are_saved_shown_and_cleared(app, manager):
    r = post_form(manager, "/admin/branches/centro/counters/v2",
                  {"name": "Ventanilla 2", "services": ["caja", "plataforma"], "planned_hours": "14:00-18:00,9:00 - 13:00"})
    assert r.status_code == 302
    assert _planned_hours(app)[2] == "09:00-13:00, 14:00-18:00"  # in order, as the branch's hours are written
    page = manager.get("/admin/branches/centro/counters/v2").get_data(as_text=True)
    assert 'value="09:00-13:00, 14:00-18:00"' in page
    listing = manager.get("/admin/branches/centro/counters?lang=en").get_data(as_text=True)
    assert "09:00-13:00, 14:00-18:00" in listing and "Not set" in listing  # v2's hours; v1 and v3 have none
    r = post_form(manager, "/admin/branches/centro/counters/v2",
                  {"name": "Ventanilla 2", "services": ["caja", "plataforma"], "planned_hours": " "})
    assert r.status_code == 302
    assert _planned_hours(app)[2] is None


@pytest.mark.parametrize("hours, message", [
    ("14:00-12:00", "Escriba el horario como 09:00-13:00, 14:00-18:00 (formato de 24 horas, rangos que no se "
                    "traslapen)."),
    ("09:00-13:00, 12:00-15:00", None),
    ("25:00-26:00", None),
    ("de 9 a 5", None),
    ("08:00-09:00, 10:00-11:00, 12:00-13:00, 14:00-15:00, 16:00-17:00", "Como máximo 4 horarios por día."),
])
def test_planned_hours_that_are_not_right_are_refused_next_to_their_field_and_nothing_changes(
        app, manager, hours, message):
    r = post_form(manager, "/admin/branches/centro/counters/v2",
                  {"name": "Otro nombre", "services": ["caja"], "planned_hours": hours})
    assert r.status_code == 422
    assert field_errors(r, "planned_hours") == [message or "Escriba el horario como 09:00-13:00, 14:00-18:00 "
                                                           "(formato de 24 horas, rangos que no se traslapen)."]
    assert _planned_hours(app) == ("Ventanilla 2", ["caja", "plataforma"], None)


# ---------------------------------------------------------------- users

def test_a_manager_adds_an_agent_who_can_log_in(app, manager, login):
    r = post_form(manager, "/admin/users/new", {"username": "cajera", "role": "agent", "branch": "centro",
                                                "password": "segura-123"})
    assert r.status_code == 302
    login("cajera", "segura-123")  # the API accepts the new account


def test_user_rules_answer_next_to_the_fields(manager):
    r = post_form(manager, "/admin/users/new?lang=en", {"username": "agente", "role": "admin", "branch": "norte",
                                                        "password": "short"})
    assert r.status_code == 422
    assert field_errors(r, "username") == ["That username is taken."]
    assert field_errors(r, "role") == ["Only administrators may give this role."]
    assert field_errors(r, "branch") == ["You can only manage your own branch."]
    assert field_errors(r, "password") == ["At least 8 characters."]
    r = post_form(manager, "/admin/users/new?lang=en", {"username": "x y", "role": "agent", "branch": "",
                                                        "password": "long-enough"})
    assert field_errors(r, "username") == ["2 to 80 letters, digits, dots, hyphens or underscores."]
    assert field_errors(r, "branch") == ["Managers and agents belong to a branch."]


def test_reset_password_deactivate_and_role_change(app, admin_client, login):
    with app.extensions["turnero.db"].unit_of_work() as uow:
        agent_id = uow.session.scalar(select(User.id).where(User.username == "agente"))
        admin_id = uow.session.scalar(select(User.id).where(User.username == "admin"))
    url = f"/admin/users/{agent_id}"
    token = csrf_of(admin_client, url)
    r = admin_client.post(url + "/password?lang=en", data={"csrf_token": token, "password": "123"})
    assert r.status_code == 422 and field_errors(r, "password") == ["At least 8 characters."]
    r = admin_client.post(url + "/password", data={"csrf_token": token, "password": "nueva-clave-1"})
    assert r.status_code == 302
    r = admin_client.post(f"{API}/auth/token", json={"username": "agente", "password": DEMO_PASSWORD})
    assert r.status_code == 401
    bearer = login("agente", "nueva-clave-1")
    assert admin_client.post(url, data={"csrf_token": token, "role": "manager", "branch": "centro"}).status_code == 302
    assert admin_client.post(url + "/active", data={"csrf_token": token, "active": "0"}).status_code == 302
    assert admin_client.get(f"{API}/branches/centro/tickets", headers=bearer).status_code == 401  # tokens ended
    assert admin_client.post(f"{API}/auth/token", json={"username": "agente",
                                                       "password": "nueva-clave-1"}).status_code == 401
    with app.extensions["turnero.db"].unit_of_work() as uow:
        user = uow.session.get(User, agent_id)
        assert (user.role, user.active) == ("manager", False)
    # Nobody locks themselves out.
    r = admin_client.post(f"/admin/users/{admin_id}/active?lang=en", data={"csrf_token": token, "active": "0"},
                          follow_redirects=True)
    assert "You cannot deactivate yourself." in r.get_data(as_text=True)


# ---------------------------------------------------------------- devices

def test_a_device_token_is_shown_once_works_and_can_be_revoked(app, manager, client):
    r = post_form(manager, "/admin/branches/centro/devices", {"kind": "kiosk", "name": "Entrada"})
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    token = re.search(r'<code class="token" id="issued-token">([^<]+)</code>', r.get_data(as_text=True)).group(1)
    kiosk = {"Authorization": f"Bearer {token}"}
    taken = client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}, headers=kiosk)
    assert taken.status_code == 201 and taken.get_json()["channel"] == "kiosk"
    listing = manager.get("/admin/branches/centro/devices").get_data(as_text=True)
    assert "Entrada" in listing and token not in listing  # never shown again
    with app.extensions["turnero.db"].unit_of_work() as uow:
        device_id = uow.session.scalar(select(Device.id).where(Device.name == "Entrada"))
    token_page = csrf_of(manager, "/admin/branches/centro/devices")
    r = manager.post(f"/admin/branches/centro/devices/{device_id}/revoke", data={"csrf_token": token_page})
    assert r.status_code == 302
    assert client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}, headers=kiosk).status_code == 401
    # Not another branch's device, not an unknown kind.
    assert manager.post(f"/admin/branches/norte/devices/{device_id}/revoke",
                        data={"csrf_token": token_page}).status_code == 403
    r = post_form(manager, "/admin/branches/centro/devices?lang=en", {"kind": "toaster", "name": "x"})
    assert r.status_code == 422 and field_errors(r, "kind") == ["Not a valid choice."]


def test_a_branchs_day_is_set_in_its_settings(admin_client):
    r = post_form(admin_client, "/admin/branches/centro", {**BRANCH, "join_hours": "y", "last_entry_min": "20",
                                                           "remote_check_in": "y", "remote_grace_min": "15",
                                                           "no_show_after_recalls": "2"})
    assert r.status_code == 302
    body = admin_client.get(f"{API}/branches/centro").get_json()
    assert (body["join_hours"], body["last_entry_min"], body["remote_check_in"]) == (True, 20, True)
    page = admin_client.get("/admin/branches/centro").get_data(as_text=True)
    assert 'name="remote_grace_min"' in page and 'value="15"' in page
    r = post_form(admin_client, "/admin/branches/centro", {**BRANCH, "no_show_after_recalls": "11"})
    assert r.status_code == 422  # 0 to 10
    body = admin_client.get(f"{API}/branches/centro").get_json()
    assert body["remote_check_in"] is True  # nothing saved
