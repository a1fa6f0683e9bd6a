"""Taking a turn reuses what it read before (the branch's setup, its waiting lines)
while nothing changed them. These tests change them every other way, from this
process and from another one on the same database, and check that every answer and
every `branch.state` still says what the database says."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from conftest import make_app
from sqlalchemy import func, select

from turnero.access import services as access
from turnero.admin import services as admin_uc
from turnero.models import Service, Ticket, User


def _post(client, service="caja", headers=None, **body):
    r = client.post("/api/v1/branches/centro/tickets", json={"service": service, **body}, headers=headers or {})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _db_lines(app) -> dict[str, int]:
    """Waiting per service slug, counted by the database itself."""
    db = app.extensions["turnero.db"]
    with db.unit_of_work() as uow:
        rows = uow.session.execute(
            select(Service.slug, func.count()).select_from(Ticket).join(Service, Service.id == Ticket.service_id)
            .where(Ticket.status == "waiting").group_by(Service.slug))
        return dict(rows.all())


def _state_waiting(state: dict) -> dict[str, int]:
    return {s["id"]: s["waiting"] for s in state["services"] if s["waiting"]}


def _last_state(sio_client) -> dict:
    states = [e["args"][0] for e in sio_client.get_received() if e["name"] == "branch.state"]
    assert states
    return states[-1]


def test_another_process_between_two_tickets_is_counted(app, client, tmp_path, db_url):
    """Process A remembers its lines at seq N; B takes and cancels tickets; A's next
    ticket must see B's, since the branch's seq moved past what A remembers."""
    other = make_app(db_url, tmp_path / "b")
    try:
        other_client = other.test_client()
        first = _post(client)
        assert first["ahead"] == 0
        b1 = _post(other_client)
        b2 = _post(other_client)
        assert (b1["ahead"], b2["ahead"]) == (1, 2)
        mine = _post(client)
        assert mine["ahead"] == 3, "a ticket taken elsewhere was not counted"
        assert other_client.post(f"/api/v1/tickets/{b1['token']}/cancel").status_code == 200
        again = _post(client)
        assert again["ahead"] == 3, "a ticket cancelled elsewhere was still counted"
        assert _db_lines(app) == {"caja": 4}
    finally:
        other.extensions["turnero.db"].dispose()


def test_a_failed_take_leaves_nothing_remembered(app, client, agent):
    _post(client)
    r = client.post("/api/v1/branches/centro/tickets", json={"service": "nope"})
    assert r.status_code == 404
    # A priority ticket goes ahead of the first one: the remembered line keeps its end.
    r = client.post("/api/v1/branches/centro/tickets", json={"service": "caja", "priority": True}, headers=agent)
    assert r.status_code == 201 and r.get_json()["ahead"] == 0
    t = _post(client)
    assert t["ahead"] == 2
    assert _db_lines(app) == {"caja": 3}


def test_a_ticket_placed_earlier_is_counted_ahead_of_the_ones_behind(app, client, agent):
    """A priority ticket stands before plain ones issued within its boost: they move
    back, and the next plain ticket still counts everyone."""
    plain = [_post(client) for _ in range(3)]
    boosted = _post(client, headers=agent, priority=True)
    assert boosted["ahead"] == 0
    after = _post(client)
    assert after["ahead"] == 4
    r = client.get(f"/api/v1/tickets/{plain[0]['token']}")
    assert r.get_json()["ahead"] == 1


def test_every_setup_change_shows_in_the_next_ticket_state(app, client, agent, admin, open_counter):
    from flask_socketio import SocketIOTestClient

    from turnero.extensions import socketio
    sio = SocketIOTestClient(app, socketio, flask_test_client=client)
    assert sio.emit("subscribe", {"branch": "centro"}, callback=True)["ok"]
    sio.get_received()

    _post(client)
    state = _last_state(sio)
    caja = next(s for s in state["services"] if s["id"] == "caja")
    assert state["calling"] == []

    # A counter opens and calls: the next ticket's state shows the call.
    open_counter("v1")
    r = client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent)
    assert r.status_code == 200
    called = r.get_json()["code"]
    _post(client)
    state = _last_state(sio)
    assert [c["code"] for c in state["calling"]] == [called]

    # An admin renames the service: the next ticket's state has the new name.
    db = app.extensions["turnero.db"]
    with db.unit_of_work(write=True) as uow:
        boss = access.actor_for_user(uow.session.scalar(select(User).where(User.role == "admin")))
        fields = {k: v for k, v in admin_uc.get_service(uow, boss, "centro", "caja").items()
                  if k not in ("slug", "id")}
        admin_uc.update_service(uow, boss, "centro", "caja", **{**fields, "name_es": "Caja rápida",
                                                                 "name_en": "Fast till"})
        uow.commit()
    _post(client)
    state = _last_state(sio)
    caja_now = next(s for s in state["services"] if s["id"] == "caja")
    assert caja_now["names"] == {"es": "Caja rápida", "en": "Fast till"}
    assert caja_now["names"] != caja["names"]

    # The counter closes: no counter open is one counter; then two open halve the wait.
    open_counter("v2")
    before = _last_state(sio)
    caja_two = next(s for s in before["services"] if s["id"] == "caja")
    assert client.post("/api/v1/branches/centro/counters/v2/close", headers=agent).status_code == 200
    _post(client)
    caja_one = next(s for s in _last_state(sio)["services"] if s["id"] == "caja")
    assert caja_one["eta"]["high_min"] > caja_two["eta"]["high_min"]
    sio.disconnect()


def test_remembered_lines_agree_with_the_database_after_a_mixed_day(app, client, agent, open_counter):
    open_counter("v1")
    tokens = []
    for i in range(12):
        tokens.append(_post(client, service="caja" if i % 3 else "plataforma")["token"])
        if i % 4 == 3:
            assert client.post("/api/v1/branches/centro/counters/v1/call-next", headers=agent).status_code == 200
        if i % 5 == 4:
            client.post(f"/api/v1/tickets/{tokens[i - 1]}/cancel")
    last = _post(client, service="caja")
    waiting = _db_lines(app)
    assert last["ahead"] == waiting["caja"] - 1
    r = client.get("/api/v1/branches/centro")
    assert _state_waiting(r.get_json()) == waiting


@pytest.mark.parametrize("utc", [datetime(2031, 2, 28, 18, tzinfo=timezone.utc),
                                 # 20:00 in Mexico City: its day is already yesterday in UTC
                                 datetime(2031, 3, 1, 2, tzinfo=timezone.utc)], ids=["afternoon", "evening"])
def test_a_plain_ticket_costs_four_statements_once_warm(app, client, clock, utc):
    """Steady state: lock-and-bump the branch, take a number, insert the ticket and
    its event. A fifth statement here means something is read again per ticket (a
    DELETE: today's ticket taken for a closed day's)."""
    from sqlalchemy import event
    clock.now = utc
    engine = app.extensions["turnero.db"].engine
    _post(client)
    _post(client, service="plataforma")
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", count)
    try:
        _post(client)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert seen == ["UPDATE", "INSERT", "INSERT", "INSERT"], seen
