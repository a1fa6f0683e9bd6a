"""Words the staff pages show that the server does not compute per request:
status, channel and event names, and the console's messages (its JavaScript gets
them translated, in one JSON block)."""
from __future__ import annotations

from flask_babel import gettext

from ..errors import N_

STATUS = {
    "waiting": N_("Waiting"), "called": N_("Called"), "serving": N_("Being served"), "done": N_("Finished"),
    "cancelled": N_("Cancelled"), "no_show": N_("Did not come"), "expired": N_("Expired at the end of the day"),
}
CHANNELS = {
    "kiosk": N_("Kiosk"), "web": N_("Web"), "sms": N_("SMS"), "whatsapp": N_("WhatsApp"),
    "voice": N_("Phone call"), "staff": N_("Staff"), "appointment": N_("Appointment"),
    "push": N_("Browser notification"),  # where a message went (messaging/push.py), not a ticket's channel
}
EVENTS = {
    "issued": N_("Took a turn"), "called": N_("Called"), "recalled": N_("Called again"),
    "started": N_("Service started"), "done": N_("Finished"), "no_show": N_("Did not come"),
    "cancelled": N_("Cancelled"), "requeued": N_("Back in line"), "transferred": N_("Transferred"),
    "feedback": N_("Rated the visit"), "expired": N_("Expired at the end of the day"), "priority_on": N_("Priority granted"), "priority_off": N_("Priority removed"),
    "undone": N_("Undone"),
}
COUNTER_STATES = {"open": N_("Open"), "paused": N_("Paused"), "closed": N_("Closed")}
PAUSE_REASONS = {"break": N_("Break"), "lunch": N_("Lunch"), "back_office": N_("Back-office work")}
MESSAGE_DIRECTIONS = {"in": N_("Received"), "out": N_("Sent")}
MESSAGE_STATUS = {
    "queued": N_("Waiting to go out"), "sending": N_("Going out"), "sent": N_("Handed to the carrier"),
    "delivered": N_("Delivered"), "failed": N_("Not delivered"),
}
MESSAGES = {
    "nobody": N_("No one is waiting for this counter."),
    "walk_in_given": N_("%(code)s is in line."),
    "no_current": N_("No ticket at this counter. Press “Call next” when you are ready."),
    "called": N_("%(code)s called to your counter."),
    "nobody_called": N_("No one is waiting; nobody was called."),
    "recalled": N_("%(code)s called again."),
    "started": N_("Serving %(code)s."),
    "done": N_("%(code)s finished."),
    "no_show": N_("%(code)s marked as not present."),
    "requeued": N_("%(code)s is back in line."),
    "transferred": N_("%(code)s sent to %(target)s."),
    "opened": N_("The counter is open."),
    "paused": N_("The counter is paused: no one will be called here."),
    "closed": N_("The counter is closed."),
    "live": N_("Live"),
    "reconnecting": N_("Reconnecting…"),
    "history_of": N_("History of %(code)s"),
    "no_history": N_("Choose a ticket to see its history."),
    "messages_of": N_("Messages of %(code)s"),
    "no_messages_chosen": N_("Choose a ticket to see its texts and calls."),
    "no_messages": N_("No texts or calls for this ticket."),
    "minutes": N_("%(n)s min"),
    "since": N_("since %(time)s"),
    "priority": N_("Priority"),
    "grant_priority": N_("Give priority"),
    "remove_priority": N_("Remove priority"),
    "priority_granted": N_("%(code)s now has priority: it moves up the line."),
    "priority_removed": N_("%(code)s no longer has priority."),
    "for_you": N_("Sent to this counter"),
    "error": N_("That did not work: %(detail)s"),
    "network": N_("The server cannot be reached. Check the connection and try again."),
    "choose_target": N_("Choose a service or a counter."),
    "called_at_counter": N_("%(code)s → %(counter)s"),
    "no_calls": N_("No calls yet today."),
    "call": N_("Call"),
    "call_code": N_("Call %(code)s out of turn"),
    "reason_needed": N_("Say why this ticket is called out of turn."),
    "out_of_turn": N_("out of turn: %(reason)s"),
    "pause_reason_needed": N_("Choose why the counter pauses."),
    "for_minutes": N_("for %(n)s min"),
    "planned_hours": N_("planned %(hours)s"),
    "stop_turns": N_("Stop new turns"),
    "restart_turns": N_("Take new turns again"),
    "turns_stopped": N_("%(service)s takes no new turns now."),
    "turns_restarted": N_("%(service)s takes new turns again."),
    "low_rating": N_("%(code)s rated the visit %(score)s of 5."),
    "customer_counts": N_("%(visits)s visits · %(appointments)s appointments · %(texts)s texts"),
    "note_saved": N_("Note saved."),
    "alerts_by_sms": N_("Messages by text (SMS)"),
    "alerts_by_whatsapp": N_("Messages by WhatsApp"),
    "switch_to_sms": N_("Send by SMS instead"),
    "switch_to_whatsapp": N_("Send by WhatsApp instead"),
    "channel_saved": N_("From now on this customer's messages go by %(channel)s."),
    "score": N_("%(score)s of 5"),
    "over_and_called": N_("%(done)s closed; %(code)s called to your counter."),
    "over_nobody": N_("%(done)s closed; no one is waiting."),
    "undone": N_("Undone: %(code)s is at your counter again."),
    "undone_call": N_("Undone: %(code)s is at your counter again and %(next)s back in its place in line."),
    "back_to_line": N_("Back to the line"),
    "back_to_line_code": N_("Put %(code)s back in the line"),
    "back_until": N_("until %(time)s"),
    "no_no_shows": N_("No one missed their turn recently."),
}
JOINING = {"open": N_("Taking turns"), "paused": N_("Stopped"), "closed": N_("Closed (hours)")}


def console_texts() -> dict:
    """Everything the console's JavaScript shows, in the page's language."""
    def tr(table):
        return {key: gettext(message) for key, message in table.items()}
    return {"status": tr(STATUS), "channels": tr(CHANNELS), "events": tr(EVENTS),
            "counter_states": tr(COUNTER_STATES), "pause_reasons": tr(PAUSE_REASONS), "joining": tr(JOINING),
            "directions": tr(MESSAGE_DIRECTIONS), "message_status": tr(MESSAGE_STATUS), **tr(MESSAGES)}

