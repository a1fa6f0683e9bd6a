"""The administration pages (/admin): branches and their settings, services,
counters, users, devices. Each view checks who acts (manager_required, then the
use case checks the branch), parses its form, calls one use case (services.py,
users.py, deletion.py), and shows the result or the field messages."""
from __future__ import annotations

import base64
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from .. import branding, qr
from ..access.staff_pages import manager_required
from ..errors import DomainError, Invalid
from ..queue.staff_texts import console_texts
from ..web import current_lang, database, error_text, staff_pages
from . import deletion
from . import services as use
from . import users as people
from .checklist import checklist
from .forms import (KIND_LABELS, ROLE_LABELS, ActionForm, BranchDeleteForm, BranchForm, CounterForm, DeviceForm,
                    PasswordForm, PriorityClassForm, ServiceForm, UserEditForm, UserForm, choices, role_choices,
                    show_errors, values)

admin = Blueprint("admin", __name__, url_prefix="/admin")
staff_pages(admin)
admin.context_processor(lambda: {"texts": console_texts(), "role_labels": ROLE_LABELS, "kind_labels": KIND_LABELS})


def actor():
    return current_user.actor


# Room for a logo that is too big, so that the form can say so (the use case refuses it).
LOGO_REQUEST_BYTES = 4 * 1024 * 1024


@admin.url_value_preprocessor
def _room_for_a_logo(endpoint, _values):
    """The branch forms of signed-in staff may carry a logo: more than the usual 16 KB
    a request may hold (this runs before the CSRF check reads the form)."""
    if endpoint in ("admin.branch", "admin.branch_new") and current_user.is_authenticated:
        request.max_content_length = LOGO_REQUEST_BYTES


def _branch_values(form, *skip: str) -> dict:
    """The branch form's data for the use case, with the logo's bytes when one was chosen
    (read up to just past the cap: the use case says when it is too big)."""
    given = values(form, *skip)
    upload = given.pop("logo", None)
    given["logo"] = None
    if getattr(upload, "filename", None):
        with upload.stream:  # a big one was spooled to a temporary file: closed once read
            given["logo"] = upload.stream.read(branding.MAX_LOGO_BYTES + 1)
    return given


def _render(template: str, status: int = 200, **context):
    return render_template(template, **context), status


def _branch_nav(uow, slug: str | None) -> dict:
    """What every admin page shows around its form: the branches one may manage and the current one."""
    return {"branches": use.visible_branches(uow, actor()), "current_branch": slug}


def _saved(form, save, done):
    """A form sent: check it, run `save(uow)` in a unit of work, and once saved flash
    `done(saved)` = (message, where to go) and go there. None when it did not go
    through: the field messages are then on the form."""
    if not form.validate():
        return None
    try:
        with database().unit_of_work(write=True) as uow:
            saved = save(uow)
    except Invalid as exc:
        show_errors(form, exc)
        return None
    message, target = done(saved)
    flash(message, "success")
    return redirect(target)


def _branch_part_page(slug: str, part: str, key: str | None, form_class, template: str, choose=None):
    """The page of one service or counter of a branch (`part`; a new one when `key`
    is None): its form, saved through admin.services' create_/update_ of the part."""
    get, create, update = (getattr(use, f"{verb}_{part}") for verb in ("get", "create", "update"))

    def save(uow, existing, form):
        if existing is None:
            return create(uow, actor(), slug, **values(form))
        return update(uow, actor(), slug, key, **values(form, "slug"))
    with database().unit_of_work() as uow:
        nav = _branch_nav(uow, slug)
        branch_name = use.get_branch(uow, actor(), slug)["name"]
        existing = get(uow, actor(), slug, key) if key else None
        options = choose(uow) if choose else None
    form = form_class(data=existing if request.method == "GET" else None)
    if options is not None:
        form.services.choices = options
    if request.method == "POST":
        done = _saved(form, lambda uow: save(uow, existing, form), lambda saved: (
            gettext("Service “%(name)s” saved.", name=saved["name_" + current_lang()]) if part == "service"
            else gettext("Counter “%(name)s” saved.", name=saved["name"]),
            url_for(f"admin.{part}s", slug=slug)))
        if done is not None:
            return done
    return _render(template, 422 if request.method == "POST" else 200, form=form, existing=existing,
                   branch_name=branch_name, **nav)


def _branch_list_page(slug: str, template: str, rows):
    """The list of a branch's services or counters: `rows(uow)`."""
    with database().unit_of_work() as uow:
        nav = _branch_nav(uow, slug)
        branch_name = use.get_branch(uow, actor(), slug)["name"]
        listed = rows(uow)
    return _render(template, rows=listed, branch_name=branch_name, **nav)


