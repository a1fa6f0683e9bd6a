"""Checking in for an appointment through the REST API of CONTRACT.md, on SQLite and
PostgreSQL: by code, by phone (the branch's kiosk and staff only) and by the page's QR
token; the window around the appointment's time and the 409 with a choice outside it;
anonymous misses that all look alike; the ticket it gives, placed among walk-ins, which
the appointment then follows; and SMS reaching the same use case.

Time and the appointment day are those of test_appointments_api.py, whose helpers these
tests share."""
from datetime import timedelta

import pytest
from conftest import problem
from sqlalchemy import select
from test_appointments_api import API, SQLITE_ONLY, book, count, local  # noqa: F401 - book: a fixture

from turnero.appointments import checkin as appointment_checkin
from turnero.models import Ticket


def test_check_in_by_code_gives_an_appointment_ticket_in_its_place(client, book, clock, app):
    a = book()
    clock.now = local(9, 45)
    r = client.post(f"{API}/branches/centro/check-in", json={"code": a["code"].lower()})
    assert r.status_code == 201, r.get_json()
    ticket = r.get_json()
    assert ticket["channel"] == "appointment" and ticket["service"] == "plataforma" and ticket["code"] == "B001"
    assert ticket["status"] == "waiting" and ticket["position"] == 1
    with app.extensions["turnero.db"].unit_of_work() as uow:
        row = uow.session.scalar(select(Ticket).where(Ticket.id == ticket["id"]))
        assert row.sort_at == local(9, 50)  # 10:00 minus the branch's 10-minute boost
    after = client.get(f"{API}/appointments/{a['token']}").get_json()
    assert after["status"] == "checked_in" and after["ticket"]["code"] == "B001"
    # Checking in again gives the same ticket, not a second one.
    again = client.post(f"{API}/branches/centro/check-in", json={"code": a["code"]})
    assert again.status_code == 200 and again.get_json()["id"] == ticket["id"]
    assert count(app, Ticket) == 1
    # A checked-in appointment can no longer be cancelled or moved from its link.
    problem(client.post(f"{API}/appointments/{a['token']}/cancel"), 409)


@SQLITE_ONLY
def test_a_checked_in_appointment_follows_its_ticket(client, book, clock, agent, kiosk, open_counter):
    """Its ticket a no-show: so is the appointment; back in line: checked in again;
    cancelled by staff: cancelled."""
    a = book()
    clock.now = local(9, 45)
    ticket = client.post(f"{API}/branches/centro/check-in", json={"code": a["code"]}, headers=kiosk).get_json()
    open_counter("v3")

    def appointment_status():
        return client.get(f"{API}/appointments/{a['token']}").get_json()["status"]
    assert client.post(f"{API}/branches/centro/counters/v3/call-next", headers=agent).get_json()["id"] == ticket["id"]
    assert client.post(f"{API}/tickets/{ticket['id']}/no-show", headers=agent).status_code == 200
    assert appointment_status() == "no_show"
    assert client.post(f"{API}/tickets/{ticket['id']}/requeue", headers=agent).status_code == 200
    assert appointment_status() == "checked_in"
    assert client.post(f"{API}/tickets/{ticket['token']}/cancel", headers=agent).status_code == 200
    assert appointment_status() == "cancelled"


def test_check_in_by_phone_is_for_the_kiosk_and_staff(client, app, book, clock, kiosk, device, agent):
    """Anyone can type a phone number: by phone, only the branch's kiosk or its staff
    check in (and get the ticket with its token)."""
    book(phone="55 1000 0007")
    clock.now = local(10, 5)
    by_phone = {"phone": "5510000007"}
    problem(client.post(f"{API}/branches/centro/check-in", json=by_phone), 401)
    problem(client.post(f"{API}/branches/centro/check-in", json=by_phone, headers=device("display")), 403)
    problem(client.post(f"{API}/branches/centro/check-in", json=by_phone, headers=device("kiosk", "norte")), 403)
    assert count(app, Ticket) == 0
    r = client.post(f"{API}/branches/centro/check-in", json=by_phone, headers=kiosk)
    assert r.status_code == 201 and r.get_json()["channel"] == "appointment" and r.get_json()["token"]
    problem(client.post(f"{API}/branches/centro/check-in", json={"phone": "5510000008"}, headers=agent), 404)
    problem(client.post(f"{API}/branches/centro/check-in", json={}, headers=kiosk), 422)


