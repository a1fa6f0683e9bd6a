"""Socket.IO: snapshots with `seq`, events after each committed change, none after a
failed one (Flask-SocketIO's test client)."""
import pytest


API = "/api/v1"


def events(c, name=None):
    got = c.get_received()
    return [(e["name"], e["args"][0]) for e in got if name is None or e["name"] == name]


def test_subscribe_to_a_branch_gives_a_snapshot_with_seq(sio, take):
    take()
    c = sio()
    ack = c.emit("subscribe", {"branch": "centro"}, callback=True)
    assert ack["ok"] is True and ack["seq"] == 1
    state = ack["state"]
    assert state["branch"] == "centro" and state["seq"] == 1
    assert {s["id"]: s["waiting"] for s in state["services"]} == {"caja": 1, "plataforma": 0}
    assert state["calling"] == []


def test_subscribe_to_unknown_things_is_an_error_ack_and_the_connection_stays(sio):
    c = sio()
    for bad in ({"branch": "nowhere"}, {"ticket": "forged"}, {"nothing": 1}, "centro", None):
        ack = c.emit("subscribe", bad, callback=True)
        assert ack["ok"] is False and ack["error"]
    assert c.is_connected()
    assert c.emit("subscribe", {"branch": "centro"}, callback=True)["ok"] is True


def test_each_change_sends_branch_state_with_seq_plus_one(sio, client, take, agent, open_counter):
    c = sio()
    seq = c.emit("subscribe", {"branch": "centro"}, callback=True)["seq"]
    take()
    open_counter("v1")
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    got = events(c)
    states = [p for n, p in got if n == "branch.state"]
    assert [s["seq"] for s in states] == [seq + 1, seq + 2, seq + 3]
    called = [p for n, p in got if n == "ticket.called"]
    assert called == [{"branch": "centro", "seq": seq + 3, "code": "A001", "service": "caja",
                       "counter": {"id": "v1", "name": "Ventanilla 1"}, "recall": False}]
    assert states[-1]["calling"][0]["code"] == "A001"
    assert states[-1]["calling"][0]["counter"] == {"id": "v1", "name": "Ventanilla 1", "state": "open"}


def test_recall_is_announced_as_a_recall(sio, client, take, agent, open_counter):
    take()
    open_counter()
    t = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    c = sio()
    c.emit("subscribe", {"branch": "centro"}, callback=True)
    client.post(f"{API}/tickets/{t['id']}/recall", headers=agent)
    called = [p for n, p in events(c) if n == "ticket.called"]
    assert len(called) == 1 and called[0]["recall"] is True and called[0]["code"] == t["code"]


def test_ticket_room_follows_the_place_in_line(sio, client, take, agent, open_counter):
    take()
    second = take()
    c = sio()
    ack = c.emit("subscribe", {"ticket": second["token"]}, callback=True)
    assert ack["ok"] is True and ack["ticket"]["ahead"] == 1
    open_counter()
    events(c)  # opening the counter may refresh the wait
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    updates = [p for n, p in events(c) if n == "ticket.update"]
    assert updates and updates[-1]["id"] == second["id"] and updates[-1]["ahead"] == 0
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    updates = [p for n, p in events(c) if n == "ticket.update"]
    assert updates[-1]["status"] == "called" and updates[-1]["counter"]["id"] == "v1"
    for u in updates:
        assert "token" not in u and "track_url" not in u


def test_unsubscribe_stops_a_ticket_room_and_keeps_the_branch_room(sio, client, take, agent, open_counter):
    take()
    second = take()
    c = sio()
    assert c.emit("subscribe", {"branch": "centro"}, callback=True)["ok"]
    assert c.emit("subscribe", {"ticket": second["token"]}, callback=True)["ok"]
    assert c.emit("unsubscribe", {"ticket": second["token"]}, callback=True) == {"ok": True}
    assert c.emit("unsubscribe", {"ticket": "no-such-token"}, callback=True) == {"ok": True}
    assert c.emit("unsubscribe", "nonsense", callback=True)["ok"] is False
    open_counter()
    events(c)
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    got = events(c)
    assert [n for n, _ in got if n == "ticket.update"] == []
    assert any(n == "branch.state" for n, _ in got)
    assert c.emit("unsubscribe", {"branch": "centro"}, callback=True) == {"ok": True}
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    assert events(c) == []


