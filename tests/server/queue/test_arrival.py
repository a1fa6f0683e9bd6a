"""Running late, "I'm here" and no-shows by themselves: a holder lets people pass
(everyone else keeps their order, twice at most); at a branch with `remote_check_in`
a remote turn is passed over until its holder arrives, keeps its place, and expires
after the grace time; a turn recalled as often as the branch allows becomes a no-show
when its counter moves on, and goes back to the line once. Both databases.

The demo's `norte` has `remote_check_in` and no-shows after two recalls; the `clock`
fixture holds the time at Friday noon in Mexico City, when norte is open."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from conftest import problem
from turnero.models import Ticket, TicketEvent
from turnero.queue import day
from turnero.queue.rules import Place, place_after

API = "/api/v1"
ES = {"Accept-Language": "es-MX,es;q=0.9"}
T0 = datetime(2031, 2, 28, 18, tzinfo=timezone.utc)


def ahead(client, ticket) -> int | None:
    return client.get(f"{API}/tickets/{ticket['token']}").get_json()["ahead"]


def events(app, ticket) -> list[tuple[str, dict | None]]:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return [(e.kind, e.data) for e in uow.session.scalars(
            select(TicketEvent).join(Ticket).where(Ticket.id == ticket["id"]).order_by(TicketEvent.id))]


# ---------------------------------------------------------------- letting people pass

def test_place_after_goes_between_two_places_and_past_ties_and_to_the_end():
    t = [Place(T0 + timedelta(seconds=s), seq) for s, seq in ((1, 2), (2, 3), (2, 4), (5, 5))]
    assert place_after(t, 1) == (T0 + timedelta(seconds=1.5), 1)
    assert place_after(t, 2) == (T0 + timedelta(seconds=3.5), 3)  # 3 and 4 share a time: past both
    assert place_after(t, 3) == (T0 + timedelta(seconds=3.5), 3)
    assert place_after(t, 9) == (T0 + timedelta(seconds=5, microseconds=1), 4)  # never past the end
    assert place_after([], 3) is None


def test_a_holder_running_late_lets_people_pass_twice_and_everyone_else_keeps_their_order(app, client, clock, take,
                                                                                          sio):
    tickets = []
    for _ in range(5):
        tickets.append(take())
        clock.now += timedelta(seconds=10)
    late = tickets[0]
    follower = sio()
    follower.emit("subscribe", {"ticket": tickets[1]["token"]})
    follower.get_received()
    r = client.post(f"{API}/tickets/{late['token']}/let-pass", json={"places": 2})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["ahead"], r.get_json()["late_moves"]) == (2, 1)
    assert [ahead(client, t) for t in tickets] == [2, 0, 1, 3, 4]
    updates = [p["args"][0] for p in follower.get_received() if p["name"] == "ticket.update"]
    assert updates and updates[-1]["ahead"] == 0
    assert client.post(f"{API}/tickets/{late['token']}/let-pass", json={"places": 10}).get_json()["ahead"] == 4
    assert [ahead(client, t) for t in tickets] == [4, 0, 1, 2, 3]
    body = problem(client.post(f"{API}/tickets/{late['token']}/let-pass", json={"places": 1}, headers=ES), 409)
    assert "dos veces" in body["detail"]
    assert [e for e in events(app, late) if e[0] == "let_pass"] == [("let_pass", {"places": 2}),
                                                                     ("let_pass", {"places": 2})]
    # The last in line has no one to let pass; bad counts change nothing.
    problem(client.post(f"{API}/tickets/{tickets[1]['token']}/let-pass", json={"places": 0}), 422)
    problem(client.post(f"{API}/tickets/{tickets[1]['token']}/let-pass", json={"places": "3"}), 422)
    problem(client.post(f"{API}/tickets/{late['token']}/let-pass", json={}), 409)
    problem(client.post(f"{API}/tickets/nope/let-pass", json={"places": 1}), 404)
    assert [ahead(client, t) for t in tickets] == [4, 0, 1, 2, 3]


def test_the_last_in_line_keeps_its_place(client, take):
    take()
    last = take()
    body = problem(client.post(f"{API}/tickets/{last['token']}/let-pass", json={"places": 3}, headers=ES), 409)
    assert "nadie detrás" in body["detail"]


# ---------------------------------------------------------------- "I'm here"

def test_a_remote_turn_is_passed_over_until_its_holder_arrives_and_keeps_its_place(app, client, clock, take,
                                                                                   kiosk, device, login):
    admin = login("admin")
    norte_kiosk = device("kiosk", branch="norte")
    remote = take(branch="norte")  # the web: remote
    clock.now += timedelta(seconds=5)
    walk_in = take(branch="norte", headers=norte_kiosk)
    assert client.post(f"{API}/branches/norte/counters/v1/open", headers=admin).status_code == 200
    called = client.post(f"{API}/branches/norte/counters/v1/call-next", headers=admin).get_json()
    assert called["id"] == walk_in["id"]  # the remote one had not arrived
    assert ahead(client, remote) == 0  # and kept its place
    r = client.post(f"{API}/tickets/{remote['token']}/arrived")
    assert r.status_code == 200 and r.get_json()["arrived_at"]
    assert client.post(f"{API}/tickets/{remote['token']}/arrived").status_code == 200  # twice: nothing new
    assert client.post(f"{API}/branches/norte/counters/v1/call-next", headers=admin).get_json()["id"] == remote["id"]
    assert [k for k, _ in events(app, remote)].count("arrived") == 1
    problem(client.post(f"{API}/tickets/{remote['token']}/arrived"), 409)  # called: too late to say it


def test_the_phone_of_a_remote_turn_typed_at_the_kiosk_says_i_am_here(app, client, clock, take, device):
    """The kiosk's "check in" takes the phone a turn was taken with from home: no
    appointment today, so that turn's holder arrived. Only at the branch (its kiosk
    or staff); at a branch without `remote_check_in` the phone finds nothing."""
    norte_kiosk = device("kiosk", branch="norte")
    remote = take(branch="norte", phone="55 1234 5678")
    path = f"{API}/branches/norte/check-in"
    problem(client.post(path, json={"phone": "+525512345678"}), 401)  # anyone: no
    problem(client.post(path, json={"phone": "+525512345678"}, headers=device("kiosk")), 403)  # centro's kiosk
    problem(client.post(path, json={"phone": "+525587654321"}, headers=norte_kiosk), 404)  # another phone
    assert client.get(f"{API}/tickets/{remote['token']}").get_json()["arrived_at"] is None
    r = client.post(path, json={"phone": "55 1234 5678"}, headers=norte_kiosk)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["id"], body["code"], body["channel"]) == (remote["id"], remote["code"], "web")
    assert body["arrived_at"] and body["token"] == remote["token"]  # the kiosk prints its slip
    assert client.post(path, json={"phone": "5512345678"}, headers=norte_kiosk).status_code == 200  # again: same
    assert [k for k, _ in events(app, remote)].count("arrived") == 1
    at_centro = take(phone="55 1234 5678")  # centro: no remote check-in
    problem(client.post(f"{API}/branches/centro/check-in", json={"phone": "5512345678"},
                        headers=device("kiosk")), 404)
    assert client.get(f"{API}/tickets/{at_centro['token']}").get_json()["arrived_at"] is None


def test_a_remote_turn_not_arrived_in_the_grace_time_expires_and_is_told_once(app, client, clock, take, device,
                                                                             login):
    admin = login("admin")
    remote = take(branch="norte", phone="55 1234 5678")
    walk_in = take(branch="norte", headers=device("kiosk", branch="norte"))
    client.post(f"{API}/branches/norte/counters/v1/open", headers=admin)
    assert client.post(f"{API}/branches/norte/counters/v1/call-next", headers=admin).get_json()["id"] == walk_in["id"]
    db = app.extensions["turnero.db"]
    assert day.close_due_days(db, now=clock.now + timedelta(minutes=29)) == {}
    assert day.close_due_days(db, now=clock.now + timedelta(minutes=31)) == {"norte": 1}
    assert client.get(f"{API}/tickets/{remote['token']}").get_json()["status"] == "expired"
    assert ("expired", {"reason": "not_arrived"}) in events(app, remote)
    from turnero.messaging.models import OutboxMessage
    with db.unit_of_work() as uow:
        bodies = list(uow.session.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == "expired")))
    assert len(bodies) == 1 and "usted no había llegado" in bodies[0]


def test_at_a_branch_without_remote_check_in_remote_turns_are_called_in_order(client, take, agent, open_counter):
    remote = take()
    open_counter("v1")
    assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()["id"] == remote["id"]


# ---------------------------------------------------------------- no-shows by themselves

def test_after_two_recalls_moving_on_makes_a_no_show_which_goes_back_to_the_line_once(app, client, clock, take,
                                                                                     device, login):
    admin = login("admin")
    kiosk = device("kiosk", branch="norte")
    first, second = take(branch="norte", headers=kiosk), take(branch="norte", headers=kiosk)
    client.post(f"{API}/branches/norte/counters/v1/open", headers=admin)
    called = client.post(f"{API}/branches/norte/counters/v1/call-next", headers=admin).get_json()
    assert called["id"] == first["id"]
    for _ in range(2):
        assert client.post(f"{API}/tickets/{first['id']}/recall", headers=admin).status_code == 200
    assert client.post(f"{API}/branches/norte/counters/v1/call-next", headers=admin).get_json()["id"] == second["id"]
    assert client.get(f"{API}/tickets/{first['token']}").get_json()["status"] == "no_show"
    assert ("no_show", {"auto": True}) in events(app, first)
    assert client.post(f"{API}/tickets/{first['id']}/requeue", headers=admin).status_code == 200
    called = client.post(f"{API}/branches/norte/counters/v1/call-next", headers=admin).get_json()
    assert called["id"] == first["id"]
    assert client.post(f"{API}/tickets/{first['id']}/no-show", headers=admin).status_code == 200
    body = problem(client.post(f"{API}/tickets/{first['id']}/requeue", headers={**admin, **ES}), 409)
    assert "una vez" in body["detail"]
    # Once served, a recalled ticket is finished as before (centro: no limit).


def test_without_the_setting_a_recalled_ticket_is_finished_when_the_counter_moves_on(client, take, agent,
                                                                                     open_counter):
    first, second = take(), take()
    open_counter("v1")
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    for _ in range(3):
        client.post(f"{API}/tickets/{first['id']}/recall", headers=agent)
    assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()["id"] == second["id"]
    assert client.get(f"{API}/tickets/{first['token']}").get_json()["status"] == "done"


@pytest.mark.parametrize("path", ["let-pass", "arrived"])
def test_a_finished_turn_cannot_be_moved_or_arrive(client, take, path):
    ticket = take()
    client.post(f"{API}/tickets/{ticket['token']}/cancel")
    problem(client.post(f"{API}/tickets/{ticket['token']}/{path}", json={"places": 1}), 409)


# ---------------------------------------------------------------- the code at the door

def hidden_fields(html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def test_the_door_code_finds_this_phones_turns_and_says_i_am_here_with_one_press(app, client, clock, take):
    """Scanning the branch's code at the door opens /b/norte/here on the phone: the
    turns whose pages this phone opened (its own cookie) are listed there with an
    "I'm here" button. Opening the page changes nothing; another phone sees nothing."""
    page = client.get("/b/norte/here", headers=ES).get_data(as_text=True)
    assert "No encontramos un turno tomado desde este teléfono hoy." in page and "/b/norte/join" in page
    remote = take(branch="norte")
    at_centro = take()  # another branch's turn: not listed at norte
    client.get(f"/t/{at_centro['token']}")
    opened = client.get(f"/t/{remote['token']}")
    cookie = opened.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    page = client.get("/b/norte/here", headers=ES)
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert remote["token"] in html and at_centro["token"] not in html and "Ya llegué" in html
    assert client.get(f"{API}/tickets/{remote['token']}").get_json()["arrived_at"] is None  # a look is not a yes
    assert app.test_client().get("/b/norte/here", headers=ES).get_data(as_text=True).count("Ya llegué") == 0
    r = client.post(f"/t/{remote['token']}/arrived", data=hidden_fields(html), headers=ES)
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/t/{remote['token']}")
    assert client.get(f"{API}/tickets/{remote['token']}").get_json()["arrived_at"]
    html = client.get("/b/norte/here", headers=ES).get_data(as_text=True)
    assert remote["code"] in html and "Ya llegué" not in html and "Ver mi turno" in html


def test_a_forged_turns_cookie_shows_nothing_and_breaks_nothing(client, clock, take):
    remote = take(branch="norte")
    for value in ("", "...", "a" * 3000, "x" * 30 + "." + "<script>", remote["token"][:-1] + "!",
                  ".".join(["A" * 43] * 40)):
        client.set_cookie("turnero_turns", value)
        r = client.get("/b/norte/here", headers=ES)
        assert r.status_code == 200 and remote["code"] not in r.get_data(as_text=True)
    client.set_cookie("turnero_turns", "junk." + remote["token"])
    assert remote["code"] in client.get("/b/norte/here", headers=ES).get_data(as_text=True)
    assert client.get("/b/nowhere/here", headers=ES).status_code == 404


def test_the_door_poster_has_both_codes_when_the_branch_checks_remote_turns_in(client):
    norte = client.get("/b/norte/poster", headers=ES).get_data(as_text=True)
    assert "/b/norte/join-qr.svg" in norte and "/b/norte/here-qr.svg" in norte
    assert "http://localhost/b/norte/here" in norte or "/b/norte/here</span>" in norte
    centro = client.get("/b/centro/poster", headers=ES).get_data(as_text=True)
    assert "/b/centro/join-qr.svg" in centro and "here-qr.svg" not in centro  # no remote check-in there
    svg = client.get("/b/norte/here-qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert client.get("/b/nowhere/poster").status_code == 404


def test_a_script_holding_a_link_cannot_hammer_it_and_other_tickets_do_not_notice(app, client, clock, take):
    """Per ticket, not per address: customers on the branch's Wi-Fi share one address."""
    app.config["TURNERO"].TICKET_ACTION_RATE_LIMIT = "3 per hour"
    remote, other = take(branch="norte"), take(branch="norte")
    for _ in range(3):
        assert client.post(f"{API}/tickets/{remote['token']}/arrived").status_code == 200
    body = problem(client.post(f"{API}/tickets/{remote['token']}/let-pass", json={"places": 1}), 429)
    assert body["detail"]
    assert client.get(f"{API}/tickets/{remote['token']}").get_json()["late_moves"] == 0  # nothing changed
    assert client.post(f"{API}/tickets/{other['token']}/arrived").status_code == 200
    page = client.post(f"/t/{remote['token']}/arrived", data=hidden_fields(client.get(
        f"/t/{remote['token']}", headers=ES).get_data(as_text=True)), headers=ES)
    assert page.status_code == 303
    assert "Demasiados intentos" in client.get(f"/t/{remote['token']}", headers=ES).get_data(as_text=True)
