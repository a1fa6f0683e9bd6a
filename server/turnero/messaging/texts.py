"""What the server says by text and by voice, in the customer's language.

Every sentence is an English message id translated with Flask-Babel; the
functions here only choose and join them. Numbers (places, waits) come from the
same read models every channel uses.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from babel.dates import format_datetime

from flask import has_app_context
from flask_babel import force_locale, gettext, ngettext

from ..errors import DomainError
from ..queue.read_models import TicketView
from ..queue.estimate import Eta
from ..queue.texts import eta_text

ELLIPSIS = "…"
VOICE_LANGUAGES = {"es": "es-MX", "en": "en-US"}


@contextmanager
def speaking(lang: str, app=None):
    """Translate in `lang`, also outside a request (the worker, the CLI)."""
    if not has_app_context() and app is not None:
        with app.app_context(), force_locale(lang):
            yield
        return
    with force_locale(lang):
        yield


def fit(text: str, limit: int) -> str:
    """Cut a text that is over the limit at a word, and say so with an ellipsis."""
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + ELLIPSIS


def error(exc: DomainError) -> str:
    return gettext(exc.message, **exc.params)


def _counter_name(ticket: TicketView) -> str:
    return ticket.counter.name if ticket.counter is not None else ""


def _range(eta: Eta | None) -> tuple[int, int]:
    return (eta.low_min, eta.high_min) if eta is not None else (0, 0)


def place(ahead: int | None, eta: Eta | None) -> str:
    """Place and wait as every channel writes them ("about 6 min (4–9)", "up to 1 min")."""
    if not ahead:
        return gettext("You are next.")
    if eta is None:
        return ngettext("%(num)d person ahead of you.", "%(num)d people ahead of you.", ahead)
    return ngettext("%(num)d person ahead of you; wait %(eta)s.", "%(num)d people ahead of you; wait %(eta)s.",
                    ahead, eta=eta_text(eta))


def ticket_status(ticket: TicketView) -> str:
    """One ticket's state, the answer to STATUS."""
    counter = _counter_name(ticket)
    if ticket.status == "called":
        return gettext("%(code)s: it is your turn, please go to %(counter)s.", code=ticket.code, counter=counter)
    if ticket.status == "serving":
        return gettext("%(code)s: you are being served at %(counter)s.", code=ticket.code, counter=counter)
    return gettext("%(code)s (%(service)s): ", code=ticket.code, service=ticket.service_name) + \
        place(ticket.ahead, ticket.eta)


def confirmation(ticket: TicketView, branch_name: str) -> str:
    """The answer to JOIN and the confirmation of a turn taken elsewhere with a phone."""
    return " ".join([
        gettext("Your turn at %(branch)s: %(code)s (%(service)s).", branch=branch_name, code=ticket.code,
                service=ticket.service_name),
        place(ticket.ahead, ticket.eta),
        gettext("Follow it: %(url)s", url=ticket.track_url),
        gettext("Text STATUS to see it, CANCEL to cancel it."),
    ])


def cancel_question(code: str, service: str) -> str:
    return gettext("Cancel turn %(code)s (%(service)s)? Reply YES to cancel it.", code=code, service=service)


def not_yours() -> str:
    return gettext("If you did not ask for this turn, reply STOP.")


def already_waiting(ticket: TicketView) -> str:
    return gettext("You already have a turn.") + " " + ticket_status(ticket)


def near(ticket: TicketView) -> str:
    return gettext("Get ready, %(code)s:", code=ticket.code) + " " + place(ticket.ahead, ticket.eta)


def called(code: str, counter: str) -> str:
    return gettext("It is your turn! %(code)s, please go to %(counter)s.", code=code, counter=counter)


def call_undone(code: str) -> str:
    return gettext("Sorry: the call of your turn %(code)s was a mistake. You keep your place in the line, and we "
                   "will tell you when it is really your turn.", code=code)


def recalled(code: str, counter: str) -> str:
    return gettext("We are calling you again: %(code)s, please go to %(counter)s now.", code=code,
                   counter=counter)


def push_title(kind: str) -> str:
    """The title of a notification on the phone (push.py); its text is the message's."""
    if kind == "call_undone":
        return gettext("Sorry: not your turn yet")
    return gettext("Your turn is near") if kind == "near" else gettext("It is your turn!")


def expired(code: str, branch_name: str) -> str:
    return gettext("%(branch)s closed its day before calling your turn %(code)s, so it has expired. "
                   "We are sorry: you can take a new turn when the branch opens.", code=code, branch=branch_name)


def not_arrived(code: str) -> str:
    return gettext("Your turn %(code)s came and you had not arrived, so it has expired. You can take a new turn "
                   "at the branch.", code=code)


