"""The application factory: configuration, extensions, then each part of Turnero
(`init_app` of access, the queue, admin, appointments, messaging), composed here."""
from __future__ import annotations

import json
import logging
import os
from functools import partial

from apiflask import APIFlask
from flask import request
from flask_babel import get_locale
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (access, admin, appointments, cli, fields, integrations, maintenance, messaging, metrics, queue, realtime,
               reports, web)
from .config import Config
from .db import Database
from .extensions import babel, csrf, limiter, select_locale, socketio

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(overrides: dict | None = None, environ: dict | None = None) -> APIFlask:
    instance_path = (os.environ if environ is None else environ).get("TURNERO_INSTANCE_PATH") or None
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
        # Redis down: each process counts in its own memory until it is back, rather
        # than failing every limited request (the README's "When a part fails").
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 2, "socket_timeout": 2} if cfg.REDIS_URL else {},
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        # Served over https (the public address says so): cookies never travel in clear.
        SESSION_COOKIE_SECURE=cfg.PUBLIC_URL.startswith("https://"),
        REMEMBER_COOKIE_SECURE=cfg.PUBLIC_URL.startswith("https://"),
        SESSION_COOKIE_HTTPONLY=True,
        RATELIMIT_HEADERS_ENABLED=False,
    )

    database = Database(cfg.DATABASE_URL, echo=cfg.ECHO_SQL, public_url=cfg.PUBLIC_URL)
    app.extensions["turnero.db"] = database

    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    limiter.init_app(app)
    csrf.init_app(app)
    # Browsers may connect from the server's own origin (the default) or from the
    # public URL when it differs (a proxy in front). The Socket.IO handlers registered
    # when the queue was imported; init_app hands them to this app's server.
    origins = sorted({cfg.PUBLIC_URL, *cfg.CORS_ORIGINS}) if cfg.CORS_ORIGINS else None
    # The client manager (Redis when several processes share the queue) also hears the
    # notices of moved lines: each process updates the tickets its own clients follow.
    # Every payload is plain JSON already: the standard json module encodes it, without
    # the app context Flask's json provider would push for each packet.
    manager = realtime.client_manager(cfg.REDIS_URL, cfg.SOCKETIO_CHANNEL,
                                      on_notice=partial(queue.followers.refresh, database),
                                      on_resume=partial(queue.followers.resync, database))
    socketio.init_app(app, async_mode=cfg.ASYNC_MODE, client_manager=manager,
                      cors_allowed_origins=origins, json=json, max_http_buffer_size=16 * 1024,
                      ping_interval=cfg.PING_INTERVAL_S, ping_timeout=cfg.PING_TIMEOUT_S)
    database.publisher = realtime.publish
    if cfg.PROXY_HOPS > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=cfg.PROXY_HOPS, x_proto=cfg.PROXY_HOPS,
                                x_host=cfg.PROXY_HOPS)
    else:
        app.before_request(web.warn_of_an_unknown_proxy)

    metrics.init_app(app)
    web.init_app(app)
    web.register_json_errors(app)
    app.spec_processor(lambda spec: fields.document_across_fields(web.problems_in_the_document(spec)))
    for part in (access, queue, admin, appointments, messaging, integrations, reports):
        part.init_app(app)
    cli.register(app)

    @app.get("/healthz")
    @app.doc(hide=True)
    def healthz():
        """`{"status": "ok"}` when the database answers. With `?full=1`, for the
        monitoring only (metrics.monitor_may_look; anyone else gets the short answer):
        every part `turnero check` looks at, 503 when a required one is wrong."""
        if request.args.get("full") and metrics.monitor_may_look():
            status, parts = maintenance.health(maintenance.check(database.engine, cfg.REDIS_URL))
            return {"status": status, **parts}, 503 if status == "down" else 200, {"Cache-Control": "no-store"}
        with database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app
