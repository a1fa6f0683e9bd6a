"""Personal data over time and on request, on SQLite and PostgreSQL: `turnero purge`
erases phones, names, texts and comments older than each branch's retention and keeps
the rows for the figures; an administrator hands a customer a copy of what is kept
about their number, or erases it (refused while they are in line or booked), each
entered in the audit log without the number."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from twilio_helpers import text as sms_to_server
from web_staff_helpers import post_form, sign_in

from turnero.appointments.models import Appointment
from turnero.messaging.models import InboundMessage, OutboxMessage
from turnero.models import AuditEntry, Branch, Customer, Feedback, Ticket

API = "/api/v1"
ANA, BETO, CARLA = "+525512345678", "+525522223333", "+525544445555"


def db(app):
    return app.extensions["turnero.db"]


def scalar(app, query):
    with db(app).unit_of_work() as uow:
        return uow.session.scalar(query)


def rows(app, query) -> list:
    with db(app).unit_of_work() as uow:
        found = list(uow.session.execute(query).all())
        return found


@pytest.fixture
def served(client, agent, open_counter, take):
    """A ticket taken with a phone and a name, served and rated with a comment."""
    def _served(phone="55 1234 5678", name="Ana Ruiz", branch="centro", counter="v1", service="caja"):
        open_counter(counter, branch)
        ticket = take(service, branch, phone=phone, name=name)
        headers = agent if branch == "centro" else None
        r = client.post(f"{API}/branches/{branch}/counters/{counter}/call-next", headers=headers)
        assert r.status_code == 200 and r.get_json()["code"] == ticket["code"]
        assert client.post(f"{API}/tickets/{ticket['id']}/done", headers=headers).status_code == 200
        r = client.post(f"{API}/tickets/{ticket['token']}/feedback", json={"score": 5, "comment": "Lucía, muy amable"})
        assert r.status_code == 201
        return ticket
    return _served


def purge(runner) -> str:
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    return result.output


# ---------------------------------------------------------------- over time

def test_purge_erases_what_is_older_than_the_retention_and_keeps_the_figures(app, client, clock, served, take,
                                                                             runner):
    old = served()
    assert sms_to_server(client, app, "TURNO caja", sender=BETO)  # a text in, a confirmation out
    clock.now += timedelta(days=80)
    recent = take("caja", phone="55 4444 5555", name="Carla")
    totals = [scalar(app, select(func.count()).select_from(t)) for t in (Ticket, Feedback, OutboxMessage,
                                                                          InboundMessage)]

    clock.now += timedelta(days=11)  # the first ones are 91 days old; centro keeps 90
    out = purge(runner)
    assert "erased:" in out

    (name, customer), = rows(app, select(Ticket.name, Ticket.customer_id).where(Ticket.id == old["id"]))
    assert (name, customer) == (None, None)
    (score, comment), = rows(app, select(Feedback.score, Feedback.comment))
    assert (score, comment) == (5, None)
    sent = rows(app, select(OutboxMessage.phone, OutboxMessage.body))
    assert {phone for phone, _body in sent} == {"", CARLA}  # Carla's confirmation is 11 days old
    assert all(body == "" for phone, body in sent if phone == "") and len(sent) >= 3
    for body, sender, reply in rows(app, select(InboundMessage.body, InboundMessage.sender, InboundMessage.reply)):
        assert (body, sender, reply) == ("", "", None)
    (name, phone), = rows(app, select(Ticket.name, Customer.phone).join(Customer).where(Ticket.id == recent["id"]))
    assert (name, phone) == ("Carla", CARLA)
    assert sorted(p for p, in rows(app, select(Customer.phone))) == [CARLA]
    # Every row is still there for the figures.
    assert [scalar(app, select(func.count()).select_from(t)) for t in (Ticket, Feedback, OutboxMessage,
                                                                       InboundMessage)] == totals

    (entry,) = rows(app, select(AuditEntry.actor, AuditEntry.changes).where(AuditEntry.action == "data.purged"))
    assert entry.actor == "cli" and entry.changes["tickets"] == 2 and entry.changes["comments"] == 1
    assert purge(runner).strip() == "nothing to erase"
    assert scalar(app, select(func.count()).where(AuditEntry.action == "data.purged")) == 1


def test_each_branch_keeps_data_as_long_as_it_says(app, client, clock, take, runner):
    with db(app).unit_of_work(write=True) as uow:
        uow.session.scalar(select(Branch).where(Branch.slug == "norte")).retention_days = 7
        uow.commit()
    at_centro = take("caja", phone="55 1234 5678", name="Ana")
    at_norte = take("caja", "norte", phone="55 2222 3333", name="Beto")
    clock.now += timedelta(days=8)
    purge(runner)
    names = dict(rows(app, select(Ticket.id, Ticket.name)))
    assert names[at_centro["id"]] == "Ana" and names[at_norte["id"]] is None


def test_a_customer_who_asked_for_no_texts_keeps_only_that_wish(app, clock, take, runner):
    take("caja", phone="55 1234 5678", name="Ana")
    with db(app).unit_of_work(write=True) as uow:
        customer = uow.session.scalar(select(Customer).where(Customer.phone == ANA))
        customer.opted_out, customer.name = True, "Ana"
        uow.commit()
    clock.now += timedelta(days=120)
    purge(runner)
    assert rows(app, select(Customer.phone, Customer.name, Customer.lang, Customer.opted_out)) == \
        [(ANA, None, None, True)]


def test_past_appointments_lose_their_names(app, client, clock, runner, admin):
    r = client.post(f"{API}/branches/centro/appointments", json={
        "service": "plataforma", "start": "2031-03-03T16:00:00Z", "name": "Dora Pérez", "phone": "55 1000 0001"})
    assert r.status_code == 201, r.get_json()
    clock.now += timedelta(days=88)
    purge(runner)  # booked 88 days ago, but the visit was 85 days ago: kept
    assert rows(app, select(Appointment.name)) == [("Dora Pérez",)]
    clock.now += timedelta(days=6)
    purge(runner)
    assert rows(app, select(Appointment.name, Appointment.customer_id)) == [("", None)]
    assert scalar(app, select(func.count()).select_from(Customer)) == 0
    # Staff still see that day, without the customer.
    r = client.get(f"{API}/branches/centro/appointments", query_string={"date": "2031-03-03"}, headers=admin)
    listed = [a for s in r.get_json()["services"] for a in s["appointments"]]
    assert r.status_code == 200 and [(a["name"], a["phone"]) for a in listed] == [("", None)]
    sign_in(client, "admin")
    assert client.get("/staff/appointments/centro?date=2031-03-03").status_code == 200


# ---------------------------------------------------------------- on request

@pytest.fixture
def admin_page(client):
    sign_in(client, "admin")
    return client


def test_the_customers_copy_holds_everything_kept_and_the_log_not_the_number(app, client, admin_page, served):
    served()
    sms_to_server(client, app, "ESTADO", sender=ANA)
    r = post_form(admin_page, "/admin/customers", {"phone": "55 1234 5678", "country": "MX"})
    assert r.status_code == 200 and ANA in r.get_data(as_text=True)

    r = admin_page.post("/admin/customers/export", data={
        "csrf_token": _csrf(admin_page), "phone": "55 1234 5678", "country": "MX"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert "attachment" in r.headers["Content-Disposition"] and r.headers["Cache-Control"] == "no-store"
    copy = json.loads(r.get_data(as_text=True))
    assert copy["phone"] == ANA and copy["customer"][0]["name"] == "Ana Ruiz"
    assert copy["tickets"][0]["comment"] == "Lucía, muy amable" and copy["tickets"][0]["rating"] == 5
    assert any(m["body"] == "ESTADO" for m in copy["messages_received"])
    assert copy["messages_sent"]  # the confirmation of the ticket

    (entry,) = rows(app, select(AuditEntry.target, AuditEntry.actor).where(AuditEntry.action == "customer.exported"))
    assert entry == ("•" * 11 + "78", "admin")
    with db(app).engine.connect() as conn:
        assert "5512345678" not in str(conn.execute(text("SELECT * FROM audit_log")).all())


def _csrf(client) -> str:
    from web_staff_helpers import csrf_of
    return csrf_of(client, "/admin/customers")


def test_erasing_is_refused_while_the_customer_waits_and_changes_nothing(app, admin_page, take):
    ticket = take("caja", phone="55 1234 5678", name="Ana")
    r = admin_page.post("/admin/customers/erase", data={
        "csrf_token": _csrf(admin_page), "phone": "55 1234 5678", "country": "MX", "confirm": "y"})
    assert r.status_code == 409
    assert ticket["code"] in r.get_data(as_text=True)
    assert rows(app, select(Ticket.name, Customer.phone).join(Customer)) == [("Ana", ANA)]
    assert scalar(app, select(func.count()).where(AuditEntry.action == "customer.erased")) == 0


def test_erasing_without_the_confirmation_box_changes_nothing(app, admin_page, served):
    served()
    r = admin_page.post("/admin/customers/erase", data={
        "csrf_token": _csrf(admin_page), "phone": "55 1234 5678", "country": "MX"})
    assert r.status_code == 409
    assert scalar(app, select(func.count()).select_from(Customer)) == 1


def test_erasing_forgets_the_customer_everywhere_and_keeps_the_figures(app, client, admin_page, served):
    served()
    sms_to_server(client, app, "ESTADO", sender=ANA)
    r = admin_page.post("/admin/customers/erase", data={
        "csrf_token": _csrf(admin_page), "phone": "+52 55 1234 5678", "country": "MX", "confirm": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    assert scalar(app, select(func.count()).select_from(Customer)) == 0
    assert rows(app, select(Ticket.name, Ticket.customer_id)) == [(None, None)]
    assert rows(app, select(Feedback.score, Feedback.comment)) == [(5, None)]
    assert {(m.phone, m.body) for m in rows(app, select(OutboxMessage.phone, OutboxMessage.body))} == {("", "")}
    assert {(m.sender, m.body) for m in rows(app, select(InboundMessage.sender, InboundMessage.body))} == {("", "")}
    (entry,) = rows(app, select(AuditEntry.target, AuditEntry.changes).where(AuditEntry.action == "customer.erased"))
    assert entry.target.endswith("78") and entry.changes["tickets"] == 1 and entry.changes["customers"] == 1

    # Found again: nothing is kept about the number.
    page = post_form(admin_page, "/admin/customers", {"phone": "55 1234 5678", "country": "MX"})
    assert "No se guarda nada sobre este número." in page.get_data(as_text=True)


def test_an_appointment_to_come_stops_the_erasure(app, client, clock, admin_page):
    r = client.post(f"{API}/branches/centro/appointments", json={
        "service": "plataforma", "start": "2031-03-03T16:00:00Z", "name": "Dora Pérez", "phone": "55 1000 0001"})
    code = r.get_json()["code"]
    r = admin_page.post("/admin/customers/erase", data={
        "csrf_token": _csrf(admin_page), "phone": "55 1000 0001", "country": "MX", "confirm": "y"})
    assert r.status_code == 409 and code in r.get_data(as_text=True)
    assert rows(app, select(Appointment.name)) == [("Dora Pérez",)]


def test_a_phone_that_is_not_one_is_told_so(admin_page):
    r = post_form(admin_page, "/admin/customers", {"phone": "12", "country": "MX"})
    assert r.status_code == 422 and "no es un número de teléfono válido" in r.get_data(as_text=True).lower()
