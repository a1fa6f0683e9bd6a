"""Who may do what (issue 14, "Safe on the open internet"): every REST operation and
every page, for each kind of caller, in one table.

The routes come from the app's url_map: a route added later without a row here fails
`test_every_route_has_a_row`, which names it. Each row says what the server answers
each actor today:

    OK      2xx, or a 3xx other than to the login page: allowed, and it happened
    LOGIN   302 to /staff/login?next=...: a staff page without a signed-in session
    401     the API wants credentials        403   forbidden
    404, 409, 422...  the use case's own answer, given after the permission check

Path values are real: the demo's branch `centro`, counter `v1`, service `caja`, and for
each request an object made just for it in the state the action needs (a called
ticket, a booked appointment at a moment its check-in or no-show is possible, a user,
a device, a closure), so that each answer comes from the permission code, not from a
404 for something unknown. The API is called with the actor's Bearer token (a device's
token for kiosks and displays); pages with a browser session signed in at
/staff/login, posting the CSRF token of that session. The Twilio webhooks are signed
instead: without a valid signature every actor gets 403.

Permissions do not depend on the database engine: SQLite only, to keep it fast.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote, urlsplit

import pytest
from conftest import DEMO_PASSWORD, Clock
from sqlalchemy import select
from twilio_helpers import post_signed, webhook_token
from web_staff_helpers import csrf_of, make_user, sign_in

from turnero.access.devices import new_pairing_code
from turnero.access.services import SYSTEM
from push_helpers import Browser
from turnero.admin import services as admin
from turnero.admin.users import add_device
from turnero.messaging.settings import settings
from turnero.models import Branch, User

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

ACTORS = ("anonymous", "kiosk", "display", "agent", "other_agent", "manager", "admin")
OK, LOGIN = "OK", "LOGIN"

# Rows that follow one pattern (columns in the order of ACTORS).
PUBLIC = (OK, OK, OK, OK, OK, OK, OK)
STAFF = (401, 403, 403, OK, 403, OK, OK)              # staff of the branch, via the API
MANAGERS = (401, 403, 403, 403, 403, OK, OK)          # managers of the branch and admins, via the API
STAFF_PAGE = (LOGIN, LOGIN, LOGIN, OK, 403, OK, OK)   # a signed-in staff member of the branch
ANY_STAFF_PAGE = (LOGIN, LOGIN, LOGIN, OK, OK, OK, OK)
MANAGER_PAGE = (LOGIN, LOGIN, LOGIN, 403, 403, OK, OK)
ADMIN_PAGE = (LOGIN, LOGIN, LOGIN, 403, 403, 403, OK)
TWILIO = (403,) * 7                                    # no valid X-Twilio-Signature
NOT_SERVED = (404,) * 7

TABLE: dict[tuple[str, str], tuple] = {
    # ---- REST: anyone (a ticket's or an appointment's token is its holder's key)
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("GET", "/api/v1/branches"): PUBLIC,
    ("GET", "/api/v1/branches/<branch>"): PUBLIC,
    # Staff take turns (with a channel, priority) at their own branch only.
    ("POST", "/api/v1/branches/<branch>/tickets"): (OK, OK, 403, OK, 403, OK, OK),
    ("GET", "/api/v1/tickets/<token>"): PUBLIC,
    ("GET", "/api/v1/tickets/<token>/qr.svg"): PUBLIC,
    ("POST", "/api/v1/tickets/<token>/cancel"): (OK, OK, OK, OK, 403, OK, OK),
    ("POST", "/api/v1/tickets/<token>/let-pass"): (OK, OK, OK, OK, 403, OK, OK),
    ("POST", "/api/v1/tickets/<token>/arrived"): (OK, OK, OK, OK, 403, OK, OK),
    ("POST", "/api/v1/tickets/<token>/feedback"): PUBLIC,
    ("GET", "/api/v1/push/key"): PUBLIC,
    ("POST", "/api/v1/tickets/<token>/push"): PUBLIC,
    ("DELETE", "/api/v1/tickets/<token>/push"): PUBLIC,
    ("GET", "/t/<token>/manifest.webmanifest"): PUBLIC,
    ("GET", "/t/sw.js"): PUBLIC,
    ("POST", "/api/v1/tickets/<token>/phone"): (OK, OK, OK, OK, 403, OK, OK),
    ("POST", "/api/v1/tickets/<token>/notify-by"): (OK, OK, OK, OK, 403, OK, OK),
    ("GET", "/api/v1/branches/<branch>/slots"): PUBLIC,
    # A display only shows; staff book at their own branch (a customer books without a token).
    ("POST", "/api/v1/branches/<branch>/appointments"): (OK, OK, 403, OK, 403, OK, OK),
    ("GET", "/api/v1/appointments/<token>"): PUBLIC,
    ("GET", "/api/v1/appointments/<token>/calendar.ics"): PUBLIC,
    ("POST", "/api/v1/appointments/<token>/cancel"): (OK, OK, OK, OK, 403, OK, OK),
    ("POST", "/api/v1/appointments/<token>/reschedule"): (OK, OK, OK, OK, 403, OK, OK),
    # By phone: a kiosk of the branch or its staff only (CONTRACT.md).
    ("POST", "/api/v1/branches/<branch>/check-in"): (401, OK, 403, OK, 403, OK, OK),
    ("GET", "/api/v1/device"): (401, OK, OK, 403, 403, 403, 403),
    # A pairing code is the key: whoever holds one gets its device token.
    ("POST", "/api/v1/devices/pair"): PUBLIC,
    # ---- REST: staff of the branch
    ("POST", "/api/v1/branches/<branch>/counters/<counter>/open"): STAFF,
    ("POST", "/api/v1/branches/<branch>/counters/<counter>/pause"): STAFF,
    ("POST", "/api/v1/branches/<branch>/counters/<counter>/close"): STAFF,
    ("POST", "/api/v1/branches/<branch>/counters/<counter>/call-next"): STAFF,
    ("POST", "/api/v1/branches/<branch>/counters/<counter>/call"): STAFF,
    ("GET", "/api/v1/branches/<branch>/counters"): STAFF,
    # Stopping new turns to a line, or to the whole branch: its managers.
    ("POST", "/api/v1/branches/<branch>/services/<service>/joining"): MANAGERS,
    ("POST", "/api/v1/branches/<branch>/joining"): MANAGERS,
    ("GET", "/api/v1/branches/<branch>/tickets"): STAFF,
    ("POST", "/api/v1/tickets/<ticket_id>/recall"): STAFF,
    ("POST", "/api/v1/tickets/<ticket_id>/start"): STAFF,
    ("POST", "/api/v1/tickets/<ticket_id>/done"): STAFF,
    ("POST", "/api/v1/tickets/<ticket_id>/priority"): STAFF,
    ("POST", "/api/v1/tickets/<ticket_id>/no-show"): STAFF,
    ("POST", "/api/v1/tickets/<ticket_id>/requeue"): STAFF,
    ("POST", "/api/v1/tickets/<ticket_id>/transfer"): STAFF,
    # Staff of the branch get past the permission check; only who finished it, seconds ago, may
    # undo it (queue/test_undo.py): the called ticket made here has nothing to undo.
    ("POST", "/api/v1/tickets/<ticket_id>/undo"): (401, 403, 403, 409, 403, 409, 409),
    ("GET", "/api/v1/branches/<branch>/no-shows"): STAFF,
    ("GET", "/api/v1/tickets/<ticket_id>/events"): STAFF,
    ("GET", "/api/v1/tickets/<ticket_id>/messages"): STAFF,
    ("GET", "/api/v1/branches/<branch>/appointments"): STAFF,
    ("POST", "/api/v1/appointments/<appointment_id>/no-show"): STAFF,
    ("GET", "/api/v1/branches/<branch>/appointment-settings"): STAFF,
    # ---- REST: managers of the branch
    ("PUT", "/api/v1/branches/<branch>/opening-hours"): MANAGERS,
    ("PUT", "/api/v1/branches/<branch>/check-in-window"): MANAGERS,
    ("POST", "/api/v1/branches/<branch>/closures"): MANAGERS,
    ("DELETE", "/api/v1/branches/<branch>/closures/<int:closure_id>"): MANAGERS,
    # ---- one customer (staff of a branch they visited: others hear "no such customer")
    ("GET", "/api/v1/customers"): (401, 403, 403, OK, OK, OK, OK),
    ("GET", "/api/v1/customers/<int:customer_id>"): (401, 403, 403, OK, 404, OK, OK),
    ("PUT", "/api/v1/customers/<int:customer_id>/note"): (401, 403, 403, OK, 404, OK, OK),
    ("PUT", "/api/v1/customers/<int:customer_id>/channel"): (401, 403, 403, OK, 404, OK, OK),
    # ---- webhooks (administrators)
    ("POST", "/api/v1/branches/<branch>/webhooks"): (401, 403, 403, 403, 403, 403, OK),
    ("GET", "/api/v1/branches/<branch>/webhooks"): (401, 403, 403, 403, 403, 403, OK),
    ("DELETE", "/api/v1/webhooks/<int:endpoint_id>"): (401, 403, 403, 403, 403, 403, OK),
    ("GET", "/api/v1/webhooks/<int:endpoint_id>/deliveries"): (401, 403, 403, 403, 403, 403, OK),
    ("GET", "/admin/branches/<slug>/webhooks"): ADMIN_PAGE,
    ("POST", "/admin/branches/<slug>/webhooks"): ADMIN_PAGE,
    ("POST", "/admin/branches/<slug>/webhooks/<int:endpoint_id>/delete"): ADMIN_PAGE,
    # ---- the manager's figures
    ("GET", "/api/v1/branches/<branch>/stats"): MANAGERS,
    ("GET", "/api/v1/branches/<branch>/stats.csv"): MANAGERS,
    ("GET", "/api/v1/branches/<branch>/staffing"): MANAGERS,
    ("GET", "/api/v1/branches/<branch>/tickets.csv"): MANAGERS,
    ("GET", "/api/v1/branches/<branch>/now"): MANAGERS,
    # ---- customers' pages
    ("GET", "/"): PUBLIC,
    ("GET", "/b/<branch>/join"): PUBLIC,
    ("POST", "/b/<branch>/join"): PUBLIC,
    ("GET", "/b/<branch>/join-qr.svg"): PUBLIC,
    ("GET", "/b/<branch>/here"): PUBLIC,
    ("GET", "/b/<branch>/here-qr.svg"): PUBLIC,
    ("GET", "/b/<branch>/logo"): PUBLIC,  # World gives centro a logo
    ("GET", "/b/<branch>/poster"): PUBLIC,
    ("GET", "/b/<branch>/display"): PUBLIC,
    ("GET", "/t/<token>"): PUBLIC,
    ("GET", "/t/<token>/cancel"): PUBLIC,
    ("POST", "/t/<token>/cancel"): PUBLIC,
    ("POST", "/t/<token>/let-pass"): PUBLIC,
    ("POST", "/t/<token>/arrived"): PUBLIC,
    ("POST", "/t/<token>/feedback"): PUBLIC,
    ("POST", "/t/<token>/phone"): PUBLIC,
    ("POST", "/t/<token>/notify-by"): PUBLIC,
    ("GET", "/b/<branch>/book"): PUBLIC,
    ("POST", "/b/<branch>/book"): PUBLIC,
    ("GET", "/a/<token>"): PUBLIC,
    ("GET", "/a/<token>/qr.svg"): PUBLIC,
    ("POST", "/a/<token>/cancel"): PUBLIC,
    ("POST", "/a/<token>/check-in"): PUBLIC,
    ("POST", "/a/<token>/walk-in"): PUBLIC,
    ("GET", "/a/<token>/move"): PUBLIC,
    ("POST", "/a/<token>/move"): PUBLIC,
    # The phone simulator is off unless the public URL is a loopback address (or TURNERO_DEV_PHONE=1).
    ("GET", "/dev/phone"): NOT_SERVED,
    ("POST", "/dev/phone"): NOT_SERVED,
    ("POST", "/dev/phone/call"): NOT_SERVED,
    # ---- Twilio's webhooks: signed, whoever sends them
    ("POST", "/twilio/sms"): TWILIO,
    ("POST", "/twilio/voice"): TWILIO,
    ("POST", "/twilio/status"): TWILIO,
    # ---- staff pages
    ("GET", "/staff/login"): PUBLIC,
    ("POST", "/staff/login"): (400,) * 7,  # an empty form, whoever sends it
    ("POST", "/staff/logout"): ANY_STAFF_PAGE,
    ("GET", "/staff/"): ANY_STAFF_PAGE,
    ("GET", "/staff/<branch>/<counter>"): STAFF_PAGE,
    ("GET", "/staff/appointments"): ANY_STAFF_PAGE,
    ("GET", "/staff/appointments/<branch>"): STAFF_PAGE,
    ("POST", "/staff/appointments/<branch>/<appointment_id>/cancel"): STAFF_PAGE,
    ("POST", "/staff/appointments/<branch>/<appointment_id>/no-show"): STAFF_PAGE,
    ("GET", "/staff/appointments/<branch>/book"): STAFF_PAGE,
    ("POST", "/staff/appointments/<branch>/book"): STAFF_PAGE,
    ("GET", "/staff/appointments/<branch>/settings"): STAFF_PAGE,
    ("POST", "/staff/appointments/<branch>/settings/hours"): MANAGER_PAGE,
    ("POST", "/staff/appointments/<branch>/settings/window"): MANAGER_PAGE,
    ("POST", "/staff/appointments/<branch>/settings/closures"): MANAGER_PAGE,
    ("POST", "/staff/appointments/<branch>/settings/closures/<int:closure_id>/remove"): MANAGER_PAGE,
    ("GET", "/staff/reports"): MANAGER_PAGE,
    ("GET", "/staff/reports/<branch>"): MANAGER_PAGE,
    # ---- administration
    ("GET", "/admin/"): MANAGER_PAGE,
    ("GET", "/admin/branches"): MANAGER_PAGE,
    ("GET", "/admin/branches/new"): ADMIN_PAGE,
    ("POST", "/admin/branches/new"): ADMIN_PAGE,
    ("GET", "/admin/branches/<slug>"): MANAGER_PAGE,
    ("POST", "/admin/branches/<slug>"): MANAGER_PAGE,
    ("GET", "/admin/branches/<slug>/delete"): ADMIN_PAGE,
    ("POST", "/admin/branches/<slug>/delete"): (LOGIN, LOGIN, LOGIN, 403, 403, 403, 409),  # centro has customers
    ("GET", "/admin/branches/<slug>/services"): MANAGER_PAGE,
    ("GET", "/admin/branches/<slug>/services/new"): MANAGER_PAGE,
    ("POST", "/admin/branches/<slug>/services/new"): MANAGER_PAGE,
    ("GET", "/admin/branches/<slug>/services/<service>"): MANAGER_PAGE,
    ("POST", "/admin/branches/<slug>/services/<service>"): MANAGER_PAGE,
    ("GET", "/admin/branches/<slug>/counters"): MANAGER_PAGE,
    ("GET", "/admin/branches/<slug>/counters/new"): MANAGER_PAGE,
    ("POST", "/admin/branches/<slug>/counters/new"): MANAGER_PAGE,
    ("GET", "/admin/branches/<slug>/counters/<counter>"): MANAGER_PAGE,
    ("POST", "/admin/branches/<slug>/counters/<counter>"): MANAGER_PAGE,
    ("GET", "/admin/branches/<slug>/devices"): MANAGER_PAGE,
    ("POST", "/admin/branches/<slug>/devices"): MANAGER_PAGE,
    ("POST", "/admin/branches/<slug>/devices/pair"): MANAGER_PAGE,
    ("POST", "/admin/branches/<slug>/devices/<int:device_id>/revoke"): MANAGER_PAGE,
    ("GET", "/admin/branches/<slug>/priority"): MANAGER_PAGE,
    ("GET", "/admin/branches/<slug>/setup"): MANAGER_PAGE,
    ("GET", "/admin/branches/<slug>/hours"): MANAGER_PAGE,
    ("POST", "/admin/branches/<slug>/hours"): MANAGER_PAGE,
    ("POST", "/admin/branches/<slug>/priority"): MANAGER_PAGE,
    ("POST", "/admin/branches/<slug>/priority/<int:class_id>/delete"): MANAGER_PAGE,
    ("GET", "/admin/users"): MANAGER_PAGE,
    ("GET", "/admin/audit"): MANAGER_PAGE,
    ("GET", "/admin/customers"): ADMIN_PAGE,
    ("POST", "/admin/customers"): ADMIN_PAGE,
    ("POST", "/admin/customers/export"): ADMIN_PAGE,
    ("POST", "/admin/customers/erase"): ADMIN_PAGE,
    ("GET", "/admin/users/new"): MANAGER_PAGE,
    ("POST", "/admin/users/new"): MANAGER_PAGE,
    ("GET", "/admin/users/<int:user_id>"): MANAGER_PAGE,
    ("POST", "/admin/users/<int:user_id>"): MANAGER_PAGE,
    ("POST", "/admin/users/<int:user_id>/active"): MANAGER_PAGE,
    ("POST", "/admin/users/<int:user_id>/password"): MANAGER_PAGE,
}

EXPECTED = {key: dict(zip(ACTORS, row, strict=True)) for key, row in TABLE.items()}

# Not rows: static files, the OpenAPI document and its docs page, health and metrics.
NOT_CHECKED = {"/static/<path:filename>", "/api/v1/openapi.json", "/api/v1/docs", "/docs/oauth2-redirect",
               "/healthz", "/metrics", "/socket.io/"}


def routes(app) -> set[tuple[str, str]]:
    """Every (method, rule) the app serves, but for NOT_CHECKED."""
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule not in NOT_CHECKED
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def outcome(response) -> str | int:
    if 300 <= response.status_code < 400:
        target = urlsplit(response.headers.get("Location", ""))
        sent_to_login = target.path == "/staff/login" and "next=" in target.query  # not a logout's goodbye
        return LOGIN if sent_to_login else OK
    return OK if response.status_code < 300 else response.status_code


# ---------------------------------------------------------------- the callers

@dataclass
class Caller:
    name: str
    api: object      # a test client without cookies, sending `headers`
    browser: object  # a test client with a browser session (signed in for staff)
    headers: dict
    username: str | None = None
    csrf: str = ""

    def open_browser(self) -> None:
        self.csrf = sign_in(self.browser, self.username) if self.username else csrf_of(self.browser)


USERS = {"agent": "agente", "other_agent": "agente_norte", "manager": "gerente", "admin": "admin"}


def bearer(client, username: str) -> dict:
    r = client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['token']}"}


def device_token(runner, kind: str) -> dict:
    out = runner.invoke(args=["device", "add", "--branch", "centro", "--kind", kind]).output
    return {"Authorization": f"Bearer {out.strip().splitlines()[-1]}"}


@pytest.fixture
def callers(app, runner) -> dict[str, Caller]:
    make_user(app, "agente_norte", "agent", "norte")
    make_user(app, "gerente", "manager", "centro")
    setup = app.test_client()
    result = {"anonymous": Caller("anonymous", app.test_client(), app.test_client(), {})}
    for kind in ("kiosk", "display"):
        result[kind] = Caller(kind, app.test_client(), app.test_client(), device_token(runner, kind))
    for name, username in USERS.items():
        result[name] = Caller(name, app.test_client(), app.test_client(), bearer(setup, username), username)
    for caller in result.values():
        caller.api.environ_base.update({"HTTP_AUTHORIZATION": caller.headers["Authorization"]} if caller.headers else {})
        caller.open_browser()
    return result


# ---------------------------------------------------------------- the objects a request acts on

MONDAY = date(2031, 3, 3)  # centro is open 09:00-17:00 local (15:00-23:00 UTC); the clock stands three days before


@dataclass
class Call:
    """One request of a row: its path values, body and query, and the server's clock for it."""
    values: dict = field(default_factory=dict)
    json: dict | None = None
    form: dict | None = None
    query: dict | None = None
    at: datetime | None = None


