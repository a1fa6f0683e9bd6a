"""What every web door shares: the database of the request, the request's language
and its switch, problem+json errors, error pages, security headers, compression,
and the check of a UUID in a path.

Doors (REST, pages, staff pages, webhooks) import this; services never do.
"""
from __future__ import annotations

import gzip
import logging
import math
import re
import time

from apiflask import Schema
from apiflask.exceptions import HTTPError
from apiflask.fields import Dict, Integer, List, String
from flask import Blueprint, Flask, Response, current_app, g, json, render_template, request
from flask_babel import get_locale, gettext
from flask_babel import refresh as refresh_locale
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from marshmallow import INCLUDE
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as NoConnectionFree
from werkzeug.exceptions import NotFound as WerkzeugNotFound

from .db import Database
from .errors import N_, Busy, DomainError, NotFound, Unavailable
from .extensions import LANGUAGES, limiter

log = logging.getLogger(__name__)

LANG_COOKIE = "lang"
LANG_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_NAMES = {"es": "Español", "en": "English"}
# Content-Security-Policy of the public pages: nothing from another host, no inline
# scripts (the pages only embed JSON data blocks). Inline styles carry the colours
# of services.
CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; media-src 'self'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
COMPRESSIBLE = {"text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml"}
MIN_COMPRESS = 1024
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# ---------------------------------------------------------------- the request

def database() -> Database:
    """The app's database (units of work)."""
    return current_app.extensions["turnero.db"]


def current_lang() -> str:
    """The request's language: `?lang=`, the `lang` cookie, the browser's, else Spanish
    (see extensions.select_locale)."""
    locale = get_locale()
    return str(locale.language) if locale is not None else "es"


def speak_holders_language(lang: str | None) -> None:
    """A ticket's or an appointment's own page opens in the language its holder chose
    when taking it (the link came in a text in that language), unless this browser
    chose one itself (`?lang=`, the switch's cookie)."""
    if lang in LANGUAGES and lang != g.get("holder_lang"):
        g.holder_lang = lang
        refresh_locale()


def languages() -> list[tuple[str, str]]:
    """The language switch: (code, name in that language) of every language."""
    return [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]


def require_uuid(value: str, message: str) -> str:
    """A path's UUID, or NotFound with `message` (the same answer as an unknown one)."""
    if not UUID_RE.match(value):
        raise NotFound(message)
    return value


def field_errors(exc: DomainError) -> dict[str, list[str]]:
    """A use case's field messages (message ids, maybe with parameters), translated."""
    return {field: [gettext(m, **getattr(m, "params", {})) for m in messages]
            for field, messages in (exc.errors or {}).items()}


def error_text(exc: DomainError) -> str:
    """A use case's message, translated."""
    return gettext(exc.message, **exc.params)


# ---------------------------------------------------------------- problem+json (the JSON doors)

HTTP_MESSAGES = {
    400: (N_("Bad request"), N_("The request could not be read (is the JSON well formed?).")),
    401: (N_("Authentication required"), N_("Log in as staff to do this.")),
    403: (N_("Forbidden"), N_("You may not do this.")),
    404: (N_("Not found"), N_("There is nothing at this address.")),
    405: (N_("Method not allowed"), N_("This address does not accept this method.")),
    413: (N_("Request too large"), N_("The request is too large.")),
    415: (N_("Unsupported media type"), N_("Send the body as JSON.")),
    429: (N_("Too many requests"), N_("Too many attempts; wait a minute and try again.")),
}


def problem(status: int, title: str, detail: str | None = None, errors: dict | None = None,
            headers: dict | None = None, **extra) -> Response:
    """An RFC 9457 problem+json response; `extra` adds members of its own."""
    body = {"type": "about:blank", "status": status, "title": title, "detail": detail or title, **extra}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def http_problem(status: int, fallback: str = "", headers: dict | None = None) -> Response:
    """The problem+json of an HTTP error, worded in the request's language."""
    return problem(status, *http_title(status, fallback), headers=headers)


def http_title(status: int, fallback: str) -> tuple[str, str]:
    if status in HTTP_MESSAGES:
        title, detail = HTTP_MESSAGES[status]
        return gettext(title), gettext(detail)
    if status >= 500:
        log.error("server error %s on %s %s", status, request.method, request.path)
        return gettext("Server error"), gettext("Something went wrong on our side; please try again.")
    return fallback, fallback


def _translate_errors(errors: dict) -> dict:
    """Marshmallow's and our own field messages, in the request's language."""
    out = {}
    for field, messages in errors.items():
        if isinstance(messages, dict):  # nested or per-item errors: flatten one level
            for sub, inner in _translate_errors(messages).items():
                out[f"{field}.{sub}"] = inner
        else:
            out[field] = [gettext(m, **getattr(m, "params", {}))
                          for m in (messages if isinstance(messages, list) else [messages])]
    return out


class ProblemOut(Schema):
    """An error answer of the JSON doors (RFC 9457), as `problem()` writes it."""

    class Meta:
        unknown = INCLUDE  # some problems carry members of their own (check-in's `reason`, `walk_in`...)

    type = String(required=True, metadata={"example": "about:blank"})
    title = String(required=True)
    status = Integer(required=True)
    detail = String(required=True)
    errors = Dict(keys=String(), values=List(String()), metadata={"description": "field -> messages, for invalid input"})


