"""Several `turnero serve` processes on one database run the background jobs once: in
the process that holds the jobs' lock (a PostgreSQL advisory lock; a file lock next to
a SQLite database). When the leader goes (its process or its connection dies), another
takes over. Each Leadership below has its own database session, as a process has."""
import gevent
import pytest
from sqlalchemy import create_engine, text

from turnero.leader import Leadership
from turnero.queue import day

from conftest import make_app, wait_until

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(pg_url):
    engine = create_engine(pg_url)
    yield engine
    engine.dispose()


def end_session(engine, leadership: Leadership) -> None:
    """What a dead process, or PostgreSQL dropping its connection, does to the lock."""
    pid = leadership._conn.execute(text("SELECT pg_backend_pid()")).scalar()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()

    def gone() -> bool:  # its backend lets go of its locks as it exits, a moment later
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                {"pid": pid}).scalar() == 0
    assert wait_until(gone, 30)


def test_one_process_leads_and_another_takes_over_when_its_session_ends(engine):
    first, second = Leadership(engine, look_s=0), Leadership(engine, look_s=0)
    try:
        assert first.leads() and not second.leads()
        assert first.leads() and not second.leads()  # looking again changes nothing
        end_session(engine, first)
        assert not first.leads()  # it sees its lock gone...
        assert second.leads() and not first.leads()  # ...and the other one has it
        second.release()
        assert first.leads() and not second.leads()
    finally:
        first.release()
        second.release()


def test_a_leader_keeps_its_answer_between_looks(engine):
    now = [0.0]
    first = Leadership(engine, look_s=5, clock=lambda: now[0])
    second = Leadership(engine, look_s=5, clock=lambda: now[0])
    try:
        assert first.leads() and not second.leads()
        first.release()
        assert not second.leads()  # it looked less than 5 s ago
        now[0] = 5.0
        assert second.leads()
    finally:
        first.release()
        second.release()


def test_a_sqlite_database_is_led_by_the_process_holding_the_file_lock(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/turnero.db")
    first, second = Leadership(engine, look_s=0), Leadership(engine, look_s=0)
    try:
        assert first.leads() and not second.leads()
        first.release()
        assert second.leads() and not first.leads()
    finally:
        first.release()
        second.release()
        engine.dispose()


def test_two_servers_on_one_database_close_the_days_in_one_of_them(pg_url, tmp_path, monkeypatch):
    """Both servers start the end-of-day job (as `turnero serve` does); only the
    leader's rounds reach the database. When the leader's process dies, the other's do."""
    apps = [make_app(pg_url, tmp_path / name) for name in ("one", "two")]
    dbs = [app.extensions["turnero.db"] for app in apps]
    rounds = {id(db): 0 for db in dbs}

    def counted(db, now, since):
        rounds[id(db)] += 1
        return {}
    monkeypatch.setattr(day, "close_due_days", counted)
    leaderships = [Leadership(db.engine, look_s=0) for db in dbs]
    jobs = [day.start_in_serve(app, every_s=0.01, leads=lead.leads) for app, lead in zip(apps, leaderships)]
    try:
        while sum(rounds.values()) < 10:
            gevent.sleep(0.01)
        first = 0 if rounds[id(dbs[0])] else 1
        other = 1 - first
        assert rounds[id(dbs[other])] == 0, rounds
        # The leader's process dies: its job stops and its session ends.
        gevent.kill(jobs[first])
        end_session(dbs[other].engine, leaderships[first])
        while rounds[id(dbs[other])] < 10:
            gevent.sleep(0.01)
    finally:
        gevent.killall(jobs)
        for lead in leaderships:
            lead.release()
        for db in dbs:
            db.dispose()


def test_without_a_lock_file_to_be_had_the_process_runs_the_jobs_as_one_process_does(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/missing-folder/turnero.db")
    leadership = Leadership(engine, look_s=0)
    try:
        assert leadership.leads()
    finally:
        leadership.release()
        engine.dispose()