class World:
    """Makes what a request acts on, fresh for each request, as the admin (through the
    API) or through the use cases: so that the request can succeed when allowed."""

    def __init__(self, app, clock: Clock):
        self.app, self.clock, self.start = app, clock, clock.now
        self.client = app.test_client()
        self.client.environ_base["HTTP_AUTHORIZATION"] = bearer(self.client, "admin")["Authorization"]
        self._slots = self._free_slots()
        self._numbers = itertools.count(1)
        self._give_centro_a_logo()

    def _give_centro_a_logo(self) -> None:
        from io import BytesIO

        from PIL import Image

        from turnero.branding import checked_logo
        picture = BytesIO()
        Image.new("RGB", (40, 20), (10, 90, 200)).save(picture, "PNG")
        logo = checked_logo(picture.getvalue())
        with self.app.extensions["turnero.db"].unit_of_work(write=True) as uow:
            branch = uow.session.scalar(select(Branch).where(Branch.slug == "centro"))
            branch.brand_logo, branch.brand_logo_type, branch.brand_logo_version = (
                logo.data, logo.media_type, logo.version)
            uow.commit()

    def caja_paused(self) -> bool:
        services = self.client.get("/api/v1/branches/centro").get_json()["services"]
        return next(s for s in services if s["id"] == "caja")["joining"] == "paused"

    def number(self) -> int:
        return next(self._numbers)

    def post(self, path: str, status: int = 200, **kwargs) -> dict | None:
        r = self.client.post("/api/v1" + path, **kwargs)
        assert r.status_code == status, (path, r.status_code, r.get_data(as_text=True)[:300])
        return r.get_json(silent=True)

    # tickets: caja is called at v1 and only these tickets wait in it; customers' own
    # tickets (taking one, joining, checking in) go to plataforma, which v1 does not serve
    def waiting_ticket(self) -> dict:
        return self.post("/branches/centro/tickets", 201, json={"service": "plataforma"})

    def ticket_with_phone(self) -> dict:
        return self.post("/branches/centro/tickets", 201, json={"service": "plataforma", "phone": "55 4444 0002"})

    def webhook(self) -> int:
        """A webhook of centro (one already there: a branch has ten at most)."""
        there = self.client.get("/api/v1/branches/centro/webhooks").get_json()
        if there:
            return there[0]["id"]
        return self.post("/branches/centro/webhooks", 201,
                         json={"url": "https://hooks.example.com/t", "events": ["ticket.done"]})["id"]

    def customer(self) -> int:
        """A customer who took a turn at centro (by phone)."""
        ticket = self.post("/branches/centro/tickets", 201, json={"service": "plataforma", "phone": "55 4444 0001"})
        listed = self.client.get("/api/v1/branches/centro/tickets").get_json()
        return next(t["customer"] for t in listed if t["id"] == ticket["id"])

    def called_ticket(self) -> dict:
        """A caja ticket called at v1 (a ticket put back in line earlier is called first: v1
        calls until it has this one, finishing the others)."""
        ticket = self.post("/branches/centro/tickets", 201, json={"service": "caja"})
        self.post("/branches/centro/counters/v1/open")
        while self.post("/branches/centro/counters/v1/call-next")["id"] != ticket["id"]:
            pass
        return ticket

    def someone_waiting_at_v1(self) -> Call:
        self.post("/branches/centro/tickets", 201, json={"service": "caja"})
        self.post("/branches/centro/counters/v1/open")
        return Call()

    def someone_behind(self, **body) -> Call:
        """A waiting ticket with another behind it (so that it can let people pass)."""
        ticket = self.waiting_ticket()
        self.waiting_ticket()
        return Call(values={"token": ticket["token"]}, **body)

    def chosen_at_v1(self) -> Call:
        ticket = self.post("/branches/centro/tickets", 201, json={"service": "caja"})
        self.post("/branches/centro/counters/v1/open")
        return Call(json={"ticket": ticket["id"], "reason": "En la puerta"})

    def done_ticket(self) -> dict:
        ticket = self.called_ticket()
        self.post(f"/tickets/{ticket['id']}/done")
        return ticket

    # appointments: one per slot, each with its own phone, on the weekdays after MONDAY
    @staticmethod
    def _free_slots():
        for day in (MONDAY + timedelta(days=n) for n in range(60)):
            if day.weekday() < 5:
                first = datetime(day.year, day.month, day.day, 15, tzinfo=timezone.utc)
                yield from (first + timedelta(minutes=20 * n) for n in range(24))

    def slot(self) -> datetime:
        return next(self._slots)

    def phone(self) -> str:
        return f"55 2000 {self.number():04d}"

    def appointment(self) -> dict:
        start, phone = self.slot(), self.phone()
        booked = self.post("/branches/centro/appointments", 201, json={
            "service": "plataforma", "start": iso(start), "name": "Ana López", "phone": phone})
        return {**booked, "start_at": start, "phone": phone}

    def closure(self) -> dict:
        day = date(2031, 12, 1) + timedelta(days=self.number())
        return self.post("/branches/centro/closures", 201, json={"first_day": day.isoformat(), "reason": "Cierre"})

    def user(self) -> int:
        username = f"cajero{self.number()}"
        make_user(self.app, username, "agent", "centro")
        with self.app.extensions["turnero.db"].unit_of_work() as uow:
            return uow.session.scalar(select(User.id).where(User.username == username))

    def priority_class(self) -> int:
        from turnero.models import Branch, PriorityClass
        with self.app.extensions["turnero.db"].unit_of_work(write=True) as uow:
            branch = uow.session.scalar(select(Branch).where(Branch.slug == "centro"))
            row = PriorityClass(branch_id=branch.id, name_es="Otra", name_en="Other", boost_min=5, at_kiosk=False)
            uow.session.add(row)
            uow.commit()
            return row.id

    def device(self) -> int:
        with self.app.extensions["turnero.db"].unit_of_work(write=True) as uow:
            device, _token = add_device(uow.session, "centro", "kiosk", "Otro kiosco")
            uow.commit()
            return device.id

    def pairing_code(self) -> str:
        with self.app.extensions["turnero.db"].unit_of_work(write=True) as uow:
            made = new_pairing_code(uow.session, uow.session.scalar(select(Branch.id).where(Branch.slug == "centro")),
                                    "display", "Sala", created_by="admin")
            uow.commit()
            return made.code

    def shown(self, read, *args) -> dict:
        """What an administration page shows: `read(uow, actor, *args)` of admin.services."""
        with self.app.extensions["turnero.db"].unit_of_work() as uow:
            return read(uow, SYSTEM, *args)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def as_form(values: dict) -> dict:
    """An admin use case's values as its form sends them back (unchecked boxes left out)."""
    form = {}
    for key, value in values.items():
        if value is True:
            form[key] = "y"
        elif value not in (False, None):
            form[key] = value
    return form


