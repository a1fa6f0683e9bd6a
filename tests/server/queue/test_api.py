"""Every REST operation of CONTRACT.md, with its error cases, on SQLite and PostgreSQL."""
import uuid

import pytest
from sqlalchemy import func, select

from conftest import problem
from limits import parse as parse_limit
from turnero.models import Ticket, TicketEvent

API = "/api/v1"


def count(app, model=Ticket):
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- reading

def test_branches_are_listed(client):
    r = client.get(f"{API}/branches")
    assert r.status_code == 200
    assert [b["id"] for b in r.get_json()] == ["centro", "norte"]


def test_branch_shows_services_with_waits_counters_and_calls(client, take):
    take("caja")
    body = client.get(f"{API}/branches/centro").get_json()
    services = {s["id"]: s for s in body["services"]}
    assert services["caja"]["waiting"] == 1 and services["plataforma"]["waiting"] == 0
    assert services["caja"]["prefix"] == "A" and services["caja"]["name"] == "Caja"
    eta = services["caja"]["eta"]
    assert set(eta) == {"low_min", "high_min", "about_min"} and eta["low_min"] <= eta["about_min"] <= eta["high_min"]
    assert {c["id"]: c["services"] for c in body["counters"]} == {
        "v1": ["caja"], "v2": ["caja", "plataforma"], "v3": ["plataforma"]}
    assert body["recent_calls"] == []


def test_branch_names_follow_the_asked_language(client):
    body = client.get(f"{API}/branches/centro?lang=en").get_json()
    assert {s["id"]: s["name"] for s in body["services"]}["plataforma"] == "Customer service"


def test_unknown_branch_is_a_404_problem(client):
    body = problem(client.get(f"{API}/branches/nowhere"), 404)
    assert "nowhere" in body["detail"]


# ---------------------------------------------------------------- taking a turn

def test_take_a_ticket(client, app):
    r = client.post(f"{API}/branches/centro/tickets", json={"service": "caja"})
    assert r.status_code == 201
    t = r.get_json()
    assert t["code"] == "A001" and t["status"] == "waiting" and t["channel"] == "web"
    assert t["position"] == 1 and t["ahead"] == 0 and t["eta"]["low_min"] == 0
    assert len(t["token"]) >= 22 and t["track_url"] == f"http://turnero.test/t/{t['token']}"
    assert uuid.UUID(t["id"]) and t["counter"] is None and t["created_at"].endswith("Z")
    assert count(app, TicketEvent) == 1


def test_codes_count_up_per_service(take):
    assert [take("caja")["code"], take("caja")["code"], take("plataforma")["code"]] == ["A001", "A002", "B001"]


def test_position_and_wait_grow_down_the_line(take):
    first, second, third = take(), take(), take()
    assert [t["ahead"] for t in (first, second, third)] == [0, 1, 2]
    assert third["eta"]["high_min"] > first["eta"]["high_min"]


def test_priority_ticket_goes_ahead_of_recent_plain_ones(take, client, agent):
    plain = take()
    prio = take(priority=True, headers=agent)  # staff give priority to whom they see
    assert prio["priority"] is True and prio["ahead"] == 0
    assert client.get(f"{API}/tickets/{plain['token']}").get_json()["ahead"] == 1


def test_priority_asked_for_by_anyone_else_is_a_plain_ticket(take, client):
    plain = take()
    asked = take(priority=True)  # a web page or a script
    assert (asked["priority"], asked["ahead"]) == (False, 1)
    assert client.get(f"{API}/tickets/{plain['token']}").get_json()["ahead"] == 0


def test_idempotency_key_returns_the_same_ticket(client, app):
    headers = {"Idempotency-Key": "kiosk-7-0001"}
    first = client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}, headers=headers)
    again = client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert count(app) == 1


def test_idempotency_key_reused_for_another_request_is_a_conflict(client, app):
    headers = {"Idempotency-Key": "same"}
    client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}, headers=headers)
    problem(client.post(f"{API}/branches/centro/tickets", json={"service": "plataforma"}, headers=headers), 409)
    assert count(app) == 1


def test_phone_is_normalised_and_ties_the_customer(client, agent, take):
    t = take(phone="55 1234 5678", name="Ana")
    tickets = client.get(f"{API}/branches/centro/tickets", headers=agent).get_json()
    assert [x["phone"] for x in tickets if x["id"] == t["id"]] == ["+525512345678"]


