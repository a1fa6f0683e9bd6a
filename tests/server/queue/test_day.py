"""A branch's day: the week of opening hours (plain rules), the end of the day (turns
left waiting or called expire once, at closing time or midnight, and a server that
was down catches up), and walk-ins only in the opening hours on every door.

The demo branches open Monday to Friday 09:00-17:00 and Saturday 09:00-13:00, in
Mexico City (UTC-6 all year). `norte` takes walk-ins only in its hours, up to 15
minutes before closing; `centro` at any hour."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from turnero.hours import TimeRange, Week
from turnero.models import Branch, Closure, Ticket, TicketEvent
from turnero.queue import day

from conftest import problem
from web_staff_helpers import sign_in

API = "/api/v1"
ES = {"Accept-Language": "es-MX,es;q=0.9"}
UTC = timezone.utc
MX = "America/Mexico_City"


def mx(y, m, d, hh, mm=0) -> datetime:
    """A wall time in Mexico City (UTC-6) as the UTC instant."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) + timedelta(hours=6)


# 2031-02-28 is a Friday, 2031-03-01 a Saturday, 2031-03-02 a Sunday.
FRIDAY, SATURDAY, SUNDAY, MONDAY = date(2031, 2, 28), date(2031, 3, 1), date(2031, 3, 2), date(2031, 3, 3)
DEMO_WEEK = Week(MX, {**{d: [TimeRange(time(9), time(17))] for d in range(5)}, 5: [TimeRange(time(9), time(13))]})


# ---------------------------------------------------------------- the week (plain rules)

def test_a_turn_ends_at_closing_time_or_at_midnight_when_taken_after_closing_or_on_a_day_without_hours():
    assert DEMO_WEEK.turn_ends(FRIDAY, mx(2031, 2, 28, 10)) == mx(2031, 2, 28, 17)
    assert DEMO_WEEK.turn_ends(FRIDAY, mx(2031, 2, 28, 7)) == mx(2031, 2, 28, 17)  # before opening: closing
    assert DEMO_WEEK.turn_ends(FRIDAY, mx(2031, 2, 28, 18)) == mx(2031, 3, 1, 0)
    assert DEMO_WEEK.turn_ends(SUNDAY, mx(2031, 3, 2, 12)) == mx(2031, 3, 3, 0)
    closed = Week(MX, DEMO_WEEK.ranges, closures=((FRIDAY, FRIDAY),))
    assert closed.closing(FRIDAY) is None and closed.day_end(FRIDAY) == mx(2031, 3, 1, 0)


def test_the_end_of_a_day_follows_daylight_saving_changes():
    madrid = Week("Europe/Madrid", {d: [TimeRange(time(9), time(14))] for d in range(7)})
    # Sunday 2031-03-30 clocks go from 02:00 to 03:00 (UTC+1 -> UTC+2): 14:00 local is 12:00 UTC.
    assert madrid.closing(date(2031, 3, 30)) == datetime(2031, 3, 30, 12, tzinfo=UTC)
    assert madrid.closing(date(2031, 3, 29)) == datetime(2031, 3, 29, 13, tzinfo=UTC)
    # A day without hours ends at midnight, whatever its length (23 hours that day).
    empty = Week("Europe/Madrid")
    assert empty.day_end(date(2031, 3, 29)) == datetime(2031, 3, 29, 23, tzinfo=UTC)
    assert empty.day_end(date(2031, 3, 30)) == datetime(2031, 3, 30, 22, tzinfo=UTC)


