"""A console that forgives: "Call next" while a ticket is still at the counter finishes
it, and seconds later the agent may undo that (and a finish, and a no-show): the ticket
is back at the counter, the one called in its place back in line at its place, every
screen is told, the log keeps it and the figures leave it out. A no-show who turns up
late goes back to the line for a while. Through the REST API on both databases."""
from datetime import timedelta

from conftest import problem

API = "/api/v1"


def call_next(client, agent, counter="v1"):
    r = client.post(f"{API}/branches/centro/counters/{counter}/call-next", headers=agent)
    assert r.status_code in (200, 204), r.get_json()
    return r.get_json() if r.status_code == 200 else None


def ticket(client, t):
    return client.get(f"{API}/tickets/{t['token']}").get_json()


def kinds(client, agent, t):
    return [e["kind"] for e in client.get(f"{API}/tickets/{t['id']}/events", headers=agent).get_json()]


def test_undo_of_call_next_puts_the_finished_ticket_back_and_the_next_one_back_in_its_place(
        client, agent, take, open_counter, sio):
    first, second, third = take(), take(), take()
    open_counter("v1")
    assert call_next(client, agent)["id"] == first["id"]
    before = ticket(client, third)
    assert before["ahead"] == 1
    lobby, phone = sio(), sio()
    lobby.emit("subscribe", {"branch": "centro"})
    phone.emit("subscribe", {"ticket": second["token"]})
    # "Call next" while A001 is still called: it is finished and A002 called.
    assert call_next(client, agent)["id"] == second["id"]
    assert ticket(client, first)["status"] == "done"
    lobby.get_received(), phone.get_received()

    r = client.post(f"{API}/tickets/{first['id']}/undo", headers=agent, json={"counter": "v1"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["ticket"]["id"] == first["id"] and body["ticket"]["status"] == "called"
    assert body["ticket"]["counter"]["id"] == "v1"
    assert body["returned"]["id"] == second["id"] and body["returned"]["status"] == "waiting"
    assert body["returned"]["code"] == second["code"] and body["returned"]["position"] == 1
    # Everyone is where they were before the slip.
    assert ticket(client, first)["status"] == "called"
    back = ticket(client, second)
    assert back["status"] == "waiting" and back["counter"] is None and back["ahead"] == 0
    assert ticket(client, third)["ahead"] == before["ahead"]
    # The log keeps what happened, and that it was undone.
    assert kinds(client, agent, first)[-2:] == ["done", "undone"]
    assert kinds(client, agent, second)[-2:] == ["called", "undone"]
    # Every screen heard it: the lobby's calls no longer show A002, its phone shows it waiting.
    states = [p["args"][0] for p in lobby.get_received() if p["name"] == "branch.state"]
    assert states and [c["code"] for c in states[-1]["calling"]] == [first["code"]]
    updates = [p["args"][0] for p in phone.get_received() if p["name"] == "ticket.update"]
    assert updates and updates[-1]["status"] == "waiting" and updates[-1]["position"] == 1
    branch = client.get(f"{API}/branches/centro").get_json()
    assert [c["code"] for c in branch["recent_calls"]] == [first["code"]]
    # The counter goes on as if nothing happened: the next call finishes A001, calls A002 again.
    assert call_next(client, agent)["id"] == second["id"]


def test_a_finish_and_a_no_show_are_undone_to_exactly_the_state_before(client, agent, take, open_counter):
    served, absent = take(), take()
    open_counter("v1")
    call_next(client, agent)
    assert client.post(f"{API}/tickets/{served['id']}/start", headers=agent).status_code == 200
    assert client.post(f"{API}/tickets/{served['id']}/done", headers=agent).status_code == 200
    body = client.post(f"{API}/tickets/{served['id']}/undo", headers=agent).get_json()
    assert body["ticket"]["status"] == "serving" and body["returned"] is None
    assert ticket(client, served)["finished_at"] is None and ticket(client, served)["started_at"]
    # Undone once: the same finish cannot be undone twice.
    problem(client.post(f"{API}/tickets/{served['id']}/undo", headers=agent), 409)

    assert client.post(f"{API}/tickets/{served['id']}/done", headers=agent).status_code == 200
    assert call_next(client, agent)["id"] == absent["id"]
    client.post(f"{API}/tickets/{absent['id']}/recall", headers=agent)
    assert client.post(f"{API}/tickets/{absent['id']}/no-show", headers=agent).status_code == 200
    body = client.post(f"{API}/tickets/{absent['id']}/undo", headers=agent).get_json()
    assert body["ticket"]["status"] == "called" and body["ticket"]["recalls"] == 1
    assert ticket(client, served)["status"] == "done"  # the earlier finish stands


def test_undo_is_refused_too_late_to_someone_else_and_once_the_counter_moved_on(
        client, agent, admin, take, open_counter, clock):
    a, b, c = take(), take(), take()
    open_counter("v1")
    call_next(client, agent)
    call_next(client, agent)  # finishes a, calls b
    problem(client.post(f"{API}/tickets/{a['id']}/undo", headers=admin), 409)  # not who did it
    problem(client.post(f"{API}/tickets/{a['id']}/undo", headers=agent, json={"counter": "v2"}), 409)  # not there
    problem(client.post(f"{API}/tickets/{a['id']}/undo"), 401)
    problem(client.post(f"{API}/tickets/{c['id']}/undo", headers=agent), 409)  # nothing done to it
    problem(client.post(f"{API}/tickets/not-a-uuid/undo", headers=agent), 404)
    clock.now += timedelta(seconds=16)
    body = problem(client.post(f"{API}/tickets/{a['id']}/undo", headers=agent), 409)
    assert "tarde" in body["detail"] or "late" in body["detail"]
    # The counter moved on: b finished by the next call, c called.
    call_next(client, agent)
    problem(client.post(f"{API}/tickets/{a['id']}/undo", headers=agent), 409)
    clock.now += timedelta(seconds=1)
    assert client.post(f"{API}/tickets/{c['id']}/done", headers=agent).status_code == 200
    problem(client.post(f"{API}/tickets/{b['id']}/undo", headers=agent), 409)  # c came after it
    assert ticket(client, b)["status"] == "done" and ticket(client, c)["status"] == "done"


def test_a_ticket_sent_to_this_counter_goes_back_as_sent_to_it(client, agent, take, open_counter):
    other, sent = take(service="plataforma"), take(service="plataforma")
    open_counter("v2")
    assert call_next(client, agent, "v2")["id"] == other["id"]
    assert call_next(client, agent, "v2")["id"] == sent["id"]
    r = client.post(f"{API}/tickets/{sent['id']}/transfer", headers=agent, json={"counter": "v3"})
    assert r.status_code == 200
    open_counter("v3")
    assert call_next(client, agent, "v3")["id"] == sent["id"]
    assert client.post(f"{API}/tickets/{sent['id']}/done", headers=agent).status_code == 200
    body = client.post(f"{API}/tickets/{sent['id']}/undo", headers=agent).get_json()
    assert body["ticket"]["status"] == "called" and body["ticket"]["counter"]["id"] == "v3"
    # Call-next at v3 finishes it and calls no one; undoing that keeps the state too,
    # once the counter is open again (not at a closed one).
    assert call_next(client, agent, "v3") is None
    assert client.post(f"{API}/branches/centro/counters/v3/pause", headers=agent).status_code == 200
    problem(client.post(f"{API}/tickets/{sent['id']}/undo", headers=agent), 409)
    open_counter("v3")
    body = client.post(f"{API}/tickets/{sent['id']}/undo", headers=agent).get_json()
    assert body["ticket"]["status"] == "called" and body["returned"] is None


def test_an_undone_call_of_a_transferred_ticket_returns_it_to_the_counter_it_was_sent_to(
        client, agent, take, open_counter):
    first, sent = take(service="plataforma"), take(service="plataforma")
    open_counter("v2")
    open_counter("v3")
    assert call_next(client, agent, "v2")["id"] == first["id"]
    r = client.post(f"{API}/tickets/{sent['id']}/transfer", headers=agent, json={"counter": "v3"})
    assert r.status_code == 200
    assert call_next(client, agent, "v3")["id"] == sent["id"]
    assert client.post(f"{API}/tickets/{sent['id']}/requeue", headers=agent).status_code == 200
    client.post(f"{API}/tickets/{sent['id']}/transfer", headers=agent, json={"counter": "v2"})
    assert call_next(client, agent, "v2")["id"] == sent["id"]  # finishes first
    body = client.post(f"{API}/tickets/{first['id']}/undo", headers=agent).get_json()
    assert body["returned"]["id"] == sent["id"] and body["returned"]["target_counter"] == "v2"
    # Sent to v2: v3 does not get it.
    assert call_next(client, agent, "v3") is None


def test_the_figures_leave_out_an_undone_call(client, agent, admin, take, open_counter, clock):
    first, second = take(), take()
    open_counter("v1")
    clock.now += timedelta(minutes=2)
    call_next(client, agent)
    clock.now += timedelta(minutes=2)
    call_next(client, agent)  # second called after 4 minutes... then undone
    client.post(f"{API}/tickets/{first['id']}/undo", headers=agent)
    client.post(f"{API}/tickets/{first['id']}/done", headers=agent)
    clock.now += timedelta(minutes=6)
    assert call_next(client, agent)["id"] == second["id"]  # ...really called after 10
    client.post(f"{API}/tickets/{second['id']}/done", headers=agent)
    r = client.get(f"{API}/branches/centro/stats?from=2031-02-28&to=2031-02-28&by=service", headers=admin)
    assert r.status_code == 200, r.get_json()
    total = r.get_json()["total"]
    assert total["served"] == 2 and total["called"] == 2
    assert total["wait_p90_min"] > 8


def test_a_late_no_show_goes_back_to_the_line_at_its_place_for_the_branchs_time(
        client, agent, take, open_counter, clock):
    late, waiting = take(), take()
    open_counter("v1")
    call_next(client, agent)
    assert client.post(f"{API}/tickets/{late['id']}/no-show", headers=agent).status_code == 200
    listed = client.get(f"{API}/branches/centro/no-shows", headers=agent).get_json()
    assert [t["code"] for t in listed] == [late["code"]]
    assert listed[0]["back_until"] == "2031-02-28T18:30:00Z"
    problem(client.get(f"{API}/branches/centro/no-shows"), 401)
    clock.now += timedelta(minutes=29)
    r = client.post(f"{API}/tickets/{late['id']}/requeue", headers=agent)
    assert r.status_code == 200 and r.get_json()["status"] == "waiting"
    assert ticket(client, late)["position"] == 1 and ticket(client, waiting)["ahead"] == 1
    # Once more a no-show, and past the branch's 30 minutes: no longer.
    assert call_next(client, agent)["id"] == late["id"]
    client.post(f"{API}/tickets/{late['id']}/no-show", headers=agent)
    clock.now += timedelta(minutes=31)
    assert client.get(f"{API}/branches/centro/no-shows", headers=agent).get_json() == []
    body = problem(client.post(f"{API}/tickets/{late['id']}/requeue", headers=agent), 409)
    assert "turno nuevo" in body["detail"] or "new turn" in body["detail"]
    assert ticket(client, late)["status"] == "no_show"


# ---------------------------------------------------------------- racing other counters (threads, both databases)

ROUNDS = 6
OTHERS = 4


def test_an_undo_racing_other_counters_calls_never_leaves_a_ticket_called_twice(app):
    """Counter c00 calls next over its ticket, then undoes it while four other counters
    call next at the same moment: whichever wins, every ticket called is called at one
    counter only, and each counter holds what its call returned."""
    from sqlalchemy import select

    from test_concurrency import add_counters, run_threads, take_many
    from turnero.errors import Conflict
    from turnero.models import Counter, Ticket
    from turnero.queue import counters
    from turnero.queue.undo import undo

    db = app.extensions["turnero.db"]
    agent = add_counters(db, OTHERS + 1)
    take_many(db, ROUNDS * (OTHERS + 2) + 4, "caja")

    def call(counter):
        with db.unit_of_work(write=True) as uow:
            view = counters.call_next(uow, "centro", counter, agent)
            return view.id if view is not None else None

    def job(kind, arg):
        if kind == "call":
            return call(arg)
        try:
            with db.unit_of_work(write=True) as uow:
                return undo(uow, arg, agent)
        except Conflict:
            return None

    undid = 0
    for _ in range(ROUNDS):
        first = call("c00")
        second = call("c00")  # finishes `first`
        others = [f"c{i:02d}" for i in range(1, OTHERS + 1)]
        results = run_threads(job, [("undo", first)] + [("call", c) for c in others])
        undone, called = results[0], dict(zip(others, results[1:]))
        undid += undone is not None
        with db.unit_of_work() as uow:
            s = uow.session
            at = {c.id: c.slug for c in s.scalars(select(Counter))}
            holding = {}
            for t in s.scalars(select(Ticket).where(Ticket.status.in_(("called", "serving")))):
                assert at[t.counter_id] not in holding, "a counter holds two tickets"
                holding[at[t.counter_id]] = t.id
        # Each other counter holds exactly what its call returned; no id is held twice.
        for counter, ticket_id in called.items():
            assert holding.get(counter) == ticket_id
        assert len(set(holding.values())) == len(holding)
        assert holding["c00"] == (first if undone is not None else second)
        if undone is not None and second in called.values():
            assert undone.returned.id == second  # put back, then rightly called by another counter
    assert undid == ROUNDS  # the undo never lost to a call: they only take turns


def test_the_branch_sets_how_long_a_no_show_may_come_back(app, client, agent, take, open_counter, clock):
    from web_staff_helpers import post_form, sign_in
    sign_in(client, "admin")
    r = post_form(client, "/admin/branches/centro", {
        "name": "Sucursal Centro", "timezone": "America/Mexico_City", "lang": "es", "country": "MX",
        "priority_boost_min": "15", "appointment_boost_min": "10", "notify_ahead": "3", "retention_days": "90",
        "no_show_return_min": "5"})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    late = take()
    open_counter("v1")
    call_next(client, agent)
    client.post(f"{API}/tickets/{late['id']}/no-show", headers=agent)
    assert client.get(f"{API}/branches/centro/no-shows", headers=agent).get_json()[0]["back_until"] \
        == "2031-02-28T18:05:00Z"
    clock.now += timedelta(minutes=6)
    problem(client.post(f"{API}/tickets/{late['id']}/requeue", headers=agent), 409)
    r = post_form(client, "/admin/branches/centro", {"name": "Sucursal Centro", "no_show_return_min": "241"})
    assert r.status_code == 422  # 0 to 240


def test_a_late_customers_page_says_to_ask_at_the_front_desk_then_shows_the_place_again(
        client, agent, take, open_counter):
    late, other = take(), take()
    open_counter("v1")
    call_next(client, agent)
    client.post(f"{API}/tickets/{late['id']}/no-show", headers=agent)
    page = client.get(f"/t/{late['token']}", headers={"Accept-Language": "es-MX"}).get_data(as_text=True)
    assert "¿Llegó tarde? Pregunte en recepción" in page
    assert client.post(f"{API}/tickets/{late['id']}/requeue", headers=agent).status_code == 200
    back = ticket(client, late)
    assert back["status"] == "waiting" and back["position"] == 1 and back["code"] == late["code"]
    assert ticket(client, other)["ahead"] == 1


# ---------------------------------------------------------------- a transfer never bounces back

def test_a_transferred_ticket_never_bounces_back_to_the_counter_that_sent_it(client, agent, take, open_counter):
    moved, later = take(), take(service="plataforma")
    open_counter("v2")  # caja and plataforma
    assert call_next(client, agent, "v2")["id"] == moved["id"]
    r = client.post(f"{API}/tickets/{moved['id']}/transfer", headers=agent, json={"service": "plataforma"})
    assert r.status_code == 200 and r.get_json()["position"] == 1  # first in plataforma's line, by its time
    # v2 serves plataforma too, yet its next call is the one behind: the transfer does not come back.
    assert call_next(client, agent, "v2")["id"] == later["id"]
    assert call_next(client, agent, "v2") is None
    assert ticket(client, moved)["status"] == "waiting" and ticket(client, moved)["position"] == 1
    # v2 may still pick it on purpose; and another counter of that line gets it from call-next.
    r = client.post(f"{API}/branches/centro/counters/v2/call", headers=agent,
                    json={"ticket": moved["id"], "reason": "Lo atiendo yo"})
    assert r.status_code == 200 and r.get_json()["counter"]["id"] == "v2"
    client.post(f"{API}/tickets/{moved['id']}/transfer", headers=agent, json={"service": "plataforma"})
    open_counter("v3")
    assert call_next(client, agent, "v3")["id"] == moved["id"]


def test_an_undone_call_of_a_transferred_ticket_is_again_passed_over_by_its_sender(client, agent, take, open_counter):
    other, moved = take(service="plataforma"), take()
    open_counter("v2")
    open_counter("v3")
    assert call_next(client, agent, "v3")["id"] == other["id"]
    assert call_next(client, agent, "v2")["id"] == moved["id"]
    client.post(f"{API}/tickets/{moved['id']}/transfer", headers=agent, json={"service": "plataforma"})
    assert call_next(client, agent, "v3")["id"] == moved["id"]  # finishes `other`
    body = client.post(f"{API}/tickets/{other['id']}/undo", headers=agent).get_json()
    assert body["returned"]["id"] == moved["id"]
    assert call_next(client, agent, "v2") is None  # still the counter that sent it away
    assert call_next(client, agent, "v3")["id"] == moved["id"]


def test_an_undo_racing_its_own_counters_next_call_leaves_the_counter_one_ticket(app):
    """A double press: Undo and Call next of the same counter at once. One goes first;
    the counter ends with one ticket called, and no ticket is lost or doubled."""
    from sqlalchemy import func, select

    from test_concurrency import add_counters, run_threads, take_many
    from turnero.errors import Conflict
    from turnero.models import Counter, Ticket
    from turnero.queue import counters
    from turnero.queue.undo import undo

    db = app.extensions["turnero.db"]
    agent = add_counters(db, 1)
    take_many(db, ROUNDS * 3 + 2, "caja")

    def call():
        with db.unit_of_work(write=True) as uow:
            return counters.call_next(uow, "centro", "c00", agent).id

    def job(kind, ticket_id=None):
        if kind == "call":
            return call()
        try:
            with db.unit_of_work(write=True) as uow:
                return undo(uow, ticket_id, agent)
        except Conflict:
            return None

    for _ in range(ROUNDS):
        first = call()
        call()
        undone, _called = run_threads(job, [("undo", first), ("call",)])
        with db.unit_of_work() as uow:
            s = uow.session
            c00 = s.scalar(select(Counter.id).where(Counter.slug == "c00"))
            held = s.scalar(select(func.count()).select_from(Ticket).where(
                Ticket.counter_id == c00, Ticket.status.in_(("called", "serving"))))
            assert held == 1
            total = s.scalar(select(func.count()).select_from(Ticket))
            done_or_waiting = s.scalar(select(func.count()).select_from(Ticket).where(
                Ticket.status.in_(("done", "waiting"))))
            assert done_or_waiting == total - 1  # every other ticket finished or still in line


def test_the_console_may_undo_over_socket_io_through_the_same_use_case(client, agent, take, open_counter, sio):
    from web_staff_helpers import sign_in
    first, second = take(), take()
    open_counter("v1")
    call_next(client, agent)
    call_next(client, agent)
    stranger = sio()  # no staff session
    answer = stranger.emit("undo", {"ticket": first["id"], "counter": "v1"}, callback=True)
    assert answer["ok"] is False and answer["error"]
    assert stranger.emit("undo", "nonsense", callback=True)["ok"] is False
    sign_in(client, "agente")
    console = sio()
    screen = sio()
    screen.emit("subscribe", {"branch": "centro"})
    screen.get_received()
    answer = console.emit("undo", {"ticket": first["id"], "counter": "v1", "lang": "es"}, callback=True)
    assert answer["ok"] is True, answer
    assert answer["ticket"]["status"] == "called" and answer["returned"]["id"] == second["id"]
    assert [p["name"] for p in screen.get_received()].count("branch.state") == 1  # one broadcast
    again = console.emit("undo", {"ticket": first["id"], "counter": "v1", "lang": "es"}, callback=True)
    assert again == {"ok": False, "error": "No hay nada que deshacer en este turno."}
    assert kinds(client, agent, first)[-1] == "undone"