@pytest.mark.parametrize("body, field", [
    ({}, "service"),
    ({"service": 5}, "service"),
    ({"service": "caja", "priority": "maybe"}, "priority"),
    ({"service": "caja", "phone": "12"}, "phone"),
    ({"service": "caja", "lang": "fr"}, "lang"),
    ({"service": "caja", "color": "red"}, "color"),
    ({"service": "x" * 500}, "service"),
])
def test_bad_ticket_input_is_a_422_and_writes_nothing(client, app, body, field):
    r = client.post(f"{API}/branches/centro/tickets", json=body)
    assert field in problem(r, 422)["errors"]
    assert count(app) == 0


def test_unknown_service_is_a_404_naming_the_field(client, app):
    body = problem(client.post(f"{API}/branches/centro/tickets", json={"service": "nope"}), 404)
    assert "service" in body["errors"] and count(app) == 0


def test_unknown_branch_takes_no_ticket(client, app):
    problem(client.post(f"{API}/branches/nowhere/tickets", json={"service": "caja"}), 404)
    assert count(app) == 0


def test_malformed_json_and_oversized_bodies_are_refused(client, app):
    problem(client.post(f"{API}/branches/centro/tickets", data="{not json", content_type="application/json"), 400)
    problem(client.post(f"{API}/branches/centro/tickets", json={"service": "caja", "name": "x" * 40_000}), 413)
    problem(client.post(f"{API}/branches/centro/tickets", json=["caja"]), 422)
    assert count(app) == 0


def test_anonymous_caller_cannot_pretend_to_be_another_channel(client, app):
    problem(client.post(f"{API}/branches/centro/tickets", json={"service": "caja", "channel": "sms"}), 403)
    assert count(app) == 0


def test_staff_may_take_a_ticket_for_a_caller(client, agent):
    r = client.post(f"{API}/branches/centro/tickets", json={"service": "caja", "channel": "voice"}, headers=agent)
    assert r.status_code == 201 and r.get_json()["channel"] == "voice"
    r = client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}, headers=agent)
    assert r.get_json()["channel"] == "staff"


def test_kiosk_token_makes_the_channel_kiosk_only_at_its_branch(client, runner, app):
    token = runner.invoke(args=["device", "add", "--branch", "centro", "--kind", "kiosk"]).output.strip().splitlines()[-1]
    kiosk = {"Authorization": f"Bearer {token}"}
    r = client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}, headers=kiosk)
    assert r.status_code == 201 and r.get_json()["channel"] == "kiosk"
    problem(client.post(f"{API}/branches/norte/tickets", json={"service": "caja"}, headers=kiosk), 403)
    problem(client.post(f"{API}/branches/centro/counters/v1/open", headers=kiosk), 403)


def test_a_lobby_display_token_takes_no_ticket(client, runner, app):
    token = runner.invoke(args=["device", "add", "--branch", "centro", "--kind", "display"]).output.split()[-1]
    body = problem(client.post(f"{API}/branches/centro/tickets", json={"service": "caja"},
                               headers={"Authorization": f"Bearer {token}"}), 403)
    assert body["detail"] == "Este dispositivo no puede realizar esta acción."
    assert count(app) == 0


def test_priority_is_refused_where_the_branch_does_not_offer_it(client, app, admin):
    from turnero.models import Branch
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        uow.session.scalar(select(Branch).where(Branch.slug == "norte")).offers_priority = False
        uow.commit()
    body = problem(client.post(f"{API}/branches/norte/tickets", json={"service": "caja", "priority": True},
                               headers=admin), 422)
    assert "priority" in body["errors"]


