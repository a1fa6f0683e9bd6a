"""SMS, WhatsApp and voice through Twilio: a door to the queue and to appointments,
and the outbox of notifications.

    rules.py        reading a text: which command, language, argument (plain functions)
    services.py     a text received and a call answered: the use cases, their replies
    texts.py        the words of every reply and notification, in the customer's language
    webhooks.py     /twilio/sms, /twilio/voice, /twilio/status: signature-checked
    notify.py       the ticket listener that writes outbox rows inside each change
    outbox.py, worker.py, backends.py   queueing, sending (console or Twilio), retries
    read_models.py  a ticket's messages (staff), a phone's conversation (dev phone)
    api.py          GET /api/v1/tickets/{id}/messages     schemas.py
    devphone.py     /dev/phone, a phone in the browser (console backend only)
    settings.py     the settings of Config that messaging reads
    cli.py          `turnero worker`       branches.py   a branch deletion's part
"""
from __future__ import annotations

from .. import signals
from ..extensions import csrf
from . import branches, cli, models, notify, privacy  # noqa: F401  (models: the tables join Base.metadata)
from .api import api
from .devphone import devphone
from .webhooks import twilio

__all__ = ["init_app"]


def init_app(app) -> None:
    app.register_blueprint(api)
    csrf.exempt(api)
    app.register_blueprint(twilio)
    csrf.exempt(twilio)  # Twilio signs its requests; there is no session cookie to forge
    app.register_blueprint(devphone)
    app.extensions["turnero.db"].ticket_listeners.append(notify.make_listener(app))
    signals.branch_deleting.connect(branches.deleting)
    signals.personal_data_expiring.connect(privacy.expiring)
    signals.customer_records.connect(privacy.records)
    signals.customer_erasing.connect(privacy.erasing)
    signals.customer_text.connect(notify.customer_text)
    cli.register(app)