def feedback_request(branch_name: str) -> str:
    return gettext("Thank you for visiting %(branch)s. How did we do? Answer with a number from "
                   "1 (bad) to 5 (very good).", branch=branch_name)


def feedback_thanks(score: int) -> str:
    return gettext("Thank you! You rated your visit %(score)d of 5.", score=score)


def menu(names: list[str]) -> str:
    options = ", ".join(f"{i} {name}" for i, name in enumerate(names, start=1))
    return gettext("Which service? Answer with its number: %(options)s.", options=options)


def menu_again(count: int) -> str:
    return gettext("Answer with a number from 1 to %(count)d.", count=count)


def unknown_service(asked: str) -> str:
    return gettext("We have no service “%(asked)s”.", asked=asked)


def no_ticket(branch_name: str) -> str:
    return gettext("You have no turn today at %(branch)s. Text JOIN to take one.", branch=branch_name)


def cancelled(code: str) -> str:
    return gettext("Your turn %(code)s is cancelled. Text JOIN if you need a new one.", code=code)


def help_text(branch_name: str, service_names: list[str], whatsapp: bool = False, appointments: bool = False) -> str:
    return " ".join([
        gettext("%(branch)s by text:", branch=branch_name),
        gettext("JOIN [service] takes a turn (%(services)s); STATUS shows it; CANCEL cancels it; "
                "HERE checks in for an appointment; STOP stops all messages, START turns them on again.",
                services=", ".join(service_names)),
        *([gettext("APPOINTMENT shows your next appointment or books one; CANCEL APPOINTMENT cancels it.")]
          if appointments else []),
        *([gettext("WHATSAPP or SMS chooses where we write to you.")] if whatsapp else []),
    ])


def opted_out(branch_name: str) -> str:
    return gettext("You will get no more messages from %(branch)s. Text START to get them again.",
                   branch=branch_name)


def opted_in() -> str:
    return gettext("Messages are on again. Text HELP for the commands.")


def channel_chosen(channel: str) -> str:
    if channel == "whatsapp":
        return gettext("Done: from now on we will write to you on WhatsApp. Reply SMS to get text messages again.")
    return gettext("Done: from now on we will send you text messages (SMS). Reply WHATSAPP to get them on WhatsApp.")


def no_whatsapp() -> str:
    return gettext("This branch does not send WhatsApp messages; we will keep sending you text messages.")


# ---------------------------------------------------------------- appointments by text

def local_when(local_iso: str, lang: str, fmt: str = "EEE d MMM, HH:mm") -> str:
    """A wall time of the branch (an ISO time with its offset) as the customer reads it."""
    moment = datetime.fromisoformat(local_iso)
    return format_datetime(moment, fmt, tzinfo=moment.tzinfo, locale=lang)


def appointment_next(view: dict, lang: str) -> str:
    return gettext("Your appointment at %(branch)s: %(service)s, %(when)s, code %(code)s. See or move it: %(url)s. "
                   "To cancel it, text CANCEL APPOINTMENT.", branch=view["branch_name"], service=view["service_name"],
                   when=local_when(view["local_start"], lang, "EEEE d MMMM, HH:mm"), code=view["code"],
                   url=view["manage_url"])


def appointment_menu(names: list[str]) -> str:
    options = "; ".join(f"{i}) {name}" for i, name in enumerate(names, start=1))
    return gettext("Which service is the appointment for? Answer with its number: %(options)s.", options=options)


def slot_menu(service_name: str, local_starts: list[str], lang: str) -> str:
    options = "; ".join(f"{i}) {local_when(start, lang)}" for i, start in enumerate(local_starts, start=1))
    return gettext("Next free times for %(service)s: %(options)s. Answer with the number of the one you want.",
                   service=service_name, options=options)


def no_slots(service_name: str, url: str) -> str:
    return gettext("There are no free times for %(service)s in the coming days. See other dates at %(url)s or ask "
                   "at the branch.", service=service_name, url=url)


def no_appointments(branch_name: str) -> str:
    return gettext("%(branch)s does not take appointments by message. Text JOIN to take a turn.", branch=branch_name)


def no_upcoming(branch_name: str) -> str:
    return gettext("You have no upcoming appointment at %(branch)s. Text APPOINTMENT to book one.",
                   branch=branch_name)


def customer_name(phone: str) -> str:
    """The name an appointment booked by text carries when the customer gave none."""
    return gettext("Customer •••%(last)s", last=phone[-4:])


def appointment_booked(view: dict, lang: str) -> str:
    return gettext("Booked: %(service)s at %(branch)s, %(when)s, code %(code)s. See, move or cancel it: %(url)s. "
                   "When you arrive, text HERE or check in at the kiosk.", service=view["service_name"],
                   branch=view["branch_name"], when=local_when(view["local_start"], lang, "EEEE d MMMM, HH:mm"),
                   code=view["code"], url=view["manage_url"])