def test_errors_speak_the_callers_language(client):
    es = client.get(f"{API}/branches/nowhere", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_json()
    en = client.get(f"{API}/branches/nowhere", headers={"Accept-Language": "en-US"}).get_json()
    assert es["detail"] != en["detail"]
    assert "branch" in en["detail"].lower() and "sucursal" in es["detail"].lower()


# ---------------------------------------------------------------- following and cancelling

def test_follow_a_ticket_by_token(client, take):
    t = take()
    r = client.get(f"{API}/tickets/{t['token']}")
    assert r.status_code == 200 and r.get_json()["code"] == t["code"]
    problem(client.get(f"{API}/tickets/not-a-real-token"), 404)


def test_qr_code_is_an_svg_of_the_tracking_link(client, take):
    t = take()
    r = client.get(f"{API}/tickets/{t['token']}/qr.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml" and b"<svg" in r.data
    problem(client.get(f"{API}/tickets/nope/qr.svg"), 404)


def test_cancel_moves_the_people_behind_up(client, take):
    first, second = take(), take()
    r = client.post(f"{API}/tickets/{first['token']}/cancel")
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert client.get(f"{API}/tickets/{second['token']}").get_json()["ahead"] == 0
    problem(client.post(f"{API}/tickets/{first['token']}/cancel"), 409)


def test_staff_cancels_for_a_customer_and_the_log_says_who(client, agent, take):
    t = take()
    assert client.post(f"{API}/tickets/{t['token']}/cancel", headers=agent).status_code == 200
    events = client.get(f"{API}/tickets/{t['id']}/events", headers=agent).get_json()
    assert events[-1]["kind"] == "cancelled" and events[-1]["user"] == "agente"


def test_feedback_after_the_visit_once(client, agent, take, open_counter):
    t = take()
    problem(client.post(f"{API}/tickets/{t['token']}/feedback", json={"score": 5}), 409)
    open_counter("v1")
    called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    client.post(f"{API}/tickets/{called['id']}/done", headers=agent)
    problem(client.post(f"{API}/tickets/{t['token']}/feedback", json={"score": 9}), 422)
    problem(client.post(f"{API}/tickets/{t['token']}/feedback", json={"score": "5"}), 422)
    r = client.post(f"{API}/tickets/{t['token']}/feedback", json={"score": 4, "comment": "rápido"})
    assert r.status_code == 201 and r.get_json()["score"] == 4
    problem(client.post(f"{API}/tickets/{t['token']}/feedback", json={"score": 5}), 409)


# ---------------------------------------------------------------- staff

def test_login_gives_a_token_and_bad_passwords_do_not(client):
    assert client.post(f"{API}/auth/token", json={"username": "agente", "password": "wrong"}).status_code == 401
    assert client.post(f"{API}/auth/token", json={"username": "nobody", "password": "x"}).status_code == 401
    problem(client.post(f"{API}/auth/token", json={"username": "agente"}), 422)


def test_login_is_rate_limited(app, client):
    allowed = parse_limit(app.config["TURNERO"].LOGIN_RATE_LIMIT).amount
    codes = [client.post(f"{API}/auth/token", json={"username": "agente", "password": "bad"}).status_code
             for _ in range(allowed + 2)]
    assert codes == [401] * allowed + [429, 429]


def test_staff_actions_need_a_valid_token(client, take):
    t = take()
    problem(client.post(f"{API}/branches/centro/counters/v1/open"), 401)
    problem(client.post(f"{API}/branches/centro/counters/v1/call-next",
                        headers={"Authorization": "Bearer forged"}), 401)
    problem(client.post(f"{API}/branches/centro/counters/v1/open", headers={"Authorization": "Basic abc"}), 401)
    problem(client.post(f"{API}/tickets/{t['id']}/recall"), 401)
    problem(client.get(f"{API}/branches/centro/tickets"), 401)


def test_agent_cannot_act_on_another_branch(client, agent, admin, take, clock):  # clock: norte open
    problem(client.post(f"{API}/branches/norte/counters/v1/open", headers=agent), 403)
    t = take(branch="norte")
    problem(client.post(f"{API}/tickets/{t['id']}/transfer", json={"service": "plataforma"}, headers=agent), 403)
    problem(client.get(f"{API}/branches/norte/tickets", headers=agent), 403)
    assert client.post(f"{API}/branches/norte/counters/v1/open", headers=admin).status_code == 200


def test_counter_states(client, agent):
    for action, state in (("open", "open"), ("pause", "paused"), ("close", "closed")):
        r = client.post(f"{API}/branches/centro/counters/v2/{action}", headers=agent)
        assert r.status_code == 200 and r.get_json()["state"] == state
    problem(client.post(f"{API}/branches/centro/counters/v9/open", headers=agent), 404)


def test_call_next_claims_the_first_ticket_across_the_counters_services(client, agent, take, open_counter):
    a1 = take("caja")
    b1 = take("plataforma")
    open_counter("v2")
    r = client.post(f"{API}/branches/centro/counters/v2/call-next", headers=agent)
    assert r.status_code == 200
    called = r.get_json()
    assert called["id"] == a1["id"] and called["status"] == "called"
    assert called["counter"] == {"id": "v2", "name": "Ventanilla 2"} and called["called_at"]
    # The next call finishes the current one and takes the next in time.
    r = client.post(f"{API}/branches/centro/counters/v2/call-next", headers=agent)
    assert r.get_json()["id"] == b1["id"]
    assert client.get(f"{API}/tickets/{a1['token']}").get_json()["status"] == "done"
    assert client.post(f"{API}/branches/centro/counters/v2/call-next", headers=agent).status_code == 204


def test_call_next_needs_an_open_counter(client, agent, take):
    take()
    problem(client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent), 409)


def test_a_counter_only_calls_its_own_services(client, agent, take, open_counter):
    take("plataforma")
    open_counter("v1")
    assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).status_code == 204


