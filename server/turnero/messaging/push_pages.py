"""The tracking page as an installable web app: its manifest (per ticket: the app
opens that turn) and the service worker that shows Web Push notifications. The worker
is served from /t/ so that its scope covers every tracking page (/t/TOKEN)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, url_for
from flask_babel import gettext

from ..web import current_lang, database, public_pages
from . import push

pwa = Blueprint("pwa", __name__)
public_pages(pwa, referrer="no-referrer")

THEME = "#0b4fb3"  # the brand blue of static/css/turnero.css and favicon.svg
ICONS = (("icons/icon-192.png", "192x192", "any"), ("icons/icon-512.png", "512x512", "any"),
         ("icons/maskable-192.png", "192x192", "maskable"), ("icons/maskable-512.png", "512x512", "maskable"))


@pwa.get("/t/<token>/manifest.webmanifest")
def manifest(token):
    with database().unit_of_work() as uow:
        found = push.app_of(uow, token)
    page = url_for("web.track", token=token)
    body = {
        "id": page, "start_url": page, "scope": "/t/",
        "name": gettext("%(code)s at %(branch)s", code=found.code, branch=found.branch_name),
        "short_name": found.code, "lang": current_lang(),
        "description": gettext("Your turn, live."),
        "display": "standalone", "orientation": "portrait",
        "background_color": "#f3f5f9", "theme_color": THEME,
        "icons": [{"src": url_for("static", filename=src), "sizes": sizes, "type": "image/png", "purpose": purpose}
                  for src, sizes, purpose in ICONS],
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-store"
    return response


@pwa.get("/t/sw.js")
def service_worker():
    script = (Path(current_app.static_folder) / "js" / "sw.js").read_text(encoding="utf-8")
    return Response(script, mimetype="text/javascript",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/t/"})
