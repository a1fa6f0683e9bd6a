"""What every page shares: the database, the language switch, friendly error pages,
security headers and compression of what the pages load."""
from __future__ import annotations

import gzip
import logging

from flask import current_app, render_template, request
from flask_babel import get_locale, gettext
from flask_wtf.csrf import CSRFError

from ..db import Database
from ..errors import NotFound
from ..extensions import LANGUAGES
from ..services import queue
from . import web

log = logging.getLogger(__name__)

LANG_COOKIE = "lang"
LANG_COOKIE_AGE = 365 * 24 * 3600
# Content-Security-Policy of the public pages: nothing from another host, no inline
# scripts (the pages only embed JSON data blocks). Inline styles carry the colours
# of services.
CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; media-src 'self'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
COMPRESSIBLE = {"text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml"}
MIN_COMPRESS = 1024
_compressed_static: dict[tuple, bytes] = {}


def database() -> Database:
    return current_app.extensions["turnero.db"]


def page_lang() -> str:
    locale = get_locale()
    return str(locale.language) if locale is not None else "es"


def other_languages() -> list[tuple[str, str]]:
    """The language switch: (code, name in that language) of every language."""
    names = {"es": "Español", "en": "English"}
    return [(code, names[code]) for code in LANGUAGES]


@web.app_context_processor
def _page_globals():
    return {"page_lang": page_lang, "languages": other_languages}


@web.app_template_filter("ink")
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


def field_errors(exc) -> dict[str, list[str]]:
    """A use case's field errors (message ids), translated for the page."""
    return {field: [gettext(m) for m in messages] for field, messages in (exc.errors or {}).items()}


# ---------------------------------------------------------------- errors

def not_found_page(message: str | None = None):
    return render_template("errors/404.html", message=message), 404


@web.errorhandler(NotFound)
def _not_found(exc: NotFound):
    return not_found_page(gettext(exc.message, **exc.params))


@web.errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError):
    log.info("form refused on %s: %s", request.path, exc.description)
    return render_template("errors/400.html", back=request.path), 400


# ---------------------------------------------------------------- every response

@web.after_app_request
def _remember_language(response):
    """A page opened with `?lang=` keeps that language (select_locale reads the cookie)."""
    asked = request.args.get("lang")
    if asked in LANGUAGES and response.mimetype == "text/html" and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=LANG_COOKIE_AGE, samesite="Lax", httponly=True)
    return response


@web.after_request
def _page_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    # same-origin, not no-referrer: Flask-WTF checks the Referer of form posts over HTTPS.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-cache")
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
    return response


@web.after_app_request
def _compress(response):
    """gzip the pages and their static files when the browser accepts it: the tracking
    page must stay light on a phone's connection (the Socket.IO client alone is 47 KB)."""
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


# ---------------------------------------------------------------- the start page

@web.get("/")
def index():
    with database().unit_of_work() as uow:
        branches = queue.list_branches(uow)
    return render_template("index.html", branches=branches)


__all__ = ["database", "page_lang", "field_errors", "not_found_page", "service_palette"]