# How each row's request is made, where the defaults of `default_values` are not enough.
def _check_in(w: World) -> Call:
    a = w.appointment()
    return Call(json={"phone": a["phone"]}, at=a["start_at"] - timedelta(minutes=5))


def appointment_at(minutes: int):
    """A booked appointment, with the server's clock `minutes` after its start (before it when negative)."""
    def call(w: World) -> Call:
        a = w.appointment()
        return Call(values={"token": a["token"], "appointment_id": a["id"]},
                    at=a["start_at"] + timedelta(minutes=minutes))
    return call


def _move(w: World) -> Call:
    start = w.slot()
    return Call(form={"date": start.date().isoformat(), "start": iso(start)})


def _new_service(w: World) -> Call:
    n = w.number()
    return Call(form={"slug": f"nuevo{n}", "prefix": "CDEFGHIJKLMNOPQRSTUVWXYZ"[n % 24], "name_es": f"Nuevo {n}",
                      "name_en": f"New {n}", "color": "#1f6feb", "avg_service_min": "5", "active": "y"})


def _booking(w: World) -> dict:
    start = w.slot()
    return {"service": "plataforma", "date": start.date().isoformat(), "start": iso(start), "name": "Ana López",
            "phone": w.phone()}


REQUESTS = {
    ("GET", "/api/v1/customers"): lambda w: Call(query={"phone": "55 4444 0001"}),
    ("POST", "/api/v1/branches/<branch>/webhooks"): lambda w: Call(json={"url": "https://hooks.example.com/t",
                                                                         "events": ["ticket.created"]}),
    ("POST", "/admin/branches/<slug>/webhooks"): lambda w: Call(form={"url": "https://hooks.example.com/t",
                                                                      "events": ["ticket.created"]}),
    ("PUT", "/api/v1/customers/<int:customer_id>/note"): lambda w: Call(json={"note": "Prefiere inglés"}),
    ("PUT", "/api/v1/customers/<int:customer_id>/channel"): lambda w: Call(json={"channel": "whatsapp"}),
    ("POST", "/api/v1/auth/token"): lambda w: Call(json={"username": "agente", "password": DEMO_PASSWORD}),
    ("POST", "/api/v1/branches/<branch>/tickets"): lambda w: Call(json={"service": "plataforma"}),
    ("GET", "/api/v1/branches/<branch>/slots"): lambda w: Call(query={"service": "plataforma",
                                                                      "date": MONDAY.isoformat()}),
    ("GET", "/api/v1/branches/<branch>/appointments"): lambda w: Call(query={"date": MONDAY.isoformat()}),
    ("POST", "/api/v1/branches/<branch>/appointments"): lambda w: Call(json={
        k: v for k, v in _booking(w).items() if k != "date"}),
    ("POST", "/api/v1/branches/<branch>/check-in"): _check_in,
    ("POST", "/api/v1/appointments/<appointment_id>/no-show"): appointment_at(5),
    ("POST", "/api/v1/appointments/<token>/reschedule"): lambda w: Call(json={"start": iso(w.slot())}),
    ("PUT", "/api/v1/branches/<branch>/opening-hours"): lambda w: Call(json={"hours": {"6": ""}}),
    ("PUT", "/api/v1/branches/<branch>/check-in-window"): lambda w: Call(json={"checkin_before_min": 30,
                                                                               "checkin_after_min": 10}),
    ("POST", "/api/v1/branches/<branch>/closures"): lambda w: Call(json={"first_day": "2031-12-24",
                                                                         "reason": "Nochebuena"}),
    ("POST", "/api/v1/branches/<branch>/counters/<counter>/call-next"): lambda w: w.someone_waiting_at_v1(),
    ("POST", "/api/v1/branches/<branch>/counters/<counter>/call"): lambda w: w.chosen_at_v1(),
    # Each allowed request flips the line (pause, then reopen), so that the next one is allowed too.
    ("POST", "/api/v1/branches/<branch>/services/<service>/joining"): lambda w: Call(
        values={"service": "caja"}, json={"open": w.caja_paused()}),
    ("POST", "/api/v1/branches/<branch>/joining"): lambda w: Call(json={"open": w.caja_paused()}),
    ("POST", "/api/v1/tickets/<ticket_id>/transfer"): lambda w: Call(json={"service": "plataforma"}),
    ("POST", "/api/v1/tickets/<ticket_id>/priority"): lambda w: Call(values={"ticket_id": w.waiting_ticket()["id"]},
                                                                     json={"priority": True}),
    ("POST", "/api/v1/tickets/<token>/feedback"): lambda w: Call(values={"token": w.done_ticket()["token"]},
                                                                 json={"score": 5}),
    ("POST", "/api/v1/tickets/<token>/phone"): lambda w: Call(json={"phone": "55 1234 5678"}),
    ("POST", "/api/v1/tickets/<token>/push"): lambda w: Call(
        json=Browser("https://fcm.googleapis.com/fcm/send/authz-test").subscription()),
    # customers' pages
    ("POST", "/b/<branch>/join"): lambda w: Call(form={"service": "plataforma"}),
    ("POST", "/b/<branch>/book"): lambda w: Call(form=_booking(w)),
    ("POST", "/t/<token>/feedback"): lambda w: Call(values={"token": w.done_ticket()["token"]}, form={"score": "5"}),
    ("POST", "/t/<token>/phone"): lambda w: Call(form={"phone": "55 1234 5678"}),
    ("POST", "/t/<token>/notify-by"): lambda w: Call(values={"token": w.ticket_with_phone()["token"]},
                                                     form={"notify_by": "whatsapp"}),
    ("POST", "/api/v1/tickets/<token>/notify-by"): lambda w: Call(values={"token": w.ticket_with_phone()["token"]},
                                                                  json={"notify_by": "whatsapp"}),
    ("POST", "/t/<token>/let-pass"): lambda w: w.someone_behind(form={"places": "1"}),
    ("POST", "/api/v1/tickets/<token>/let-pass"): lambda w: w.someone_behind(json={"places": 1}),
    ("POST", "/a/<token>/check-in"): appointment_at(-5),  # check-in is open
    ("POST", "/a/<token>/walk-in"): appointment_at(15),  # too late to check in
    ("POST", "/a/<token>/move"): _move,
    ("POST", "/dev/phone"): lambda w: Call(form={"body": "AYUDA"}),
    ("POST", "/dev/phone/call"): lambda w: Call(form={"step": ""}),
    ("POST", "/twilio/sms"): lambda w: Call(form={"From": "+525512345678", "To": "+15005550006", "Body": "TURNO"}),
    ("POST", "/twilio/voice"): lambda w: Call(form={"From": "+525512345678", "To": "+15005550006"}),
    ("POST", "/twilio/status"): lambda w: Call(form={"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"}),
    # staff pages
    ("POST", "/staff/login"): lambda w: Call(form={"username": "", "password": ""}),
    ("POST", "/staff/appointments/<branch>/<appointment_id>/no-show"): appointment_at(5),
    ("POST", "/staff/appointments/<branch>/book"): lambda w: Call(form=_booking(w)),
    ("POST", "/staff/appointments/<branch>/settings/hours"): lambda w: Call(form={
        **{f"hours-{d}": "09:00-17:00" for d in range(5)}, "hours-5": "09:00-13:00", "hours-6": ""}),
    ("POST", "/staff/appointments/<branch>/settings/window"): lambda w: Call(form={"checkin_before_min": "30",
                                                                                   "checkin_after_min": "10"}),
    ("POST", "/staff/appointments/<branch>/settings/closures"): lambda w: Call(form={
        "first_day": "2031-12-31", "last_day": "", "reason": "Fin de año"}),
    # administration: the values shown, sent back unchanged; new things with new names
    ("POST", "/admin/branches/new"): lambda w: Call(form={
        "slug": f"sur{w.number()}", "name": "Sucursal Sur", "timezone": "America/Mexico_City", "lang": "es",
        "country": "MX", "priority_boost_min": "15", "appointment_boost_min": "10", "notify_ahead": "3",
        "retention_days": "90"}),
    ("POST", "/admin/branches/<slug>"): lambda w: Call(form=as_form(w.shown(admin.get_branch, "centro"))),
    ("POST", "/admin/branches/<slug>/delete"): lambda w: Call(form={"confirm": "no-es-centro"}),
    ("POST", "/admin/branches/<slug>/services/<service>"): lambda w: Call(form=as_form(
        w.shown(admin.get_service, "centro", "caja"))),
    ("POST", "/admin/branches/<slug>/services/new"): _new_service,
    ("POST", "/admin/branches/<slug>/counters/<counter>"): lambda w: Call(form={"name": "Ventanilla 1",
                                                                                "services": ["caja"]}),
    ("POST", "/admin/branches/<slug>/counters/new"): lambda w: Call(form={
        "slug": f"v{100 + w.number()}", "name": "Ventanilla nueva", "services": ["caja"]}),
    ("POST", "/admin/branches/<slug>/devices"): lambda w: Call(form={"kind": "kiosk", "name": "Entrada"}),
    ("POST", "/admin/branches/<slug>/hours"): lambda w: Call(form={
        **{f"day-{d}-open": "1" for d in range(6)}, **{f"day-{d}-0-opens": "09:00" for d in range(6)},
        **{f"day-{d}-0-closes": "17:00" for d in range(5)}, "day-5-0-closes": "13:00"}),
    ("POST", "/admin/branches/<slug>/devices/pair"): lambda w: Call(form={"kind": "display", "name": "Sala"}),
    ("POST", "/api/v1/devices/pair"): lambda w: Call(json={"code": w.pairing_code()}),
    ("POST", "/admin/branches/<slug>/priority"): lambda w: Call(form={"name_es": "Lactancia", "name_en": "Nursing",
                                                                      "boost_min": "10", "at_kiosk": "y"}),
    ("POST", "/admin/users/new"): lambda w: Call(form={"username": f"nuevo{w.number()}", "role": "agent",
                                                       "branch": "centro", "password": "una-clave-larga"}),
    ("POST", "/admin/users/<int:user_id>"): lambda w: Call(form={"role": "agent", "branch": "centro"}),
    ("POST", "/admin/users/<int:user_id>/active"): lambda w: Call(form={"active": "0"}),
    ("POST", "/admin/users/<int:user_id>/password"): lambda w: Call(form={"password": "otra-clave-larga"}),
    ("POST", "/admin/customers"): lambda w: Call(form={"phone": "55 1234 5678", "country": "MX"}),
    ("POST", "/admin/customers/export"): lambda w: Call(form={"phone": "55 1234 5678", "country": "MX"}),
    ("POST", "/admin/customers/erase"): lambda w: Call(form={"phone": "55 9876 5432", "country": "MX",
                                                            "confirm": "y"}),
}