# ---------------------------------------------------------------- branches

@admin.get("/")
@manager_required
def home():
    if current_user.role == "admin":
        return redirect(url_for("admin.branches"))
    return redirect(url_for("admin.branch", slug=current_user.branch_slug))


@admin.get("/branches")
@manager_required
def branches():
    with database().unit_of_work() as uow:
        nav = _branch_nav(uow, None)
    return _render("admin/branches.html", rows=nav["branches"], **nav)


NEW_BRANCH = {"lang": "es", "country": "MX", "timezone": "America/Mexico_City", "priority_boost_min": 15,
              "appointment_boost_min": 10, "notify_ahead": 3, "offers_priority": True,
              "retention_days": 90, "last_entry_min": 0, "remote_grace_min": 30, "no_show_after_recalls": 0,
              "target_wait_min": 15, "no_show_return_min": 30}


@admin.route("/branches/new", methods=["GET", "POST"])
@manager_required
def branch_new():
    actor().require_admin()
    form = BranchForm(data=NEW_BRANCH if request.method == "GET" else None)
    if request.method == "POST":
        done = _saved(form, lambda uow: use.create_branch(uow, actor(), **_branch_values(form)), lambda branch: (
            gettext("Branch “%(name)s” created.", name=branch["name"]),
            url_for("admin.setup", slug=branch["slug"])))
        if done is not None:
            return done
    with database().unit_of_work() as uow:
        nav = _branch_nav(uow, None)
    return _render("admin/branch_form.html", 422 if request.method == "POST" else 200, form=form, creating=True,
                   zones=use.time_zones(), **nav)


@admin.route("/branches/<slug>", methods=["GET", "POST"])
@manager_required
def branch(slug):
    with database().unit_of_work() as uow:
        current = use.get_branch(uow, actor(), slug)
        nav = _branch_nav(uow, slug)
        setup = checklist(uow, actor(), slug)
    form = BranchForm(data=current if request.method == "GET" else None)
    if request.method == "POST":
        done = _saved(form, lambda uow: use.update_branch(uow, actor(), slug, **_branch_values(form, "slug")),
                      lambda _saved_branch: (gettext("Settings saved."), url_for("admin.branch", slug=slug)))
        if done is not None:
            return done
    version = current["brand_logo_version"]
    return _render("admin/branch_form.html", 422 if request.method == "POST" else 200, form=form, creating=False,
                   zones=use.time_zones(), branch_name=current["name"],
                   logo_url=url_for("web.logo", branch=slug, v=version) if version else None, **setup, **nav)


@admin.route("/branches/<slug>/delete", methods=["GET", "POST"])
@manager_required
def branch_delete(slug):
    """Delete a branch: a page that says what goes with it and what stops it now, and
    a form where the admin types the branch's short name to confirm."""
    actor().require_admin()
    form = BranchDeleteForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                with database().unit_of_work(write=True) as uow:
                    gone = deletion.delete_branch(uow, actor(), slug, confirm=form.confirm.data)
                flash(gettext("Branch “%(name)s” deleted.", name=gone["name"]), "success")
                return redirect(url_for("admin.branches"))
            except deletion.BranchInUse:
                status = 409  # the page below says why, from a fresh look
            except Invalid as exc:
                show_errors(form, exc)
                status = 422
        else:
            status = 400
    with database().unit_of_work() as uow:
        contents = deletion.branch_contents(uow, actor(), slug)
        nav = _branch_nav(uow, slug)
    refused = deletion.in_use(contents)
    blockers = [gettext(m, **m.params) for messages in refused.errors.values() for m in messages] if refused else []
    headline = error_text(refused) if refused else None
    form.confirm.description = gettext("Type “%(slug)s” to confirm.", slug=slug)
    return _render("admin/branch_delete.html", status, form=form, c=contents, blockers=blockers, headline=headline,
                   **nav)


# ---------------------------------------------------------------- services and counters

def _service_choices(uow, slug: str):
    """The services a counter may serve: "A · Caja"."""
    return choices((s["slug"], f"{s['prefix']} · {s['name_' + current_lang()]}")
                   for s in use.list_services(uow, actor(), slug))


def _part_pages(part: str, form_class, choose=None) -> None:
    """/admin/branches/<slug>/<part>s (the list) and .../<part>s/new, .../<part>s/<key>
    (the form), for the branch's services and counters."""
    listing = getattr(use, f"list_{part}s")

    @manager_required
    def list_page(slug):
        return _branch_list_page(slug, f"admin/{part}s.html", lambda uow: listing(uow, actor(), slug))

    @manager_required
    def form_page(slug, **key):
        return _branch_part_page(slug, part, key.get(part), form_class, f"admin/{part}_form.html",
                                 choose=(lambda uow: choose(uow, slug)) if choose else None)

    admin.add_url_rule(f"/branches/<slug>/{part}s", f"{part}s", list_page, methods=["GET"])
    admin.add_url_rule(f"/branches/<slug>/{part}s/new", part, form_page, methods=["GET", "POST"])
    admin.add_url_rule(f"/branches/<slug>/{part}s/<{part}>", part, form_page, methods=["GET", "POST"])


