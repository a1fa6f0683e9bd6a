"""A counter's planned hours in the waits: one planned to open soon counts from then
(its lines' waits shorter on every door, and counting down while no one opens it);
one planned to close takes no turn from then on; staff late past a planned opening
count for nothing (SQLite and PostgreSQL). The clock stands at 12:00 in centro."""
from datetime import timedelta

import pytest
from turnero.queue.day import reckon_waits

API = "/api/v1"


@pytest.fixture
def plan(plan_counter, clock):
    return plan_counter


def _eta(client, ticket) -> dict:
    return client.get(f"{API}/tickets/{ticket['token']}").get_json()["eta"]


def _lobby_eta(client, service="caja") -> dict:
    body = client.get(f"{API}/branches/centro").get_json()
    return next(s["eta"] for s in body["services"] if s["id"] == service)


@pytest.fixture
def a_line(client, clock, take, kiosk, agent, open_counter):
    """v1 open and just called the first of five caja turns: the last has three ahead."""
    open_counter("v1")
    for _ in range(4):
        take("caja", headers=kiosk)
    assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).status_code == 200
    return take("caja", headers=kiosk)


def test_a_counter_planned_to_open_soon_shortens_the_waits_of_its_lines_on_every_door(client, a_line, plan):
    told, lobby = a_line["eta"], _lobby_eta(client)
    plan("v2", "12:10-14:00")  # closed now; serves caja and plataforma
    shown = _eta(client, a_line)
    assert shown["about_min"] < told["about_min"] and shown["high_min"] < told["high_min"]
    assert _lobby_eta(client)["about_min"] < lobby["about_min"]
    # Opening long after this ticket's call, it changes nothing.
    plan("v2", "16:00-17:00")
    assert _eta(client, a_line) == told


def test_a_break_planned_for_the_counter_at_work_lengthens_the_waits_behind_it(client, a_line, plan):
    told = a_line["eta"]
    plan("v1", "09:00-12:05, 13:00-18:00")  # v1 begins one more turn before its lunch, then none until 13:00
    assert _eta(client, a_line)["about_min"] >= 60
    plan("v1", "09:00-18:00")
    assert _eta(client, a_line) == told
    # In its break (its lunch began at 11:00): it finishes its turn and goes, back at 12:30.
    plan("v1", "09:00-11:00, 12:30-18:00")
    assert _eta(client, a_line)["about_min"] >= 35
    # In before its first range: it serves now.
    plan("v1", "12:30-18:00")
    assert _eta(client, a_line) == told


def test_a_counter_paused_into_its_planned_break_is_back_when_the_break_ends(
        client, clock, take, kiosk, agent, open_counter, plan):
    open_counter("v1")
    r = client.post(f"{API}/branches/centro/counters/v1/pause", json={"reason": "break"}, headers=agent)
    assert r.status_code == 200, r.get_json()
    waiting = take("caja", headers=kiosk)
    assert waiting["eta"]["about_min"] <= 20  # a break: back in about 15 minutes
    plan("v1", "09:00-12:10, 13:00-18:00")  # ... and the break runs into its lunch
    assert _eta(client, waiting)["about_min"] >= 55


def test_staff_late_past_a_planned_opening_count_for_nothing(client, a_line, plan):
    told = a_line["eta"]
    plan("v2", "11:50-14:00")  # planned ten minutes ago, still closed
    assert _eta(client, a_line) == told


def test_a_counter_planned_to_close_soon_leaves_the_line_to_the_others(client, clock, take, kiosk, open_counter, plan):
    open_counter("v1")
    open_counter("v2")
    for _ in range(4):
        take("caja", headers=kiosk)
    last = take("caja", headers=kiosk)  # four ahead, two counters free
    plan("v2", "09:00-12:03")  # it begins the turn at 12:00 and no other
    assert _eta(client, last)["about_min"] > last["eta"]["about_min"]
    plan("v2", "09:00-18:00")
    assert _eta(client, last) == last["eta"]


def test_with_no_counter_open_the_waits_count_down_to_the_planned_opening(app, client, clock, take, kiosk, plan):
    plan("v1", "12:20-18:00")
    first = take("caja", headers=kiosk)
    assert 15 <= first["eta"]["about_min"] <= 21  # twenty minutes to the opening (told as a median)
    # Five minutes on, no one joins: the server's minute round tells the waits as of then.
    clock.now += timedelta(minutes=5)
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        assert reckon_waits(uow, "centro", clock.now)
    assert _eta(client, first)["about_min"] <= first["eta"]["about_min"] - 4
    clock.now += timedelta(minutes=5)
    take("caja", headers=kiosk)  # ten minutes on: a turn taken has the waits reckoned as of then
    later = _eta(client, first)
    assert later["about_min"] <= first["eta"]["about_min"] - 8
    # Without the plan, nothing is known of when a counter opens: a turn's worth.
    plan("v1", "")
    assert _eta(client, first)["about_min"] < 8


def test_staff_see_each_counters_planned_hours_in_the_console_list(client, agent, plan):
    plan("v2", "12:00-14:00")
    listed = {c["id"]: c for c in client.get(f"{API}/branches/centro/counters", headers=agent).get_json()}
    assert (listed["v1"]["planned_hours"], listed["v2"]["planned_hours"]) == (None, "12:00-14:00")