def test_walk_ins_may_join_in_the_hours_up_to_the_last_entry_and_are_told_the_next_opening():
    assert DEMO_WEEK.may_join(mx(2031, 2, 28, 9), 15)
    assert DEMO_WEEK.may_join(mx(2031, 2, 28, 16, 44), 15)
    assert not DEMO_WEEK.may_join(mx(2031, 2, 28, 16, 45), 15)
    assert not DEMO_WEEK.may_join(mx(2031, 2, 28, 8, 59), 15)
    assert DEMO_WEEK.next_opening(mx(2031, 2, 28, 8), 15) == mx(2031, 2, 28, 9)
    assert DEMO_WEEK.next_opening(mx(2031, 2, 28, 12), 15) == mx(2031, 2, 28, 12)  # open: now
    assert DEMO_WEEK.next_opening(mx(2031, 3, 1, 13), 0) == mx(2031, 3, 3, 9)  # Saturday after 13:00: Monday
    holidays = Week(MX, DEMO_WEEK.ranges, closures=((MONDAY, MONDAY + timedelta(days=1)),))
    assert holidays.next_opening(mx(2031, 3, 1, 14), 0) == mx(2031, 3, 5, 9)
    assert Week(MX).next_opening(mx(2031, 3, 1, 14), 0) is None


# ---------------------------------------------------------------- the end of the day

def tickets(app, branch="centro") -> dict[str, Ticket]:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        rows = uow.session.scalars(select(Ticket).join(Branch).where(Branch.slug == branch)).all()
        return {t.code: (t.status, t.day) for t in rows}


def expired_events(app) -> list[str]:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return list(uow.session.scalars(select(Ticket.code).join(TicketEvent, TicketEvent.ticket_seq == Ticket.seq)
                                        .where(TicketEvent.kind == "expired").order_by(Ticket.code)))


def test_at_closing_time_the_turns_left_expire_once_and_a_turn_taken_after_closing_lasts_until_midnight(
        app, client, clock, take, open_counter, agent, sio):
    db = app.extensions["turnero.db"]
    clock.now = mx(2031, 2, 28, 16)
    waiting = take()
    follower = sio()
    follower.emit("subscribe", {"ticket": waiting["token"]})
    follower.get_received()
    with_phone = take(phone="55 1234 5678")
    open_counter("v1")
    called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    assert called["code"] == waiting["code"]
    served = take("plataforma")
    open_counter("v3")
    client.post(f"{API}/branches/centro/counters/v3/call-next", headers=agent)
    client.post(f"{API}/tickets/{tickets_id(app, served['code'])}/start", headers=agent)

    assert day.close_due_days(db, now=mx(2031, 2, 28, 16, 59)) == {}  # not yet
    clock.now = mx(2031, 2, 28, 17, 30)
    late = take()  # after closing: centro takes walk-ins at any hour
    assert day.close_due_days(db) == {"centro": 2}
    assert day.close_due_days(db) == {}  # once
    state = tickets(app)
    assert state[waiting["code"]][0] == state[with_phone["code"]][0] == "expired"
    assert state[served["code"]][0] == "serving"  # a visit under way is not cut short
    assert state[late["code"]][0] == "waiting"
    assert expired_events(app) == sorted([waiting["code"], with_phone["code"]])

    # The holder's page hears it; a customer with a phone is told once.
    updates = [p["args"][0] for p in follower.get_received() if p["name"] == "ticket.update"]
    assert updates and updates[-1]["status"] == "expired"
    assert client.get(f"{API}/tickets/{waiting['token']}").get_json()["status"] == "expired"
    assert outbox_kinds(app).count("expired") == 1

    # At midnight the late one expires too; the next day starts with an empty line.
    assert day.close_due_days(db, now=mx(2031, 2, 28, 23, 59)) == {}
    assert day.close_due_days(db, now=mx(2031, 3, 1, 0, 0)) == {"centro": 1}
    assert tickets(app)[late["code"]][0] == "expired"


def tickets_id(app, code: str) -> str:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(Ticket.id).where(Ticket.code == code))


def outbox_kinds(app) -> list[str]:
    from turnero.messaging.models import OutboxMessage
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return list(uow.session.scalars(select(OutboxMessage.kind)))


