"""How many wait in each line is kept by the database (`line_counts`, triggers on
`tickets`, migration 0025): a change reads one row a line instead of walking the line.
These tests move tickets into and out of the lines every way there is, through the
API and behind its back, and compare the kept counts with a count of the tickets."""
from __future__ import annotations

from alembic import command
from conftest import demo_app
from sqlalchemy import create_engine, delete, func, select, text, update

from turnero.migrate import alembic_config, upgrade
from turnero.models import Branch, LineCount, Service, Ticket

API = "/api/v1"


def _counted(db) -> dict[int, int]:
    """Waiting tickets per service id, counted one by one."""
    with db.unit_of_work() as uow:
        return dict(uow.session.execute(select(Ticket.service_id, func.count()).where(Ticket.status == "waiting")
                                        .group_by(Ticket.service_id)).all())


def _kept(db) -> dict[int, int]:
    with db.unit_of_work() as uow:
        return {service_id: n for service_id, n in uow.session.execute(select(LineCount.service_id, LineCount.waiting))
                if n}


def _centro(db) -> dict[str, int]:
    """The ids of centro's services, by slug."""
    with db.unit_of_work() as uow:
        return dict(uow.session.execute(select(Service.slug, Service.id).join(Branch, Branch.id == Service.branch_id)
                                        .where(Branch.slug == "centro")).all())


def _agree(app) -> dict[int, int]:
    db = app.extensions["turnero.db"]
    counted = _counted(db)
    assert _kept(db) == counted
    return counted


def test_every_change_of_the_api_keeps_the_counts(app, client, agent, take, open_counter):
    db = app.extensions["turnero.db"]
    ids = _centro(db)
    open_counter("v1")
    open_counter("v2")
    caja = [take() for _ in range(5)]
    plataforma = [take("plataforma") for _ in range(3)]
    assert _agree(app) == {ids["caja"]: 5, ids["plataforma"]: 3}

    def call(counter):
        r = client.post(f"{API}/branches/centro/counters/{counter}/call-next", headers=agent)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def act(ticket, action, **body):
        r = client.post(f"{API}/tickets/{ticket['id']}/{action}", headers=agent, json=body)
        assert r.status_code == 200, r.get_json()

    first = call("v1")  # leaves caja
    assert _agree(app)[ids["caja"]] == 4
    act(first, "requeue")  # back in its line
    assert _agree(app)[ids["caja"]] == 5
    called = call("v1")
    act(called, "transfer", service="plataforma")  # into the other line
    assert _agree(app) == {ids["caja"]: 4, ids["plataforma"]: 4}
    act(caja[3], "transfer", service="plataforma")  # a waiting ticket moves line
    assert _agree(app) == {ids["caja"]: 3, ids["plataforma"]: 5}
    assert client.post(f"{API}/tickets/{caja[4]['token']}/cancel").status_code == 200
    assert _agree(app)[ids["caja"]] == 2
    nxt = call("v2")
    act(nxt, "no-show")
    other = call("v1")
    act(other, "start")
    act(other, "done")
    counts = _agree(app)
    assert client.post(f"{API}/tickets/{other['id']}/undo", headers=agent, json={"counter": "v1"}).status_code == 200
    after_undo = _agree(app)  # the finished ticket is serving again, the next one back in line
    assert sum(after_undo.values()) == sum(counts.values())
    assert client.post(f"{API}/tickets/{plataforma[0]['token']}/cancel").status_code == 200
    assert _agree(app)[ids["plataforma"]] == after_undo[ids["plataforma"]] - 1


def test_writes_behind_the_api_keep_the_counts_too(app, take):
    """A purge, a repair by hand: whatever writes the tickets, the counts follow."""
    db = app.extensions["turnero.db"]
    for _ in range(4):
        take()
    take("plataforma")
    ids = _centro(db)
    with db.engine.begin() as conn:
        seqs = conn.execute(select(Ticket.seq).where(Ticket.service_id == ids["caja"]).order_by(Ticket.seq)).scalars().all()
        conn.execute(update(Ticket).where(Ticket.seq == seqs[0]).values(status="cancelled"))
        conn.execute(update(Ticket).where(Ticket.seq == seqs[1]).values(service_id=ids["plataforma"]))
        conn.execute(update(Ticket).where(Ticket.seq == seqs[2]).values(name="Ana"))  # not a move
        conn.execute(delete(Ticket).where(Ticket.seq == seqs[3]))
    assert _agree(app) == {ids["caja"]: 1, ids["plataforma"]: 2}
    with db.engine.begin() as conn:
        conn.execute(update(Ticket).where(Ticket.seq == seqs[0]).values(status="waiting"))
        conn.execute(text("UPDATE tickets SET status = 'waiting' WHERE status = 'waiting'"))  # nothing moves
    assert _agree(app) == {ids["caja"]: 2, ids["plataforma"]: 2}


def test_the_migration_counts_the_lines_already_there_and_goes_down_and_up(tmp_path):
    url = f"sqlite:///{tmp_path}/m.db"
    engine = create_engine(url)
    upgrade(engine)
    app = demo_app(url, tmp_path)
    client = app.test_client()
    for service in ("caja", "caja", "plataforma"):
        assert client.post(f"{API}/branches/centro/tickets", json={"service": service}).status_code == 201
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0024")
    with engine.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
        assert "line_counts" not in names and not {n for n in names if n.startswith("tickets_line_counts")}
        # Tickets taken while the counts were not kept.
        conn.execute(text("UPDATE tickets SET status = 'cancelled' WHERE seq = (SELECT min(seq) FROM tickets)"))
        conn.commit()
    upgrade(engine)
    db = app.extensions["turnero.db"]
    assert sorted(_kept(db).values()) == [1, 1] and _kept(db) == _counted(db)
    assert client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}).status_code == 201
    assert _agree(app) and sorted(_kept(db).values()) == [1, 2]
    db.dispose()
    engine.dispose()
