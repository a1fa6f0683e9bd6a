"""Webhooks for integrators against a real HTTP receiver: each delivery is signed
(HMAC-SHA256 of `timestamp.body` with the endpoint's secret), a 500 is retried with
backoff, a success is never sent again, payloads carry no personal data, and only
administrators manage endpoints. Both databases."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import problem
from turnero.integrations.worker import WebhookWorker

API = "/api/v1"


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it is sent and answers with the
    next status of `answers` (then 200)."""

    def __init__(self):
        self.got: list[dict] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.got.append({"headers": dict(self.headers), "body": body})
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def receivers_on_this_machine(app):
    """The receiver runs on 127.0.0.1, which a real server refuses (see the attack tests below)."""
    app.config["TURNERO"].WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def worker(app, clock):
    made = WebhookWorker(app, now=lambda: clock.now)
    yield made
    made.close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def verified(secret: str, delivery: dict) -> dict:
    """The body, once its signature checks out as a receiver would check it."""
    stamp, mac = (part.split("=", 1)[1] for part in delivery["headers"]["Turnero-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{stamp}.{delivery['body']}".encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected)
    return json.loads(delivery["body"])


def test_deliveries_are_signed_retried_after_a_500_and_never_sent_twice(client, clock, take, login, receiver,
                                                                        worker):
    admin = login("admin")
    r = client.post(f"{API}/branches/centro/webhooks", headers=admin,
                    json={"url": receiver.url, "events": ["ticket.created", "ticket.called"]})
    assert r.status_code == 201, r.get_json()
    endpoint = r.get_json()
    secret = endpoint["secret"]
    assert "secret" not in client.get(f"{API}/branches/centro/webhooks", headers=admin).get_json()[0]
    ticket = take(phone="55 1234 5678", name="Ana Pérez")
    receiver.answers = [500]
    assert worker.run_once() == 1
    assert len(receiver.got) == 1
    log = client.get(f"{API}/webhooks/{endpoint['id']}/deliveries", headers=admin).get_json()
    assert (log[0]["status"], log[0]["attempts"], log[0]["last_code"]) == ("queued", 1, 500)
    assert worker.run_once() == 0  # not due again before its backoff
    clock.now += timedelta(seconds=31)
    assert worker.run_once() == 1
    assert len(receiver.got) == 2
    first, again = receiver.got
    assert first["headers"]["Turnero-Delivery"] == again["headers"]["Turnero-Delivery"]  # the same delivery
    body = verified(secret, again)
    assert body["event"] == "ticket.created" and body["ticket"]["code"] == ticket["code"]
    assert "Ana" not in again["body"] and "5678" not in again["body"]  # no personal data
    clock.now += timedelta(hours=2)
    assert worker.run_once() == 0 and len(receiver.got) == 2  # delivered: never again
    log = client.get(f"{API}/webhooks/{endpoint['id']}/deliveries", headers=admin).get_json()
    assert (log[0]["status"], log[0]["attempts"], log[0]["last_code"]) == ("delivered", 2, 200)
    # A forged signature does not verify.
    forged = {**again, "body": again["body"].replace(ticket["code"], "Z999")}
    with pytest.raises(AssertionError):
        verified(secret, forged)


def test_only_the_events_asked_for_and_only_the_branchs(client, clock, take, login, receiver, agent, open_counter,
                                                        worker):
    admin = login("admin")
    client.post(f"{API}/branches/centro/webhooks", headers=admin,
                json={"url": receiver.url, "events": ["ticket.done"]})
    take(branch="norte")  # another branch
    ticket = take()
    open_counter("v1")
    called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    client.post(f"{API}/tickets/{called['id']}/done", headers=agent)
    worker.run_once()
    assert [json.loads(d["body"])["event"] for d in receiver.got] == ["ticket.done"]
    assert json.loads(receiver.got[0]["body"])["ticket"]["id"] == ticket["id"]


def test_appointments_are_told_too_booked_moved_cancelled_and_checked_in(client, clock, login, receiver, worker):
    admin = login("admin")
    r = client.post(f"{API}/branches/centro/webhooks", headers=admin, json={"url": receiver.url, "events": [
        "appointment.booked", "appointment.rescheduled", "appointment.cancelled", "appointment.checked_in"]})
    secret = r.get_json()["secret"]

    def book(start, phone):
        r = client.post(f"{API}/branches/centro/appointments", json={
            "service": "plataforma", "start": start, "name": "Ana López", "phone": phone})
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    # Monday 2031-03-03 at centro (UTC-6): 10:00 and 10:20; the first moves to 10:40.
    first, second = book("2031-03-03T16:00:00Z", "55 1000 0001"), book("2031-03-03T16:20:00Z", "55 1000 0002")
    r = client.post(f"{API}/appointments/{first['token']}/reschedule", json={"start": "2031-03-03T16:40:00Z"})
    assert r.status_code == 200, r.get_json()
    assert client.post(f"{API}/appointments/{second['token']}/cancel").status_code == 200
    clock.now = clock.now.replace(year=2031, month=3, day=3, hour=16, minute=30)  # 10:30 on Monday
    r = client.post(f"{API}/branches/centro/check-in", json={"code": first["code"]})
    assert r.status_code == 201, r.get_json()
    assert worker.run_once() == 5
    told = [verified(secret, d) for d in receiver.got]
    assert [(b["event"], b["appointment"]["code"], b["appointment"]["start"]) for b in told] == [
        ("appointment.booked", first["code"], "2031-03-03T16:00:00Z"),
        ("appointment.booked", second["code"], "2031-03-03T16:20:00Z"),
        ("appointment.rescheduled", first["code"], "2031-03-03T16:40:00Z"),
        ("appointment.cancelled", second["code"], "2031-03-03T16:20:00Z"),
        ("appointment.checked_in", first["code"], "2031-03-03T16:40:00Z")]
    assert told[0]["appointment"] == {"id": first["id"], "code": first["code"], "service": "plataforma",
                                      "channel": "web", "start": "2031-03-03T16:00:00Z"}
    assert not any("Ana" in d["body"] or "1000" in d["body"] or first["token"] in d["body"] for d in receiver.got)
    assert worker.run_once() == 0  # each once
    # The ticket the check-in made is not told: this endpoint did not ask for ticket events.
    assert len(receiver.got) == 5


def test_only_administrators_manage_webhooks_and_bad_input_changes_nothing(client, agent, login, receiver):
    admin = login("admin")
    body = {"url": receiver.url, "events": ["ticket.created"]}
    problem(client.post(f"{API}/branches/centro/webhooks", json=body), 401)
    problem(client.post(f"{API}/branches/centro/webhooks", json=body, headers=agent), 403)
    for bad in ({"url": "ftp://x", "events": ["ticket.created"]}, {"url": receiver.url, "events": ["ticket.eaten"]},
                {"url": receiver.url, "events": []}, {"url": "not a url", "events": ["ticket.done"]}):
        problem(client.post(f"{API}/branches/centro/webhooks", json=bad, headers=admin), 422)
    assert client.get(f"{API}/branches/centro/webhooks", headers=admin).get_json() == []
    made = client.post(f"{API}/branches/centro/webhooks", json=body, headers=admin).get_json()
    problem(client.delete(f"{API}/webhooks/{made['id']}", headers=agent), 403)
    assert client.delete(f"{API}/webhooks/{made['id']}", headers=admin).status_code == 204
    problem(client.delete(f"{API}/webhooks/{made['id']}", headers=admin), 404)


def test_a_new_webhook_tells_only_what_happens_after_it_was_made(client, clock, take, login, receiver, worker):
    admin = login("admin")
    take()  # before the webhook: not told
    client.post(f"{API}/branches/centro/webhooks", headers=admin,
                json={"url": receiver.url, "events": ["ticket.created"]})
    after = take()
    worker.run_once()
    worker.run_once()
    assert [json.loads(d["body"])["ticket"]["code"] for d in receiver.got] == [after["code"]]


def test_the_admin_page_adds_shows_the_secret_once_lists_deliveries_and_removes(app, client, clock, take, receiver,
                                                                                 worker):
    from web_staff_helpers import csrf_of, sign_in
    sign_in(client, "admin")
    page = client.get("/admin/branches/centro/webhooks", headers={"Accept-Language": "es-MX"})
    assert page.status_code == 200 and "Webhooks" in page.get_data(as_text=True)
    bad = client.post("/admin/branches/centro/webhooks", headers={"Accept-Language": "es-MX"},
                      data={"csrf_token": csrf_of(client, "/admin/branches/centro/webhooks"), "url": "nada",
                            "events": ["ticket.created"]})
    assert bad.status_code == 422
    made = client.post("/admin/branches/centro/webhooks", headers={"Accept-Language": "es-MX"},
                       data={"csrf_token": csrf_of(client, "/admin/branches/centro/webhooks"), "url": receiver.url,
                             "events": ["ticket.created"]})
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    secret = made.get_data(as_text=True).split('<code class="code-inline">')[1].split("</code>")[0]
    assert len(secret) == 64
    take()
    worker.run_once()
    listed = client.get("/admin/branches/centro/webhooks").get_data(as_text=True)
    assert secret not in listed and receiver.url in listed and "ticket.created" in listed
    hook_id = client.get(f"{API}/branches/centro/webhooks").get_json()[0]["id"]
    gone = client.post(f"/admin/branches/centro/webhooks/{hook_id}/delete",
                       data={"csrf_token": csrf_of(client, "/admin/branches/centro/webhooks")})
    assert gone.status_code == 302
    assert client.get(f"{API}/branches/centro/webhooks").get_json() == []
    agent = app.test_client()
    sign_in(agent, "agente")
    assert agent.get("/admin/branches/centro/webhooks").status_code == 403


# ---------------------------------------------------------------- an attacker's addresses

@pytest.mark.parametrize("url", [
    "http://127.0.0.1:6379/", "http://localhost/admin", "http://10.0.0.8/hook", "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]:5432/", "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/", "http://2130706433/"])
def test_an_address_inside_the_servers_network_is_refused(app, client, login, url):
    """A stolen admin token (or a careless admin) must not turn webhooks into a way to reach
    the server's own Redis, database or a cloud's metadata service."""
    app.config["TURNERO"].WEBHOOKS_ALLOW_PRIVATE = False
    admin = login("admin")
    r = client.post(f"{API}/branches/centro/webhooks", json={"url": url, "events": ["ticket.done"]},
                    headers={**admin, "Accept-Language": "es"})
    body = problem(r, 422)
    assert "red" in body["errors"]["url"][0]
    assert client.get(f"{API}/branches/centro/webhooks", headers=admin).get_json() == []


def test_a_name_that_turns_to_an_inside_address_is_not_delivered_to(app, client, clock, take, login, receiver,
                                                                    monkeypatch, agent, open_counter):
    """Added while its name pointed outside, the name later points at the machine itself
    (DNS rebinding): each delivery looks again, and nothing is sent."""
    from turnero.integrations import services
    app.config["TURNERO"].WEBHOOKS_ALLOW_PRIVATE = False
    admin = login("admin")
    outside = receiver.url.replace("127.0.0.1", "hooks.example.net")
    monkeypatch.setattr(services, "inside_network", lambda host: False)
    made = client.post(f"{API}/branches/centro/webhooks", json={"url": outside, "events": ["ticket.created"]},
                       headers=admin)
    assert made.status_code == 201, made.get_json()
    monkeypatch.undo()
    take("caja")
    worker = WebhookWorker(app, now=lambda: clock.now)
    import turnero.integrations.worker as worker_module
    monkeypatch.setattr(worker_module, "inside_network", lambda host: host == "hooks.example.net")
    try:
        assert worker.run_once() == 1
    finally:
        worker.close()
    assert receiver.got == []
    [delivery] = client.get(f"{API}/webhooks/{made.get_json()['id']}/deliveries", headers=admin).get_json()
    assert delivery["status"] == "queued" and delivery["attempts"] == 1 and "InvalidURL" in delivery["last_error"]


def test_an_undo_is_told_as_ticket_undone_naming_what_it_took_back(client, clock, take, login, receiver, agent,
                                                                 open_counter, worker):
    admin = login("admin")
    client.post(f"{API}/branches/centro/webhooks", headers=admin,
                json={"url": receiver.url, "events": ["ticket.done", "ticket.undone"]})
    first, second = take(), take()
    open_counter("v1")
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)  # finishes the first
    assert client.post(f"{API}/tickets/{first['id']}/undo", headers=agent).status_code == 200
    worker.run_once()
    told = [(b["event"], b["ticket"]["code"], b.get("undid")) for b in (json.loads(d["body"]) for d in receiver.got)]
    assert told == [("ticket.done", first["code"], None), ("ticket.undone", second["code"], "ticket.called"),
                    ("ticket.undone", first["code"], "ticket.done")]
