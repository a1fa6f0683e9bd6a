"""Web Push: the key, a ticket's browser subscriptions (REST), and the alerts the outbox
worker sends to a real push endpoint: a local HTTP server standing for the browser's
push service, whose requests the test decrypts with the browser's private key."""
from __future__ import annotations

import json
import os
import stat
from datetime import timedelta

import pytest
from conftest import problem
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from push_helpers import Browser, PushService, b64, unb64
from sqlalchemy import select

from turnero.messaging.models import OutboxMessage, PushSubscription
from turnero.messaging.vapid import KEY_FILE
from turnero.messaging.worker import OutboxWorker
from turnero.models import utcnow

API = "/api/v1"


def subscriptions(app) -> list[int]:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return list(uow.session.scalars(select(PushSubscription.ticket_seq)))


def pushes(app) -> list[OutboxMessage]:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        rows = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "push")
                                   .order_by(OutboxMessage.id)).all()
        uow.session.expunge_all()
        return list(rows)


def test_the_key_and_a_tickets_subscriptions(app, client, take, runner):
    path = os.path.join(app.instance_path, KEY_FILE)
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0  # makes the key pair
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = client.get(f"{API}/push/key").get_json()["key"]
    point = unb64(key)
    assert len(point) == 65 and point[0] == 4
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    assert client.get(f"{API}/push/key").get_json()["key"] == key  # kept, not made again

    app.config["TURNERO"].PUSH_RATE_LIMIT = "100 per minute"  # proven below
    t = take(lang="en")
    url = f"{API}/tickets/{t['token']}/push"
    good = Browser("http://127.0.0.1:9/push/1").subscription()

    # Unknown tickets answer as every other ticket path: 404, nothing about subscriptions.
    body = problem(client.post(f"{API}/tickets/{'x' * 43}/push", json=good), 404)
    assert "push" not in json.dumps(body).lower()
    problem(client.delete(f"{API}/tickets/{'x' * 43}/push"), 404)

    bad = [
        {**good, "endpoint": "https://push.example.com/abc"},  # not a push service
        {**good, "endpoint": "http://fcm.googleapis.com/fcm/send/abc"},  # not https
        {**good, "endpoint": "https://10.1.2.3/abc"},
        {**good, "endpoint": "https://fcm.googleapis.com/" + "a" * 2100},  # too long
        {**good, "keys": {**good["keys"], "p256dh": b64(b"\x04" + b"\x01" * 64)}},  # not a point on P-256
        {**good, "keys": {**good["keys"], "auth": b64(b"short")}},
        {"endpoint": good["endpoint"]},
    ]
    for body in bad:
        assert client.post(url, json=body).status_code == 422, body
    app.config["TESTING"] = False  # http://127.0.0.1 is for tests and debugging only
    assert client.post(url, json=good).status_code == 422
    app.config["TESTING"] = True

    r = client.post(url, json=good)
    assert r.status_code == 201 and r.get_json() == {"devices": 1}
    renewed = {**good, "keys": Browser("x").subscription()["keys"]}
    assert client.post(url, json=renewed).status_code == 200  # the same browser: its keys renewed
    for n in (2, 3):
        assert client.post(url, json=Browser(f"http://localhost:9/push/{n}").subscription()).status_code == 201
    problem(client.post(url, json=Browser("http://localhost:9/push/4").subscription()), 409)  # 3 at most
    assert len(subscriptions(app)) == 3

    assert client.delete(url, json={"endpoint": good["endpoint"]}).status_code == 204
    assert len(subscriptions(app)) == 2
    assert client.delete(url).status_code == 204
    assert subscriptions(app) == []

    client.post(f"{API}/tickets/{t['token']}/cancel")
    problem(client.post(url, json=good), 409)  # nothing left to notify

    app.config["TURNERO"].PUSH_RATE_LIMIT = "2 per hour"
    other = take()
    other_url = f"{API}/tickets/{other['token']}/push"
    assert client.post(other_url, json=good).status_code == 201
    assert client.delete(other_url).status_code == 204
    r = client.post(other_url, json=good)
    assert r.status_code == 429 and r.headers.get("Retry-After")