def test_an_anonymous_code_gets_the_ticket_without_its_secret(client, book, clock):
    a = book()
    clock.now = local(9, 45)
    ticket = client.post(f"{API}/branches/centro/check-in", json={"code": a["code"]}).get_json()
    assert ticket["code"] == "B001" and ticket["token"] is None and ticket["track_url"] is None
    # The appointment's own page is where its holder finds the ticket's link.
    assert client.get(f"{API}/appointments/{a['token']}").get_json()["ticket"]["token"]


@SQLITE_ONLY
def test_anonymous_misses_all_look_alike_so_codes_cannot_be_tried(client, app, book, clock):
    """An unknown code, a real one too early, too late or of another day: one 404, one
    text, for whoever has no kiosk or staff token."""
    a = book()
    other_day = book(start="2031-03-04T16:00:00Z", phone="55 1000 0009")
    answers = []
    for moment, code in ((local(9, 45), "HK7MXR"), (local(9, 0), a["code"]), (local(11, 0), a["code"]),
                         (local(9, 45), other_day["code"])):
        clock.now = moment
        answers.append(problem(client.post(f"{API}/branches/centro/check-in", json={"code": code}), 404))
    assert {(body["title"], body["detail"]) for body in answers} == {(answers[0]["title"], answers[0]["detail"])}
    assert count(app, Ticket) == 0


@pytest.mark.parametrize("hour, minute, reason", [(9, 29, "early"), (10, 11, "late")])
def test_outside_the_window_check_in_is_a_409_with_a_choice(client, book, clock, app, kiosk, hour, minute, reason):
    """Late, or early on another day (on its day, early at the branch checks in)."""
    a = book()
    clock.now = local(hour, minute) - (timedelta(days=1) if reason == "early" else timedelta(0))
    r = client.post(f"{API}/branches/centro/check-in", json={"code": a["code"]},
                    headers={"Accept-Language": "en", **kiosk})
    body = problem(r, 409)
    assert body["reason"] == reason
    assert body["checkin_opens"] == "2031-03-03T15:30:00Z" and body["checkin_closes"] == "2031-03-03T16:10:00Z"
    if reason == "late":
        assert "walk-in" in body["detail"] and body["walk_in"]["service"] == "plataforma"
        assert body["walk_in"]["join_url"].endswith("/b/centro/join?service=plataforma")
    else:
        assert "9:30" in body["detail"].replace("09:30", "9:30")
    assert count(app, Ticket) == 0
    assert client.get(f"{API}/appointments/{a['token']}").get_json()["status"] == "booked"


@SQLITE_ONLY
@pytest.mark.parametrize("hour, minute", [(9, 30), (10, 10)])
def test_the_window_edges_are_inside(client, book, clock, hour, minute):
    a = book()
    clock.now = local(hour, minute)
    assert client.post(f"{API}/branches/centro/check-in", json={"code": a["code"]}).status_code == 201


def test_the_check_in_window_is_set_per_branch(client, book, clock, admin, kiosk):
    r = client.put(f"{API}/branches/centro/check-in-window", headers=admin,
                   json={"checkin_before_min": 5, "checkin_after_min": 30})
    assert r.status_code == 200 and r.get_json()["checkin_after_min"] == 30
    a = book()
    clock.now = local(9, 50)
    assert problem(client.post(f"{API}/branches/centro/check-in", json={"token": a["token"]}), 409)["reason"] == "early"
    clock.now = local(10, 25)
    assert client.post(f"{API}/branches/centro/check-in", json={"code": a["code"]}).status_code == 201
    problem(client.put(f"{API}/branches/centro/check-in-window", headers=admin,
                       json={"checkin_before_min": -1, "checkin_after_min": 30}), 422)


