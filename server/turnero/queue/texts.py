"""The words the customer pages and the lobby show, in one place: the templates use
them to render, and the scripts get the same translated patterns (a JSON block in
the page) to show what the server sends later. Nothing here computes a position or
a wait: it only words the numbers the server computed."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask_babel import format_datetime, get_translations, gettext, ngettext

from .. import clock
from ..errors import N_
from ..hours import to_local
from .estimate import Eta

STATUS = {
    "waiting": N_("Waiting"),
    "called": N_("Your turn"),
    "serving": N_("Being served"),
    "done": N_("Finished"),
    "cancelled": N_("Cancelled"),
    "no_show": N_("Missed"),
    "expired": N_("Expired"),
}


def status_label(status: str) -> str:
    return gettext(STATUS.get(status, status))


class When:
    """A coming moment in the branch's time zone, worded in the language of the request
    that shows it ("today at 09:00", "tomorrow at 09:00", "Monday 7 December at
    09:00"): a message parameter, formatted only where the message is shown."""

    def __init__(self, moment: datetime, tz_name: str):
        self.moment, self.tz_name = moment, tz_name

    def __str__(self) -> str:
        local = to_local(self.moment, self.tz_name)
        today = to_local(clock.utcnow(), self.tz_name).date()
        time = local.strftime("%H:%M")
        if local.date() == today:
            return gettext("today at %(time)s", time=time)
        if local.date() == today + timedelta(days=1):
            return gettext("tomorrow at %(time)s", time=time)
        # TRANSLATORS: a CLDR date pattern (weekday, day of the month, month name).
        day = format_datetime(local.replace(tzinfo=None), gettext("EEEE d MMMM"))
        return gettext("%(day)s at %(time)s", day=day, time=time)


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def joining_note(joining: dict | None, tz_name: str) -> str:
    """Why a line takes no new turns now, and until when ("" while it does): a service
    of a branch state, with its `joining`, `message`, `until` and `opens_at`."""
    if not joining or joining.get("joining", "open") == "open":
        return ""
    if joining["joining"] == "paused":
        note = joining.get("message") or gettext("Not taking new turns right now.")
        until = _instant(joining.get("until"))
        if until is not None:
            note += " " + gettext("Again from %(when)s.", when=When(until, tz_name))
        return note
    opens = _instant(joining.get("opens_at"))
    if opens is None:
        return gettext("Closed now.")
    return gettext("Closed now: opens %(when)s.", when=When(opens, tz_name))


def setup_missing(branch: dict) -> str:
    """What a branch still lacks to take turns at all, in a line for its customers (a
    new branch being set up), or "" when it has it: a service, a counter serving one,
    and, when walk-ins join only in its hours, some opening hours. From a branch detail."""
    services = branch["services"]
    if not services:
        return gettext("It has no services to choose from yet.")
    served = {slug for counter in branch["counters"] for slug in counter["services"]}
    if not any(s["id"] in served for s in services):
        return gettext("No counter serves its services yet.")
    if branch["join_hours"] and all(s["joining"] == "closed" and not s.get("opens_at") for s in services):
        return gettext("Its opening hours are not set yet.")
    return ""


def eta_text(eta: Eta | dict | None) -> str:
    """A wait as people read it: "about 6 min (4–9)", "about 2 min (up to 5)", "up to
    1 min" (called any moment); a range without its "about", "4–9 min"."""
    if not eta:
        return ""
    eta = Eta.of(eta)
    if not eta.about_min:
        if eta.low_min <= 0:
            return gettext("up to %(high)s min", high=eta.high_min)
        return gettext("%(low)s–%(high)s min", low=eta.low_min, high=eta.high_min)
    if eta.low_min <= 0:
        return gettext("about %(about)s min (up to %(high)s)", about=eta.about_min, high=eta.high_min)
    return gettext("about %(about)s min (%(low)s–%(high)s)", about=eta.about_min, low=eta.low_min,
                   high=eta.high_min)


_UNBROKEN = re.compile(r" (?=\d|min\b)")


def unbroken(text: str) -> str:
    """A wait as a page sets it: it breaks only before its range's bracket ("about 16
    min" / "(10–21)"), never between a number and its unit (no-break spaces; pages
    only: an SMS keeps plain spaces, which its cheapest alphabet has). live.js does
    the same."""
    return _UNBROKEN.sub("\u00a0", text)


def ahead_text(ahead: int | None) -> str:
    if not ahead:
        return gettext("You are next!")
    return _ahead(ahead)


# The `ngettext` parameter lets script_strings ask for the bare patterns while the
# extractor still sees a literal ngettext("...", "...") call.
def _ahead(count, ngettext=ngettext):
    return ngettext("%(num)s person ahead of you", "%(num)s people ahead of you", count)


def waiting_text(waiting: int) -> str:
    if not waiting:
        return gettext("No one waiting")
    return _waiting(waiting)


def _waiting(count, ngettext=ngettext):
    return ngettext("%(num)s waiting", "%(num)s waiting", count)


def call_text(code: str, counter: str) -> str:
    return gettext("%(code)s at %(counter)s", code=code, counter=counter)


def _raw_ngettext(singular: str, plural: str, count: int) -> str:
    """The translated pattern, its %(num)s left for the script to fill in."""
    return get_translations().ngettext(singular, plural, count)


def _forms(function) -> list[str]:
    """The singular and plural patterns of a message, for the scripts."""
    return [function(1, ngettext=_raw_ngettext), function(2, ngettext=_raw_ngettext)]


def wait_estimate(service: dict) -> str:
    """A line's wait as every page writes it (`unbroken`): the wait told, or that no
    counter serving it is open (a range would promise a wait no one is working down)."""
    if service.get("serving") == 0:
        return gettext("No one is serving now")
    return unbroken(eta_text(service.get("eta")))


def script_strings() -> dict:
    """The translated patterns the page scripts fill in (see static/js/live.js)."""
    return {
        "status": {key: gettext(label) for key, label in STATUS.items()},
        "eta_upto": gettext("up to %(high)s min"),
        "eta_range": gettext("%(low)s–%(high)s min"),
        "eta_about_upto": gettext("about %(about)s min (up to %(high)s)"),
        "eta_about_range": gettext("about %(about)s min (%(low)s–%(high)s)"),
        "next": gettext("You are next!"),
        "ahead": _forms(_ahead),
        "waiting": _forms(_waiting),
        "no_one": gettext("No one waiting"),
        "no_one_serving": gettext("No one is serving now"),
        "call": gettext("%(code)s at %(counter)s"),
        "announce": gettext("You are number %(position)s in line. Estimated wait: %(eta)s."),
        "title_waiting": gettext("%(code)s: number %(position)s in line"),
        "title_called": gettext("Your turn! %(code)s at %(counter)s"),
        "title_other": gettext("%(code)s: %(status)s"),
        "called_announce": gettext("It is your turn: go to %(counter)s."),
        "sound_on": gettext("Sound alerts are on"),
        "live": gettext("Live"),
        "reconnecting": gettext("Reconnecting…"),
        "join_paused": gettext("Not taking new turns right now."),
        "join_closed": gettext("Closed now."),
    }