def test_a_server_that_was_down_at_closing_time_closes_the_day_when_it_is_back(app, clock, take):
    clock.now = mx(2031, 2, 28, 12)
    left = [take()["code"], take("plataforma")["code"]]
    # Back on Monday morning: Friday's turns expire (Friday ended at its closing time).
    assert day.close_due_days(app.extensions["turnero.db"], now=mx(2031, 3, 3, 8)) == {"centro": 2}
    assert expired_events(app) == sorted(left)


def test_an_earlier_days_turn_is_never_called_even_before_its_day_was_closed(app, client, clock, take,
                                                                              open_counter, agent):
    clock.now = mx(2031, 2, 28, 12)
    yesterday = take()
    clock.now = mx(2031, 3, 3, 9)  # Monday: no day closing ran in between (the server was down)
    today = take()
    assert today["code"] == yesterday["code"]  # codes start again each day
    open_counter("v1")
    r = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    assert r.status_code == 200 and r.get_json()["id"] == today["id"]
    assert client.get(f"{API}/tickets/{yesterday['token']}").get_json()["status"] == "expired"
    assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).status_code == 204


def test_day_close_expires_a_branchs_turns_now_and_staff_see_it_in_the_console(app, runner, clock, take):
    clock.now = mx(2031, 2, 28, 12)
    codes = [take()["code"], take()["code"]]
    at_norte = take(branch="norte")
    result = runner.invoke(args=["day", "close", "--branch", "centro"])
    assert result.exit_code == 0, result.output
    assert "2" in result.output and all(c in result.output for c in codes)
    assert {s for s, _ in tickets(app).values()} == {"expired"}
    assert tickets(app, "norte")[at_norte["code"]][0] == "waiting"
    assert runner.invoke(args=["day", "close", "--branch", "nowhere"]).exit_code != 0

    # The next morning the console says what the end of the day closed (centro's two
    # were closed by hand the day before: only norte's turn, closed at midnight, counts there).
    clock.now = mx(2031, 3, 1, 0, 5)
    assert day.close_due_days(app.extensions["turnero.db"]) == {"norte": 1}
    clock.now = mx(2031, 3, 1, 9)
    staff = app.test_client()
    sign_in(staff, "admin")
    assert "día anterior" not in staff.get("/staff/centro/v1", headers=ES).get_data(as_text=True)
    html = staff.get("/staff/norte/v1", headers=ES).get_data(as_text=True)
    assert "Al terminar el día anterior venció 1 turno que seguía en espera." in html


# ---------------------------------------------------------------- walk-ins only in the opening hours

def test_outside_its_hours_norte_refuses_walk_ins_on_every_door_saying_when_it_opens(app, client, clock, device,
                                                                                    admin):
    clock.now = mx(2031, 2, 28, 22, 30)  # Friday night
    body = problem(client.post(f"{API}/branches/norte/tickets", json={"service": "caja"}, headers=ES), 409)
    assert body["opens_at"] == "2031-03-01T15:00:00Z"  # Saturday 09:00 in Mexico City
    assert body["joining"] == "closed"
    assert "mañana a las 09:00" in body["detail"]
    norte_kiosk = device("kiosk", branch="norte")
    problem(client.post(f"{API}/branches/norte/tickets", json={"service": "caja"}, headers=norte_kiosk), 409)
    # The join page says it before anyone tries, and after.
    page = client.get("/b/norte/join", headers=ES).get_data(as_text=True)
    assert "Cerrado ahora: abre mañana a las 09:00." in page and "disabled" in page
    # Centro keeps taking turns at any hour; staff at norte still may.
    assert client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}).status_code == 201
    assert client.post(f"{API}/branches/norte/tickets", json={"service": "caja"}, headers=admin).status_code == 201
    # Saturday after 12:45 (last entry 15 minutes before 13:00), Monday is next.
    clock.now = mx(2031, 3, 1, 12, 50)
    body = problem(client.post(f"{API}/branches/norte/tickets", json={"service": "caja"}), 409)
    assert body["opens_at"] == "2031-03-03T15:00:00Z"
    clock.now = mx(2031, 3, 3, 9)
    assert client.post(f"{API}/branches/norte/tickets", json={"service": "caja"}).status_code == 201