def problems_in_the_document(spec: dict) -> dict:
    """The OpenAPI document's error answers (4xx, 5xx) as application/problem+json,
    which is what they are."""
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if status[:1] in ("4", "5") and "application/json" in content:
                    answer["content"] = {"application/problem+json": content["application/json"]}
    return spec


def register_json_errors(app) -> None:
    """Domain errors and HTTP errors of the JSON doors as problem+json, and so in the
    OpenAPI document (with `problems_in_the_document`); a busy or unreachable database
    as a 503 with Retry-After (a page for browsers)."""
    app.config.update(HTTP_ERROR_SCHEMA=ProblemOut, VALIDATION_ERROR_SCHEMA=ProblemOut)

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        return problem(exc.status, gettext(exc.title), error_text(exc), _translate_errors(exc.errors), **exc.extra)

    @app.errorhandler(Busy)
    def _busy(exc: Busy):
        return busy_answer(exc)

    @app.errorhandler(OperationalError)
    def _database_unavailable(exc: OperationalError):
        # A lock wait past its timeout (busy), or a lost connection, a database being
        # restarted (unavailable): nothing was written; the client tries again.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, str(exc).splitlines()[0])
        return busy_answer(Busy() if lock_wait(exc) else Unavailable())

    @app.errorhandler(NoConnectionFree)
    def _no_connection_free(exc: NoConnectionFree):
        # Every connection of this process's pool stayed in use past the wait: busy,
        # like a lock wait (nothing was written), not a failure of the server.
        log.warning("no database connection free on %s %s", request.method, request.path)
        return busy_answer(Busy())

    @app.error_processor
    def _http_error(error: HTTPError):
        status = error.status_code
        errors = None
        if status == 422 and isinstance(error.detail, dict):
            errors = {}
            for location_errors in error.detail.values():
                errors.update(_translate_errors(location_errors))
            detail = gettext("Some fields are not valid.")
            title = gettext("Invalid input")
        else:
            title, detail = http_title(status, error.message)
        return problem(status, title, detail, errors, headers=error.headers)


def lock_wait(exc: OperationalError) -> bool:
    """A wait for another writer that ran out (PostgreSQL's lock_timeout, SQLite's
    busy database), as opposed to a database that cannot be reached."""
    if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
        return True
    return "locked" in str(exc.orig) or "busy" in str(exc.orig)


def busy_answer(exc: Busy):
    headers = {"Retry-After": str(exc.retry_after), "Cache-Control": "no-store"}
    if request.path.startswith("/api/") or request.path.startswith("/twilio/") or request.path == "/healthz":
        return problem(503, gettext(exc.title), error_text(exc), headers=headers)
    unavailable = isinstance(exc, Unavailable)
    return render_template("errors/503.html", unavailable=unavailable, message=error_text(exc)), 503, headers


def json_rate_limited(exc: RateLimitExceeded):
    """A JSON door's 429: the limit's own answer (on_breach) when it has one."""
    if exc.response is not None:
        return exc.response
    return http_problem(429)


# ---------------------------------------------------------------- pages: public and staff

def not_found_page(message: str | None = None):
    return render_template("errors/404.html", message=message), 404


def form_expired_page(_exc: CSRFError):
    log.info("form refused on %s: %s", request.path, _exc.description)
    return render_template("errors/400.html", back=request.path), 400


def public_pages(bp: Blueprint, *, referrer: str = "same-origin", cache: str = "no-cache") -> None:
    """A blueprint of customer pages: friendly 404 and expired-form pages, and the
    security headers. `referrer` same-origin lets Flask-WTF check the Referer of form
    posts over HTTPS; pages holding a secret link may say no-referrer and no-store."""
    bp.register_error_handler(NotFound, lambda exc: not_found_page(error_text(exc)))
    bp.register_error_handler(CSRFError, form_expired_page)
    bp.register_error_handler(RateLimitExceeded, _page_rate_limited)

    @bp.after_request
    def _page_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Referrer-Policy", referrer)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", cache)
            response.vary.add("Cookie")
            response.vary.add("Accept-Language")
        return response


def _page_rate_limited(exc: RateLimitExceeded):
    """The page's own answer (its form again, saying why) when the limit has one."""
    if exc.response is not None:
        return exc.response
    return render_template("errors/429.html"), 429


def staff_error_page(status: int, title: str, detail: str):
    return render_template("staff/error.html", status=status, title=title, detail=detail), status


def staff_pages(bp: Blueprint) -> None:
    """A blueprint of staff pages (/staff, /admin): errors as the staff error page; never
    framed, never cached (they show customers' names and phones)."""
    bp.register_error_handler(Busy, busy_answer)

    @bp.after_request
    def _staff_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        return response
    bp.register_error_handler(DomainError, lambda exc: staff_error_page(exc.status, gettext(exc.title),
                                                                        error_text(exc)))
    bp.register_error_handler(CSRFError, lambda _exc: staff_error_page(
        400, gettext("The form has expired"), gettext("Nothing was changed. Go back, reload the page and try again.")))

    @bp.errorhandler(RateLimitExceeded)
    def _rate_limited(exc: RateLimitExceeded):
        if exc.response is not None:
            return exc.response
        return staff_error_page(429, gettext("Too many requests"),
                                gettext("Too many attempts; wait a minute and try again."))


