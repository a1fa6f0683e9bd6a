"""The manager's figures on a day written through the API, each figure worked out by
hand below; the CSV exports; who may read them; bad input. Both databases.

The day at centro (Mexico City, UTC-6), Friday 2031-02-28, target wait 15 minutes:

    A001 web    taken 12:00  called 12:10 (wait 10)  started 12:11  done 12:15 (4)   scored 5
    A002 kiosk  taken 12:02  called 12:20 (wait 18)  started 12:20  done 12:30 (10)  scored 2
    A003 web    taken 12:05  cancelled 12:25
    A004 web    taken 13:10  called 13:15 (wait 5)   no-show 13:20
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from conftest import problem
from web_staff_helpers import make_user

API = "/api/v1"
NOON = datetime(2031, 2, 28, 18, tzinfo=timezone.utc)  # 12:00 in Mexico City
DAY = "2031-02-28"


@pytest.fixture
def the_day(client, clock, take, kiosk, agent, open_counter):
    def at(minutes):
        clock.now = NOON + timedelta(minutes=minutes)

    def act(ticket, action):
        r = client.post(f"{API}/tickets/{ticket['id']}/{action}", headers=agent)
        assert r.status_code == 200, r.get_json()

    def call():
        r = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    at(0)
    a = take()
    at(2)
    b = take(headers=kiosk)
    at(5)
    c = take(name="=HYPERLINK(\"http://evil\")", phone="55 1234 5678")
    open_counter("v1")
    at(10)
    assert call()["id"] == a["id"]
    at(11)
    act(a, "start")
    at(15)
    act(a, "done")
    at(20)
    assert call()["id"] == b["id"]
    act(b, "start")
    at(25)
    assert client.post(f"{API}/tickets/{c['token']}/cancel").status_code == 200
    at(30)
    act(b, "done")
    for ticket, score in ((a, 5), (b, 2)):
        assert client.post(f"{API}/tickets/{ticket['token']}/feedback", json={"score": score}).status_code == 201
    at(70)
    d = take()
    at(75)
    assert call()["id"] == d["id"]
    at(80)
    act(d, "no-show")
    at(90)
    return a, b, c, d


@pytest.fixture
def manager(app, login):
    make_user(app, "gerente", "manager", "centro")
    return login("gerente")


def stats(client, headers, **query):
    r = client.get(f"{API}/branches/centro/stats", query_string={"from": DAY, "to": DAY, **query},
                   headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_the_days_figures_as_worked_out_by_hand(client, the_day, manager):
    body = stats(client, manager)
    assert (body["from"], body["to"], body["by"], body["target_wait_min"]) == (DAY, DAY, "day", 15)
    total = body["total"]
    assert {k: total[k] for k in ("arrivals", "served", "cancelled", "no_show", "expired", "active", "called")} == {
        "arrivals": 4, "served": 2, "cancelled": 1, "no_show": 1, "expired": 0, "active": 0, "called": 3}
    # Waits 5, 10, 18: the median is 10; the 90th percentile 10 + 0.8 x 8 = 16.4.
    assert (total["wait_p50_min"], total["wait_p90_min"]) == (10.0, 16.4)
    # Service times 4 and 10: 7 and 4 + 0.9 x 6 = 9.4.
    assert (total["service_p50_min"], total["service_p90_min"]) == (7.0, 9.4)
    assert total["within_target"] == 0.667  # 5 and 10 of 5, 10, 18
    assert (total["feedback_avg"], total["feedback_count"]) == (3.5, 2)
    assert [g["key"] for g in body["groups"]] == [DAY] and body["groups"][0]["arrivals"] == 4


def test_figures_by_hour_channel_counter_and_agent(client, the_day, manager):
    hours = {g["key"]: g for g in stats(client, manager, by="hour")["groups"]}
    assert list(hours) == ["12", "13"] and hours["12"]["label"] == "12:00"
    assert (hours["12"]["arrivals"], hours["12"]["served"], hours["12"]["cancelled"]) == (3, 2, 1)
    assert (hours["12"]["wait_p50_min"], hours["12"]["within_target"]) == (14.0, 0.5)  # 10 and 18
    assert (hours["13"]["arrivals"], hours["13"]["no_show"], hours["13"]["wait_p50_min"]) == (1, 1, 5.0)
    channels = {g["key"]: g["arrivals"] for g in stats(client, manager, by="channel")["groups"]}
    assert channels == {"web": 3, "kiosk": 1}
    counters = {g["key"]: (g["label"], g["arrivals"], g["called"]) for g in
                stats(client, manager, by="counter")["groups"]}
    assert counters == {"v1": ("Ventanilla 1", 3, 3), None: (None, 1, 0)}  # A003 was never called
    agents = {g["key"]: (g["served"], g["no_show"], g["feedback_avg"])
              for g in stats(client, manager, by="agent")["groups"]}
    assert agents == {"agente": (2, 1, 3.5), None: (0, 0, None)}
    # Another target: 18 minutes counts A002 too.
    assert stats(client, manager, target_wait_min=18)["total"]["within_target"] == 1.0


def test_the_same_as_csv_and_one_row_per_ticket(client, the_day, manager, admin):
    r = client.get(f"{API}/branches/centro/stats.csv", query_string={"from": DAY, "by": "hour"}, headers=manager)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert [row["hour"] for row in rows] == ["12", "13", "total"]
    assert rows[-1]["arrivals"] == "4" and rows[-1]["wait_p90_min"] == "16.4"
    r = client.get(f"{API}/branches/centro/tickets.csv", query_string={"from": DAY}, headers=manager)
    tickets = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert [(t["code"], t["status"], t["wait_min"], t["service_min"], t["counter"], t["agent"], t["feedback"])
            for t in tickets] == [("A001", "done", "10.0", "4.0", "v1", "agente", "5"),
                                  ("A002", "done", "18.0", "10.0", "v1", "agente", "2"),
                                  ("A003", "cancelled", "", "", "", "", ""),
                                  ("A004", "no_show", "5.0", "", "v1", "agente", "")]
    assert tickets[0]["taken_at"] == "2031-02-28T12:00:00-06:00" and tickets[1]["channel"] == "kiosk"
    assert "phone" not in tickets[0] and "HYPERLINK" not in r.get_data(as_text=True)  # a manager: no names
    r = client.get(f"{API}/branches/centro/tickets.csv", query_string={"from": DAY}, headers=admin)
    by_code = {t["code"]: t for t in csv.DictReader(io.StringIO(r.get_data(as_text=True)))}
    assert by_code["A003"]["phone"] == "+525512345678"
    assert by_code["A003"]["name"].startswith("'=HYPERLINK")  # a spreadsheet reads it as text, not a formula


def test_only_managers_of_the_branch_and_admins_read_the_figures(app, client, the_day, agent, admin, kiosk, login):
    make_user(app, "gerente_norte", "manager", "norte")
    other = login("gerente_norte")
    for path in ("stats", "stats.csv", "tickets.csv"):
        url = f"{API}/branches/centro/{path}"
        problem(client.get(url), 401)
        problem(client.get(url, headers=kiosk), 403)
        problem(client.get(url, headers=agent), 403)
        problem(client.get(url, headers=other), 403)
        assert client.get(url, query_string={"from": DAY}, headers=admin).status_code == 200
    problem(client.get(f"{API}/branches/nowhere/stats", headers=admin), 404)


@pytest.mark.parametrize("query, field, said", [
    ({"from": "2031-03-02", "to": "2031-03-01"}, "from", "El primer día es posterior al último."),
    ({"from": "2030-01-01", "to": "2031-03-01"}, "to", "Pida 366 días como máximo."),
    ({"from": "yesterday"}, "from", "No es una fecha válida."),
    ({"by": "weather"}, "by", "Agrupe por hora, día, servicio, ventanilla, agente o canal."),
    ({"target_wait_min": "0"}, "target_wait_min", None),
])
def test_a_bad_period_or_grouping_is_refused_in_the_users_language(client, manager, clock, query, field, said):
    r = client.get(f"{API}/branches/centro/stats", query_string=query,
                   headers={**manager, "Accept-Language": "es-MX"})
    errors = problem(r, 422)["errors"]
    assert field in errors, errors
    if said:
        assert errors[field] == [said]


def test_a_day_without_tickets_has_empty_figures(client, manager, clock):
    total = stats(client, manager)["total"]
    assert total["arrivals"] == 0 and total["wait_p50_min"] is None and total["within_target"] is None


@pytest.mark.parametrize("value, written", [
    ("=1+1", "'=1+1"), ("@SUM(A1)", "'@SUM(A1)"), ("-2+3", "'-2+3"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("\t=1", "'\t=1"), ("+525512345678", "+525512345678"), ("-5", "-5"), ("12.5", "12.5"), ("Ana", "Ana"),
    (None, ""),
])
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(value, written):
    from turnero.reports.api import _cell
    assert _cell(value) == written


def test_percentiles_interpolate_between_ranks_like_postgresql():
    from turnero.reports.figures import percentile
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    # SELECT percentile_cont(q) WITHIN GROUP (ORDER BY v) FROM unnest('{1,2,3,4,10}') v
    assert [round(percentile(values, q), 6) for q in (0, 50, 90, 100)] == [1.0, 3.0, 7.6, 10.0]
    assert percentile([], 50) is None and percentile([7.0], 90) == 7.0


def test_the_waits_shown_at_joining_are_measured_against_the_real_ones(app, client, the_day, manager):
    """Each ticket's answer when it was taken is what its customer was shown ("about
    N min (low-high)"); the log kept it. A001 waited 10 minutes, A002 18, A004 5 (A003
    was never called). The error is the real wait's distance from the "about"."""
    from sqlalchemy import select

    from turnero.models import Service, TicketEvent
    a, b, _c, d = the_day
    with app.extensions["turnero.db"].unit_of_work() as uow:
        configured = uow.session.scalar(select(Service.avg_service_min).where(Service.slug == "caja"))
    real = {"A001": 10, "A002": 18, "A004": 5}
    shown = {t["code"]: (t["eta"]["low_min"], t["eta"]["high_min"], t["eta"]["about_min"]) for t in (a, b, d)}
    ahead = {"A001": 0, "A002": 1, "A004": 0}
    assert (a["ahead"], b["ahead"], d["ahead"]) == (0, 1, 0)
    inside = sum(low <= real[c] <= high for c, (low, high, _) in shown.items())
    error = sum(abs(real[c] - about) for c, (_, _, about) in shown.items()) / 3
    naive = sum(abs(real[c] - ahead[c] * configured) for c in real) / 3
    width = sum(high - low for low, high, _ in shown.values()) / 3
    total = stats(client, manager)["total"]
    assert total["estimated"] == 3
    assert total["estimate_inside"] == round(inside / 3, 3)
    assert total["estimate_error_min"] == round(error, 1)
    assert total["naive_error_min"] == round(naive, 1)
    assert total["estimate_width_min"] == round(width, 1)

    # Tickets shown a range alone (as before the "about" was told) are measured from its middle.
    middles = sum(abs(real[c] - (low + high) / 2) for c, (low, high, _) in shown.items()) / 3
    assert round(middles, 1) != round(error, 1)
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        for event in uow.session.scalars(select(TicketEvent).where(TicketEvent.kind == "issued")):
            event.data = {**event.data, "eta": event.data["eta"][:2]}
        uow.commit()
    assert stats(client, manager)["total"]["estimate_error_min"] == round(middles, 1)