def test_recall_start_done(client, agent, take, open_counter):
    take()
    open_counter()
    t = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    r = client.post(f"{API}/tickets/{t['id']}/recall", headers=agent)
    assert r.status_code == 200 and r.get_json()["recalls"] == 1
    assert client.post(f"{API}/tickets/{t['id']}/start", headers=agent).get_json()["status"] == "serving"
    problem(client.post(f"{API}/tickets/{t['id']}/recall", headers=agent), 409)
    assert client.post(f"{API}/tickets/{t['id']}/done", headers=agent).get_json()["status"] == "done"
    problem(client.post(f"{API}/tickets/{t['id']}/done", headers=agent), 409)


def test_no_show_then_requeue_keeps_the_original_place(client, agent, take, open_counter):
    first = take()
    take()
    open_counter()
    t = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    assert t["id"] == first["id"]
    assert client.post(f"{API}/tickets/{t['id']}/no-show", headers=agent).get_json()["status"] == "no_show"
    r = client.post(f"{API}/tickets/{t['id']}/requeue", headers=agent)
    assert r.get_json()["status"] == "waiting" and r.get_json()["ahead"] == 0


def test_transitions_that_are_not_allowed_change_nothing(client, agent, take, app):
    t = take()
    problem(client.post(f"{API}/tickets/{t['id']}/done", headers=agent), 409)
    problem(client.post(f"{API}/tickets/{t['id']}/start", headers=agent), 409)
    client.post(f"{API}/tickets/{t['token']}/cancel")
    problem(client.post(f"{API}/tickets/{t['id']}/recall", headers=agent), 409)
    problem(client.post(f"{API}/tickets/{t['id']}/requeue", headers=agent), 409)
    assert count(app, TicketEvent) == 2  # issued, cancelled


def test_unknown_ticket_ids_are_404(client, agent):
    problem(client.post(f"{API}/tickets/not-a-uuid/start", headers=agent), 404)
    problem(client.post(f"{API}/tickets/{uuid.uuid4()}/start", headers=agent), 404)


def test_transfer_to_a_service_keeps_the_place_in_time(client, agent, take):
    early = take("caja")
    take("plataforma")
    take("plataforma")
    r = client.post(f"{API}/tickets/{early['id']}/transfer", json={"service": "plataforma"}, headers=agent)
    moved = r.get_json()
    assert r.status_code == 200 and moved["service"] == "plataforma" and moved["code"] == early["code"]
    assert moved["ahead"] == 0  # it was there before the two plataforma tickets


def test_transfer_to_a_counter_is_called_only_there(client, agent, take, open_counter):
    t = take("caja")
    client.post(f"{API}/tickets/{t['id']}/transfer", json={"counter": "v3"}, headers=agent)
    open_counter("v1")
    open_counter("v3")
    assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).status_code == 204
    r = client.post(f"{API}/branches/centro/counters/v3/call-next", headers=agent)
    assert r.get_json()["id"] == t["id"]


@pytest.mark.parametrize("body", [{}, {"service": "caja", "counter": "v1"}, {"service": 3}])
def test_transfer_needs_one_target(client, agent, take, body):
    t = take()
    assert client.post(f"{API}/tickets/{t['id']}/transfer", json=body, headers=agent).status_code == 422


