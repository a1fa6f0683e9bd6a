"""WhatsApp's templates: the words of every message Turnero starts on its own, as
approved templates for when the customer's 24-hour window is closed.

WhatsApp lets a business write freely only within 24 hours of the customer's last
message; outside that window it accepts only a template approved beforehand (Twilio's
Content API: one content SID per template and language). Every outbox row carries
the template that says the same as its free text, with the values by name; the worker
sends the free text inside the window and the template outside it (worker.py).

The text of each template here is the one to submit for approval, with `{{1}}`,
`{{2}}`... in the order of `variables` (`turnero whatsapp-templates` prints them).
A template's body must neither start nor end with a variable (WhatsApp refuses it).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext

from ..errors import N_


@dataclass(frozen=True)
class Template:
    key: str
    text: str  # a message id with %(name)s for each variable
    variables: tuple[str, ...]  # the order of {{1}}, {{2}}...


TEMPLATES: dict[str, Template] = {t.key: t for t in (
    Template("turn_confirmed", N_("Your turn at %(branch)s is %(code)s. Follow your place in the line at %(url)s; "
                                  "reply CANCEL if you cannot come, or STOP if you did not ask for it."),
             ("branch", "code", "url")),
    Template("turn_near", N_("Get ready: your turn %(code)s is near. People before you: %(ahead)s. Follow it at "
                             "%(url)s and reply LATE if you need more time."), ("code", "ahead", "url")),
    Template("turn_called", N_("It is your turn %(code)s: please go to %(counter)s. Thank you for waiting."),
             ("code", "counter")),
    Template("turn_recalled", N_("We are calling you again, turn %(code)s: please go to %(counter)s now. "
                                 "Thank you."), ("code", "counter")),
    Template("turn_call_undone", N_("Sorry: the call of your turn %(code)s was a mistake. You keep your place in "
                                    "the line, and we will tell you when it is really your turn."), ("code",)),
    Template("turn_expired", N_("Your turn %(code)s at %(branch)s expired when the branch closed its day. You can "
                                "take a new turn when it opens."), ("code", "branch")),
    Template("turn_not_arrived", N_("Your turn %(code)s came before you arrived, so it expired. You can take a new "
                                    "turn at the branch."), ("code",)),
    Template("visit_feedback", N_("Thank you for visiting %(branch)s. How did we do? Reply with a number from "
                                  "1 (bad) to 5 (very good)."), ("branch",)),
    Template("appointment_confirm", N_("Your appointment at %(branch)s for %(service)s is booked for %(when)s, "
                                       "code %(code)s. See, move or cancel it at %(url)s whenever you need."),
             ("branch", "service", "when", "code", "url")),
    Template("appointment_moved", N_("Your appointment at %(branch)s for %(service)s is now on %(when)s, code "
                                     "%(code)s. See it at %(url)s whenever you need."),
             ("branch", "service", "when", "code", "url")),
    Template("appointment_day", N_("A reminder of your appointment at %(branch)s for %(service)s tomorrow, "
                                   "%(when)s, code %(code)s. To move or cancel it, use %(url)s today."),
             ("branch", "service", "when", "code", "url")),
    Template("appointment_hour", N_("Your appointment at %(branch)s for %(service)s is at %(when)s. When you "
                                    "arrive, check in at the kiosk with code %(code)s or reply HERE."),
             ("branch", "service", "when", "code")),
)}


def render(key: str, values: dict) -> str:
    """The template's text with its values, in the language being spoken
    (`texts.speaking`): what the customer reads, and what the outbox keeps."""
    template = TEMPLATES[key]
    return gettext(template.text, **{name: str(values.get(name, "")) for name in template.variables})


def content_variables(key: str, values: dict) -> dict[str, str]:
    """Twilio's `content_variables`: {"1": value, "2": value...}."""
    return {str(i): str(values.get(name, "")) for i, name in enumerate(TEMPLATES[key].variables, start=1)}


def for_approval(key: str) -> str:
    """The template's text with {{1}}, {{2}}... as WhatsApp asks it to be submitted."""
    template = TEMPLATES[key]
    return gettext(template.text, **{name: "{{%d}}" % i for i, name in enumerate(template.variables, start=1)})
