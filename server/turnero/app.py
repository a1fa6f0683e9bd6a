"""The application factory: configuration, extensions, blueprints, error pages."""
from __future__ import annotations

import logging
import os

from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import Response, json, request
from flask_babel import get_locale, gettext
from sqlalchemy import text

from .config import Config
from .db import Database
from .errors import N_, DomainError
from .extensions import babel, csrf, limiter, select_locale, socketio

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(overrides: dict | None = None, environ: dict | None = None) -> APIFlask:
    instance_path = (environ or os.environ).get("TURNERO_INSTANCE_PATH") or None
    app = APIFlask(__name__, title="Turnero API", version="1.0", spec_path="/api/v1/openapi.json",
                   docs_path="/api/v1/docs", instance_path=instance_path, instance_relative_config=True)
    cfg = Config(app.instance_path, environ)
    for key, value in (overrides or {}).items():
        setattr(cfg, key, value)
    app.config.update(cfg.as_flask())
    app.config.update(
        VALIDATION_ERROR_STATUS_CODE=422,
        SPEC_FORMAT="json",
        INFO={"description": "The one queue every Turnero channel reads and changes. "
                             "Real-time events: Socket.IO, see CONTRACT.md."},
        SECURITY_SCHEMES={"bearer": {"type": "http", "scheme": "bearer"}},
        TAGS=[{"name": "Branches", "description": "Branches, their services and waits"},
              {"name": "Tickets", "description": "Taking, following and cancelling a turn"},
              {"name": "Staff", "description": "Counters and staff actions (Bearer token)"},
              {"name": "Devices", "description": "Kiosks and lobby displays"}],
        DOCS_FAVICON="/static/favicon.svg",
        SWAGGER_UI_CSS="/static/vendor/swagger-ui/swagger-ui.css",
        SWAGGER_UI_BUNDLE_JS="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        SWAGGER_UI_STANDALONE_PRESET_JS="/static/vendor/swagger-ui/swagger-ui-standalone-preset.js",
        BABEL_DEFAULT_LOCALE="es",
        # Forms stay valid as long as the session: a customer may wait an hour before
        # cancelling from the tracking page.
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=cfg.REDIS_URL or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
    )

    database = Database(cfg.DATABASE_URL, echo=cfg.ECHO_SQL, public_url=cfg.PUBLIC_URL)
    app.extensions["turnero.db"] = database

    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    limiter.init_app(app)
    csrf.init_app(app)
    # Browsers may connect from the server's own origin (the default) or from the
    # public URL when it differs (a proxy in front).
    origins = sorted({cfg.PUBLIC_URL, *cfg.CORS_ORIGINS}) if cfg.CORS_ORIGINS else None
    # The handlers are registered on import, before init_app builds the server
    # (init_app hands them to every new server, so several apps can coexist).
    from . import realtime
    socketio.init_app(app, async_mode=cfg.ASYNC_MODE, message_queue=cfg.REDIS_URL, channel=cfg.SOCKETIO_CHANNEL,
                      cors_allowed_origins=origins, json=json, max_http_buffer_size=16 * 1024)
    database.publisher = realtime.publish
    if cfg.PROXY_HOPS > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=cfg.PROXY_HOPS, x_proto=cfg.PROXY_HOPS,
                                x_host=cfg.PROXY_HOPS)

    from . import metrics
    metrics.init_app(app)
    _register_errors(app)

    from .api import api
    app.register_blueprint(api)
    # The JSON API checks CSRF itself: Bearer tokens need none, and a browser session
    # counts only with a valid X-CSRFToken header (see api.routes.actor).
    csrf.exempt(api)
    from .pages import web
    app.register_blueprint(web)
    from .staff import init_app as init_staff
    init_staff(app)
    from .messaging import init_app as init_messaging
    init_messaging(app)
    from .appointments import init_app as init_appointments
    init_appointments(app)

    from . import cli
    cli.register(app)

    @app.get("/healthz")
    @app.doc(hide=True)
    def healthz():
        with database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app


def problem(status: int, title: str, detail: str | None = None, errors: dict | None = None,
            headers: dict | None = None) -> Response:
    body = {"type": "about:blank", "status": status, "title": title, "detail": detail or title}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _translate_errors(errors: dict) -> dict:
    """Marshmallow's and our own field messages, in the request's language."""
    out = {}
    for field, messages in errors.items():
        if isinstance(messages, dict):  # nested or per-item errors: flatten one level
            for sub, inner in _translate_errors(messages).items():
                out[f"{field}.{sub}"] = inner
        else:
            out[field] = [gettext(m) for m in (messages if isinstance(messages, list) else [messages])]
    return out


def _register_errors(app: APIFlask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        detail = gettext(exc.message, **exc.params)
        return problem(exc.status, gettext(exc.title), detail, _translate_errors(exc.errors))

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
            title, detail = _http_title(status, error.message)
        return problem(status, title, detail, errors, headers=error.headers)


_HTTP_MESSAGES = {
    400: (N_("Bad request"), N_("The request could not be read (is the JSON well formed?).")),
    401: (N_("Authentication required"), N_("Log in as staff to do this.")),
    403: (N_("Forbidden"), N_("You may not do this.")),
    404: (N_("Not found"), N_("There is nothing at this address.")),
    405: (N_("Method not allowed"), N_("This address does not accept this method.")),
    413: (N_("Request too large"), N_("The request is too large.")),
    415: (N_("Unsupported media type"), N_("Send the body as JSON.")),
    429: (N_("Too many requests"), N_("Too many attempts; wait a minute and try again.")),
}


def _http_title(status: int, fallback: str) -> tuple[str, str]:
    if status in _HTTP_MESSAGES:
        title, detail = _HTTP_MESSAGES[status]
        return gettext(title), gettext(detail)
    if status >= 500:
        log.error("server error %s on %s %s", status, request.method, request.path)
        return gettext("Server error"), gettext("Something went wrong on our side; please try again.")
    return fallback, fallback
