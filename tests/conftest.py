"""Fixtures: an app per test on real SQLite and real PostgreSQL, with the demo data.

PostgreSQL (127.0.0.1:5432, database `test`) and Redis (127.0.0.1:6379) must be
running: a missing service is an error, never a skip.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from turnero import create_app
from turnero.migrate import upgrade
from turnero.models import Base

PG_ADMIN_URL = os.environ.get("TURNERO_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TURNERO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DEMO_PASSWORD = "demo-pass-123"
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def _pg_database(url: str, name: str, create: bool) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if create:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            else:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


@contextmanager
def own_pg_database(prefix: str):
    """A new, empty database on the machine's PostgreSQL (its URL), dropped at the end:
    for processes a test starts on a database of their own."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        _pg_database(PG_ADMIN_URL, name, create=True)
    except Exception as exc:  # never skip: the run must say the service is missing
        pytest.fail(f"PostgreSQL is required at {PG_ADMIN_URL}: {exc}", pytrace=False)
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        _pg_database(PG_ADMIN_URL, name, create=False)


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this test run, migrated; dropped at the end."""
    name = f"turnero_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        _pg_database(PG_ADMIN_URL, name, create=True)
    except Exception as exc:  # never skip: the run must say the service is missing
        pytest.fail(f"PostgreSQL is required at {PG_ADMIN_URL}: {exc}", pytrace=False)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    _pg_database(PG_ADMIN_URL, name, create=False)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite") / "turnero.db"
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def pytest_collection_modifyitems(items):
    """A test on a shared live server is a live test, whatever its module says (the
    second pass of scripts/test, on PostgreSQL, takes `-m live`)."""
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.live)


QT_TESTS = Path(__file__).parent / "qt"


@pytest.fixture(autouse=True)
def _qt_application(request):
    """Every Qt test runs with pytest-qt's QApplication, even one that asks for no
    fixture: a QTimer started before any application exists has no event dispatcher
    and warns, which fails the test (qt_log_level_fail)."""
    if QT_TESTS in request.path.parents:
        request.getfixturevalue("qapp")


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Real argon2 with light parameters in this process: the same code paths without
    half a second of a shared CI core per hash (production keeps the defaults)."""
    from argon2 import PasswordHasher

    from turnero.access import services as access
    monkeypatch.setattr(access, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request):
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def wipe(engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:  # the audit log's append-only triggers stand aside while the test data goes
            triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
            for name, _sql in triggers:
                conn.execute(text(f"DROP TRIGGER {name}"))
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
            for _name, sql in triggers:
                conn.execute(text(sql))


def make_app(db_url: str, tmp_path, **overrides):
    env = {"TURNERO_DATABASE_URL": db_url, "TURNERO_SECRET_KEY": "test-secret",
           "TURNERO_PUBLIC_URL": "http://turnero.test", "TURNERO_ASYNC_MODE": "threading"}
    os.environ["TURNERO_INSTANCE_PATH"] = str(tmp_path / "instance")
    app = create_app(overrides=overrides, environ=env)
    app.config["TESTING"] = True
    return app


def demo_app(db_url: str, tmp_path, **overrides):
    """An app on this database, emptied and loaded with the demo data (staff password
    DEMO_PASSWORD); dispose of its database when done."""
    app = make_app(db_url, tmp_path, **overrides)
    db = app.extensions["turnero.db"]
    wipe(db.engine)
    from turnero.cli import load_demo
    with db.unit_of_work(write=True) as uow:
        load_demo(uow.session, DEMO_PASSWORD)
        uow.commit()
    return app


@pytest.fixture
def app(db_url, tmp_path):
    app = demo_app(db_url, tmp_path)
    yield app
    app.extensions["turnero.db"].dispose()


class Clock:
    """The server's one clock (`turnero.clock.utcnow`), held still by a test and moved
    by setting `now`."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The server's clock, stopped at 2031-02-28 18:00 UTC: a Friday, three days before
    the Monday the appointment tests book on."""
    c = Clock(datetime(2031, 2, 28, 18, tzinfo=timezone.utc))
    monkeypatch.setattr("turnero.clock.utcnow", c)
    return c


def problem(r, status: int) -> dict:
    """A problem+json answer with this status, its body."""
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/problem+json"
    body = r.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    def _login(username="agente", password=DEMO_PASSWORD):
        r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert r.status_code == 200, r.get_json()
        return {"Authorization": f"Bearer {r.get_json()['token']}"}
    return _login


@pytest.fixture
def agent(login):
    return login("agente")


@pytest.fixture
def admin(login):
    return login("admin")


@pytest.fixture
def device(runner):
    """`device("kiosk"|"display", branch="centro")` -> Bearer headers of a new device."""
    def _device(kind: str = "kiosk", branch: str = "centro") -> dict:
        result = runner.invoke(args=["device", "add", "--branch", branch, "--kind", kind])
        assert result.exit_code == 0, result.output
        return {"Authorization": f"Bearer {result.output.split()[-1]}"}
    return _device


@pytest.fixture
def kiosk(device):
    """Bearer headers of a kiosk of centro."""
    return device("kiosk")


@pytest.fixture
def sio(app, client):
    """`sio()` -> a connected Flask-SocketIO test client (disconnected at the end)."""
    from turnero.extensions import socketio
    clients = []

    def _connect():
        c = socketio.test_client(app, flask_test_client=client)
        assert c.is_connected()
        clients.append(c)
        return c
    yield _connect
    for c in clients:
        if c.is_connected():
            c.disconnect()


@pytest.fixture
def open_counter(client, agent):
    def _open(counter="v1", branch="centro", headers=None):
        r = client.post(f"/api/v1/branches/{branch}/counters/{counter}/open", headers=headers or agent)
        assert r.status_code == 200, r.get_json()
    return _open


@pytest.fixture
def plan_counter(app):
    """`plan_counter(counter, hours, branch="centro")`: an admin sets a counter's planned
    hours ("09:00-13:00, 14:00-18:00"; "" none), as its admin page does."""
    from sqlalchemy import select

    from turnero.access.services import actor_for_user
    from turnero.admin.services import get_counter, update_counter
    from turnero.models import User

    def _plan(counter: str, hours: str, branch: str = "centro") -> None:
        with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
            admin = actor_for_user(uow.session.scalar(select(User).where(User.username == "admin")))
            view = get_counter(uow, admin, branch, counter)
            update_counter(uow, admin, branch, counter, name=view["name"], services=view["services"],
                           planned_hours=hours)
    return _plan


@pytest.fixture
def take(client):
    def _take(service="caja", branch="centro", headers=None, **body):
        r = client.post(f"/api/v1/branches/{branch}/tickets", json={"service": service, **body},
                        headers=headers or {})
        assert r.status_code == 201, r.get_json()
        return r.get_json()
    return _take


# ---------------------------------------------------------------- live servers

# How long a server process started by a test may take to answer /healthz.
SERVER_START_S = 120


def wait_until(condition, timeout_s: float, every_s: float = 0.1) -> bool:
    """Ask `condition()` until it holds (True) or `timeout_s` passed (False): for what a
    test cannot be told about, like a background worker having sent a message."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(every_s)
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen, wait_s: float) -> int:
    """SIGTERM, then SIGKILL if it has not ended within `wait_s`; its exit status."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


class LiveServer:
    """`turnero serve` in its own process (gevent, as in production)."""

    def __init__(self, db_url: str, instance: Path, redis_url: str | None = None, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "TURNERO_DATABASE_URL": db_url, "TURNERO_INSTANCE_PATH": str(instance),
                    "TURNERO_SECRET_KEY": "live-secret", "TURNERO_PUBLIC_URL": self.url, "TURNERO_DEV_PHONE": "1",
                    "TURNERO_PUSH_ALLOW_LOCAL": "1"}  # Web Push to a receiver on 127.0.0.1 (test_push*.py)
        self.env.pop("TURNERO_ASYNC_MODE", None)
        if redis_url:
            self.env["TURNERO_REDIS_URL"] = redis_url
            self.env["TURNERO_SOCKETIO_CHANNEL"] = f"turnero-test-{os.getpid()}"
        self.log = instance / f"server-{self.port}.log"
        self.proc = None
        self._tokens: dict[str, dict] = {}

    def cli(self, *args) -> str:
        out = subprocess.run([sys.executable, "-m", "turnero.entry", *args], env=self.env, check=True,
                             capture_output=True, text=True, cwd=ROOT)
        return out.stdout

    def start(self):
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._logfile = open(self.log, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "turnero.entry", "serve", "--port", str(self.port)],
                                     env=self.env, stdout=self._logfile, stderr=subprocess.STDOUT, cwd=ROOT)
        # A liveness bound, not a speed check: a slow machine with both cores busy took
        # more than 30 s to import and start a server.
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def staff(self, username: str = "admin") -> dict:
        """Bearer headers of a demo staff member (demo data loaded with DEMO_PASSWORD),
        logged in once per server: logins are rate-limited per address."""
        if username not in self._tokens:
            r = requests.post(f"{self.url}/api/v1/auth/token", timeout=10,
                              json={"username": username, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            self._tokens[username] = {"Authorization": f"Bearer {r.json()['token']}"}
        return self._tokens[username]

    def reset(self, branch: str = "centro") -> None:
        """The branch as a test expects to find it on a server other tests used too:
        no one waiting, called or being served today, every counter closed."""
        api, staff = f"{self.url}/api/v1", self.staff()
        for t in requests.get(f"{api}/branches/{branch}/tickets", headers=staff, timeout=10).json():
            if t["status"] in ("waiting", "called"):
                requests.post(f"{api}/tickets/{t['token']}/cancel", headers=staff, timeout=10).raise_for_status()
            elif t["status"] == "serving":
                requests.post(f"{api}/tickets/{t['id']}/done", headers=staff, timeout=10).raise_for_status()
        for c in requests.get(f"{api}/branches/{branch}", timeout=10).json()["counters"]:
            if c["state"] != "closed":
                requests.post(f"{api}/branches/{branch}/counters/{c['id']}/close", headers=staff,
                              timeout=10).raise_for_status()

    def stop(self):
        if self.proc:
            stop_process(self.proc, 10)
        if getattr(self, "_logfile", None):
            self._logfile.close()


@pytest.fixture
def live_server_factory(tmp_path):
    servers = []

    def _make(db_url: str, redis_url: str | None = None) -> LiveServer:
        server = LiveServer(db_url, tmp_path / "instance", redis_url)
        servers.append(server)
        return server

    yield _make
    for server in servers:
        server.stop()


# The database of the shared live servers: `sqlite` (a file each), or `postgresql` (a
# database each), as scripts/test runs the live tests a second time: production runs there.
LIVE_DB = os.environ.get("TURNERO_TEST_LIVE_DB", "sqlite")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A `turnero serve` process (gevent) with the demo data on a database of its own
    (TURNERO_TEST_LIVE_DB), shared by the tests of one module (see `live`)."""
    if LIVE_DB not in ("sqlite", "postgresql"):
        pytest.fail(f"TURNERO_TEST_LIVE_DB must be sqlite or postgresql, not {LIVE_DB!r}", pytrace=False)
    instance = tmp_path_factory.mktemp("live")
    pg_name = f"turnero_live_{os.getpid()}_{secrets.token_hex(3)}" if LIVE_DB == "postgresql" else None
    if pg_name:
        try:
            _pg_database(PG_ADMIN_URL, pg_name, create=True)
        except Exception as exc:  # never skip: the run must say the service is missing
            pytest.fail(f"PostgreSQL is required at {PG_ADMIN_URL}: {exc}", pytrace=False)
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + pg_name
    else:
        url = f"sqlite:///{instance}/live.db"
    server = LiveServer(url, instance)
    # Every test of a module is one client address to this server, so its budgets per
    # address and per phone are wide; the limits are proven on servers of their own
    # (tests/server/access/test_abuse.py, the flood in tests/server/queue/test_live.py).
    server.env.update({f"TURNERO_{name}_RATE_LIMIT": "10000 per minute"
                       for name in ("JOIN", "JOIN_PHONE", "CHECKIN", "BOOKING", "PHONE_CHANGE")})
    try:
        server.cli("db", "upgrade")
        server.cli("demo", "--password", DEMO_PASSWORD)
        server.password = DEMO_PASSWORD
        server.start()
        yield server
    finally:
        server.stop()
        if pg_name:
            _pg_database(PG_ADMIN_URL, pg_name, create=False)


@pytest.fixture
def live(live_server):
    """The module's live server, with `centro` as every test expects it: no one in
    line today and every counter closed, whatever tests ran on it before (in any
    order). `live.url`, `live.password`, `live.cli(...)`, `live.staff()`."""
    live_server.reset("centro")
    return live_server


# ---------------------------------------------------------------- browsers (Playwright + Debian's Chromium)

CHROMIUM = os.environ.get("TURNERO_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}  # the narrowest phones, and WCAG's reflow width
DESKTOP = {"width": 1366, "height": 900}
TV = {"width": 1920, "height": 1080}


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is required at {CHROMIUM} (scripts/test installs Debian's chromium)", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """`new_page(viewport=PHONE, locale="es-MX")` -> a page in a fresh browser context."""
    contexts = []

    def _new(viewport=None, locale="es-MX", **kwargs):
        ctx = browser.new_context(viewport=viewport or DESKTOP, locale=locale, **kwargs)
        contexts.append(ctx)
        return ctx.new_page()
    yield _new
    for ctx in contexts:
        ctx.close()


def screenshot(page, name: str) -> Path:
    """Save a screenshot under test-artifacts/screenshots/ (looked at by people)."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
