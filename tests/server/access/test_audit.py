"""The audit log: administrative changes are entered with who, when, what changed and
from where, in the transaction of the change; entries cannot be changed or deleted
(the database refuses); managers see their branch's, admins everyone's; staff grant
and remove priority, logged. SQLite and PostgreSQL."""
import pytest
from conftest import problem
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from web_staff_helpers import csrf_of, make_user, post_form, sign_in

from turnero.models import AuditEntry, Branch, Ticket

API = "/api/v1"
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.23"}


def entries(app, action=None) -> list[AuditEntry]:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        rows = list(uow.session.scalars(query))
        uow.session.expunge_all()
        return rows


def test_a_settings_change_is_entered_with_who_what_and_from_where(app, client):
    sign_in(client, "admin")
    before = len(entries(app))
    form = {"name": "Sucursal Centro", "address": "Av. Juárez 100, Centro, Ciudad de México",
            "timezone": "America/Mexico_City", "lang": "es", "country": "MX",
            "priority_boost_min": "25", "appointment_boost_min": "10", "notify_ahead": "3", "offers_priority": "y",
            "message": "", "retention_days": "30"}
    r = post_form(client, "/admin/branches/centro", form, environ_base=ELSEWHERE)
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    (entry,) = entries(app)[before:]
    assert (entry.actor, entry.role, entry.address, entry.branch, entry.action) == \
        ("admin", "admin", "198.51.100.23", "centro", "branch.changed")
    assert entry.changes == {"priority_boost_min": [15, 25], "retention_days": [90, 30]}

    # The same form again changes nothing, and enters nothing.
    assert post_form(client, "/admin/branches/centro", form).status_code == 302
    assert len(entries(app)) == before + 1


def test_a_refused_change_enters_nothing(app, client):
    sign_in(client, "admin")
    before = len(entries(app))
    r = post_form(client, "/admin/branches/centro", {"name": "", "timezone": "Nowhere/Atlantis"})
    assert r.status_code == 422
    assert len(entries(app)) == before


def test_users_devices_services_and_hours_are_entered(app, client, admin, runner):
    sign_in(client, "admin")
    post_form(client, "/admin/users/new", {"username": "nuevo", "role": "agent", "branch": "centro",
                                           "password": "una-clave-larga"})
    post_form(client, "/admin/branches/centro/devices", {"kind": "kiosk", "name": "Entrada"})
    r = client.put(f"{API}/branches/centro/check-in-window", headers=admin,
                   json={"checkin_before_min": 45, "checkin_after_min": 10})
    assert r.status_code == 200
    runner.invoke(args=["user", "create", "desde-consola", "--role", "agent", "--branch", "norte",
                        "--password", "una-clave-larga"])
    got = [(e.actor, e.action, e.branch, e.target) for e in entries(app)]
    assert ("admin", "user.created", "centro", "nuevo") in got
    assert any(a == "device.issued" and t.endswith(": Entrada") for _, a, _, t in got)
    assert ("cli", "user.created", "norte", "desde-consola") in got
    window = entries(app, "checkin_window.changed")[-1]
    assert window.changes == {"checkin_before_min": [30, 45]} and window.address == "127.0.0.1"


def test_a_password_reset_is_entered_without_the_password(app, client):
    make_user(app, "cajero", "agent", "centro")
    sign_in(client, "admin")
    with app.extensions["turnero.db"].unit_of_work() as uow:
        user_id = uow.session.scalar(text("SELECT id FROM users WHERE username = 'cajero'"))
    r = client.post(f"/admin/users/{user_id}/password",
                    data={"csrf_token": csrf_of(client, f"/admin/users/{user_id}"), "password": "secreta-y-larga"})
    assert r.status_code == 302
    (entry,) = entries(app, "user.password")
    assert entry.target == "cajero" and entry.changes is None
    with app.extensions["turnero.db"].engine.connect() as conn:
        assert "secreta-y-larga" not in str(conn.execute(text("SELECT * FROM audit_log")).all())


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'nadie'", "DELETE FROM audit_log"])
def test_the_database_refuses_to_change_or_delete_an_entry(app, client, statement):
    sign_in(client, "admin")
    post_form(client, "/admin/branches/centro/devices", {"kind": "display", "name": "Sala"})
    kept = [(e.id, e.actor) for e in entries(app)]
    assert kept
    engine = app.extensions["turnero.db"].engine
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    assert [(e.id, e.actor) for e in entries(app)] == kept


