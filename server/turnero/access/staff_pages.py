"""Staff sign-in for the browser pages (/staff/login): a Flask-Login session cookie,
passwords checked with argon2 (services.authenticate), failed attempts rate-limited;
and what the other staff pages ask of it (`manager_required`, `session_actor`)."""
from __future__ import annotations

import hashlib
from dataclasses import replace
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_babel import lazy_gettext as _
from flask_limiter import RequestLimit
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import ValidationError, validate_csrf
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from ..errors import N_, DomainError
from ..extensions import login_manager
from ..models import User
from ..web import database, error_text, staff_pages
from . import services
from .limits import login_limits
from .services import ANONYMOUS, Actor

auth = Blueprint("auth", __name__, url_prefix="/staff")
staff_pages(auth)


class LoginForm(FlaskForm):
    username = StringField(_("Username"), validators=[InputRequired()],
                           render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_("Password"), validators=[InputRequired()],
                             render_kw={"autocomplete": "current-password"})


class StaffUser:
    """The signed-in staff member, as Flask-Login sees them (no database session
    attached: views open their own unit of work)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User):
        # Loaded for each request (Flask-Login's user_loader): this request's address.
        self.actor: Actor = replace(services.actor_for_user(user), address=request.remote_addr)
        self.username = user.username
        self.role = user.role
        self.branch_slug = user.branch.slug if user.branch is not None else None
        self._session_id = session_id(user)

    def get_id(self) -> str:
        return self._session_id

    @property
    def is_manager(self) -> bool:
        """May open the administration (a manager only while they have a branch)."""
        return self.role == "admin" or (self.role == "manager" and self.branch_slug is not None)


def session_id(user: User) -> str:
    """The user's id plus a fingerprint of their password hash: a new password ends
    every browser session signed in with the old one."""
    fingerprint = hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]
    return f"{user.id}:{fingerprint}"


@login_manager.user_loader
def load_user(value: str) -> StaffUser | None:
    user_id, _, _fingerprint = value.partition(":")
    if not user_id.isdigit():
        return None
    with database().unit_of_work() as uow:
        user = uow.session.get(User, int(user_id))
        if user is None or not user.active or session_id(user) != value:
            return None
        user.branch  # noqa: B018 - loaded while the session is open
        return StaffUser(user)


login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Log in to continue.")
login_manager.login_message_category = "info"


def session_actor() -> Actor | None:
    """The staff member of the browser session, for the JSON API (the console's
    JavaScript). A request that changes something counts as theirs only with a
    valid X-CSRFToken header: a cookie alone never changes anything. Without the
    header the request is anonymous; with a wrong one it is refused."""
    if not current_user.is_authenticated:
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        header = request.headers.get("X-CSRFToken")
        if not header:
            return None
        try:
            validate_csrf(header)
        except ValidationError as exc:
            raise DomainError(N_("The page's security token is missing or expired; reload the page.")) from exc
    return current_user.actor


def current_actor() -> Actor:
    return current_user.actor if current_user.is_authenticated else ANONYMOUS


def manager_required(view):
    """Signed in as an admin or a manager; an agent gets 403."""
    @login_required
    @wraps(view)
    def wrapper(*args, **kwargs):
        current_user.actor.require_manager()
        return view(*args, **kwargs)
    return wrapper


def safe_next(target: str | None) -> str | None:
    """Only a path on this server (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _too_many_attempts(_limit: RequestLimit):
    form = LoginForm()
    form.form_errors = [gettext("Too many attempts; wait a minute and try again.")]
    return current_app.make_response((render_template("staff/login.html", form=form), 429))


@auth.route("/login", methods=["GET", "POST"])
@login_limits(on_breach=_too_many_attempts)
def login():
    form = LoginForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or url_for("staff.choose"))
    if form.validate_on_submit():
        try:
            with database().unit_of_work() as uow:
                user = services.authenticate(uow.session, form.username.data.strip(), form.password.data)
                staff_user = StaffUser(user)
        except DomainError as exc:
            form.form_errors = [error_text(exc)]
            return render_template("staff/login.html", form=form), 401
        login_user(staff_user)
        current_app.logger.info("staff %s signed in", staff_user.username)
        return redirect(safe_next(request.args.get("next")) or url_for("staff.choose"))
    return render_template("staff/login.html", form=form), (400 if form.errors else 200)


@auth.post("/logout")
@login_required
def logout():
    logout_user()
    flash(gettext("You have logged out."), "info")
    return redirect(url_for("auth.login"))