def test_right_now_each_lines_wait_so_far_and_each_counter(client, clock, take, agent, open_counter, manager):
    take()
    clock.now += timedelta(minutes=7)
    take()
    open_counter("v1")
    clock.now += timedelta(minutes=5)
    r = client.get(f"{API}/branches/centro/now", headers=manager)
    assert r.status_code == 200, r.get_json()
    now = r.get_json()
    lines = {s["slug"]: s for s in now["services"]}
    assert {k: lines["caja"][k] for k in ("waiting", "longest_wait_min")} == {"waiting": 2, "longest_wait_min": 12}
    assert lines["caja"]["serving"] >= 1 and lines["plataforma"]["waiting"] == 0
    assert lines["plataforma"]["longest_wait_min"] is None
    desks = {c["slug"]: c for c in now["counters"]}
    assert desks["v1"]["state"] == "open" and desks["v1"]["ticket"] is None and now["open"] >= 1
    called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    now = client.get(f"{API}/branches/centro/now", headers=manager).get_json()
    assert {c["slug"]: c["ticket"] for c in now["counters"]}["v1"] == called["code"]
    assert {s["slug"]: s["waiting"] for s in now["services"]}["caja"] == 1
    # Managers of the branch and admins only; nothing personal in it.
    assert client.get(f"{API}/branches/centro/now", headers=agent).status_code == 403
    assert "phone" not in r.get_data(as_text=True) and "token" not in r.get_data(as_text=True)