def test_managers_see_their_branch_and_agents_nothing(app, client, runner):
    runner.invoke(args=["device", "add", "--branch", "norte", "--kind", "kiosk", "--name", "Norte"])
    sign_in(client, "admin")
    post_form(client, "/admin/branches/centro/devices", {"kind": "kiosk", "name": "Centro"})
    client.post("/staff/logout", data={"csrf_token": ""})

    make_user(app, "gerente", "manager", "centro")
    manager = app.test_client()
    sign_in(manager, "gerente")
    page = manager.get("/admin/audit").get_data(as_text=True)
    assert "kiosk 2: Centro" in page or ": Centro" in page
    assert ": Norte" not in page
    assert manager.get("/admin/audit?branch=norte").get_data(as_text=True).count(": Norte") == 0

    agent = app.test_client()
    sign_in(agent, "agente")
    assert agent.get("/admin/audit").status_code == 403


@pytest.mark.parametrize(("lang", "words"), [("es", ["Registro de auditoría", "Dispositivo registrado", "desde"]),
                                             ("en", ["Audit log", "Device registered", "from"])])
def test_the_audit_page_speaks_the_staff_language(app, client, lang, words):
    sign_in(client, "admin")
    post_form(client, "/admin/branches/centro/devices", {"kind": "kiosk", "name": "Entrada"})
    page = client.get(f"/admin/audit?lang={lang}").get_data(as_text=True)
    for word in words:
        assert word in page


# ---------------------------------------------------------------- priority, granted and removed by staff

def waiting_codes(client, agent) -> list[str]:
    r = client.get(f"{API}/branches/centro/tickets?status=waiting", headers=agent)
    return [t["code"] for t in r.get_json() if t["service"] == "caja"]


def test_staff_grant_and_remove_priority_and_the_line_follows(app, client, agent, take):
    first, second, third = (take("caja") for _ in range(3))
    assert waiting_codes(client, agent) == [first["code"], second["code"], third["code"]]

    r = client.post(f"{API}/tickets/{third['id']}/priority", json={"priority": True}, headers=agent)
    assert r.status_code == 200 and r.get_json()["priority"] is True
    assert waiting_codes(client, agent)[0] == third["code"]
    assert client.get(f"{API}/tickets/{first['token']}").get_json()["ahead"] == 1

    r = client.post(f"{API}/tickets/{third['id']}/priority", json={"priority": False}, headers=agent)
    assert r.status_code == 200 and r.get_json()["priority"] is False
    assert waiting_codes(client, agent) == [first["code"], second["code"], third["code"]]

    granted, removed = entries(app, "ticket.priority_granted"), entries(app, "ticket.priority_removed")
    assert [(e.actor, e.target) for e in granted + removed] == [("agente", third["code"])] * 2
    events = client.get(f"{API}/tickets/{third['id']}/events", headers=agent).get_json()
    assert [e["data"] for e in events if e["kind"] == "priority"] == [{"priority": True}, {"priority": False}]


def test_asking_for_the_priority_a_ticket_has_changes_nothing(app, client, agent, take):
    ticket = take("caja")
    r = client.post(f"{API}/tickets/{ticket['id']}/priority", json={"priority": False}, headers=agent)
    assert r.status_code == 200 and r.get_json()["priority"] is False
    assert entries(app, "ticket.priority_removed") == []


def test_priority_is_refused_for_a_called_ticket_and_where_the_branch_offers_none(app, client, agent, take,
                                                                                    open_counter):
    open_counter("v1")
    ticket = take("caja")
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    body = problem(client.post(f"{API}/tickets/{ticket['id']}/priority", json={"priority": True}, headers=agent),
                   409)
    assert "espera" in body["detail"]

    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        uow.session.scalar(select(Branch).where(Branch.slug == "centro")).offers_priority = False
        uow.commit()
    waiting = take("caja")
    problem(client.post(f"{API}/tickets/{waiting['id']}/priority", json={"priority": True}, headers=agent), 422)
    with app.extensions["turnero.db"].unit_of_work() as uow:
        assert uow.session.scalar(select(Ticket.priority).where(Ticket.id == waiting["id"])) is False
    assert entries(app, "ticket.priority_granted") == []


def test_only_staff_of_the_branch_change_priority(app, client, take, kiosk, login):
    make_user(app, "agente_norte", "agent", "norte")
    ticket = take("caja")
    url = f"{API}/tickets/{ticket['id']}/priority"
    problem(client.post(url, json={"priority": True}), 401)
    problem(client.post(url, json={"priority": True}, headers=kiosk), 403)
    problem(client.post(url, json={"priority": True}, headers=login("agente_norte")), 403)