def cancel_appointment_question(view: dict, lang: str) -> str:
    return gettext("Cancel your appointment of %(when)s (%(service)s, code %(code)s)? Reply YES to cancel it.",
                   when=local_when(view["local_start"], lang, "EEEE d MMMM, HH:mm"), service=view["service_name"],
                   code=view["code"])


def appointment_cancelled(code: str) -> str:
    return gettext("Your appointment %(code)s is cancelled. Text APPOINTMENT to book another.", code=code)


def too_many_joins() -> str:
    return gettext("You took several turns in the last hour; please try again later or ask at the branch.")


def no_appointment() -> str:
    return gettext("We found no appointment to check in for. Text JOIN to take a turn.")


def checked_in(ticket: TicketView) -> str:
    return gettext("You are checked in: %(code)s.", code=ticket.code) + " " + place(ticket.ahead, ticket.eta)


def arrived(ticket: TicketView) -> str:
    return gettext("Thank you, we know you are here: %(code)s.", code=ticket.code) + " " + \
        place(ticket.ahead, ticket.eta)


def let_pass(ticket: TicketView) -> str:
    return gettext("Done: you let people pass. %(code)s:", code=ticket.code) + " " + place(ticket.ahead, ticket.eta)


def bad_sender() -> str:
    return gettext("Sorry, we can only serve messages from a phone number.")


def not_configured() -> str:
    return gettext("Sorry, this number is not set up yet.")


def unavailable() -> str:
    return gettext("Sorry, something went wrong on our side; please try again.")


# ---------------------------------------------------------------- voice

def spell_code(code: str) -> str:
    """`A042` read out as "A, 0, 4, 2": a text-to-speech engine would say "A forty-two"."""
    return ", ".join(code)


def voice_welcome(branch_name: str) -> str:
    return gettext("Welcome to %(branch)s.", branch=branch_name)


def voice_option(service_name: str, digit: int) -> str:
    return gettext("For %(service)s, press %(digit)d.", service=service_name, digit=digit)


def voice_no_choice() -> str:
    return gettext("We did not get your choice.")


def voice_ticket(ticket: TicketView) -> str:
    code = spell_code(ticket.code)
    counter = _counter_name(ticket)
    if ticket.status == "called":
        return gettext("Your turn %(code)s is being called: please go to %(counter)s.", code=code, counter=counter)
    if ticket.status == "serving":
        return gettext("Your turn %(code)s is being served at %(counter)s.", code=code, counter=counter)
    head = gettext("Your turn is %(code)s, for %(service)s.", code=code, service=ticket.service_name)
    if not ticket.ahead:
        return head + " " + gettext("You are next.")
    eta = ticket.eta
    if eta is not None and eta.about_min:
        return " ".join((head, ngettext("There is %(num)d person ahead of you.", "There are %(num)d people ahead of you.",
                                        ticket.ahead),
                         ngettext("The wait is about %(num)d minute, between %(low)d and %(high)d.",
                                  "The wait is about %(num)d minutes, between %(low)d and %(high)d.",
                                  eta.about_min, low=eta.low_min, high=eta.high_min)))
    low, high = _range(eta)
    return head + " " + ngettext(
        "There is %(num)d person ahead of you; the wait is about %(low)d to %(high)d minutes.",
        "There are %(num)d people ahead of you; the wait is about %(low)d to %(high)d minutes.",
        ticket.ahead, low=low, high=high)


def voice_sms_follows() -> str:
    return gettext("We are sending it to you by text message too.")


def voice_appointment(view: dict, lang: str) -> str:
    return gettext("You have an appointment on %(when)s for %(service)s, code %(code)s.",
                   when=local_when(view["local_start"], lang, "EEEE d MMMM, HH:mm"), service=view["service_name"],
                   code=spell_code(view["code"]))


def voice_checkin_offer() -> str:
    return gettext("To check in now that you are at the branch, press 1.")


def voice_link_choice() -> str:
    return gettext("To get your turn's link by text message, press 1; by WhatsApp, press 2. To hear your turn "
                   "again, press 3.")


def voice_link_sent(channel: str) -> str:
    if channel == "whatsapp":
        return gettext("We are sending you the link by WhatsApp now.")
    return gettext("We are sending you the link by text message now.")


def voice_link_later() -> str:
    return gettext("We will send you the link in a moment. Thank you, goodbye.")


def voice_repeat() -> str:
    return gettext("To hear it again, press 1.")


def voice_goodbye() -> str:
    return gettext("Thank you, goodbye.")


def voice_too_many() -> str:
    return gettext("You took several turns in the last hour; please ask at the branch.")


def voice_sorry() -> str:
    return gettext("Sorry, we could not take your turn now; please try again later.")