def test_early_at_the_branch_checks_in_and_waits_for_the_appointments_time(client, app, book, clock, kiosk, take):
    """Here in person at 8:00 for 10:00: the kiosk checks in (by code, or by the page's
    QR token) and the ticket is placed at 9:50, behind a walk-in of 9:00 and ahead of one
    of 9:55; from home (the page) it is still too early, and anonymous codes learn nothing."""
    a = book()
    clock.now = local(8, 0)
    problem(client.post(f"{API}/branches/centro/check-in", json={"code": a["code"]}), 404)
    assert problem(client.post(f"{API}/branches/centro/check-in", json={"token": a["token"]}), 409)["reason"] == "early"
    problem(client.post(f"{API}/branches/centro/check-in", json={"token": "x" * 22}, headers=kiosk), 404)
    problem(client.post(f"{API}/branches/norte/check-in", json={"token": a["token"]}), 404)
    assert count(app, Ticket) == 0
    clock.now = local(9, 0)
    walk_in = take("plataforma")
    clock.now = local(9, 5)
    r = client.post(f"{API}/branches/centro/check-in", json={"token": a["token"]}, headers=kiosk)
    assert r.status_code == 201, r.get_json()
    ticket = r.get_json()
    assert ticket["channel"] == "appointment" and ticket["token"] and ticket["position"] == 2
    with app.extensions["turnero.db"].unit_of_work() as uow:
        assert uow.session.scalar(select(Ticket.sort_at).where(Ticket.id == ticket["id"])) == local(9, 50)
    clock.now = local(9, 55)
    assert take("plataforma")["position"] == 3
    assert walk_in["position"] == 1
    again = client.post(f"{API}/branches/centro/check-in", json={"code": a["code"]}, headers=kiosk)
    assert again.status_code == 200 and again.get_json()["id"] == ticket["id"]


def test_the_appointment_page_shows_its_qr_for_the_kiosk(client, book):
    a = book()
    page = client.get(f"/a/{a['token']}").get_data(as_text=True)
    assert f"/a/{a['token']}/qr.svg" in page
    svg = client.get(f"/a/{a['token']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert client.get("/a/not-a-real-token-at-all/qr.svg").status_code == 404


@SQLITE_ONLY
def test_a_code_from_another_branch_does_not_check_in_here(client, book, clock):
    a = book()
    clock.now = local(9, 50)
    problem(client.post(f"{API}/branches/norte/check-in", json={"code": a["code"]}), 404)


def test_blending_an_appointment_between_walk_ins(client, book, clock, take, open_counter, agent):
    """An appointment for 10:00 checked in at 9:50 is called after a walk-in who came
    at 9:40 and before one who came at 9:55 (default settings)."""
    a = book()
    clock.now = local(9, 40)
    early_walk_in = take("plataforma")
    clock.now = local(9, 50)
    r = client.post(f"{API}/branches/centro/check-in", json={"code": a["code"]})
    assert r.status_code == 201
    appointment_ticket = r.get_json()
    clock.now = local(9, 55)
    late_walk_in = take("plataforma")
    assert late_walk_in["position"] == 3 and appointment_ticket["position"] is not None
    open_counter("v3")  # serves plataforma only
    called = []
    for _ in range(3):
        r = client.post(f"{API}/branches/centro/counters/v3/call-next", headers=agent)
        assert r.status_code == 200
        called.append(r.get_json()["id"])
    assert called == [early_walk_in["id"], appointment_ticket["id"], late_walk_in["id"]]
    # Its ticket ended (the counter moved on to the next one): the appointment is done.
    assert client.get(f"{API}/appointments/{a['token']}").get_json()["status"] == "done"


def test_sms_here_checks_in_through_the_same_use_case(app, client, book, clock):
    a = book(phone="55 1000 0005")
    clock.now = local(9, 45)
    db = app.extensions["turnero.db"]
    with app.test_request_context(), db.unit_of_work(write=True) as uow:
        ticket = appointment_checkin.check_in_by_phone(uow, None, "+525510000005")  # found at its branch
    assert ticket.channel == "appointment" and ticket.branch == "centro"
    with app.test_request_context(), db.unit_of_work(write=True) as uow:
        again = appointment_checkin.check_in_by_phone(uow, "centro", "+525510000005")
    assert again.id == ticket.id
    seen = client.get(f"{API}/appointments/{a['token']}").get_json()
    assert seen["status"] == "checked_in" and seen["ticket"]["code"] == ticket.code
