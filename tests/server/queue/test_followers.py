"""Long lines: a change builds views only for the tickets someone follows, tells the
"near the front" listeners only about the head of the line, and every follower still
ends with exactly its place (Flask-SocketIO's test client, SQLite and PostgreSQL)."""
import json

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, select, text

from turnero import clock
from turnero.models import Branch, Service, Ticket
from turnero.queue import counters, followers, places
from turnero.queue.known_lines import KnownLines
from turnero.queue import read_models as views
from turnero.queue import setup as branch_setup
from turnero.queue.rules import Status, local_day
from turnero.realtime import Encoded

API = "/api/v1"


@pytest.fixture
def fill(take, kiosk):
    """`n` tickets of a service taken at the kiosk -> their JSON views, in line order."""
    def _fill(n, service="caja"):
        return [take(service, headers=kiosk) for _ in range(n)]
    return _fill


def follow(sio, tokens):
    """One Socket.IO client per 20 tickets (a connection's limit), each subscribed."""
    clients = []
    for start in range(0, len(tokens), 20):
        c = sio()
        for token in tokens[start:start + 20]:
            assert c.emit("subscribe", {"ticket": token}, callback=True)["ok"]
        clients.append(c)
    return clients


def last_updates(clients, into: dict) -> dict:
    """Each ticket's last `ticket.update`, by id, from what the clients received."""
    for c in clients:
        for e in c.get_received():
            if e["name"] == "ticket.update":
                into[e["args"][0]["id"]] = e["args"][0]
    return into


def expected_aheads(app) -> dict:
    """Every waiting ticket's place, counted here from the rows themselves (sorted in
    Python by place in time, then issue order): not by the code under test."""
    engine = app.extensions["turnero.db"].engine
    with engine.connect() as conn:
        rows = conn.execute(select(Ticket.id, Ticket.service_id, Ticket.sort_at, Ticket.seq)
                            .where(Ticket.status == Status.WAITING.value)).all()
    places, seen = {}, {}
    for row in sorted(rows, key=lambda r: (r.sort_at, r.seq)):
        places[row.id] = seen.get(row.service_id, 0)
        seen[row.service_id] = places[row.id] + 1
    return places


def wrong_places(app, clients, followed, last: dict) -> dict:
    """`last` brought up to date from what the clients received; then each followed
    ticket whose last update shows another place than its row says: code -> (shown, right)."""
    last_updates(clients, last)
    places = expected_aheads(app)
    return {t["code"]: (last[t["id"]]["ahead"], places.get(t["id"])) for t in followed
            if last[t["id"]]["ahead"] != places.get(t["id"])}


def sample(name: str) -> float:
    """A metric's value in this process (prometheus_client's registry, as /metrics shows it)."""
    return REGISTRY.get_sample_value(name) or 0.0


def count_views(monkeypatch) -> list:
    """The codes of the tickets whose view or followed update gets built (an update
    builds its fixed part with view_of the first time: counted once, as the update)."""
    built, inside = [], []
    real, real_update = views.view_of, views.followed_update

    def counting(*args, **kwargs):
        if not inside:
            built.append(args[0].code if args else kwargs["ticket"].code)
        return real(*args, **kwargs)

    def counting_update(row, ahead, **kwargs):
        built.append(row.code)
        inside.append(row)
        try:
            return real_update(row, ahead, **kwargs)
        finally:
            inside.pop()
    monkeypatch.setattr(views, "view_of", counting)
    monkeypatch.setattr(views, "followed_update", counting_update)
    return built


def test_a_call_builds_views_only_for_the_tickets_someone_follows(app, client, sio, fill, agent, open_counter,
                                                                   monkeypatch):
    line = fill(150)
    followed = [line[10], line[75], line[149]]
    clients = follow(sio, [t["token"] for t in followed])
    open_counter()
    for c in clients:
        c.get_received()
    built = count_views(monkeypatch)
    called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    assert called["code"] == line[0]["code"]
    # The called ticket's own answer, and one view for each followed ticket: not 149.
    assert sorted(built) == sorted([line[0]["code"]] + [t["code"] for t in followed])
    got = last_updates(clients, {})
    assert {i: u["ahead"] for i, u in got.items()} == {followed[0]["id"]: 9, followed[1]["id"]: 74,
                                                       followed[2]["id"]: 148}


