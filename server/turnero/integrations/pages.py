"""The administrators' page of a branch's webhooks (/admin/branches/<slug>/webhooks):
the endpoints with their latest deliveries (the delivery log), adding one (its secret
shown once) and removing one."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.fields import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from ..access.staff_pages import manager_required
from ..admin import services as admin_use
from ..admin.forms import show_errors
from ..errors import Invalid
from ..web import database, staff_pages
from . import services

bp = Blueprint("integrations_pages", __name__, url_prefix="/admin")
staff_pages(bp)
DELIVERIES_SHOWN = 10


class WebhookForm(FlaskForm):
    url = StringField(_("Address"), description=_("Where the deliveries go, like https://example.com/turnero."))
    events = SelectMultipleField(_("Events"), choices=[SelectChoice(e, e) for e in services.EVENT_NAMES],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class RemoveForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


def _page(slug: str, form: WebhookForm, status: int = 200, secret: dict | None = None):
    actor = current_user.actor
    with database().unit_of_work() as uow:
        endpoints = services.list_endpoints(uow, slug, actor)
        for e in endpoints:
            e["deliveries"] = services.deliveries(uow, e["id"], actor, limit=DELIVERIES_SHOWN)
        nav = {"branches": admin_use.visible_branches(uow, actor), "current_branch": slug}
    response = make_response(render_template("integrations/webhooks.html", form=form, endpoints=endpoints,
                                             remove_form=RemoveForm(), secret=secret, **nav), status)
    if secret:
        response.headers["Cache-Control"] = "no-store"  # the secret is shown once
    return response


@bp.get("/branches/<slug>/webhooks")
@manager_required
def webhooks(slug):
    current_user.actor.require_admin()
    return _page(slug, WebhookForm())


@bp.post("/branches/<slug>/webhooks")
@manager_required
def webhook_add(slug):
    current_user.actor.require_admin()
    form = WebhookForm()
    if form.validate():
        try:
            with database().unit_of_work(write=True) as uow:
                made = services.add_endpoint(uow, slug, current_user.actor, form.url.data or "", form.events.data,
                                             allow_private=current_app.config["TURNERO"].WEBHOOKS_ALLOW_PRIVATE)
            return _page(slug, WebhookForm(formdata=None), 201, secret=made)
        except Invalid as exc:
            show_errors(form, exc)
    return _page(slug, form, 422)


@bp.post("/branches/<slug>/webhooks/<int:endpoint_id>/delete")
@manager_required
def webhook_remove(slug, endpoint_id):
    current_user.actor.require_admin()
    RemoveForm().validate()
    with database().unit_of_work(write=True) as uow:
        services.remove_endpoint(uow, endpoint_id, current_user.actor)
    flash(gettext("Webhook removed."), "success")
    return redirect(url_for("integrations_pages.webhooks", slug=slug))