def test_alerts_reach_the_push_service_encrypted_and_signed(app, client, take, agent, open_counter):
    with PushService() as service:
        browser = Browser(service.url + "/push/abc")
        first, mine = take(lang="en"), take(lang="en")
        assert client.post(f"{API}/tickets/{mine['token']}/push", json=browser.subscription()).status_code == 201
        key = client.get(f"{API}/push/key").get_json()["key"]
        now = [utcnow() + timedelta(seconds=5)]  # what is queued from now on is due
        worker = OutboxWorker(app, clock=lambda: now[0])

        # The one ahead is called: this ticket is near the front (said once).
        open_counter("v1")
        assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).status_code == 200
        assert worker.run_once() == 1
        near = service.requests[-1]
        shown = browser.read(near["body"])
        assert shown.pop("body").startswith(f"Get ready, {mine['code']}")
        assert shown == {"title": "Your turn is near", "url": f"http://turnero.test/t/{mine['token']}",
                         "tag": f"turnero-{mine['code']}-near", "kind": "near"}
        assert near["headers"]["urgency"] == "normal" and int(near["headers"]["ttl"]) > 0
        assert near["headers"]["content-encoding"] == "aes128gcm"
        check_vapid(near["headers"]["authorization"], key, audience=service.url)

        # Called: the push service fails once (500); the retry delivers it, once.
        service.answers = [500]
        assert client.post(f"{API}/tickets/{first['id']}/done", headers=agent).status_code == 200
        assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()["id"] == mine["id"]
        assert worker.run_once() == 1
        [called] = [p for p in pushes(app) if p.kind == "called"]
        assert called.status == "queued" and called.attempts == 1
        assert worker.run_once() == 0  # not before its backoff
        now[0] += timedelta(minutes=1)
        assert worker.run_once() == 1
        assert [r["status"] for r in service.requests] == [201, 500, 201]
        shown = browser.read(service.requests[-1]["body"])
        assert shown["title"] == "It is your turn!" and "Ventanilla 1" in shown["body"]
        assert shown["tag"] == f"turnero-{mine['code']}-call" and shown["url"].endswith(mine["token"])
        assert service.requests[-1]["headers"]["urgency"] == "high"
        assert "+52" not in json.dumps(shown)
        assert {p.kind: p.status for p in pushes(app)} == {"near": "sent", "called": "sent"}
        # Staff see what the phone showed, as for texts (not the link with the turn's secret).
        log = client.get(f"{API}/tickets/{mine['id']}/messages", headers=agent).get_json()
        assert [(m["channel"], m["kind"]) for m in log] == [("push", "near"), ("push", "called")]
        assert log[1]["body"].startswith("It is your turn!: ") and mine["token"] not in json.dumps(log)

        # Recalled: the push service says the subscription is gone (410): it is deleted.
        service.answers = [410]
        assert client.post(f"{API}/tickets/{mine['id']}/recall", headers=agent).status_code == 200
        assert worker.run_once() == 1
        assert browser.read(service.requests[-1]["body"])["tag"] == f"turnero-{mine['code']}-call"
        assert pushes(app)[-1].status == "failed" and subscriptions(app) == []
        assert client.post(f"{API}/tickets/{mine['id']}/recall", headers=agent).status_code == 200
        assert worker.run_once() == 0 and len(service.requests) == 4  # no one left to tell


def check_vapid(header: str, key: str, audience: str) -> None:
    """RFC 8292: `vapid t=JWT,k=KEY`, the JWT signed (ES256) by the server's key."""
    scheme, _, params = header.partition(" ")
    assert scheme == "vapid"
    fields = dict(p.split("=", 1) for p in params.split(","))
    assert fields["k"] == key
    head, claims, signature = fields["t"].split(".")
    assert json.loads(unb64(head)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
    public.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
                  f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(unb64(claims))
    assert claims["aud"] == audience
    assert claims["sub"].startswith(("mailto:", "https:"))
    assert utcnow().timestamp() < claims["exp"] <= utcnow().timestamp() + 24 * 3600


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_purge_takes_subscriptions_with_the_tickets_personal_data(app, client, take):
    t = take()
    assert client.post(f"{API}/tickets/{t['token']}/push",
                       json=Browser("http://127.0.0.1:9/p").subscription()).status_code == 201
    from turnero.admin.privacy import purge
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        counts = purge(uow, now=utcnow() + timedelta(days=400))
    assert counts["push_subscriptions"] == 1 and subscriptions(app) == []