def test_the_cost_of_a_call_does_not_grow_with_the_line(app, client, fill, agent, open_counter, monkeypatch):
    """The same statements and the same views for a call in a line of 20 and of 300,
    with no one following: nothing is read or built per waiting ticket."""
    engine = app.extensions["turnero.db"].engine
    open_counter()

    def one_call():
        statements = []

        def log(conn, cursor, statement, params, context, executemany):
            statements.append(statement)
        event.listen(engine, "before_cursor_execute", log)
        try:
            built = count_views(monkeypatch)
            r = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
            assert r.status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", log)
            monkeypatch.undo()
        return statements, built

    fill(20)
    one_call()  # the first call finds no one at the counter; the next ones finish someone first
    short = one_call()
    fill(300)
    long = one_call()
    assert long[0] == short[0]
    assert len(long[1]) == len(short[1]) == 1  # the called ticket's answer


def call_with_followers_counting(client, sio, fill, agent, open_counter, monkeypatch, name, also=()):
    """A line of 30 with 20 followed, counter v1 open; then, counting the calls of
    setup.`name` (and of the same function imported into the modules `also`), a call
    that every follower hears. -> (the line, the branch ids of the calls counted)."""
    line = fill(30)
    clients = follow(sio, [t["token"] for t in line[5:25]])
    open_counter()
    reads = []
    real = getattr(branch_setup, name)

    def counting(*args, **kwargs):
        reads.append(args[1])
        return real(*args, **kwargs)
    for module in (branch_setup, *also):
        monkeypatch.setattr(module, name, counting)
    for c in clients:
        c.get_received()
    called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).get_json()
    assert called["code"] == line[0]["code"]
    got = last_updates(clients, {})
    assert len(got) == 20 and got[line[5]["id"]]["ahead"] == 4  # the followers did hear the call
    return line, reads


def test_a_call_reads_the_setup_once_for_itself_its_followers_and_the_next_ticket(app, client, sio, fill, take,
                                                                                  agent, open_counter, monkeypatch):
    """The branch's setup (a dozen queries, some over the day's calls) is read by the
    change that made it new; the followers' refresh and the next ticket reuse it."""
    line, reads = call_with_followers_counting(client, sio, fill, agent, open_counter, monkeypatch, "read_setup")
    assert len(reads) == 1
    assert take("caja")["ahead"] == 29
    assert len(reads) == 1, "the next ticket read the setup again"


def test_a_call_counts_the_waiting_lines_once_for_itself_its_followers_and_the_next_ticket(
        app, client, sio, fill, take, agent, open_counter, monkeypatch):
    """Counting the waiting lines walks every waiting ticket: the change counts them
    once (after it changed them, the branch locked) and keeps them at its `seq`; its
    followers' refresh, a screen's read of the branch and the next ticket use them.
    Counted again once anything else changed the branch."""
    from turnero.queue import issuing
    line, reads = call_with_followers_counting(client, sio, fill, agent, open_counter, monkeypatch, "read_lines",
                                               also=(issuing,))
    assert len(reads) == 1
    caja = client.get(f"{API}/branches/centro").get_json()["services"]
    assert [s["waiting"] for s in caja if s["id"] == "caja"] == [29]
    assert client.get(f"{API}/tickets/{line[7]['token']}").get_json()["ahead"] == 6
    assert len(reads) == 1, "a read of the branch or a ticket counted the lines again"
    assert take("caja")["ahead"] == 29
    assert len(reads) == 1, "the next ticket counted the lines again"
    # Another process's change (here: the database changed behind this one's back, as
    # the other process would, with the branch's seq bumped) is counted afresh.
    engine = app.extensions["turnero.db"].engine
    with engine.begin() as conn:
        conn.execute(text("UPDATE tickets SET status = 'cancelled' WHERE id = :id"), {"id": line[20]["id"]})
        conn.execute(text("UPDATE branches SET seq = seq + 1 WHERE slug = 'centro'"))
    caja = client.get(f"{API}/branches/centro").get_json()["services"]
    assert [s["waiting"] for s in caja if s["id"] == "caja"] == [29]
    assert len(reads) == 2