_part_pages("service", ServiceForm)
_part_pages("counter", CounterForm, choose=_service_choices)


# ---------------------------------------------------------------- users

def _user_choices(form, uow) -> None:
    form.role.choices = role_choices(current_user.role)
    branches = use.visible_branches(uow, actor())
    none = [("", gettext("No branch (administrators)"))] if current_user.role == "admin" else []
    form.branch.choices = choices(none + [(b["slug"], b["name"]) for b in branches])


@admin.get("/users")
@manager_required
def users():
    with database().unit_of_work() as uow:
        nav = _branch_nav(uow, None)
        rows = people.list_users(uow, actor())
    return _render("admin/users.html", rows=rows, **nav)


@admin.route("/users/new", methods=["GET", "POST"])
@manager_required
def user_new():
    # ?branch=SLUG: from a branch's setup checklist, its new agent
    form = UserForm(data={"role": "agent", "branch": request.args.get("branch") or current_user.branch_slug or ""}
                    if request.method == "GET" else None)
    with database().unit_of_work() as uow:
        _user_choices(form, uow)
        nav = _branch_nav(uow, None)
    if request.method == "POST":
        done = _saved(form, lambda uow: people.create_user(
            uow, actor(), username=form.username.data, role=form.role.data, password=form.password.data,
            branch=form.branch.data or None), lambda user: (
            gettext("User “%(name)s” created.", name=user["username"]), url_for("admin.users")))
        if done is not None:
            return done
    return _render("admin/user_new.html", 422 if request.method == "POST" else 200, form=form, **nav)


def _user_page(user_id: int, status: int = 200, edit=None, password=None):
    with database().unit_of_work() as uow:
        view = people.get_user(uow, actor(), user_id)
        view["self"] = view["id"] == actor().user_id
        if edit is None:
            edit = UserEditForm(data={"role": view["role"], "branch": view["branch"] or ""})
        _user_choices(edit, uow)
        nav = _branch_nav(uow, None)
    return _render("admin/user_edit.html", status, user=view, form=edit, password_form=password or PasswordForm(),
                   action_form=ActionForm(), **nav)


@admin.get("/users/<int:user_id>")
@manager_required
def user(user_id):
    return _user_page(user_id)


@admin.post("/users/<int:user_id>")
@manager_required
def user_save(user_id):
    form = UserEditForm()
    return _user_form(user_id, "edit", form, lambda uow: people.update_user(
        uow, actor(), user_id, role=form.role.data, branch=form.branch.data or None),
        lambda saved: gettext("User “%(name)s” saved.", name=saved["username"]))


@admin.post("/users/<int:user_id>/password")
@manager_required
def user_password(user_id):
    form = PasswordForm()
    return _user_form(user_id, "password", form, lambda uow: people.reset_password(
        uow, actor(), user_id, form.password.data),
        lambda saved: gettext("New password set for “%(name)s”.", name=saved["username"]))


def _user_form(user_id: int, which: str, form, save, message):
    """One of the forms of a user's page: saved, back to the page with `message`; or the
    page again with this form's messages."""
    done = _saved(form, save, lambda saved: (message(saved), url_for("admin.user", user_id=user_id)))
    return done or _user_page(user_id, 422, **{which: form})


@admin.post("/users/<int:user_id>/active")
@manager_required
def user_active(user_id):
    form = ActionForm()
    form.validate()
    active = request.form.get("active") == "1"
    try:
        with database().unit_of_work(write=True) as uow:
            saved = people.set_user_active(uow, actor(), user_id, active)
    except DomainError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("admin.user", user_id=user_id))
    flash(gettext("“%(name)s” can log in again.", name=saved["username"]) if active
          else gettext("“%(name)s” can no longer log in.", name=saved["username"]), "success")
    return redirect(url_for("admin.user", user_id=user_id))


# ---------------------------------------------------------------- devices