APPOINTMENT_TOKEN = ("/a/", "/api/v1/appointments/<token>")


def default_values(w: World, method: str, rule: str, names) -> dict:
    """The path's values: the demo's branch, counter and service; a fresh object for
    everything else (an appointment's or a ticket's token, by the route)."""
    values = {}
    for name in names:
        if name in ("branch", "slug"):
            values[name] = "centro"
        elif name == "counter":
            values[name] = "v1"
        elif name == "service":
            values[name] = "caja"
        elif name == "token":
            values[name] = (w.appointment() if rule.startswith(APPOINTMENT_TOKEN) else w.waiting_ticket())["token"]
        elif name == "ticket_id":
            values[name] = w.called_ticket()["id"]
        elif name == "appointment_id":
            values[name] = w.appointment()["id"]
        elif name == "closure_id":
            values[name] = w.closure()["id"]
        elif name == "user_id":
            values[name] = w.user()
        elif name == "device_id":
            values[name] = w.device()
        elif name == "class_id":
            values[name] = w.priority_class()
        elif name == "customer_id":
            values[name] = w.customer()
        elif name == "endpoint_id":
            values[name] = w.webhook()
        else:
            raise AssertionError(f"{method} {rule}: no value for <{name}>; teach default_values or REQUESTS")
    return values


