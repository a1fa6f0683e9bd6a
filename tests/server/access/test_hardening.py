"""The smaller doors a public address opens: headers, cookies, /metrics, Socket.IO
subscriptions, the Flask debug server, log lines."""
import logging
import subprocess
import sys

import pytest
from conftest import ROOT
from flask_socketio import SocketIOTestClient
from web_staff_helpers import sign_in

from turnero.extensions import socketio
from turnero.queue.live import MAX_ROOMS

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE
def test_staff_pages_are_never_framed_nor_kept(client):
    sign_in(client, "admin")
    for path in ("/staff/", "/staff/centro/v1", "/admin/branches/centro", "/staff/appointments/centro"):
        r = client.get(path, follow_redirects=True)
        assert r.status_code == 200, path
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"], path
        assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Cache-Control"] == "no-store", path


@SQLITE
def test_a_tracking_page_is_kept_nowhere_on_the_way(client, take):
    ticket = take()
    assert client.get(f"/t/{ticket['token']}").headers["Cache-Control"] == "no-store"


@SQLITE
def test_metrics_answer_this_machine_or_their_token(app, client):
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    elsewhere = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics", environ_base=elsewhere).status_code == 404
    app.config["TURNERO"].METRICS_TOKEN = "m-3f8a"
    assert client.get("/metrics", environ_base=elsewhere, headers={"Authorization": "Bearer nope"}).status_code == 404
    r = client.get("/metrics", environ_base=elsewhere, headers={"Authorization": "Bearer m-3f8a"})
    assert r.status_code == 200 and "turnero_tickets_issued_total" in r.get_data(as_text=True)


def test_cookies_over_https_are_secure(sqlite_url, tmp_path):
    from turnero import create_app
    app = create_app(environ={"TURNERO_DATABASE_URL": sqlite_url, "TURNERO_SECRET_KEY": "test-secret",
                              "TURNERO_PUBLIC_URL": "https://turnos.example.org", "TURNERO_ASYNC_MODE": "threading",
                              "TURNERO_INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    r = app.test_client().get("/b/centro/join?lang=en", base_url="https://turnos.example.org")
    assert "; Secure" in r.headers["Set-Cookie"]
    app.extensions["turnero.db"].dispose()


@SQLITE
def test_one_connection_follows_a_bounded_number_of_rooms(app, client, take, kiosk):
    tokens = [take(headers=kiosk)["token"] for _ in range(MAX_ROOMS + 1)]
    sio = SocketIOTestClient(app, socketio, flask_test_client=client)
    answers = [sio.emit("subscribe", {"ticket": token}, callback=True)["ok"] for token in tokens]
    assert answers == [True] * MAX_ROOMS + [False]
    assert sio.emit("unsubscribe", {"ticket": tokens[0]}, callback=True)["ok"]
    assert sio.emit("subscribe", {"ticket": tokens[-1]}, callback=True)["ok"]  # room again after leaving one
    sio.disconnect()


def test_flask_s_debug_server_is_not_a_turnero_command():
    out = subprocess.run([sys.executable, "-m", "turnero.entry", "--help"], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    commands = {line.split()[0] for line in out.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert "run" not in commands and {"serve", "shell", "routes", "demo"} <= commands


@SQLITE
def test_the_console_backend_logs_no_message_body(app, take, caplog, runner):
    caplog.set_level(logging.INFO, logger="turnero.messaging.backends")
    ticket = take(phone="55 1234 5678")
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert lines and not any(ticket["token"] in line or "1234 5678" in line or "12345678" in line
                             for line in lines), lines
