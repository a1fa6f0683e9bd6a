"""The administration's records: the audit log (/admin/audit) and a customer's data on
request (/admin/customers: what is kept about a phone number, a copy of it, erasing
it). Routes of the `admin` blueprint."""
from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_day_names
from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _

from ..access import audit
from ..access.staff_pages import manager_required
from ..errors import Conflict, DomainError
from ..web import current_lang as page_lang
from ..web import database, error_text
from . import privacy
from .forms import BranchForm, CounterForm, CustomerEraseForm, CustomerForm, ServiceForm, show_errors
from .staff_pages import _branch_nav, _render, actor, admin

# Names of what an entry's changes may name, besides the fields of the admin forms.
OTHER_LABELS = {
    "role": _("Role"), "branch": _("Branch"), "days": _("Days"), "state": _("State"), "services": _("Services"),
    "checkin_before_min": _("Check-in opens (minutes before)"),
    "checkin_after_min": _("Check-in closes (minutes after)"),
    "tickets": _("Tickets"), "appointments": _("Appointments"), "messages": _("Messages"),
    "comments": _("Comments"), "customers": _("Customers"), "customer": _("Customer"),
    "messages_sent": _("Messages sent"), "messages_received": _("Messages received"),
    "push_subscriptions": _("Browser notifications"),
}


def _labels() -> dict[str, str]:
    labels = {}
    for form in (BranchForm, ServiceForm, CounterForm):
        for name in dir(form):
            unbound = getattr(form, name)
            if hasattr(unbound, "field_class") and unbound.args:
                labels[name] = str(unbound.args[0])
    labels.update({name: str(label) for name, label in OTHER_LABELS.items()})
    labels.update({str(day): name.capitalize() for day, name in get_day_names("wide", locale=page_lang()).items()})
    return labels


def _when(at: datetime, zone: str | None) -> str:
    shown = format_datetime(at, "medium", tzinfo=ZoneInfo(zone or "UTC"), locale=page_lang())
    return shown if zone else f"{shown} UTC"


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value) or "—"
    return str(value)


def _changes(changes: dict, labels: dict) -> list[dict]:
    out = []
    for key, value in changes.items():
        row = {"field": labels.get(key, key)}
        if isinstance(value, list) and len(value) == 2:
            row.update(before=_shown(value[0]), after=_shown(value[1]), created=value[0] is None)
        else:
            row.update(value=_shown(value))
        out.append(row)
    return out


@admin.get("/audit")
@manager_required
def audit_log():
    branch = request.args.get("branch") or None
    before = request.args.get("before", type=int)
    with database().unit_of_work() as uow:
        nav = _branch_nav(uow, None)
        page = audit.entries(uow.session, actor(), branch=branch, before=before)
    zones = {b["slug"]: b["timezone"] for b in nav["branches"]}
    labels = _labels()
    rows = [{**e, "when": _when(e["at"], zones.get(e["branch"])), "what": gettext(e["what"]),
             "changes": _changes(e["changes"], labels)} for e in page.entries]
    return _render("admin/audit.html", rows=rows, older=page.older, branch_filter=branch, **nav)


# ---------------------------------------------------------------- a customer's data

@admin.route("/customers", methods=["GET", "POST"])
@manager_required
def customers():
    """Find what is kept about a phone number (POST: the number is not put in the address)."""
    actor().require_admin()
    form = CustomerForm(data={"country": _default_country()} if request.method == "GET" else None)
    found = None
    if request.method == "POST" and form.validate():
        try:
            with database().unit_of_work() as uow:
                found = privacy.customer_records(uow, actor(), form.phone.data, form.country.data)
        except DomainError as exc:
            show_errors(form, exc)
    erase_form = CustomerEraseForm(formdata=None, data={"phone": form.phone.data, "country": form.country.data})
    return _customers_page(form, erase_form, found, 422 if form.errors else 200)


def _customers_page(form, erase_form, found, status=200):
    with database().unit_of_work() as uow:
        nav = _branch_nav(uow, None)
    counts = None
    if found is not None:
        labels = _labels()
        counts = [(labels.get(kind, kind), len(rows)) for kind, rows in found["records"].items()]
    blockers = [gettext(m, **getattr(m, "params", {})) for ms in (found or {}).get("blockers", {}).values()
                for m in ms]
    return _render("admin/customers.html", status, form=form, erase_form=erase_form, found=found, counts=counts,
                   blockers=blockers, **nav)


def _default_country() -> str:
    with database().unit_of_work() as uow:
        branches = _branch_nav(uow, None)["branches"]
    return branches[0]["country"] if branches else "MX"


@admin.post("/customers/export")
@manager_required
def customer_export():
    """The customer's copy, as a JSON file (entered in the audit log)."""
    actor().require_admin()
    form = CustomerForm()
    if not form.validate():
        return redirect(url_for("admin.customers"))
    try:
        with database().unit_of_work(write=True) as uow:
            copy = privacy.export(uow, actor(), form.phone.data, form.country.data)
    except DomainError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("admin.customers"))
    body = json.dumps(copy, default=_json_value, ensure_ascii=False, indent=2)
    name = f"turnero-{copy['phone'].lstrip('+')}-{date.today().isoformat()}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _json_value(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


@admin.post("/customers/erase")
@manager_required
def customer_erase():
    actor().require_admin()
    erase_form = CustomerEraseForm()
    form = CustomerForm(formdata=None, data={"phone": erase_form.phone.data, "country": erase_form.country.data})
    if not erase_form.validate() or not erase_form.confirm.data:
        erase_form.confirm.errors = [gettext("Tick the box to confirm.")]
        return _found_again(form, erase_form)
    try:
        with database().unit_of_work(write=True) as uow:
            counts = privacy.erase(uow, actor(), erase_form.phone.data, erase_form.country.data)
    except Conflict as exc:
        flash(error_text(exc), "error")
        return _found_again(form, erase_form)
    except DomainError as exc:
        show_errors(form, exc)
        return _customers_page(form, erase_form, None, 422)
    flash(gettext("The customer's data was erased (%(count)d records).", count=sum(counts.values())), "success")
    return redirect(url_for("admin.customers"))


def _found_again(form, erase_form):
    found = None
    try:
        with database().unit_of_work() as uow:
            found = privacy.customer_records(uow, actor(), form.phone.data, form.country.data)
    except DomainError as exc:
        show_errors(form, exc)
    return _customers_page(form, erase_form, found, 409 if found is not None else 422)
