"""The staff and admin forms (Flask-WTF: CSRF token, typed fields, labels).

The forms only parse and coerce; the rules (lengths, ranges, uniqueness, time zones)
live in admin/services.py and admin/users.py, whose field messages `show_errors` puts next to the fields."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _  # labels are translated when shown
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, FloatField, IntegerField, PasswordField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.fields import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..errors import DomainError

LANG_CHOICES = [SelectChoice("es", "Español"), SelectChoice("en", "English")]
KIND_LABELS = {"kiosk": _("Kiosk"), "display": _("Lobby display")}


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class BranchForm(FlaskForm):
    slug = StringField(_("Short name"), description=_("Lowercase letters, digits and hyphens; used in links, "
                                                      "like /b/centro/join. It cannot change later."))
    name = StringField(_("Name"))
    address = StringField(_("Address"), description=_("Optional; shown to customers on the start page, with "
                                                      "their appointment and in its calendar file."),
                          render_kw={"maxlength": 200, "autocomplete": "off"})
    timezone = StringField(_("Time zone"), description=_("Where the branch is, like America/Mexico_City."),
                           render_kw={"list": "time-zones", "autocomplete": "off"})
    lang = SelectField(_("Language"), choices=LANG_CHOICES,
                       description=_("Of the lobby screen and of messages when the customer has not chosen."))
    country = StringField(_("Country"), description=_("Two letters, for local phone numbers: MX, US, ES…"),
                          render_kw={"maxlength": 2, "autocapitalize": "characters"})
    priority_boost_min = IntegerField(_("Priority boost (minutes)"), validators=[Optional()],
                                      description=_("A priority ticket goes in line as if taken this much earlier."),
                                      render_kw={"inputmode": "numeric"})
    appointment_boost_min = IntegerField(_("Appointment boost (minutes)"), validators=[Optional()],
                                         description=_("The same for customers checking in for an appointment."),
                                         render_kw={"inputmode": "numeric"})
    notify_ahead = IntegerField(_("Notify ahead"), validators=[Optional()],
                                description=_("Text the customer when this many people are ahead."),
                                render_kw={"inputmode": "numeric"})
    retention_days = IntegerField(_("Keep personal data (days)"), validators=[Optional()],
                                  description=_("After this many days, names, phones, messages and comments are "
                                                "erased; the figures stay."),
                                  render_kw={"inputmode": "numeric"})
    offers_priority = BooleanField(_("Offers priority turns (older adults, pregnancy, disability)"))
    message = StringField(_("Message line"), description=_("Optional; shown on the join page and the lobby screen."))
    join_hours = BooleanField(_("Walk-ins only during the opening hours"),
                              description=_("Outside them every door says when the branch opens next."))
    last_entry_min = IntegerField(_("Last turn before closing (minutes)"), validators=[Optional()],
                                  description=_("With the box above: no new turns this many minutes before closing."),
                                  render_kw={"inputmode": "numeric"})
    remote_check_in = BooleanField(_("Remote turns are called once their holder says \"I'm here\""),
                                   description=_("Turns taken on the web, by text or by phone keep their place "
                                                 "until then."))
    remote_grace_min = IntegerField(_("Grace time for remote turns (minutes)"), validators=[Optional()],
                                    description=_("A remote turn whose place came expires if its holder does not "
                                                  "arrive in this time."), render_kw={"inputmode": "numeric"})
    target_wait_min = IntegerField(_("Target wait (minutes)"), validators=[Optional()],
                                   description=_("The reports show the share of turns called within it."),
                                   render_kw={"inputmode": "numeric"})
    no_show_after_recalls = IntegerField(_("No-show after recalls"), validators=[Optional()],
                                         description=_("A called turn recalled this many times becomes a no-show "
                                                       "when the counter calls the next (0: never by itself)."),
                                         render_kw={"inputmode": "numeric"})
    no_show_return_min = IntegerField(_("A no-show may go back to the line for (minutes)"), validators=[Optional()],
                                      description=_("A customer who turns up late keeps their place in time when "
                                                    "staff put them back in this time (0: never)."),
                                      render_kw={"inputmode": "numeric"})
    brand_color = StringField(_("Brand colour"),
                              description=_("Optional, like #1f6feb: the band of the phone pages, the kiosk and the "
                                            "lobby screen. Its text turns white or dark, whichever reads better."),
                              render_kw={"maxlength": 7, "autocomplete": "off", "spellcheck": "false",
                                         "placeholder": "#1f6feb"})
    logo = FileField(_("Logo"), description=_("Optional; a PNG or JPEG image up to 256 KB and 2000 pixels wide and "
                                              "tall. Shown on the phone pages, the kiosk, the lobby screen and the "
                                              "printed ticket."),
                     render_kw={"accept": "image/png,image/jpeg"})
    remove_logo = BooleanField(_("Remove the logo"))


class ServiceForm(FlaskForm):
    slug = StringField(_("Short name"), description=_("Lowercase letters, digits and hyphens, like caja. "
                                                     "It cannot change later."))
    prefix = StringField(_("Letter"), description=_("Starts every code of this service: A042."),
                         render_kw={"maxlength": 1, "autocapitalize": "characters"})
    name_es = StringField(_("Name in Spanish"))
    name_en = StringField(_("Name in English"))
    bring_es = TextAreaField(_("What to bring, in Spanish"), description=_("Optional; shown with every appointment "
                                                                          "of this service and in its calendar file."),
                             render_kw={"maxlength": 300, "rows": 2})
    bring_en = TextAreaField(_("What to bring, in English"), render_kw={"maxlength": 300, "rows": 2})
    color = StringField(_("Colour"), default="#1f6feb", render_kw={"type": "color"})
    avg_service_min = FloatField(_("Average service time (minutes)"), validators=[Optional()],
                                 description=_("Used for the wait estimate until real times are known."),
                                 render_kw={"inputmode": "decimal"})
    takes_appointments = BooleanField(_("Takes appointments"))
    slot_minutes = IntegerField(_("Slot length (minutes)"), default=20, validators=[Optional()],
                                render_kw={"inputmode": "numeric"})
    slot_capacity = IntegerField(_("Appointments per slot"), default=1, validators=[Optional()],
                                 render_kw={"inputmode": "numeric"})
    active = BooleanField(_("Active (customers can take turns)"), default=True)


class CounterForm(FlaskForm):
    slug = StringField(_("Short name"), description=_("Lowercase letters, digits and hyphens, like v4. "
                                                     "It cannot change later."))
    name = StringField(_("Name"), description=_("What customers read: Ventanilla 4."))
    services = SelectMultipleField(_("Services it serves"), choices=[], validate_choice=False,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    planned_hours = StringField(_("Planned hours"), render_kw={"placeholder": "09:00-13:00, 14:00-18:00"},
                                description=_("When it is planned to serve each day the branch opens, like "
                                              "09:00-13:00, 14:00-18:00 (empty: no set hours). The waits customers "
                                              "are told count it from the time it opens, even before staff open "
                                              "it, and no longer over its breaks and once it closes."))


class UserForm(FlaskForm):
    username = StringField(_("Username"), render_kw={"autocomplete": "off", "autocapitalize": "none"})
    role = SelectField(_("Role"), choices=[], validate_choice=False)
    branch = SelectField(_("Branch"), choices=[], validate_choice=False)
    password = PasswordField(_("Password"), description=_("At least 8 characters."),
                             render_kw={"autocomplete": "new-password"})


class UserEditForm(FlaskForm):
    role = SelectField(_("Role"), choices=[], validate_choice=False)
    branch = SelectField(_("Branch"), choices=[], validate_choice=False)


class PasswordForm(FlaskForm):
    password = PasswordField(_("New password"), description=_("At least 8 characters. Their open sessions end."),
                             render_kw={"autocomplete": "new-password"})


class BranchDeleteForm(FlaskForm):
    confirm = StringField(_("Short name of the branch"),
                          render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})


class PriorityClassForm(FlaskForm):
    name_es = StringField(_("Name in Spanish"), description=_("Like Adulto mayor."))
    name_en = StringField(_("Name in English"), description=_("Like Older adult."))
    boost_min = IntegerField(_("Boost (minutes)"), validators=[Optional()], default=15,
                             description=_("A ticket of this class goes in line as if taken this much earlier."),
                             render_kw={"inputmode": "numeric"})
    at_kiosk = BooleanField(_("The kiosk offers it"), default=True,
                            description=_("Otherwise only staff give it, at the counter."))


class DeviceForm(FlaskForm):
    kind = SelectField(_("Kind"), choices=lambda: choices(KIND_LABELS.items()))
    name = StringField(_("Name"), description=_("Optional, to tell devices apart: Entrance kiosk."))


ROLE_LABELS = {"admin": _("Administrator"), "manager": _("Manager"), "agent": _("Agent")}


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def role_choices(actor_role: str) -> list[SelectChoice]:
    roles = ("admin", "manager", "agent") if actor_role == "admin" else ("manager", "agent")
    return choices((r, ROLE_LABELS[r]) for r in roles)


def values(form: FlaskForm, *skip: str) -> dict:
    """The form's data for a use case (without the CSRF token and the named fields)."""
    return {k: v for k, v in form.data.items() if k != "csrf_token" and k not in skip}


def show_errors(form: FlaskForm, exc: DomainError) -> None:
    """Put a use case's field messages next to the form's fields; others at the top."""
    general = []
    for field, messages in (exc.errors or {}).items():
        texts = [gettext(m, **getattr(m, "params", {})) for m in messages]
        if field in form._fields:
            target = form._fields[field]
            target.errors = list(target.errors or []) + texts
        else:
            general.extend(texts)
    if not exc.errors:
        general.append(gettext(exc.message, **exc.params))
    form.form_errors = list(form.form_errors) + general


class CustomerForm(FlaskForm):
    """A customer is found by their phone number (as they would type it)."""
    phone = StringField(_("Phone number"), description=_("As the customer gives it, like 55 1234 5678 or +52 55…"),
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    country = StringField(_("Country"), description=_("For numbers without a country code: MX, US, ES…"),
                          render_kw={"maxlength": 2, "autocapitalize": "characters"})


class CustomerEraseForm(CustomerForm):
    confirm = BooleanField(_("I understand: names, numbers, texts and comments of this customer are erased "
                             "for good; the anonymous figures stay."))