def test_staff_list_of_todays_tickets_in_call_order(client, agent, take):
    a = take("caja")
    p = take("caja", priority=True, headers=agent)
    b = take("plataforma")
    rows = client.get(f"{API}/branches/centro/tickets", headers=agent).get_json()
    assert [r["id"] for r in rows] == [p["id"], a["id"], b["id"]]
    only = client.get(f"{API}/branches/centro/tickets?service=plataforma&status=waiting", headers=agent).get_json()
    assert [r["id"] for r in only] == [b["id"]]
    assert client.get(f"{API}/branches/centro/tickets?status=bogus", headers=agent).status_code == 422


def test_event_history_records_channels(client, agent, take, open_counter):
    t = take()
    open_counter()
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    events = client.get(f"{API}/tickets/{t['id']}/events", headers=agent).get_json()
    assert [(e["kind"], e["channel"]) for e in events] == [("issued", "web"), ("called", "staff")]
    assert events[1]["counter"] == "v1"


# ---------------------------------------------------------------- the rest

def test_healthz_and_metrics(client, take):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    take()
    text = client.get("/metrics").get_data(as_text=True)
    assert "turnero_tickets_issued_total" in text


def test_openapi_document_describes_the_contract(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/api/v1/branches/{branch}/tickets", "/api/v1/tickets/{token}",
                 "/api/v1/branches/{branch}/counters/{counter}/call-next",
                 "/api/v1/tickets/{ticket_id}/transfer", "/api/v1/auth/token"):
        assert path in paths, path
    assert client.get(f"{API}/docs").status_code == 200


def test_the_openapi_document_says_errors_are_problem_json(client):
    """Every error answer is documented as what the server sends: application/problem+json
    with its members (they were documented as APIFlask's default JSON error)."""
    spec = client.get(f"{API}/openapi.json").get_json()
    errors = [answer for operations in spec["paths"].values() for operation in operations.values()
              for status, answer in operation["responses"].items() if status[0] in "45"]
    assert errors and all(list(a["content"]) == ["application/problem+json"] for a in errors)
    assert {a["content"]["application/problem+json"]["schema"]["$ref"] for a in errors} == {
        "#/components/schemas/ProblemOut"}
    problem_schema = spec["components"]["schemas"]["ProblemOut"]
    assert set(problem_schema["required"]) == {"type", "title", "status", "detail"}
    assert problem_schema["properties"]["detail"]["type"] == "string"


def test_docs_page_loads_nothing_from_another_host(client):
    html = client.get(f"{API}/docs").get_data(as_text=True)
    assert "cdn." not in html and "unpkg" not in html
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html


def test_start_page_finds_a_branch_with_its_hours_lines_and_doors_in_both_languages(client, clock, take):
    take("caja")
    es = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    en = client.get("/?lang=en").get_data(as_text=True)
    assert "Sucursal Centro" in es and 'lang="es"' in es and 'lang="en"' in en
    centro = es[es.index('id="branch-centro"'):es.index('id="branch-norte"')]
    # Friday 12:00 at centro: open, with today's hours, and the line as the join page shows it.
    assert "Abierta ahora" in centro and "Hoy: 9:00–17:00" in centro
    assert "Caja" in centro and "1 en espera" in centro
    assert "Av. Juárez 100, Centro, Ciudad de México" in centro  # the branch's address
    for page in ("/b/centro/join", "/b/centro/book"):
        assert page in centro
    assert "Open now" in en and "Cashier" in en and "Take a turn" in en
    assert "/api/v1/openapi.json" not in es and "/metrics" not in es  # developers' links live in the docs


def test_a_tickets_link_is_short_and_its_secret_still_128_random_bits(client, take):
    tokens = [take()["token"] for _ in range(20)]
    # 16 random bytes, URL-safe: 22 characters, so a text's link is `/t/` + 22.
    assert {len(t) for t in tokens} == {22} and len(set(tokens)) == 20
    assert all(set(t) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for t in tokens)
    ticket = client.get(f"/api/v1/tickets/{tokens[0]}").get_json()
    assert ticket["track_url"].endswith("/t/" + tokens[0])
