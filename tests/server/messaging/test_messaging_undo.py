"""A call taken back at the counter (undo) and the customer's phone: the "it is your
turn" text not sent yet is withdrawn; one that already went out is followed by an
apology, once. Through the REST API on both databases."""
from sqlalchemy import select, update

from turnero.messaging.models import OutboxMessage

API = "/api/v1"


def texts_of(app, code):
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return [(r.kind, r.status, r.body) for r in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.body.contains(code)).order_by(OutboxMessage.id))]


def call_next(client, agent):
    r = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_an_undone_call_withdraws_its_text_or_apologises_for_it(app, client, agent, take, open_counter):
    first = take()
    second = take(phone="55 1234 5678")
    third = take(phone="55 1234 5679")
    open_counter("v1")
    assert call_next(client, agent)["id"] == first["id"]
    assert call_next(client, agent)["id"] == second["id"]   # finishes A001 while still called
    assert [k for k, _s, _b in texts_of(app, second["code"])].count("called") == 1
    # Undone before the worker sent it: withdrawn, and nothing else is said.
    r = client.post(f"{API}/tickets/{first['id']}/undo", headers=agent, json={"counter": "v1"})
    assert r.status_code == 200, r.get_json()
    assert [(k, s) for k, s, _b in texts_of(app, second["code"]) if k in ("called", "call_undone")] == [
        ("called", "failed")]

    # Called again, and this time the text went out before the undo: an apology follows.
    assert call_next(client, agent)["id"] == second["id"]
    assert call_next(client, agent)["id"] == third["id"]
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        uow.session.execute(update(OutboxMessage).where(OutboxMessage.kind == "called",
                                                        OutboxMessage.status == "queued").values(status="sent"))
        uow.commit()
    r = client.post(f"{API}/tickets/{second['id']}/undo", headers={**agent, "Accept-Language": "es"},
                    json={"counter": "v1"})
    assert r.status_code == 200, r.get_json()
    sent = [(k, s, b) for k, s, b in texts_of(app, third["code"]) if k in ("called", "call_undone")]
    assert [(k, s) for k, s, _b in sent] == [("called", "sent"), ("call_undone", "queued")]
    assert sent[1][2].startswith("Disculpe: el llamado de su turno " + third["code"])
    assert client.get(f"{API}/tickets/{third['token']}").get_json()["status"] == "waiting"