def test_near_the_front_is_told_for_the_head_of_the_line_only(app, client, fill, agent, open_counter):
    db = app.extensions["turnero.db"]
    heard = []
    db.ticket_listeners.append(lambda session, ticket, ev: heard.append((ticket.code, ev.ahead))
                               if ev.kind == "moved" else None)
    line = fill(60)
    open_counter()
    heard.clear()
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    # notify_ahead is 3 at the demo branch: the four now 0, 1, 2 and 3 ahead, no one else.
    assert heard == [(line[1]["code"], 0), (line[2]["code"], 1), (line[3]["code"], 2), (line[4]["code"], 3)]


def test_the_near_the_front_text_is_still_sent_once(app, client, take, agent, open_counter):
    """A texted customer far back in a line of 12 is told once, when a call brings it
    within three of the counter, and not again by the next call."""
    from turnero.messaging.models import OutboxMessage
    for _ in range(6):
        take()
    mine = take(phone="+525512345600")
    for _ in range(5):
        take()
    open_counter()
    db = app.extensions["turnero.db"]

    def near_texts():
        with db.engine.connect() as conn:
            return conn.execute(select(OutboxMessage.body).where(OutboxMessage.kind == "near")).all()
    for expected_ahead in (5, 4, 3, 2, 1):
        client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
        now = client.get(f"{API}/tickets/{mine['token']}").get_json()["ahead"]
        assert now == expected_ahead
        assert len(near_texts()) == (0 if expected_ahead > 3 else 1)
    assert mine["code"] in near_texts()[0].body


def test_followers_end_with_their_exact_place_after_every_kind_of_change(app, client, sio, fill, agent, kiosk,
                                                                        open_counter):
    """A line of 200 in two services; 60 tickets followed. After calls on two counters,
    cancels, transfers both ways, priority joins, priority given and taken, a no-show
    requeued and counters closed: every follower shows the place the rows say."""
    caja = fill(140)
    plataforma = fill(60, service="plataforma")
    everyone = caja + plataforma
    followed = everyone[::4] + everyone[1:12]
    clients = follow(sio, [t["token"] for t in followed])
    last = {t["id"]: t for t in followed}
    staff = agent
    kiosk_headers = kiosk

    def check():
        assert wrong_places(app, clients, followed, last) == {}
        for t in followed:  # and the same view as the ticket's own page reads
            page = client.get(f"{API}/tickets/{t['token']}").get_json()
            page.pop("token"), page.pop("track_url")
            assert last[t["id"]] == page

    open_counter("v1")
    open_counter("v3")
    check()
    for _ in range(4):
        client.post(f"{API}/branches/centro/counters/v1/call-next", headers=staff)
        client.post(f"{API}/branches/centro/counters/v3/call-next", headers=staff)
    check()
    for t in (caja[30], caja[31], plataforma[20], caja[100]):
        assert client.post(f"{API}/tickets/{t['token']}/cancel").status_code == 200
    check()
    for t, to in ((caja[50], "plataforma"), (caja[120], "plataforma"), (plataforma[40], "caja")):
        assert client.post(f"{API}/tickets/{t['id']}/transfer", json={"service": to}, headers=staff).status_code == 200
    check()
    for service in ("caja", "plataforma", "caja"):
        r = client.post(f"{API}/branches/centro/tickets", json={"service": service, "priority": True},
                        headers=kiosk_headers)
        assert r.status_code == 201 and r.get_json()["priority"] is True and r.get_json()["ahead"] < 40
    check()
    for t, priority in ((caja[90], True), (plataforma[50], True), (caja[90], False)):
        r = client.post(f"{API}/tickets/{t['id']}/priority", json={"priority": priority}, headers=staff)
        assert r.status_code == 200, r.get_json()
    check()
    called = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=staff).get_json()
    assert client.post(f"{API}/tickets/{called['id']}/no-show", headers=staff).status_code == 200
    assert client.post(f"{API}/tickets/{called['id']}/requeue", headers=staff).status_code == 200
    check()
    client.post(f"{API}/branches/centro/counters/v3/close", headers=staff)
    check()