# ---------------------------------------------------------------- every response

def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"page_lang": current_lang, "languages": languages})
    app.add_template_filter(ink_on, "ink")
    app.before_request(_refuse_nul_characters)
    app.register_error_handler(WerkzeugNotFound, _unknown_address)
    app.after_request(_remember_language)
    app.after_request(_compress)
    app.after_request(_retry_after)


def _unknown_address(_exc):
    """An address no door answers: problem+json for the machine doors, and for people
    the 404 page (in their language, with a title), not a bare JSON body."""
    wants = request.accept_mimetypes.best_match(["application/json", "text/html"])
    if request.path.startswith(("/api/", "/twilio/", "/socket.io")) or wants != "text/html":
        return http_problem(404)
    response = current_app.make_response(not_found_page())
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def _retry_after(response):
    """Every 429 says when the budget it ran out of has room again."""
    if response.status_code == 429 and "Retry-After" not in response.headers:
        spent = limiter.current_limit
        wait = math.ceil(spent.reset_at - time.time()) if spent is not None else 60
        response.headers["Retry-After"] = str(max(1, wait))
    return response


_proxy_warned = False


def warn_of_an_unknown_proxy() -> None:
    """Said once per process: requests come through a proxy (X-Forwarded-For) that
    TURNERO_PROXY_HOPS does not count, so every visitor has the proxy's address and
    shares one budget of every limit (a busy lobby would lock itself out)."""
    global _proxy_warned
    if not _proxy_warned and "X-Forwarded-For" in request.headers:
        _proxy_warned = True
        log.warning("requests arrive through a proxy (X-Forwarded-For: %s) but TURNERO_PROXY_HOPS is 0: every "
                    "visitor counts as %s for the rate limits; set TURNERO_PROXY_HOPS to the number of proxies",
                    request.headers["X-Forwarded-For"][:100], request.remote_addr)


def _refuse_nul_characters():
    """A request with a NUL character in its address, query, form, JSON or
    Idempotency-Key is a bad request (400): no name, phone, code or link holds one, and
    PostgreSQL can neither store nor compare text with it."""
    texts = [request.path, request.headers.get("Idempotency-Key")]
    for fields in (request.args, request.form):
        texts += [text for key, values in fields.lists() for text in (key, *values)]
    if _holds_nul(texts) or (request.is_json and _holds_nul(request.get_json(silent=True))):
        return http_problem(400)
    return None


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _remember_language(response):
    """A page opened with `?lang=` keeps that language (select_locale reads the cookie)."""
    asked = request.args.get("lang")
    if asked in LANGUAGES and response.mimetype == "text/html" and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=LANG_COOKIE_AGE, samesite="Lax", httponly=True,
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


_compressed_static: dict[tuple, bytes] = {}


def _compress(response):
    """gzip the public pages and the static files when the browser accepts it: the
    tracking page must stay light on a phone's connection (the Socket.IO client alone
    is 47 KB)."""
    if not (request.blueprint == "web" or request.path.startswith("/static/")):
        return response
    if (response.status_code != 200 or response.mimetype not in COMPRESSIBLE
            or "Content-Encoding" in response.headers or "Content-Range" in response.headers
            or "gzip" not in request.headers.get("Accept-Encoding", "").lower()):
        return response
    static_key = None
    if response.direct_passthrough:  # a static file: compress it once per version
        static_key = (request.path, response.get_etag()[0], response.content_length)
        cached = _compressed_static.get(static_key)
        if cached is not None:
            return _gzipped(response, cached)
        response.direct_passthrough = False
    data = response.get_data()
    if len(data) < MIN_COMPRESS:
        return response
    body = gzip.compress(data, compresslevel=6)
    if static_key is not None:
        if len(_compressed_static) > 256:
            _compressed_static.clear()
        _compressed_static[static_key] = body
    return _gzipped(response, body)


def _gzipped(response, body: bytes):
    if response.direct_passthrough:  # the file is not read: close it with the response
        response.direct_passthrough = False
        close = getattr(response.response, "close", None)
        if close is not None:
            response.call_on_close(close)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)  # the bytes differ from the identity encoding
    return response


def ink_on(color: str | None) -> str:
    """Black or white, whichever reads better on a service's colour (#rrggbb)."""
    try:
        r, g, b = (int((color or "")[i:i + 2], 16) / 255 for i in (1, 3, 5))
    except ValueError:
        return "#ffffff"
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    # Contrast with white vs with near-black (#111); pick the larger.
    return "#ffffff" if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.0555) else "#111111"


def service_palette(services: list[dict]) -> dict:
    """Name and colours of each service, for the scripts (a transfer changes the service)."""
    return {s["id"]: {"name": s["name"], "color": s["color"], "ink": ink_on(s["color"])} for s in services}
