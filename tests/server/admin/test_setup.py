"""Setting a branch up (issue 18): the weekly opening hours (one use case, its rules,
its form without JavaScript), the checklist a new branch walks through, the join page
of a branch that is not ready, and the branch form's time zone."""
import re
from datetime import time

import pytest
from sqlalchemy import select
from web_staff_helpers import post_form, sign_in

from turnero.access.services import SYSTEM
from turnero.admin import schedule
from turnero.admin import services as admin_use
from turnero.appointments import schedule as appointment_settings
from turnero.errors import Invalid
from turnero.hours import parse_wall, range_problems
from turnero.models import Branch, OpeningHours

API = "/api/v1"
NEW_BRANCH = {"slug": "sur", "name": "Sucursal Sur", "timezone": "America/Bogota", "lang": "es", "country": "CO",
              "priority_boost_min": "15", "appointment_boost_min": "10", "notify_ahead": "3", "retention_days": "90"}


def test_ranges_must_open_before_closing_and_not_overlap():
    nine, one, two, five = time(9), time(13), time(14), time(17)
    assert range_problems([(nine, one), (two, five)]) == {}
    assert range_problems([(one, two), (nine, one)]) == {}  # touching ends do not overlap
    assert range_problems([(one, nine)]) == {0: "order"}
    assert range_problems([(nine, nine)]) == {0: "order"}
    assert range_problems([(nine, five), (two, time(18))]) == {0: "overlap", 1: "overlap"}
    # A long range overlaps one that starts after a shorter one ended.
    assert range_problems([(nine, five), (time(10), time(11)), (two, time(15))]) == {
        0: "overlap", 1: "overlap", 2: "overlap"}
    assert parse_wall("9:05") == time(9, 5) and parse_wall(" 17:00 ") == time(17)
    for bad in ("", "9", "25:00", "9:5", "09:60", "nueve", "-1:00"):
        with pytest.raises(ValueError):
            parse_wall(bad)


def _week(app, slug="centro") -> dict:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        branch = uow.session.scalar(select(Branch).where(Branch.slug == slug))
        return {d: [f"{o:%H:%M}-{c:%H:%M}" for o, c in ranges]
                for d, ranges in schedule.week_of(uow.session, branch).items()}


def _set(app, week, slug="centro"):
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        return schedule.set_opening_hours(uow, SYSTEM, slug, week)


def test_one_use_case_checks_every_range_and_saves_all_or_nothing(app):
    before = _week(app)
    with pytest.raises(Invalid) as refused:
        _set(app, {0: [("09:00", "13:00"), ("12:00", "15:00")], 1: [("17:00", "09:00")], 2: [("9", "")],
                   3: [("09:00", "10:00")] * 7, 7: []})
    errors = refused.value.errors
    assert set(errors) == {"day-0-1-opens", "day-0-0-opens", "day-1-0-closes", "day-2-0-opens", "day-2-0-closes",
                           "day-3", "day-7"}
    assert errors["day-0-1-opens"] == ["This range overlaps another one of the same day."]
    assert errors["day-1-0-closes"] == ["It must open before it closes."]
    assert errors["day-2-0-opens"] == ["Enter a time like 09:00 (24-hour clock)."]
    assert _week(app) == before  # nothing saved

    # Weekdays left out keep theirs; an empty list closes the day; ranges are kept in order.
    saved = _set(app, {0: [("14:00", "18:00"), ("8:30", "12:00")], 6: []})
    assert saved[0] == [("08:30", "12:00"), ("14:00", "18:00")]
    after = _week(app)
    assert after[0] == ["08:30-12:00", "14:00-18:00"] and after[6] == [] and after[1] == before[1]

    # The appointments' text form goes through the same use case, and its messages come back per day.
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow, pytest.raises(Invalid) as text_refused:
        appointment_settings.set_hours(uow, "centro", {"2": "09:00-12:00, 11:00-13:00", "3": "10:00-11:00"}, SYSTEM)
    assert set(text_refused.value.errors) == {"hours-2"}
    assert _week(app) == after