def test_calls_cancels_and_joins_move_the_kept_lines_instead_of_reading_them(app, client, sio, fill, agent, kiosk,
                                                                           open_counter):
    """After the first refresh has read the line, calls, cancels, joins at the end and
    priority joins move the line this process keeps by their notices (known_lines): no
    line is read whole again, and every follower shows the place the rows say. A
    notice this process never heard makes the next refresh read the line whole, right."""
    line = fill(120)
    followed = line[::7] + line[40:43]
    clients = follow(sio, [t["token"] for t in followed])
    last = {t["id"]: t for t in followed}
    db = app.extensions["turnero.db"]

    def call():
        assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).status_code == 200

    def check():
        assert wrong_places(app, clients, followed, last) == {}

    open_counter("v1")
    call()
    check()
    reads = db.known_lines.full_reads
    assert reads >= 1
    assert {t["id"] for t in followed} <= set(db.known_lines.seq_of)  # read by seq from now on
    kept_before, read_before = sample("turnero_followers_lines_kept_total"), sample("turnero_followers_lines_read_total")
    for _ in range(3):
        call()
    for t in (line[40], line[41], line[77]):  # two of them followed
        assert client.post(f"{API}/tickets/{t['token']}/cancel").status_code == 200
    check()
    fill(5)  # at the end of the line: no notice, found behind the last known place
    r = client.post(f"{API}/branches/centro/tickets", json={"service": "caja", "priority": True}, headers=kiosk)
    assert r.status_code == 201 and r.get_json()["ahead"] < 100
    call()
    open_counter("v2")  # a counter's state moves waits, not places
    call()
    check()
    assert db.known_lines.full_reads == reads
    # and the monitoring sees it (/metrics)
    assert sample("turnero_followers_lines_kept_total") >= kept_before + 6
    assert sample("turnero_followers_lines_read_total") == read_before

    held = []
    publish = db.publisher
    db.publisher = held.extend  # this call's notices are never heard here
    call()
    db.publisher = publish
    call()
    check()
    assert db.known_lines.full_reads == reads + 1


def test_a_call_reads_the_followed_rows_of_its_own_branch_alone(app, client, sio, fill, take, agent, admin,
                                                               open_counter):
    """A process following tickets of two branches reads, at a call, the rows of the
    called branch's followed tickets only (each by its seq), and both branches'
    followers show the place the rows say."""
    centro = fill(12)
    norte = [take("caja", branch="norte", headers=admin) for _ in range(30)]  # (norte is closed now)
    clients = follow(sio, [t["token"] for t in centro[2:8] + norte])
    open_counter("v1")
    db = app.extensions["turnero.db"]
    read = []

    def log(conn, cursor, statement, parameters, context, executemany):
        if "WHERE tickets.seq IN" in statement:
            read.append(len(parameters))
    event.listen(db.engine, "before_cursor_execute", log)
    try:
        for _ in range(3):
            assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
    assert read and max(read) <= 6, read  # centro's six followed tickets, never norte's thirty
    last = last_updates(clients, {})
    places = expected_aheads(app)
    assert {t["code"]: last[t["id"]]["ahead"] for t in centro[3:8]} == {t["code"]: places[t["id"]] for t in centro[3:8]}
    assert norte[-1]["id"] not in last or last[norte[-1]["id"]]["ahead"] == 29