def test_a_closure_day_refuses_walk_ins_until_the_branch_opens_again(app, client, clock):
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        norte = uow.session.scalar(select(Branch).where(Branch.slug == "norte"))
        uow.session.add(Closure(branch_id=norte.id, first_day=MONDAY, last_day=MONDAY, reason="Feriado"))
        norte.setup_version = "closure-added"
        uow.commit()
    clock.now = mx(2031, 3, 3, 10)
    body = problem(client.post(f"{API}/branches/norte/tickets", json={"service": "caja"}), 409)
    assert body["opens_at"] == "2031-03-04T15:00:00Z"
    state = client.get(f"{API}/branches/norte").get_json()
    assert {s["joining"] for s in state["services"]} == {"closed"}
    assert {s["opens_at"] for s in state["services"]} == {"2031-03-04T15:00:00Z"}


@pytest.mark.parametrize("hour, may", [(8, False), (9, True), (16, True), (17, False)])
def test_the_branch_state_says_whether_each_line_takes_walk_ins(client, clock, hour, may):
    clock.now = mx(2031, 2, 28, hour, 30)
    for s in client.get(f"{API}/branches/norte").get_json()["services"]:
        assert (s["joining"] == "open") is may
    assert {s["joining"] for s in client.get(f"{API}/branches/centro").get_json()["services"]} == {"open"}


# ---------------------------------------------------------------- pausing a line

def test_a_manager_pauses_a_line_with_a_message_and_every_door_says_it_while_those_waiting_are_served(
        app, client, clock, take, login, open_counter, sio, kiosk):
    manager = login("admin")
    waiting = take()
    screen = sio()
    screen.emit("subscribe", {"branch": "centro"})
    screen.get_received()
    until = clock.now + timedelta(hours=2)
    r = client.post(f"{API}/branches/centro/services/caja/joining", headers=manager,
                    json={"open": False, "message": "Caja cerrada para turnos nuevos hasta las 14:00",
                          "until": until.isoformat()})
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == [{"service": "caja", "joining": "paused",
                             "message": "Caja cerrada para turnos nuevos hasta las 14:00",
                             "until": until.strftime("%Y-%m-%dT%H:%M:%SZ"), "opens_at": None}]
    states = [p["args"][0] for p in screen.get_received() if p["name"] == "branch.state"]
    caja = next(s for s in states[-1]["services"] if s["id"] == "caja")
    assert caja["joining"] == "paused"

    for headers in ({}, kiosk):
        body = problem(client.post(f"{API}/branches/centro/tickets", json={"service": "caja"},
                                   headers={**ES, **headers}), 409)
        assert body["joining"] == "paused" and "hasta las 14:00" in body["detail"]
    assert "Caja cerrada para turnos nuevos" in client.get("/b/centro/join", headers=ES).get_data(as_text=True)
    assert client.post(f"{API}/branches/centro/tickets", json={"service": "plataforma"}).status_code == 201
    # Those already waiting are still called.
    open_counter("v1")
    called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=manager).get_json()
    assert called["id"] == waiting["id"]

    # Pausing twice is refused; at `until` the line reopens by itself and the screens hear it.
    problem(client.post(f"{API}/branches/centro/services/caja/joining", headers=manager, json={"open": False}), 409)
    clock.now = until
    day.close_due_days(app.extensions["turnero.db"], since=until - timedelta(minutes=1))
    states = [p["args"][0] for p in screen.get_received() if p["name"] == "branch.state"]
    assert next(s for s in states[-1]["services"] if s["id"] == "caja")["joining"] == "open"
    assert client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}).status_code == 201


