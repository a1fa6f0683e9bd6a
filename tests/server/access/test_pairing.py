"""Pairing a kiosk or display with a short code (the devices page, `POST
/api/v1/devices/pair`, `turnero device pair`), and each device's "online" / "last seen"."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import problem
from sqlalchemy import select
from web_staff_helpers import csrf_of, make_user, sign_in

from turnero.access import rules
from turnero.models import AuditEntry, Device, PairingCode

PAIR = "/api/v1/devices/pair"
DEVICES = "/admin/branches/centro/devices"


@pytest.fixture
def manager(app):
    """A test client signed in as a manager of centro (its own cookies: API calls go on `client`)."""
    make_user(app, "gerente", "manager", "centro")
    browser = app.test_client()
    sign_in(browser, "gerente")
    return browser


def shown_code(response) -> str:
    return re.search(r'<p class="pair-code" id="pairing-code">([^<]+)</p>', response.get_data(as_text=True)).group(1)


def ask_code(manager, kind="kiosk", name="Entrada"):
    """The devices page's "Pair a device" button: the page with the code."""
    return manager.post(DEVICES + "/pair?lang=en", data={"csrf_token": csrf_of(manager, DEVICES), "kind": kind,
                                                         "name": name})


def new_code(manager, kind="kiosk", name="Entrada") -> str:
    r = ask_code(manager, kind, name)
    assert r.status_code == 201, r.get_data(as_text=True)
    return shown_code(r)


