"""Helpers for test_authorization.py (no tests here): the callers, one per actor (a
client with its token, and a browser signed in as it), the World that makes what a
request acts on, fresh for each request, and how each row's request is made
(REQUESTS, `request`)."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from conftest import DEMO_PASSWORD, Clock
from push_helpers import Browser
from sqlalchemy import select
from web_staff_helpers import csrf_of, make_user, sign_in

from turnero.access.devices import new_pairing_code
from turnero.access.services import SYSTEM
from turnero.admin import services as admin
from turnero.admin.users import add_device
from turnero.models import Branch, User


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