def test_a_followed_row_is_read_again_only_once_the_database_changed_it(app, client, sio, fill, agent,
                                                                       open_counter):
    """Every update of a ticket bumps its `version` in the database, whoever writes it;
    a refresh reads again the full rows of the followed tickets whose version moved,
    and only those: a change made outside the application reaches the follower."""
    line = fill(40)
    followed = line[10:30:2]
    clients = follow(sio, [t["token"] for t in followed])
    db = app.extensions["turnero.db"]
    full_rows = []

    def log(conn, cursor, statement, parameters, context, executemany):
        if "tickets.token" in statement and "WHERE tickets.seq IN" in statement:
            full_rows.append(len(parameters))

    def call():
        assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).status_code == 200

    def version(ticket_id):
        with db.engine.connect() as conn:
            return conn.execute(select(Ticket.version).where(Ticket.id == ticket_id)).scalar_one()

    open_counter("v1")
    call()  # the first refresh reads the followed rows
    assert version(line[0]["id"]) == 1 and version(line[1]["id"]) == 0  # called once; never changed
    event.listen(db.engine, "before_cursor_execute", log)
    try:
        call()
        call()
        assert full_rows == []  # no followed row changed
        with db.engine.begin() as conn:  # a writer the application does not know of
            conn.execute(text("UPDATE tickets SET lang = 'en' WHERE id = :id"), {"id": followed[3]["id"]})
        assert version(followed[3]["id"]) == 1
        call()
        assert full_rows == [1]
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
    last = last_updates(clients, {})
    assert last[followed[3]["id"]]["lang"] == "en" and last[followed[3]["id"]]["service_name"] == "Cashier"
    assert last[followed[2]["id"]]["lang"] == "es"
    assert wrong_places(app, clients, followed, last) == {}


def test_a_line_read_whole_is_kept_only_while_the_branchs_moved_seq_stands(app, fill):
    """On PostgreSQL a line read whole may hold a change made after the refresh read
    the branch's `moved_seq`: such a line serves that refresh and is not kept."""
    db = app.extensions["turnero.db"]
    fill(5)
    with db.engine.connect() as conn:
        branch_id, service_id, moved_seq = conn.execute(text(
            "SELECT t.branch_id, t.service_id, b.moved_seq FROM tickets t JOIN branches b ON b.id = t.branch_id")).first()
        kept = KnownLines()
        stale = kept.places(conn, branch_id, moved_seq - 1, [], [service_id], {service_id: 5})
        assert len(stale[service_id]) == 5 and kept.full_reads == 1
        kept.places(conn, branch_id, moved_seq, [], [service_id], {service_id: 5})
        assert kept.full_reads == 2  # the stale read was not kept
        again = kept.places(conn, branch_id, moved_seq, [], [service_id], {service_id: 5})
        assert kept.full_reads == 2 and again == stale  # this one was


def test_a_late_notice_shows_the_newest_place_not_an_older_one(app, client, sio, fill, agent, open_counter):
    """A notice is read against the database when heard: heard after two more calls,
    it shows the place after them."""
    line = fill(10)
    clients = follow(sio, [line[9]["token"]])
    open_counter()
    db = app.extensions["turnero.db"]
    held = []
    publish = db.publisher
    db.publisher = held.extend  # the notices of the first call are held back
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    db.publisher = publish
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    for c in clients:
        c.get_received()
    publish(held)  # heard now, late
    got = last_updates(clients, {})
    assert got[line[9]["id"]]["ahead"] == 6


def test_a_notice_for_a_deleted_branch_or_unfollowed_tickets_sends_nothing(app, fill):
    db = app.extensions["turnero.db"]
    line = fill(3)
    sent = []
    emit = lambda *args: sent.append(args)  # noqa: E731
    assert followers.refresh(db, [followers.moved(99999, [1], None, [line[0]["id"]])], {line[0]["id"]}, emit) == 0
    with db.engine.connect() as conn:
        branch_id, service_id = conn.execute(text("SELECT branch_id, service_id FROM tickets")).first()
    assert followers.refresh(db, [followers.moved(branch_id, [service_id], None)], {"someone-else"}, emit) == 0
    assert followers.refresh(db, [followers.moved(branch_id, [service_id], None)], {line[2]["id"]}, emit) == 1
    assert sent[0][0] == "ticket.update" and sent[0][1]["ahead"] == 2 and sent[0][2] == f"ticket:{line[2]['id']}"