def _devices_page(slug: str, form: DeviceForm, status: int = 200, issued: dict | None = None,
                  pairing: dict | None = None):
    with database().unit_of_work() as uow:
        nav = _branch_nav(uow, slug)
        branch = use.get_branch(uow, actor(), slug)
        rows = people.list_devices(uow, actor(), slug)
    branch_name, zone = branch["name"], ZoneInfo(branch["timezone"])
    for row in rows:
        row["created_at"] = row["created_at"].astimezone(zone).strftime("%Y-%m-%d %H:%M")
        row["presence"] = _presence(row, zone)
    if pairing:
        pairing["until"] = pairing["expires_at"].astimezone(zone).strftime("%H:%M")
    response = make_response(render_template("admin/devices.html", rows=rows, form=form, issued=issued,
                                             pairing=pairing, action_form=ActionForm(), branch_name=branch_name,
                                             **nav), status)
    if issued or pairing:
        response.headers["Cache-Control"] = "no-store"  # the token or the code is shown once
    return response


def _presence(row: dict, zone: ZoneInfo) -> str:
    """"Online", "Seen 5 min ago", "Seen 3 h ago", "Last seen 2026-12-01 17:02", "Never seen"."""
    if row["online"]:
        return gettext("Online")
    minutes = row["seen_min"]
    if minutes is None:
        return gettext("Never seen")
    if minutes < 60:
        return gettext("Seen %(num)s min ago", num=minutes)
    if minutes < 24 * 60:
        return gettext("Seen %(num)s h ago", num=minutes // 60)
    return gettext("Last seen %(when)s", when=row["last_seen_at"].astimezone(zone).strftime("%Y-%m-%d %H:%M"))


def _priority_page(slug: str, form, status: int = 200):
    with database().unit_of_work() as uow:
        nav = _branch_nav(uow, slug)
        view = use.priority_classes(uow, actor(), slug)
    return _render("admin/priority.html", status, form=form, action_form=ActionForm(), **view, **nav)


@admin.get("/branches/<slug>/priority")
@manager_required
def priority(slug):
    return _priority_page(slug, PriorityClassForm())


@admin.post("/branches/<slug>/priority")
@manager_required
def priority_add(slug):
    form = PriorityClassForm()
    if form.validate():
        try:
            with database().unit_of_work(write=True) as uow:
                added = use.add_priority_class(uow, actor(), slug, **values(form))
            flash(gettext("Priority class “%(name)s” added.", name=added["name_es"]), "success")
            return redirect(url_for("admin.priority", slug=slug))
        except Invalid as exc:
            show_errors(form, exc)
    return _priority_page(slug, form, 422)


@admin.post("/branches/<slug>/priority/<int:class_id>/delete")
@manager_required
def priority_remove(slug, class_id):
    ActionForm().validate()
    with database().unit_of_work(write=True) as uow:
        removed = use.remove_priority_class(uow, actor(), slug, class_id)
    flash(gettext("Priority class “%(name)s” removed.", name=removed["name_es"]), "success")
    return redirect(url_for("admin.priority", slug=slug))


@admin.get("/branches/<slug>/devices")
@manager_required
def devices(slug):
    return _devices_page(slug, DeviceForm())


@admin.post("/branches/<slug>/devices")
@manager_required
def device_issue(slug):
    form = DeviceForm()
    if form.validate():
        try:
            with database().unit_of_work(write=True) as uow:
                device, token = people.issue_device(uow, actor(), slug, kind=form.kind.data, name=form.name.data)
            issued = {**device, "token": token}
            return _devices_page(slug, DeviceForm(formdata=None), 201, issued=issued)
        except Invalid as exc:
            show_errors(form, exc)
    return _devices_page(slug, form, 422)


@admin.post("/branches/<slug>/devices/pair")
@manager_required
def device_pair(slug):
    """A pairing code for a new kiosk or display, shown large with its QR code and the
    command that uses it."""
    form = DeviceForm()
    if form.validate():
        try:
            with database().unit_of_work(write=True) as uow:
                made = people.issue_pairing_code(uow, actor(), slug, kind=form.kind.data, name=form.name.data)
            server = request.host_url.rstrip("/")
            pairing = {"code": made.code, "kind": made.kind, "name": made.name, "server": server,
                       "qr": "data:image/svg+xml;base64," + base64.b64encode(qr.svg(made.code)).decode(),
                       "expires_at": made.expires_at,
                       "command": f"turnero-{made.kind} --pair {made.code} --server {server}"}
            return _devices_page(slug, DeviceForm(formdata=None), 201, pairing=pairing)
        except Invalid as exc:
            show_errors(form, exc)
    return _devices_page(slug, form, 422)


@admin.post("/branches/<slug>/devices/<int:device_id>/revoke")
@manager_required
def device_revoke(slug, device_id):
    form = ActionForm()
    form.validate()
    with database().unit_of_work(write=True) as uow:
        device = people.revoke_device(uow, actor(), slug, device_id)
    flash(gettext("Device “%(name)s” revoked: its token no longer works.", name=device["name"]), "success")
    return redirect(url_for("admin.devices", slug=slug))
