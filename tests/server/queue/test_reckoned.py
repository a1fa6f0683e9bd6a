"""A wait is told as of the moment it is asked for: a turn taken a minute or more after
the branch's last change, while a counter's turn runs on, has every wait reckoned again
as of then; the new ticket, every follower, the pages, the lobby and a process reading
the setup afresh all show the same (SQLite and PostgreSQL)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from turnero.models import Branch, Service
from turnero.queue.rules import local_day
from turnero.queue.setup import read_setup, service_stats

API = "/api/v1"


def _branch(app) -> tuple[str, object]:
    """centro's setup version and the moment its waits were last reckoned again."""
    with app.extensions["turnero.db"].unit_of_work() as uow:
        row = uow.session.execute(select(Branch.setup_version, Branch.reckoned_at)
                                  .where(Branch.slug == "centro")).one()
        return row.setup_version, row.reckoned_at


def _updates(c) -> list[dict]:
    return [e["args"][0] for e in c.get_received() if e["name"] == "ticket.update"]


def _lobby_eta(client, service="caja") -> dict:
    body = client.get(f"{API}/branches/centro").get_json()
    return next(s["eta"] for s in body["services"] if s["id"] == service)


@pytest.fixture
def behind_a_turn(client, sio, take, kiosk, agent, open_counter):
    """`behind_a_turn()` -> (B, a follower of B with nothing received yet): v1 open and
    just called A, B the next caja turn, taken at that moment."""
    def _make():
        open_counter("v1")
        take("caja", headers=kiosk)
        assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).status_code == 200
        b = take("caja", headers=kiosk)
        follower = sio()
        assert follower.emit("subscribe", {"ticket": b["token"]}, callback=True)["ok"]
        follower.get_received()
        return b, follower
    return _make


def test_a_turn_taken_minutes_after_the_last_change_tells_every_door_the_waits_as_of_then(
        app, client, take, kiosk, behind_a_turn, clock):
    """v1 calls A at 12:00 (its turn about 5 minutes); B joins then, one ahead. At 12:04
    C joins: B's wait and C's are reckoned as of 12:04 (A's turn nearly over), lower
    than at 12:00; B's follower hears it, the pages and the lobby show it, and a setup
    read from the database (another process) is as of 12:04 too."""
    b, follower = behind_a_turn()
    version, reckoned = _branch(app)
    assert reckoned is None
    told_b = b["eta"]

    clock.now += timedelta(minutes=4)
    c = take("caja", headers=kiosk)
    page_b = client.get(f"{API}/tickets/{b['token']}").get_json()
    page_c = client.get(f"{API}/tickets/{c['token']}").get_json()
    # Four minutes of A's turn gone: B waits less than it was told at 12:00.
    assert page_b["eta"]["about_min"] < told_b["about_min"] and page_b["eta"]["high_min"] < told_b["high_min"]
    assert page_c["eta"] == c["eta"] and c["eta"]["about_min"] > page_b["eta"]["about_min"]
    (update,) = _updates(follower)
    assert update["eta"] == page_b["eta"] and update["ahead"] == 0
    new_version, reckoned = _branch(app)
    assert new_version != version and reckoned.replace(tzinfo=None) == clock.now.replace(tzinfo=None)
    # The lobby's wait for caja is the next ticket's: behind C, two ahead.
    assert _lobby_eta(client)["about_min"] >= c["eta"]["about_min"]

    # What another process reads from the database: the setup as of 12:04, the same waits.
    with app.extensions["turnero.db"].unit_of_work() as uow:
        branch = uow.session.scalar(select(Branch).where(Branch.slug == "centro"))
        day = local_day(clock.now, branch.timezone)
        setup = read_setup(uow.session, branch.id, day)
        caja = uow.session.scalar(select(Service.id).where(Service.branch_id == branch.id, Service.slug == "caja"))
        assert setup.as_of == clock.now
        uow.db.setups.clear()
        stats = service_stats(uow.session, branch, day)
    assert stats[caja].eta(0).as_dict() == page_b["eta"]
    assert stats[caja].eta(1).as_dict() == page_c["eta"]


def test_within_half_a_minute_of_the_last_reckoning_a_turn_moves_no_one_elses_wait(
        app, client, take, kiosk, behind_a_turn, clock):
    b, follower = behind_a_turn()
    clock.now += timedelta(minutes=2)
    take("caja", headers=kiosk)  # reckoned again: B hears its new wait
    assert len(_updates(follower)) == 1
    version, _ = _branch(app)
    shown = client.get(f"{API}/tickets/{b['token']}").get_json()["eta"]

    clock.now += timedelta(seconds=20)
    d = take("caja", headers=kiosk)
    assert _branch(app)[0] == version and _updates(follower) == []
    assert client.get(f"{API}/tickets/{b['token']}").get_json()["eta"] == shown
    # D is told its wait as of the last reckoning, as its page shows it.
    assert client.get(f"{API}/tickets/{d['token']}").get_json()["eta"] == d["eta"]


def test_with_every_counter_idle_a_later_turn_reckons_nothing_again(app, client, take, kiosk, open_counter, clock):
    """No turn or pause runs on: the waits do not age, and nothing is told again."""
    open_counter("v1")
    version, _ = _branch(app)
    clock.now += timedelta(minutes=10)
    take("plataforma", headers=kiosk)  # v1 serves caja alone: plataforma has no counter
    assert _branch(app) == (version, None)


