"""Priority classes as data: each branch's list with its boosts and what the kiosk
offers; a kiosk or staff take a turn in a class, staff give or remove one (in the
audit log); the admin page adds and removes classes and previews the next calls; and,
whatever the arrivals, no one waits for ever. Both databases (the property test is
plain rules)."""
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from conftest import problem
from turnero.models import AuditEntry
from turnero.queue.rules import Place, sort_time
from web_staff_helpers import csrf_of, post_form, sign_in

API = "/api/v1"


def classes(client, branch="centro") -> dict[str, dict]:
    return {c["names"]["es"]: c for c in client.get(f"{API}/branches/{branch}").get_json()["priority_classes"]}


def test_a_kiosk_offers_its_classes_and_a_class_places_the_ticket_by_its_boost(client, clock, kiosk, take):
    listed = classes(client)
    assert set(listed) == {"Adulto mayor", "Embarazada", "Discapacidad", "Urgencia médica"}
    assert listed["Discapacidad"]["boost_min"] == 20 and listed["Urgencia médica"]["at_kiosk"] is False
    plain = take()
    clock.now += timedelta(minutes=18)
    older = take(headers=kiosk, priority_class=listed["Adulto mayor"]["id"])  # 15 min: behind the plain one
    disabled = take(headers=kiosk, priority_class=listed["Discapacidad"]["id"])  # 20 min: ahead of it
    assert (older["priority"], older["priority_class"]) == (True, listed["Adulto mayor"]["id"])
    ahead = {t["code"]: client.get(f"{API}/tickets/{t['token']}").get_json()["ahead"]
             for t in (plain, older, disabled)}
    assert ahead == {disabled["code"]: 0, plain["code"]: 1, older["code"]: 2}
    # What the kiosk does not offer, or another branch's class, is refused; a web page gets a plain turn.
    problem(client.post(f"{API}/branches/centro/tickets", headers=kiosk,
                        json={"service": "caja", "priority_class": listed["Urgencia médica"]["id"]}), 422)
    norte = classes(client, "norte")["Adulto mayor"]["id"]
    problem(client.post(f"{API}/branches/centro/tickets", headers=kiosk,
                        json={"service": "caja", "priority_class": norte}), 422)
    web = take(priority_class=listed["Adulto mayor"]["id"])
    assert (web["priority"], web["priority_class"]) == (False, None)


def test_staff_give_and_remove_a_class_and_the_audit_log_says_which(app, client, clock, agent, take):
    listed = classes(client)
    first = take()
    clock.now += timedelta(minutes=30)
    second = take()
    urgent = listed["Urgencia médica"]["id"]  # staff only, 60 min
    r = client.post(f"{API}/tickets/{second['id']}/priority", headers=agent,
                    json={"priority": True, "priority_class": urgent})
    assert r.status_code == 200 and r.get_json()["priority_class"] == urgent and r.get_json()["ahead"] == 0
    problem(client.post(f"{API}/tickets/{second['id']}/priority", headers=agent,
                        json={"priority": True, "priority_class": listed["Adulto mayor"]["id"]}), 409)
    r = client.post(f"{API}/tickets/{second['id']}/priority", headers=agent, json={"priority": False})
    assert r.get_json()["priority_class"] is None and r.get_json()["ahead"] == 1
    assert client.get(f"{API}/tickets/{first['token']}").get_json()["ahead"] == 0
    with app.extensions["turnero.db"].unit_of_work() as uow:
        changes = [e.changes for e in uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("ticket.priority%")).order_by(AuditEntry.id))]
    assert changes == [{"class": [None, "Urgencia médica"]}, {"class": ["Urgencia médica", None]}]


def test_a_manager_adds_and_removes_a_class_and_previews_the_next_calls(app, client, take):
    first, second = take(), take("plataforma")
    sign_in(client, "admin")
    page = client.get("/admin/branches/centro/priority").get_data(as_text=True)
    assert "Urgencia médica" in page and page.index(first["code"]) < page.index(second["code"])
    r = post_form(client, "/admin/branches/centro/priority", {"name_es": "Lactancia", "name_en": "Nursing",
                                                              "boost_min": "10", "at_kiosk": "y"})
    assert r.status_code == 302
    added = classes(client)["Lactancia"]
    assert (added["boost_min"], added["at_kiosk"], added["names"]["en"]) == (10, True, "Nursing")
    r = post_form(client, "/admin/branches/centro/priority", {"name_es": "", "name_en": "X", "boost_min": "999"})
    assert r.status_code == 422 and "Lactancia" in r.get_data(as_text=True)
    r = client.post(f"/admin/branches/centro/priority/{added['id']}/delete",
                    data={"csrf_token": csrf_of(client, "/admin/branches/centro/priority")})
    assert r.status_code == 302 and "Lactancia" not in classes(client)


# ---------------------------------------------------------------- no one waits for ever

T0 = datetime(2031, 3, 3, 15, tzinfo=timezone.utc)
BOOSTS = st.sampled_from([0, 0, 0, 15, 20, 60])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.tuples(st.just("join"), st.integers(0, 10), BOOSTS),
                          st.tuples(st.just("call"), st.integers(0, 10), st.just(0))), max_size=120))
def test_with_any_arrivals_every_ticket_is_called_and_only_tickets_taken_within_the_top_boost_pass_it(events):
    """Counters call the first place in line: a ticket is passed only by tickets
    taken less than the largest boost after it, so it is called after finitely many
    calls whatever keeps arriving."""
    now, line, seq, called = T0, [], 0, []
    taken_at: dict[int, datetime] = {}
    for kind, minutes, boost in events:
        now += timedelta(minutes=minutes)
        if kind == "join":
            seq += 1
            taken_at[seq] = now
            line.append(Place(sort_time(now, boost), seq))
        elif line:
            first = min(line)
            line.remove(first)
            called.append(first.seq)
    while line:  # the counters go on calling
        first = min(line)
        line.remove(first)
        called.append(first.seq)
    assert sorted(called) == list(range(1, seq + 1))  # everyone is called, once
    for position, ticket in enumerate(called):
        for earlier in called[:position]:
            if earlier > ticket:  # taken later, called first
                assert taken_at[earlier] - taken_at[ticket] < timedelta(minutes=60)