@pytest.mark.parametrize("statement, params, index", [
    ("places._AHEAD", {"branch_id": 1, "service_id": 1, "sort_at": "2026-01-01 00:00:00", "seq": 1},
     "ix_tickets_line"),
    ("places._HEAD_OF_LINE", {"branch_id": 1, "service_id": 1, "counter_id": 1}, "ix_tickets_line"),
    ("places._FIRST_SENT_TO", {"counter_id": 1}, "ix_tickets_target_counter"),
    # What the setup reads of the day's calls after each call: the called tickets only,
    # not the thousands still waiting that day.
    ("setup._TODAYS_CALLED", {"branch_id": 1, "day": "2026-01-01"}, "ix_tickets_called_day"),
    ("setup._TODAYS_PLACED_AHEAD", {"branch_id": 1, "day": "2026-01-01"}, "ix_tickets_called_day"),
    # What the counter had called or was serving, which its call finishes.
    ("counters.AT_COUNTER", {"counter_id": 1}, "ix_tickets_counter_status"),
    # Each line's count and last place, after every change: a row and the end of its index.
    ("setup._LINES", {"branch_id": 1}, "ix_tickets_line"),
])
def test_positions_and_calls_are_read_through_an_index(app, statement, params, index):
    """A ticket's `ahead` is counted inside ix_tickets_line (the waiting tickets of one
    line), and call-next reads the head of each line and the tickets sent to its
    counter through an index, in order: nothing sorts or scans the branch's tickets.
    SQLite's plan says so; PostgreSQL, which chooses by its statistics, is shown able
    to answer each from the index."""
    db = app.extensions["turnero.db"]
    module, name = statement.split(".")
    compiled = getattr({"places": places, "setup": branch_setup, "counters": counters}[module], name) \
        .compile(db.engine).construct_expanded_state(params)  # IN (...) written out
    sql, values = compiled.statement, compiled.parameters
    with db.engine.begin() as conn:
        if db.is_sqlite:
            plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql,
                                                            tuple(values[k] for k in compiled.positiontup)).all()]
            assert any(f"INDEX {index}" in step for step in plan), plan
            assert not any("TEMP B-TREE" in step or step.startswith("SCAN") for step in plan), plan
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            conn.exec_driver_sql("SET LOCAL enable_sort = off")
            plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql, values).all()]
            assert any(f"using {index}" in step for step in plan), plan
            assert not any("Sort" in step for step in plan), plan


def test_a_followed_update_is_the_tickets_view_whether_its_fixed_part_is_kept_or_not(app, fill, monkeypatch):
    """followed_update keeps each followed ticket's fixed part; the JSON is the view's,
    at any place, the first time and the next, and when the ticket itself changed."""
    line = fill(30)
    db = app.extensions["turnero.db"]
    monkeypatch.setattr(views, "_FIXED", {})
    with db.unit_of_work() as uow:
        session = uow.session
        branch = session.scalars(select(Branch).where(Branch.slug == "centro")).one()
        caja = session.scalars(select(Service).where(Service.branch_id == branch.id,
                                                     Service.slug == "caja")).one()
        setup = branch_setup.setup_for(session, branch.id, branch.setup_version, local_day(clock.utcnow(), branch.timezone))
        stats = setup.stats(branch_setup.waiting_counts(session, branch.id))
        service = {s.id: s for s in setup.services}[caja.id]
        known = places.KnownPlaces(KnownLines(), branch.moved_seq, branch_setup.waiting_counts(session, branch.id), [])
        rows = places.followed_in_lines(session, branch.id, [caja.id], [t["id"] for t in line[::3]], known)
        assert len(rows) == 10
        changed = [(row._replace(recalls=2, lang="en", late_moves=1, version=row.version + 1), ahead)
                   for row, ahead in rows]
        for row, ahead in rows + [(row, ahead + 7) for row, ahead in rows] + changed:
            expected = views.view_of(row, branch_slug="centro", service=service, counter=None, ahead=ahead,
                                     stats=stats[caja.id], public_url=db.public_url).to_json(token=False)
            got = views.followed_update(row, ahead, branch_slug="centro", service=service, stats=stats[caja.id])
            assert got == expected and list(got) == list(expected)
            assert got.json == json.dumps(expected, separators=(",", ":"))  # the text it leaves as
    assert len(views._FIXED) == 20  # each ticket's fixed part once, and once more after it changed