def test_a_turn_placed_before_others_and_reckoned_again_moves_its_line_and_every_wait(
        app, client, take, kiosk, behind_a_turn, clock):
    """A priority turn taken minutes after the last change: placed before B (B's place
    moves by one) and every wait reckoned as of then, in one notice."""
    b, follower = behind_a_turn()
    clock.now += timedelta(minutes=3)
    p = take("caja", headers=kiosk, priority=True)
    assert p["ahead"] == 0 and _branch(app)[1].replace(tzinfo=None) == clock.now.replace(tzinfo=None)
    (update,) = _updates(follower)
    page_b = client.get(f"{API}/tickets/{b['token']}").get_json()
    assert update["ahead"] == page_b["ahead"] == 1 and update["eta"] == page_b["eta"]
    assert client.get(f"{API}/tickets/{p['token']}").get_json()["eta"] == p["eta"]


def test_a_turn_that_reckoned_the_waits_again_leaves_them_remembered_for_the_next(
        app, client, take, kiosk, behind_a_turn, clock, monkeypatch):
    """The setup as of the reckoning and the lines it counted are kept under the new
    setup version: the followers' refresh, the pages and the next ticket read neither
    again."""
    from turnero.queue import issuing
    from turnero.queue import setup as branch_setup
    b, follower = behind_a_turn()
    reads = {"read_setup": 0, "read_lines": 0}
    for name in reads:
        real = getattr(branch_setup, name)

        def counting(*args, _real=real, _name=name, **kwargs):
            reads[_name] += 1
            return _real(*args, **kwargs)
        monkeypatch.setattr(branch_setup, name, counting)
        if hasattr(issuing, name):
            monkeypatch.setattr(issuing, name, counting)
    clock.now += timedelta(minutes=3)
    take("caja", headers=kiosk)  # reckons again
    assert _updates(follower)  # its followers' refresh ran
    client.get(f"{API}/tickets/{b['token']}")
    client.get(f"{API}/branches/centro")
    assert take("caja", headers=kiosk)["ahead"] == 2
    assert reads == {"read_setup": 0, "read_lines": 0}


def test_twenty_turns_taken_at_once_minutes_after_a_call_are_each_told_the_wait_their_page_shows(
        app, client, take, kiosk, agent, open_counter, clock):
    """Twenty threads take a turn at the same moment, three minutes after v1's call:
    one of them reckons the waits again (under the branch's lock), the others find them
    reckoned; each was told the wait its page shows afterwards, as of that moment."""
    from test_concurrency import Overlap, run_threads, write

    from turnero.access.services import ANONYMOUS
    from turnero.queue import services as queue

    db = app.extensions["turnero.db"]
    open_counter("v1")
    take("caja", headers=kiosk)
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    version, _ = _branch(app)
    clock.now += timedelta(minutes=3)
    overlap = Overlap()

    def join(_n):
        taken = write(db, lambda uow: queue.take_ticket(uow, "centro", service="caja", actor=ANONYMOUS))
        return taken.ticket.token, taken.ticket.eta.as_dict(), taken.ticket.ahead
    told = run_threads(join, [(n,) for n in range(20)], overlap)
    assert overlap.most >= 2
    assert sorted(ahead for _token, _eta, ahead in told) == list(range(20))
    new_version, reckoned = _branch(app)
    assert new_version != version and reckoned.replace(tzinfo=None) == clock.now.replace(tzinfo=None)
    for token, eta, ahead in told:
        page = client.get(f"{API}/tickets/{token}").get_json()
        assert (page["ahead"], page["eta"]) == (ahead, eta)


def test_the_minute_job_counts_the_waits_down_while_a_turn_runs_on(
        app, client, sio, take, kiosk, agent, behind_a_turn, clock):
    """No one joins and no one is called: `turnero serve`'s minute round (close_due_days)
    tells every door the waits as of then, once they are half a minute old, while v1's
    turn runs on; an idle branch, or waits just reckoned, are left as they are."""
    from turnero.queue.day import close_due_days

    db = app.extensions["turnero.db"]
    b, follower = behind_a_turn()
    lobby = sio()
    assert lobby.emit("subscribe", {"branch": "centro"}, callback=True)["ok"]
    lobby.get_received()

    close_due_days(db, clock.now)  # nothing aged yet
    assert _updates(follower) == [] and _branch(app)[1] is None
    told = b["eta"]
    for minute in (1, 2, 3):
        clock.now += timedelta(minutes=1)
        close_due_days(db, clock.now)
        (update,) = _updates(follower)
        page = client.get(f"{API}/tickets/{b['token']}").get_json()
        assert update["eta"] == page["eta"] and update["ahead"] == page["ahead"] == 0
        assert _branch(app)[1].replace(tzinfo=None) == clock.now.replace(tzinfo=None)
    assert page["eta"]["about_min"] < told["about_min"]  # three minutes of the turn gone
    states = [e["args"][0] for e in lobby.get_received() if e["name"] == "branch.state"]
    assert len(states) == 3
    caja = next(s for s in states[-1]["services"] if s["id"] == "caja")
    assert caja["eta"] == _lobby_eta(client)

    close_due_days(db, clock.now)  # just reckoned: nothing again
    assert _updates(follower) == []

    # v1 calls B: its turn runs on, but no one waits whose wait could count down.
    client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    version = _branch(app)[0]
    clock.now += timedelta(minutes=5)
    close_due_days(db, clock.now)
    assert _branch(app)[0] == version
    # B served, v1 idle, and someone waits at a line no counter serves: nothing runs on.
    client.post(f"{API}/tickets/{b['id']}/done", headers=agent)
    take("plataforma", headers=kiosk)
    version = _branch(app)[0]
    clock.now += timedelta(minutes=5)
    close_due_days(db, clock.now)
    assert _branch(app)[0] == version
