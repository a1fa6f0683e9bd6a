"""Deleting a branch from the administration, on SQLite and PostgreSQL: refused with
the reason while customers are in line today or have appointments to come (nothing
deleted), done in one go once the queue is empty (services, counters, devices, daily
numbers, hours, past tickets with their events and ratings, past appointments), its
staff kept without a branch, and only by an administrator."""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from web_staff_helpers import csrf_of, make_user, sign_in

from turnero.admin import users as setup
from turnero.appointments import services as appointment_services
from turnero.appointments.models import Appointment, Closure, OpeningHours
from turnero.messaging.models import OutboxMessage
from turnero.models import (Branch, Counter, Customer, DailyNumber, Device, Feedback, Service, Ticket, TicketEvent,
                            User, counter_services)

API = "/api/v1"
DELETE = "/admin/branches/centro/delete"
# A Monday at centro (America/Mexico_City, UTC-6): 10:00 there is 16:00 UTC.
APPOINTMENT = "2031-03-03T16:00:00Z"


def db(app):
    return app.extensions["turnero.db"]


def rows_of(app, slug="centro") -> dict:
    """How many rows of each kind belong to the branch (by its id, kept from before)."""
    with db(app).unit_of_work() as uow:
        s = uow.session
        branch_id = s.scalar(select(Branch.id).where(Branch.slug == slug))
        return _rows(s, branch_id)


def _rows(s, branch_id) -> dict:
    def count(model, *where):
        return s.scalar(select(func.count()).select_from(model).where(*where))
    services = select(Service.id).where(Service.branch_id == branch_id).scalar_subquery()
    counters = select(Counter.id).where(Counter.branch_id == branch_id).scalar_subquery()
    tickets = select(Ticket.seq).where(Ticket.branch_id == branch_id).scalar_subquery()
    return {
        "branch": count(Branch, Branch.id == branch_id),
        "services": count(Service, Service.branch_id == branch_id),
        "counters": count(Counter, Counter.branch_id == branch_id),
        "counter_services": count(counter_services, counter_services.c.counter_id.in_(counters)),
        "devices": count(Device, Device.branch_id == branch_id),
        "daily_numbers": count(DailyNumber, DailyNumber.service_id.in_(services)),
        "hours": count(OpeningHours, OpeningHours.branch_id == branch_id),
        "closures": count(Closure, Closure.branch_id == branch_id),
        "tickets": count(Ticket, Ticket.branch_id == branch_id),
        "events": count(TicketEvent, TicketEvent.branch_id == branch_id),
        "feedback": count(Feedback, Feedback.ticket_seq.in_(tickets)),
        "appointments": count(Appointment, Appointment.branch_id == branch_id),
    }


def user_branch(app, username):
    with db(app).unit_of_work() as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        return user.branch.slug if user.branch else None


@pytest.fixture
def admin_client(client):
    sign_in(client, "admin")
    return client


def confirm(client, typed="centro"):
    token = csrf_of(client, "/admin/branches/centro")
    return client.post(DELETE, data={"csrf_token": token, "confirm": typed})


def serve_one(client, agent, take, phone=None) -> dict:
    """A customer takes a turn, is called, served and rates the visit."""
    ticket = take(**({"phone": phone} if phone else {}))
    assert client.post(f"{API}/branches/centro/counters/v1/open", headers=agent).status_code == 200
    called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    assert called.status_code == 200, called.get_json()
    assert client.post(f"{API}/tickets/{ticket['id']}/done", headers=agent).status_code == 200
    rated = client.post(f"{API}/tickets/{ticket['token']}/feedback", json={"score": 5})
    assert rated.status_code == 201, rated.get_json()
    return ticket


