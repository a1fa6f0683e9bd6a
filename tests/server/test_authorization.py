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

The callers, the objects each request acts on and how each row's request is made
are in test_authorization_support.py.

Permissions do not depend on the database engine: SQLite only, to keep it fast.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from test_authorization_support import World, callers, request  # noqa: F401 - callers: a fixture
from twilio_helpers import post_signed, webhook_token

from turnero.messaging.settings import settings

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