def test_notices_heard_together_are_merged_per_branch():
    early, late = ["2026-12-01T10:00:00+00:00", 5], ["2026-12-01T10:05:00+00:00", 9]
    left = [[2, late, -1]]
    got = followers.merged([
        {"branch": 1, "services": [2], "after": late, "tickets": ["a"], "seq": 4, "prev": 2, "shifts": left},
        {"branch": 7, "services": [], "after": None, "tickets": ["x"], "seq": 9, "prev": 8, "shifts": []},
        {"branch": 1, "services": [3], "after": early, "tickets": ["b", "a"], "seq": 5, "prev": 4, "shifts": None},
        {"branch": 7, "services": [8], "after": late, "tickets": [], "seq": 10, "prev": 9, "shifts": None},
        # a ticket only: no line moved
        {"branch": 1, "services": [], "after": None, "tickets": ["c"], "seq": 7, "prev": 5, "shifts": []},
    ])
    assert got == [{"branch": 1, "services": [2, 3], "after": early, "tickets": ["a", "b", "c"], "seq": 4, "prev": 2,
                    "shifts": left, "steps": [{"seq": 4, "prev": 2, "shifts": left},
                                              {"seq": 5, "prev": 4, "shifts": None},
                                              {"seq": 7, "prev": 5, "shifts": []}]},
                   {"branch": 7, "services": [8], "after": late, "tickets": ["x"], "seq": 9, "prev": 8, "shifts": [],
                    "steps": [{"seq": 9, "prev": 8, "shifts": []}, {"seq": 10, "prev": 9, "shifts": None}]}]
    whole = followers.merged([{"branch": 1, "services": [2], "after": late, "tickets": []},
                              {"branch": 1, "services": [2], "after": None, "tickets": []}])
    assert [{k: v for k, v in notice.items() if k != "steps"} for notice in whole] == \
        [{"branch": 1, "services": [2], "after": None, "tickets": []}]


def test_an_update_leaves_as_the_packet_python_socketio_would_send(app, sio, fill):
    """Followers' updates skip python-socketio's emit (its search of the payload for
    bytes): each recipient still gets, byte for byte, the packet that emit sends."""
    import socketio as python_socketio

    from turnero.extensions import socketio
    line = fill(2)
    follow(sio, [line[1]["token"]])
    manager = socketio.server.manager
    room = f"ticket:{line[1]['id']}"
    payload = {"id": line[1]["id"], "ahead": 1, "eta": {"low_min": 1, "high_min": 2}, "name": "Ñandú €"}
    sent = []
    real = socketio.server._send_eio_packet
    socketio.server._send_eio_packet = lambda eio_sid, pkt: sent.append((eio_sid, pkt.encode()))
    try:
        manager.emit_here("ticket.update", payload, room)
        python_socketio.Manager.emit(manager, "ticket.update", payload, "/", room=room)
        manager.emit_here("ticket.update", payload, "ticket:no-one-follows-it")
    finally:
        socketio.server._send_eio_packet = real
    assert len(sent) == 2 and sent[0] == sent[1]
    # A payload that carries its own text (a followed ticket's update) leaves as the same bytes.
    sent.clear()
    socketio.server._send_eio_packet = lambda eio_sid, pkt: sent.append((eio_sid, pkt.encode()))
    try:
        manager.emit_here("ticket.update", Encoded(json.dumps(payload, separators=(",", ":"))), room)
        python_socketio.Manager.emit(manager, "ticket.update", payload, "/", room=room)
    finally:
        socketio.server._send_eio_packet = real
    assert len(sent) == 2 and sent[0] == sent[1]