def test_refused_while_a_ticket_waits_and_nothing_is_deleted(app, admin_client, take):
    waiting = take(service="caja")
    before = rows_of(app)

    page = admin_client.get(DELETE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Turnos esperando, llamados o en atención hoy: 1" in html
    assert waiting["code"] in html
    assert 'name="confirm"' not in html  # nothing to confirm while customers wait

    r = confirm(admin_client)
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "no se puede eliminar" in html and waiting["code"] in html
    assert rows_of(app) == before and before["branch"] == 1 and before["tickets"] == 1
    assert user_branch(app, "agente") == "centro"

    # Once the ticket is cancelled the same confirmation goes through.
    assert admin_client.post(f"{API}/tickets/{waiting['token']}/cancel").status_code == 200
    r = confirm(admin_client)
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/branches")
    assert rows_of(app)["branch"] == 0


def test_deleted_with_everything_of_its_own_once_the_queue_is_empty(app, client, agent, take, monkeypatch):
    # History to go with it: a served and rated ticket (with a phone: a text in the
    # outbox), a device, a closure and an appointment that is already over.
    monkeypatch.setattr("turnero.clock.utcnow", lambda: datetime(2031, 2, 28, 18, tzinfo=timezone.utc))
    with db(app).unit_of_work(write=True) as uow:
        appointment_services.book(uow, "centro", service="plataforma", start=APPOINTMENT, name="Ana López",
                                  phone="55 1000 0001")
        setup.add_device(uow.session, "centro", "kiosk", "Entrada")
        uow.session.add(Closure(branch_id=uow.session.scalar(select(Branch.id).where(Branch.slug == "centro")),
                                first_day=datetime(2031, 4, 1).date(), last_day=datetime(2031, 4, 2).date()))
        uow.commit()
    served = serve_one(client, agent, take, phone="+525512345678")
    norte_before = rows_of(app, "norte")
    with db(app).unit_of_work() as uow:
        centro_id = uow.session.scalar(select(Branch.id).where(Branch.slug == "centro"))
        before = _rows(uow.session, centro_id)
    assert all(before[k] > 0 for k in before), before

    # The appointment is in the past by the time the admin deletes the branch.
    monkeypatch.setattr("turnero.clock.utcnow", lambda: datetime(2031, 3, 4, 18, tzinfo=timezone.utc))
    make_user(app, "gerente", "manager", "centro")
    sign_in(client, "admin")
    page = client.get(DELETE + "?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="confirm"' in html
    assert "agente, gerente" in html  # the staff who stay without a branch are named

    wrong = confirm(client, typed="Centro ")
    assert wrong.status_code == 422
    assert "That is not “centro”. Type it exactly as shown." in wrong.get_data(as_text=True)
    assert rows_of(app)["branch"] == 1

    r = confirm(client)
    assert r.status_code == 302
    assert "Branch “Sucursal Centro” deleted." in client.get(r.headers["Location"]).get_data(as_text=True)

    with db(app).unit_of_work() as uow:
        after = _rows(uow.session, centro_id)
        assert set(after.values()) == {0}, after
        # Staff and customers stay; the text log stays without the branch or ticket.
        staff = {u.username: u for u in uow.session.scalars(select(User))}
        assert staff["agente"].branch_id is None and staff["agente"].active
        assert staff["gerente"].branch_id is None
        assert uow.session.scalar(select(func.count()).select_from(Customer)) >= 2
        texts = uow.session.scalars(select(OutboxMessage)).all()
        assert texts and all(t.branch_id is None and t.ticket_seq is None for t in texts)
        assert all(t.status != "queued" for t in texts)
    assert rows_of(app, "norte") == norte_before
    assert client.get(f"{API}/tickets/{served['token']}").status_code == 404
    assert client.get(f"{API}/branches/centro").status_code == 404

    # The manager left without a branch is told so, instead of reaching any page.
    client.post("/staff/logout", data={"csrf_token": csrf_of(client, "/admin/branches")})
    sign_in(client, "gerente")
    r = client.get("/admin/")
    assert r.status_code == 403 and "not assigned to a branch" in r.get_data(as_text=True)
    assert client.get("/admin/users").status_code == 403


def test_refused_while_appointments_are_booked_ahead(app, admin_client, monkeypatch):
    monkeypatch.setattr("turnero.clock.utcnow", lambda: datetime(2031, 2, 28, 18, tzinfo=timezone.utc))
    with db(app).unit_of_work(write=True) as uow:
        appointment_services.book(uow, "centro", service="plataforma", start=APPOINTMENT, name="Ana López",
                                  phone="55 1000 0001")
        uow.commit()
    monkeypatch.setattr("turnero.clock.utcnow", lambda: datetime(2031, 3, 1, 18, tzinfo=timezone.utc))
    r = admin_client.post(DELETE + "?lang=en", data={"csrf_token": csrf_of(admin_client, "/admin/branches/centro"),
                                                      "confirm": "centro"})
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "Appointments booked from now on: 1, the first on 2031-03-03 10:00." in html
    assert rows_of(app)["appointments"] == 1 and rows_of(app)["branch"] == 1


@pytest.mark.parametrize("username,role", [("gerente", "manager"), ("agente", "agent")])
def test_only_an_administrator_may_delete_a_branch(app, client, username, role):
    if role == "manager":
        make_user(app, username, role, "centro")
    token = sign_in(client, username)
    before = rows_of(app)
    assert client.get(DELETE).status_code == 403
    r = client.post(DELETE, data={"csrf_token": token, "confirm": "centro"})
    assert r.status_code == 403
    assert rows_of(app) == before
    if role == "manager":  # their settings page offers no way to it either
        assert "/delete" not in client.get("/admin/branches/centro").get_data(as_text=True)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_form_needs_its_csrf_token(app, admin_client):
    r = admin_client.post(DELETE, data={"confirm": "centro"})
    assert r.status_code == 400
    assert rows_of(app)["branch"] == 1
    assert re.search(r'href="/admin/branches/centro/delete"', admin_client.get("/admin/branches/centro")
                     .get_data(as_text=True))
