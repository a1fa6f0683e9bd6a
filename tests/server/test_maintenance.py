"""Keeping a server well: a SQLite backup taken while tickets are being issued holds
every ticket issued before it and restores to exactly that; `turnero check` reports
what a monitor watches; a server without its front-end files refuses to start."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from conftest import DEMO_PASSWORD, make_app
from turnero import maintenance
from turnero.migrate import upgrade
from turnero.models import Ticket

API = "/api/v1"


@pytest.fixture
def own_sqlite(tmp_path):
    """An app on a SQLite file of its own, with the demo data."""
    app = make_app(f"sqlite:///{tmp_path}/own.db", tmp_path, JOIN_RATE_LIMIT="100000 per minute")
    upgrade(app.extensions["turnero.db"].engine)
    assert app.test_cli_runner().invoke(args=["demo", "--password", DEMO_PASSWORD]).exit_code == 0
    yield app
    app.extensions["turnero.db"].dispose()


def count(app) -> int:
    with app.extensions["turnero.db"].unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Ticket))


def take(app, n: int) -> list[str]:
    client = app.test_client()
    codes = []
    for _ in range(n):
        r = client.post(f"{API}/branches/centro/tickets", json={"service": "caja"})
        assert r.status_code == 201, r.get_json()
        codes.append(r.get_json()["code"])
    return codes


def test_a_backup_taken_while_serving_restores_every_ticket_it_saw(own_sqlite, tmp_path, clock):
    app, runner = own_sqlite, own_sqlite.test_cli_runner()
    before = take(app, 20)
    writer = threading.Thread(target=take, args=(app, 30))
    writer.start()  # the backup runs while another thread issues tickets
    result = runner.invoke(args=["backup", str(tmp_path / "copy.db")])
    writer.join()
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output
    in_backup = maintenance.sqlite3.connect(tmp_path / "copy.db").execute("SELECT count(*) FROM tickets").fetchone()[0]
    assert 20 <= in_backup <= 50 and count(app) == 50
    take(app, 5)
    result = runner.invoke(args=["restore", str(tmp_path / "copy.db"), "--yes"])
    assert result.exit_code == 0, result.output
    assert count(app) == in_backup
    with app.extensions["turnero.db"].unit_of_work() as uow:
        codes = set(uow.session.scalars(select(Ticket.code)))
    assert set(before) <= codes  # every ticket issued before the backup began
    # The restored server goes on issuing without reusing a code.
    assert take(app, 1)[0] not in codes


def test_a_damaged_backup_is_refused_and_changes_nothing(own_sqlite, tmp_path, clock):
    take(own_sqlite, 3)
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    result = own_sqlite.test_cli_runner().invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code != 0
    assert count(own_sqlite) == 3


def test_backup_is_for_sqlite_and_says_what_to_use_on_postgresql(pg_url, tmp_path):
    app = make_app(pg_url, tmp_path)
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.db")])
    assert result.exit_code != 0 and "pg_dump" in result.output
    app.extensions["turnero.db"].dispose()


def test_check_reports_what_a_monitor_watches(own_sqlite, tmp_path):
    result = own_sqlite.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    for what in ("database", "migrations", "redis", "outbox", "front-end files"):
        assert f"ok   {what}:" in result.output
    empty = tmp_path / "static"
    empty.mkdir()
    findings = {f.what: f for f in maintenance.check(own_sqlite.extensions["turnero.db"].engine,
                                                      "redis://127.0.0.1:1/0", static=empty)}
    assert not findings["redis"].ok and not findings["front-end files"].ok
    assert "socket.io.min.js" in findings["front-end files"].detail


def test_serve_refuses_to_start_without_the_front_end_files(own_sqlite, monkeypatch, tmp_path):
    monkeypatch.setattr(maintenance, "STATIC", tmp_path)
    monkeypatch.setattr(maintenance.missing_frontend, "__defaults__", (tmp_path,))
    result = own_sqlite.test_cli_runner().invoke(args=["serve", "--port", "1"])
    assert result.exit_code != 0 and "front-end files are missing" in result.output


def test_the_full_health_check_tells_the_monitor_every_part_and_a_stranger_nothing_more(own_sqlite, monkeypatch,
                                                                                       tmp_path):
    from turnero.messaging.outbox import enqueue
    cfg = own_sqlite.config["TURNERO"]
    cfg.METRICS_TOKEN = "monitor-token"
    cfg.REDIS_URL = "redis://:redis-secret@127.0.0.1:1/0"  # configured, and down
    with own_sqlite.extensions["turnero.db"].unit_of_work(write=True) as uow:
        enqueue(uow.session, phone="+525512345678", body="Su turno A001: http://x/t/secret-token", kind="issued")
        uow.commit()
    client = own_sqlite.test_client()

    r = client.get("/healthz?full=1")  # from this machine
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "degraded"  # Redis is watched, not required: each process serves its own clients
    assert body["database"]["ok"] and body["database"]["latency_ms"] >= 0
    assert body["migrations"]["ok"] and body["migrations"]["current"] == body["migrations"]["head"]
    assert body["redis"] == {"ok": False, "configured": True, "error": "ConnectionError"}
    assert body["outbox"]["ok"] and body["outbox"]["queued"] == 1 and body["outbox"]["oldest_unsent_s"] >= 0
    assert body["front_end_files"] == {"ok": True, "missing": []}
    text = r.get_data(as_text=True)
    for secret in ("redis-secret", "5512345678", "secret-token", "sqlite", str(tmp_path), "monitor-token"):
        assert secret not in text

    stranger = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/healthz?full=1", environ_base=stranger).get_json() == {"status": "ok"}
    # Through an nginx the server was not told about (no TURNERO_PROXY_HOPS): nginx's
    # address is this machine's, but the request is a stranger's.
    via_proxy = {"X-Forwarded-For": "203.0.113.9"}
    assert client.get("/healthz?full=1", headers=via_proxy).get_json() == {"status": "ok"}
    assert client.get("/metrics", headers=via_proxy).status_code in (401, 403, 404)
    with_token = client.get("/healthz?full=1", environ_base=stranger, headers={"Authorization": "Bearer monitor-token"})
    assert with_token.get_json()["status"] == "degraded"

    # A required part wrong: 503, and the short answer stays what it was.
    monkeypatch.setattr(maintenance, "STATIC", tmp_path)
    r = client.get("/healthz?full=1")
    assert r.status_code == 503 and r.get_json()["status"] == "down"
    assert "vendor/socket.io/socket.io.min.js" in r.get_json()["front_end_files"]["missing"]
    assert client.get("/healthz").get_json() == {"status": "ok"}
