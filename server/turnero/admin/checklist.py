"""The setup checklist as the admin pages show it: each step's title, a line of why,
and the pages where it is done (the states come from read_models.setup_checklist)."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _

from ..access.services import Actor
from . import read_models

# Each step: what it is, why, in one line, and the page where it is done.
STEP_TEXTS = {
    "services": (_("Services"), _("The lines customers choose from, like Cashier or Customer service.")),
    "counters": (_("Counters"), _("Where agents serve; each one calls turns from the services it serves.")),
    "hours": (_("Opening hours"), _("When the branch opens each weekday: appointments and the end of the day follow "
                                    "them.")),
    "users": (_("Staff"), _("A manager or an agent of this branch who can log in to call turns.")),
    "devices": (_("Kiosk or lobby display"), _("Register the entrance kiosk or the lobby screen to get its token.")),
    "test_ticket": (_("A test turn"), _("Take a turn on the join page, then call it and finish it at a counter in the "
                                        "staff console.")),
}


def step_links(slug: str, setup: read_models.Setup) -> dict[str, list[tuple[str, str]]]:
    """Where each step is done: (label, url) pairs, the first the main one."""
    done = {step.key: step.done for step in setup.steps}
    return {
        "services": [(gettext("Services") if done["services"] else gettext("Add a service"),
                      url_for("admin.services" if done["services"] else "admin.service", slug=slug))],
        "counters": [(gettext("Counters") if done["counters"] else gettext("Add a counter"),
                      url_for("admin.counters" if done["counters"] else "admin.counter", slug=slug))],
        "hours": [(gettext("Set the opening hours"), url_for("admin.hours", slug=slug))],
        "users": [(gettext("Add a user"), url_for("admin.user_new", branch=slug))],
        "devices": [(gettext("Devices"), url_for("admin.devices", slug=slug))],
        "test_ticket": [(gettext("Take a turn"), url_for("web.join", branch=slug)),
                        (gettext("Staff console"), url_for("staff.choose"))],
    }


def checklist(uow, actor: Actor, slug: str) -> dict:
    """The checklist as the setup page and the branch's settings page show it."""
    setup = read_models.setup_checklist(uow, actor, slug)
    links = step_links(slug, setup)
    return {"setup": setup, "setup_steps": [
        {"key": s.key, "done": s.done, "title": STEP_TEXTS[s.key][0], "why": STEP_TEXTS[s.key][1],
         "links": links[s.key]} for s in setup.steps]}