def _states(response) -> dict:
    html = response.get_data(as_text=True)
    return dict((key, state) for state, key in re.findall(r'class="setup-step is-(done|todo)" data-step="(\w+)"', html))


def _field_errors(response, field: str) -> list[str]:
    match = re.search(rf'<ul class="errors" id="{field}-error">(.*?)</ul>', response.get_data(as_text=True), re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def test_a_new_branch_is_set_up_step_by_step(app, client, login, clock):  # a Friday, 13:00 in Bogotá
    sign_in(client, "admin")
    # The time zone: any letter case is the IANA name; a near miss is named; anything else refused.
    r = post_form(client, "/admin/branches/new?lang=en", {**NEW_BRANCH, "timezone": "America/Bogata"})
    assert r.status_code == 422
    assert _field_errors(r, "timezone") == ["“America/Bogata” is not a time zone. Did you mean America/Bogota? "
                                            "Choose one from the list."]
    r = post_form(client, "/admin/branches/new?lang=en", {**NEW_BRANCH, "timezone": "Nowhere/Atlantis"})
    assert _field_errors(r, "timezone") == ["Choose a time zone from the list, like America/Mexico_City."]
    assert 'list="time-zones"' in r.get_data(as_text=True) and '<option value="America/Bogota"' in r.get_data(
        as_text=True)
    r = post_form(client, "/admin/branches/new?lang=en", {**NEW_BRANCH, "timezone": "america/bogota"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/branches/sur/setup")
    assert client.get(f"{API}/branches/sur").get_json()["timezone"] == "America/Bogota"

    page = client.get("/admin/branches/sur/setup?lang=en")
    assert page.status_code == 200 and set(_states(page).values()) == {"todo"}
    assert list(_states(page)) == ["services", "counters", "hours", "users", "devices", "test_ticket"]
    settings = client.get("/admin/branches/sur?lang=en").get_data(as_text=True)
    assert 'id="setup-title"' in settings and "0 of 6 steps done." in settings

    # The public join page says plainly what is missing, with no form and no red error.
    join = client.get("/b/sur/join?lang=en").get_data(as_text=True)
    assert "This branch is not taking turns yet" in join and "It has no services to choose from yet." in join
    assert "<form" not in join and "alert error" not in join
    # A counter needs a service first: the page says so, with a link, instead of a form.
    counter = client.get("/admin/branches/sur/counters/new?lang=en").get_data(as_text=True)
    assert 'id="no-services"' in counter and "/admin/branches/sur/services/new" in counter
    assert "Save counter" not in counter

    assert post_form(client, "/admin/branches/sur/services/new", {
        "slug": "caja", "prefix": "A", "name_es": "Caja", "name_en": "Cashier", "color": "#1f6feb",
        "avg_service_min": "5", "slot_minutes": "20", "slot_capacity": "1", "active": "y"}).status_code == 302
    join = client.get("/b/sur/join?lang=en").get_data(as_text=True)
    assert "No counter serves its services yet." in join and "<form" not in join
    assert post_form(client, "/admin/branches/sur/counters/new", {
        "slug": "v1", "name": "Ventanilla 1", "services": ["caja"]}).status_code == 302
    assert 'name="service"' in client.get("/b/sur/join").get_data(as_text=True)
    # Walk-ins only in the opening hours, and none set yet: the join page says that is what is missing.
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        admin_use.update_branch(uow, SYSTEM, "sur", **{k: v for k, v in NEW_BRANCH.items() if k != "slug"},
                               join_hours=True)
    join = client.get("/b/sur/join?lang=en").get_data(as_text=True)
    assert "Its opening hours are not set yet." in join and "<form" not in join

    # The weekly editor, without JavaScript: "add a range" posts the form back with a row more, unsaved.
    week = {f"day-{d}-open": "1" for d in range(5)} | {f"day-{d}-0-opens": "09:00" for d in range(5)} | {
        f"day-{d}-0-closes": "17:00" for d in range(5)}
    r = post_form(client, "/admin/branches/sur/hours?lang=en", {**week, "add": "5"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="day-5-0-opens"' in html and 'id="day-5-open" name="day-5-open" value="1" checked' in html
    assert _week(app, "sur") == {d: [] for d in range(7)}
    r = post_form(client, "/admin/branches/sur/hours?lang=en", {**week, "day-0-1-opens": "12:00",
                                                                 "day-0-1-closes": "14:00", "remove": "0-1"})
    assert 'id="day-0-1-opens"' not in r.get_data(as_text=True)
    # Saving: every mistake next to its field (the form's own rows), nothing saved.
    r = post_form(client, "/admin/branches/sur/hours?lang=en", {
        **week, "day-0-3-opens": "12:00", "day-0-3-closes": "14:00", "day-1-0-closes": "08:00",
        "day-2-0-opens": "nine", "day-5-open": "1"})
    assert r.status_code == 422
    assert _field_errors(r, "day-0-3-opens") == ["This range overlaps another one of the same day."]
    assert _field_errors(r, "day-1-0-closes") == ["It must open before it closes."]
    assert _field_errors(r, "day-2-0-opens") == ["Enter a time like 09:00 (24-hour clock)."]
    assert _field_errors(r, "day-5") == ["Add the hours it opens, or mark the day as closed."]
    assert 'aria-invalid="true" aria-describedby="day-1-0-closes-error"' in r.get_data(as_text=True)
    assert _week(app, "sur") == {d: [] for d in range(7)}
    # A closed day's rows are not kept.
    r = post_form(client, "/admin/branches/sur/hours", {**week, "day-0-1-opens": "17:30", "day-0-1-closes": "19:00",
                                                         "day-5-0-opens": "09:00", "day-5-0-closes": "13:00"})
    assert r.status_code == 303
    assert _week(app, "sur") == {0: ["09:00-17:00", "17:30-19:00"], 1: ["09:00-17:00"], 2: ["09:00-17:00"],
                                 3: ["09:00-17:00"], 4: ["09:00-17:00"], 5: [], 6: []}
    assert "not taking turns yet" not in client.get("/b/sur/join?lang=en").get_data(as_text=True)
    assert _states(client.get("/admin/branches/sur/setup")) == {
        "services": "done", "counters": "done", "hours": "done", "users": "todo", "devices": "todo",
        "test_ticket": "todo"}

    assert post_form(client, "/admin/users/new?branch=sur", {"username": "cajera", "role": "agent", "branch": "sur",
                                                              "password": "una-clave-larga"}).status_code == 302
    assert post_form(client, "/admin/branches/sur/devices", {"kind": "kiosk", "name": "Entrada"}).status_code == 201
    agent = login("cajera", "una-clave-larga")
    ticket = client.post(f"{API}/branches/sur/tickets", json={"service": "caja"}).get_json()
    client.post(f"{API}/branches/sur/counters/v1/open", headers=agent)
    assert client.post(f"{API}/branches/sur/counters/v1/call-next", headers=agent).get_json()["id"] == ticket["id"]
    assert _states(client.get("/admin/branches/sur/setup"))["test_ticket"] == "todo"  # called is not finished
    assert client.post(f"{API}/tickets/{ticket['id']}/done", headers=agent).status_code == 200
    page = client.get("/admin/branches/sur/setup?lang=en")
    assert set(_states(page).values()) == {"done"} and "All done" in page.get_data(as_text=True)
    assert 'id="setup-title"' not in client.get("/admin/branches/sur").get_data(as_text=True)


def test_a_manager_edits_only_their_branchs_hours(app, client):
    from web_staff_helpers import make_user
    make_user(app, "gerente", "manager", "centro")
    sign_in(client, "gerente")
    assert client.get("/admin/branches/centro/hours").status_code == 200
    assert client.get("/admin/branches/norte/hours").status_code == 403
    assert post_form(client, "/admin/branches/centro/hours", {"day-0-open": "1", "day-0-0-opens": "10:00",
                                                              "day-0-0-closes": "12:00"}).status_code == 303
    assert _week(app)[0] == ["10:00-12:00"] and _week(app)[1] == []  # every other day closed now
    with app.extensions["turnero.db"].unit_of_work() as uow:
        assert uow.session.scalar(select(OpeningHours.id).join(Branch).where(Branch.slug == "norte")) is not None