def test_branch_room_carries_codes_only(sio, client, take, agent, open_counter):
    c = sio()
    c.emit("subscribe", {"branch": "centro"}, callback=True)
    take(name="Ana Pérez", phone="+525512345678")
    open_counter()
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    blob = repr(events(c))
    assert "Ana" not in blob and "5512345678" not in blob and "token" not in blob


def test_no_event_for_a_failed_action(sio, client, take, agent, app):
    t = take()
    c = sio()
    c.emit("subscribe", {"branch": "centro"}, callback=True)
    c.emit("subscribe", {"ticket": t["token"]}, callback=True)
    assert client.post(f"{API}/tickets/{t['id']}/done", headers=agent).status_code == 409
    assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).status_code == 409
    assert client.post(f"{API}/branches/centro/tickets", json={"service": "nope"}).status_code == 404
    assert events(c) == []
    ack = c.emit("subscribe", {"branch": "centro"}, callback=True)
    assert ack["seq"] == 1  # only the ticket's issue changed the branch


def test_events_are_published_only_after_the_commit(app, monkeypatch):
    """The publisher sees nothing while the transaction is open, and nothing at all
    when it rolls back."""
    db = app.extensions["turnero.db"]
    published = []
    monkeypatch.setattr(db, "publisher", lambda evts: published.extend(evts))
    from turnero.access.services import ANONYMOUS
    from turnero.queue import services as queue
    with db.unit_of_work(write=True) as uow:
        queue.take_ticket(uow, "centro", service="caja", actor=ANONYMOUS)
        # take_ticket committed; events wait for the end of the unit of work
        assert published == []
    # No ticket.update: no one can follow a ticket before its holder has the token.
    assert [name for name, _, _ in published] == ["branch.state"]
    published.clear()
    with pytest.raises(RuntimeError), db.unit_of_work(write=True) as uow:
        uow.emit("branch.state", {}, "branch:centro")
        raise RuntimeError("the action failed before its commit")
    assert published == []


def test_ticket_listeners_hear_every_event_inside_the_transaction(app, client, take, agent, open_counter):
    """Messaging hangs its outbox on these: each ticket event, and each waiting
    ticket whose place moved, is told while the transaction is still open."""
    db = app.extensions["turnero.db"]
    heard = []
    db.ticket_listeners.append(lambda session, ticket, event: heard.append(
        (event.kind, ticket.code, getattr(event, "ahead", None), session.in_transaction())))
    take()
    take()
    open_counter()
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    # An issued ticket tells the people ahead of it then (kept for the honest-waits figures).
    assert ("issued", "A001", 0, True) in heard and ("issued", "A002", 1, True) in heard
    assert ("called", "A001", None, True) in heard
    assert ("moved", "A002", 0, True) in heard


def test_the_followed_tickets_are_kept_as_clients_enter_and_leave_their_rooms(sio, take):
    """The manager keeps the ids of the followed tickets as clients subscribe,
    unsubscribe and go: always what a walk of every room finds, never a ticket no one
    follows any more."""
    from turnero.extensions import socketio
    manager = socketio.server.manager

    def walked():
        return {room[len("ticket:"):] for room in manager.rooms.get("/", {})
                if isinstance(room, str) and room.startswith("ticket:")}

    tickets = [take() for _ in range(4)]
    a, b = sio(), sio()
    for c, chosen in ((a, tickets[:3]), (b, tickets[1:])):
        assert c.emit("subscribe", {"branch": "centro"}, callback=True)["ok"]
        for t in chosen:
            assert c.emit("subscribe", {"ticket": t["token"]}, callback=True)["ok"]
    assert manager.followed() == walked() == {t["id"] for t in tickets}
    assert a.emit("unsubscribe", {"ticket": tickets[0]["token"]}, callback=True)["ok"]
    assert a.emit("unsubscribe", {"ticket": tickets[1]["token"]}, callback=True)["ok"]  # b still follows it
    assert manager.followed() == walked() == {t["id"] for t in tickets[1:]}
    b.disconnect()
    assert manager.followed() == walked() == {tickets[2]["id"]}
    manager.followed().clear()  # a copy: the manager's own is untouched
    assert manager.followed() == {tickets[2]["id"]}
    a.disconnect()
    assert manager.followed() == walked() == set()