def test_pausing_the_whole_branch_and_reopening_it_is_one_change_each_and_in_the_audit_log(app, client, login):
    manager = login("admin")
    r = client.post(f"{API}/branches/centro/joining", headers=manager, json={"open": False})
    assert [line["joining"] for line in r.get_json()] == ["paused", "paused"]
    assert {s["joining"] for s in client.get(f"{API}/branches/centro").get_json()["services"]} == {"paused"}
    r = client.post(f"{API}/branches/centro/joining", headers=manager, json={"open": True})
    assert [line["joining"] for line in r.get_json()] == ["open", "open"]
    problem(client.post(f"{API}/branches/centro/joining", headers=manager, json={"open": True}), 409)
    from turnero.models import AuditEntry
    with app.extensions["turnero.db"].unit_of_work() as uow:
        actions = list(uow.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("service.joining%"))))
    assert actions.count("service.joining_paused") == 2 and actions.count("service.joining_opened") == 2


@pytest.mark.parametrize("body, status", [
    ({"open": False, "until": "2020-01-01T00:00:00Z"}, 422),  # a time in the past
    ({"open": False, "until": "mañana"}, 422),
    ({"open": False, "until": "2031-02-28T11:59"}, 422),  # a wall time of the branch, in the past
    ({"open": True, "message": "hola"}, 422),
    ({"open": "quizás"}, 422),
    ({"open": False, "message": "x" * 201}, 422),
])
def test_bad_pause_requests_get_a_clear_error_and_change_nothing(app, client, clock, login, body, status):
    manager = login("admin")
    before = client.get(f"{API}/branches/centro").get_json()["seq"]
    problem(client.post(f"{API}/branches/centro/services/caja/joining", headers=manager, json=body), status)
    assert client.get(f"{API}/branches/centro").get_json()["seq"] == before


def test_only_managers_of_the_branch_pause_its_lines(client, agent, kiosk):
    problem(client.post(f"{API}/branches/centro/services/caja/joining", json={"open": False}), 401)
    problem(client.post(f"{API}/branches/centro/services/caja/joining", headers=agent, json={"open": False}), 403)
    problem(client.post(f"{API}/branches/centro/services/caja/joining", headers=kiosk, json={"open": False}), 403)
    problem(client.post(f"{API}/branches/nowhere/services/caja/joining", headers=agent, json={"open": False}), 404)


def test_an_end_time_without_an_offset_is_a_wall_time_of_the_branch(client, clock, login):
    # Friday noon in Mexico City (UTC-6): "14:00" is 20:00 UTC.
    r = client.post(f"{API}/branches/centro/services/caja/joining", headers=login("admin"),
                    json={"open": False, "until": "2031-02-28T14:00"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()[0]["until"] == "2031-02-28T20:00:00Z"


def test_the_lobbys_board_shows_the_days_calls_and_starts_each_day_empty(client, clock, take, open_counter,
                                                                          agent, sio):
    """The board (`calling` of the branch's state) lists the day's last calls, an undone
    one left out; the next morning it is empty again, however many calls came before."""
    def board():
        state = sio().emit("subscribe", {"branch": "centro"}, callback=True)["state"]
        shown = [c["code"] for c in state["calling"]]
        assert [c["code"] for c in client.get(f"{API}/branches/centro").get_json()["recent_calls"]] == shown
        return shown
    clock.now = mx(2031, 2, 28, 16)
    first, second = take(), take()
    open_counter("v1")
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    undone = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    assert undone["code"] == second["code"]
    assert board() == [second["code"], first["code"]]
    # The counter's last step (finish the first, call the second) undone.
    r = client.post(f"{API}/tickets/{first['id']}/undo", headers=agent, json={"counter": "v1"})
    assert r.status_code == 200, r.get_json()
    assert board() == [first["code"]]
    clock.now = mx(2031, 3, 1, 9)  # Saturday morning
    assert board() == []
    later = take()
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    assert board() == [later["code"]]
