"""Waits where a counter serves both lines: a ticket's wait counts the other line's
tickets placed before it (the counter calls whoever waited longest), and every door
shows the same wait for the same ticket (SQLite and PostgreSQL)."""
from sqlalchemy import select

from turnero.clock import utcnow
from turnero.models import Branch, Service
from turnero.queue.rules import local_day
from turnero.queue.setup import service_stats

API = "/api/v1"


def waits(tickets) -> dict:
    return {t["code"]: (t["eta"]["low_min"], t["eta"]["high_min"]) for t in tickets if t["status"] == "waiting"}


def test_a_shared_counter_makes_each_line_wait_for_the_other_lines_tickets_placed_before(
        app, client, sio, take, kiosk, agent, open_counter):
    """Only v2 (caja and plataforma) is open, and busy. The plataforma tickets placed
    before a caja ticket lengthen its wait, those placed after it do not; the answer
    that gave each ticket, its page, the staff list and its followers' updates agree."""
    open_counter("v2")
    take("caja", headers=kiosk)
    first = client.post(f"{API}/branches/centro/counters/v2/call-next", headers=agent).get_json()

    def page(t):
        return client.get(f"{API}/tickets/{t['token']}").get_json()

    given = {}
    for service, extra in (("caja", {}), ("plataforma", {}), ("caja", {}), ("plataforma", {}),
                           ("plataforma", {"priority": True})):  # placed 15 minutes early: before them all
        t = take(service, headers=kiosk, **extra)
        given[t["code"]] = t
        # The answer that gave it shows what its page shows (nothing else changed since).
        assert page(t)["eta"] == t["eta"]
    c1, p1, c2, p2, p3 = given.values()
    clients = []
    for t in given.values():
        c = sio()
        assert c.emit("subscribe", {"ticket": t["token"]}, callback=True)["ok"]
        clients.append(c)

    shown = waits(page(t) for t in given.values())
    # The priority plataforma ticket, placed before everyone: one turn of v2's ahead of it.
    # The caja tickets: the one before C1 counts; before C2, P1 too (and C1).
    assert shown[p3["code"]] < shown[c1["code"]] < shown[c2["code"]]
    assert shown[p1["code"]] < shown[p2["code"]]
    # Counting every plataforma ticket waiting instead (as for one placed after them all)
    # would be a longer wait for C1: the count of those placed before it is what differs.
    stats, ids = _stats(app)
    caja, plataforma = stats[ids["caja"]], ids["plataforma"]
    assert caja.eta(0, {}).high_min < caja.eta(0, None).high_min
    assert caja.eta(0, {plataforma: 1}).as_dict() == page(c1)["eta"]

    # A change (v2 starts serving): the staff list and every follower show the page's wait.
    assert client.post(f"{API}/tickets/{first['id']}/start", headers=agent).status_code == 200
    listed = waits(client.get(f"{API}/branches/centro/tickets", headers=agent).get_json())
    shown = waits(page(t) for t in given.values())
    assert listed == shown
    updates = {}
    for c in clients:
        for e in c.get_received():
            if e["name"] == "ticket.update":
                updates[e["args"][0]["code"]] = e["args"][0]
    assert waits(updates.values()) == shown


def _stats(app):
    """centro's lines as the read models give them, and their ids by slug."""
    db = app.extensions["turnero.db"]
    with db.unit_of_work() as uow:
        branch = uow.session.scalar(select(Branch).where(Branch.slug == "centro"))
        ids = dict(uow.session.execute(select(Service.slug, Service.id).where(Service.branch_id == branch.id)).all())
        return service_stats(uow.session, branch, local_day(utcnow(), branch.timezone)), ids
