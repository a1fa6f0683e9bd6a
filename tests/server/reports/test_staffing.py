"""Counters needed per hour: Erlang C against textbook values, and the staffing
figures from a history written through the API. Both databases."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from conftest import problem
from turnero.reports.erlang import counters_needed, erlang_c, share_within
from web_staff_helpers import make_user, sign_in

API = "/api/v1"


# The classic worked example (e.g. Cleveland & Mayben, "Call Center Management on Fast
# Forward"; callcentrehelper.com's Erlang C walkthrough): 100 calls in 30 minutes, 180 s
# each, target 80% answered within 20 s. Traffic 10 erlangs.
@pytest.mark.parametrize("agents, waits, within", [
    (11, 0.6821, 0.3896), (12, 0.4494, 0.6402), (13, 0.2853, 0.7956), (14, 0.1741, 0.8884), (15, 0.1020, 0.9415),
])
def test_erlang_c_matches_the_textbook_table(agents, waits, within):
    assert erlang_c(agents, 10.0) == pytest.approx(waits, abs=5e-5)
    assert share_within(agents, rate=100 / 1800, aht=180, wait=20) == pytest.approx(within, abs=5e-5)


def test_the_counters_needed_are_the_fewest_that_reach_the_target():
    assert counters_needed(100 / 1800, 180, 20, 0.80) == 14  # 13 give 79.6%
    assert counters_needed(100 / 1800, 180, 20, 0.60) == 12
    assert counters_needed(0, 180, 20, 0.8) == 0
    assert erlang_c(10, 10.0) == 1.0 and share_within(10, 100 / 1800, 180, 20) == 0.0  # no end to the line
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: the utilisation


@pytest.fixture
def manager(app, login):
    make_user(app, "gerente", "manager", "centro")
    return login("gerente")


def test_staffing_from_two_fridays_of_history(client, clock, take, agent, open_counter, manager, plan_counter):
    """Two Fridays before 2031-02-28, ten turns each between 12:00 and 12:10, each served
    in exactly 6 minutes: 10 arrivals an hour, 0.1 h each, 1 erlang. With a 15-minute
    target for 80%: one counter is not enough (1 erlang on 1 counter never ends), two
    give 1 - C(2, 1) e^(-(2-1) 0.25/0.1) = 1 - (1/3) e^-2.5 = 0.973; three 0.999."""
    open_counter("v1")
    for weeks_back in (1, 2):
        noon = datetime(2031, 2, 28, 18, tzinfo=timezone.utc) - timedelta(weeks=weeks_back)
        clock.now = noon
        tickets = []
        for n in range(10):
            clock.now = noon + timedelta(minutes=n)
            tickets.append(take())
        for _ in tickets:
            called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
            client.post(f"{API}/tickets/{called['id']}/start", headers=agent)
            clock.now += timedelta(minutes=6)
            assert client.post(f"{API}/tickets/{called['id']}/done", headers=agent).status_code == 200
    clock.now = datetime(2031, 2, 28, 15, tzinfo=timezone.utc)
    r = client.get(f"{API}/branches/centro/staffing", query_string={"date": "2031-02-28"}, headers=manager)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["weekday"], body["days_with_turns"], body["service_min"], body["target_wait_min"]) == (4, 2, 6.0, 15)
    assert body["hours"] == [{"hour": 12, "arrivals": 10.0, "traffic": 1.0, "counters": 2, "share": 0.973,
                              "share_one_fewer": 0.0, "share_one_more": 0.999, "planned": None}]
    # The counters planned for that hour beside them: v1 all day, v2 from 12:30 (half the hour).
    plan_counter("v1", "09:00-18:00")
    plan_counter("v2", "12:30-14:00")
    planned = client.get(f"{API}/branches/centro/staffing", query_string={"date": "2031-02-28"}, headers=manager)
    assert planned.get_json()["hours"][0]["planned"] == 1.5
    sign_in(client, "gerente")
    page = client.get("/staff/reports/centro?period=day&date=2031-02-28&lang=en")
    assert page.status_code == 200
    assert re.search(r'<td class="num short">1.5 <span class="short-by">\(0.5 short\)</span></td>',
                     page.get_data(as_text=True))
    # A harder target asks for more: 99% within 15 minutes.
    harder = client.get(f"{API}/branches/centro/staffing", headers=manager,
                        query_string={"date": "2031-02-28", "target_share": "0.99"}).get_json()
    assert harder["hours"][0]["counters"] == 3 and harder["target_share"] == 0.99


def test_staffing_needs_a_manager_and_sane_targets(client, clock, agent, manager):
    problem(client.get(f"{API}/branches/centro/staffing"), 401)
    problem(client.get(f"{API}/branches/centro/staffing", headers=agent), 403)
    for query in ({"target_share": "1.5"}, {"weeks": "0"}, {"date": "soon"}, {"target_wait_min": "-3"}):
        problem(client.get(f"{API}/branches/centro/staffing", query_string=query, headers=manager), 422)
    empty = client.get(f"{API}/branches/centro/staffing", headers=manager).get_json()
    assert empty["hours"] == [] and empty["days_with_turns"] == 0