def audit_actions(app) -> list[str]:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return list(uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_codes_are_short_unambiguous_and_typed_loosely():
    assert len(rules.ALPHABET) == len(set(rules.ALPHABET)) == 30
    assert not set("01ILOU") & set(rules.ALPHABET)
    code = rules.new_code()
    assert len(code) == 8 and rules.normalize(rules.grouped(code)) == code
    assert rules.normalize(" abcd-efgh ") == "ABCDEFGH"
    assert rules.normalize("ABCD-EFG") is None and rules.normalize("ABCD-EFG0") is None
    assert rules.grouped("ABCDEFGH") == "ABCD-EFGH"


def test_the_devices_page_pairs_a_kiosk_once_and_it_is_audited(app, manager, client):
    r = ask_code(manager)
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    page = r.get_data(as_text=True)
    code = shown_code(r)
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    assert f"turnero-kiosk --pair {code} --server http://localhost" in page
    assert 'class="pair-qr" src="data:image/svg+xml;base64,' in page and f"QR code of the pairing code {code}" in page
    with app.extensions["turnero.db"].unit_of_work() as uow:
        stored = uow.session.scalars(select(PairingCode)).one()
        assert code.replace("-", "") not in (stored.code_hash, stored.lookup) and stored.created_by == "gerente"

    r = client.post(PAIR, json={"code": code.lower().replace("-", " ")})  # as a person may type it
    assert r.status_code == 201, r.get_json()
    paired = r.get_json()
    assert (paired["branch"], paired["kind"], paired["name"]) == ("centro", "kiosk", "Entrada")
    kiosk = {"Authorization": f"Bearer {paired['token']}"}
    assert client.get("/api/v1/device", headers=kiosk).get_json()["id"] == paired["id"]
    assert client.post("/api/v1/branches/centro/tickets", json={"service": "caja"},
                       headers=kiosk).get_json()["channel"] == "kiosk"

    used = problem(client.post(PAIR, json={"code": code}), 422)
    unknown = problem(client.post(PAIR, json={"code": "2222-2222"}), 422)
    malformed = problem(client.post(PAIR, json={"code": "hello"}), 422)
    assert used == unknown == malformed  # nothing tells which codes exist
    assert "code" in used["errors"]
    assert audit_actions(app)[-2:] == ["device.pairing_code", "device.paired"]
    listing = manager.get(DEVICES + "?lang=en").get_data(as_text=True)
    assert "Entrada" in listing and paired["token"] not in listing and code not in listing


def test_a_code_expires_after_ten_minutes(app, manager, client, clock):
    code = new_code(manager)
    clock.now += timedelta(minutes=10, seconds=1)
    assert problem(client.post(PAIR, json={"code": code}), 422)["errors"]["code"]
    clock.now -= timedelta(seconds=2)  # still a second to go: it works
    assert client.post(PAIR, json={"code": code}).status_code == 201


def test_a_code_of_the_other_kind_is_refused_and_stays_usable(manager, client):
    code = new_code(manager, "display", "Sala")
    problem(client.post(PAIR, json={"code": code, "kind": "kiosk"}), 409)
    r = client.post(PAIR, json={"code": code, "kind": "display"})
    assert r.status_code == 201 and r.get_json()["kind"] == "display"


def test_wrong_tries_close_to_a_code_burn_it(app, manager, client):
    code = new_code(manager).replace("-", "")
    head = code[:rules.LOOKUP_LEN]
    wrong = [c for c in (head + tail for tail in ("22222", "33333", "44444", "55555", "66666", "77777"))
             if c != code][:rules.MAX_ATTEMPTS]
    for typed in wrong[:-1]:
        problem(client.post(PAIR, json={"code": typed}), 422)
    with app.extensions["turnero.db"].unit_of_work() as uow:
        assert uow.session.scalars(select(PairingCode.attempts)).one() == rules.MAX_ATTEMPTS - 1
    problem(client.post(PAIR, json={"code": wrong[-1]}), 422)
    problem(client.post(PAIR, json={"code": code}), 422)  # burnt: even the right code fails now


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # limits do not depend on the database
def test_tries_are_limited_per_address(app, client):
    app.config["TURNERO"].PAIR_RATE_LIMIT = "3 per minute"
    for _ in range(3):
        problem(client.post(PAIR, json={"code": "2345-6789"}), 422)
    r = client.post(PAIR, json={"code": "2345-6789"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_pairing_is_in_the_openapi_document(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/devices/pair"]["post"]
    assert {"201", "409", "422", "429"} <= set(operation["responses"])


def test_the_command_line_makes_a_code(runner, client):
    result = runner.invoke(args=["device", "pair", "--branch", "centro", "--kind", "display", "--name", "Sala"])
    assert result.exit_code == 0, result.output
    r = client.post(PAIR, json={"code": result.output.split()[-1]})
    assert r.status_code == 201 and r.get_json()["name"] == "Sala"


# ---------------------------------------------------------------- online, last seen

def presence(manager, name: str) -> str:
    page = manager.get(DEVICES + "?lang=en").get_data(as_text=True)
    row = re.search(rf'<th scope="row">{name}</th>(.*?)</tr>', page, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()


def last_seen(app, device_id):
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.get(Device, device_id).last_seen_at


def test_the_devices_page_says_who_is_online_and_when_each_was_seen(app, manager, client, clock, sio):
    paired = client.post(PAIR, json={"code": new_code(manager, name="Caja")}).get_json()
    kiosk = {"Authorization": f"Bearer {paired['token']}"}
    assert "Active Never seen Revoke" in presence(manager, "Caja")

    assert client.get("/api/v1/device", headers=kiosk).status_code == 200
    seen = last_seen(app, paired["id"])
    assert seen == clock.now and "Active Online Revoke" in presence(manager, "Caja")
    clock.now += timedelta(seconds=30)
    client.get("/api/v1/device", headers=kiosk)
    assert last_seen(app, paired["id"]) == seen  # not written again within the minute

    clock.now += timedelta(minutes=5)
    assert "Active Seen 5 min ago Revoke" in presence(manager, "Caja")
    clock.now += timedelta(hours=3)
    assert "Active Seen 3 h ago Revoke" in presence(manager, "Caja")

    # A live Socket.IO connection: online however long ago its token was last used.
    from turnero.extensions import socketio
    connection = socketio.test_client(app, auth={"token": paired["token"]})
    assert connection.is_connected() and "Active Online Revoke" in presence(manager, "Caja")
    clock.now += timedelta(minutes=30)
    assert "Active Online Revoke" in presence(manager, "Caja")
    connection.disconnect()
    assert last_seen(app, paired["id"]) == clock.now
    clock.now += timedelta(minutes=3)
    assert "Active Seen 3 min ago Revoke" in presence(manager, "Caja")
    # A phone's connection (no token) is nobody's presence.
    assert sio().is_connected()