PARAM = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def request(app, w: World, caller: Caller, method: str, rule) -> object:
    call = REQUESTS.get((method, rule.rule), lambda _w: Call())(w)
    values = {**default_values(w, method, rule.rule, set(rule.arguments) - set(call.values)), **call.values}
    path = PARAM.sub(lambda m: quote(str(values[m.group(1)]), safe=""), rule.rule)
    api = rule.rule.startswith(("/api/", "/twilio/"))
    client = caller.api if api else caller.browser
    form = call.form
    if not api and method != "GET":
        form = {"csrf_token": caller.csrf, **(form or {})}
    w.clock.now = call.at or w.start
    try:
        return client.open(path, method=method, json=call.json, data=form, query_string=call.query)
    finally:
        w.clock.now = w.start


# ---------------------------------------------------------------- the tests

def test_every_route_has_a_row(app):
    served = routes(app)
    missing = sorted(served - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - served)
    assert not missing, "routes without a row in TABLE (say who may use them):\n" + "\n".join(
        f"    {m} {r}" for m, r in missing)
    assert not stale, "rows of TABLE for routes that no longer exist:\n" + "\n".join(f"    {m} {r}" for m, r in stale)


def test_each_actor_gets_what_the_table_says(app, clock, callers):
    app.config["TURNERO"].LOGIN_RATE_LIMIT = "1000 per minute"  # one client address logs in many times here
    app.config["TURNERO"].BOOKING_RATE_LIMIT = "1000 per hour"
    w = World(app, clock)
    rules = sorted((r for r in app.url_map.iter_rules() if r.rule not in NOT_CHECKED), key=lambda r: r.rule)
    mismatches = []
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            expected = EXPECTED.get((method, rule.rule))
            if expected is None:
                mismatches.append(f"{method} {rule.rule}: no row in TABLE")
                continue
            for name in ACTORS:
                caller = callers[name]
                r = request(app, w, caller, method, rule)
                got = outcome(r)
                if got != expected[name]:
                    mismatches.append(f"{method} {rule.rule} as {name}: expected {expected[name]}, got {got} "
                                      f"({r.status_code} {r.get_data(as_text=True)[:160]!r})")
                if (method, rule.rule) == ("POST", "/staff/logout") and caller.username:
                    caller.open_browser()  # signed out by the row itself: sign in again
    assert not mismatches, f"{len(mismatches)} answers differ from TABLE:\n" + "\n".join(mismatches)


def test_a_validly_signed_webhook_is_not_refused(app, client):
    """The Twilio rows' 403 comes from the signature check: a signed request is answered."""
    form = {"From": "+525512345678", "To": "+15005550006", "Body": "AYUDA", "MessageSid": "SM" + "1" * 32}
    with app.app_context():
        token, public_url = webhook_token(app), settings(app).public_url
    assert post_signed(client, "/twilio/sms", form, token, public_url).status_code == 200
    assert post_signed(client, "/twilio/sms", form, token, public_url, forge=True).status_code == 403
