"""The two areas of the staff pages, the console (/staff) and the administration
(/admin), with what they share: error pages and the language switch."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError

from ..errors import DomainError
from ..extensions import LANGUAGES

staff = Blueprint("staff", __name__, url_prefix="/staff")
admin = Blueprint("admin", __name__, url_prefix="/admin")

LANG_COOKIE_DAYS = 365


def remember_language(response):
    """`?lang=xx` (the language switch) is kept in the `lang` cookie that the
    locale selector reads, so the next pages stay in that language."""
    asked = request.args.get("lang")
    if asked in LANGUAGES and request.cookies.get("lang") != asked:
        response.set_cookie("lang", asked, max_age=LANG_COOKIE_DAYS * 86400, samesite="Lax")
    return response


def error_page(status: int, title: str, detail: str):
    return render_template("staff/error.html", status=status, title=title, detail=detail), status


def domain_error_page(exc: DomainError):
    return error_page(exc.status, gettext(exc.title), gettext(exc.message, **exc.params))


def csrf_error_page(_exc: CSRFError):
    return error_page(400, gettext("The form has expired"),
                      gettext("Nothing was changed. Go back, reload the page and try again."))


def rate_limited_page(exc: RateLimitExceeded):
    if exc.response is not None:
        return exc.response
    return error_page(429, gettext("Too many requests"), gettext("Too many attempts; wait a minute and try again."))


for _bp in (staff, admin):
    _bp.after_request(remember_language)
    _bp.register_error_handler(DomainError, domain_error_page)
    _bp.register_error_handler(CSRFError, csrf_error_page)
    _bp.register_error_handler(RateLimitExceeded, rate_limited_page)


def _texts():
    from .forms import KIND_LABELS, ROLE_LABELS
    from .texts import console_texts
    return {"texts": console_texts(), "role_labels": ROLE_LABELS, "kind_labels": KIND_LABELS}


for _bp in (staff, admin):
    _bp.context_processor(_texts)
