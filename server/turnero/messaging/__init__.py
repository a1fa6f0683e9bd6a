"""SMS, WhatsApp and voice through Twilio: a door to the queue and to appointments,
and the outbox of notifications.

    rules.py        reading a text: which command, language, argument (plain functions)
    services.py     a text received and a call answered: the use cases, their replies
    texts.py        the words of every reply and notification, in the customer's language
    webhooks.py     /twilio/sms, /twilio/voice, /twilio/status: signature-checked
    notify.py       the ticket listener that writes outbox rows inside each change
    outbox.py, worker.py, backends.py   queueing, sending (console or Twilio), retries
    read_models.py  a ticket's messages (staff), a phone's conversation (dev phone)
    api.py          GET /api/v1/tickets/{id}/messages, /push/key, /tickets/{token}/push   schemas.py
    devphone.py     /dev/phone, a phone in the browser (console backend only)
    settings.py     the settings of Config that messaging reads
    cli.py          `turnero worker`       branches.py   a branch deletion's part
    push.py, vapid.py, webpush.py   Web Push: a ticket's browsers, the server's key, sending
    push_pages.py   the tracking page's web app manifest and service worker (/t/sw.js)
"""
from __future__ import annotations

from .. import signals
from ..extensions import csrf
from . import branches, cli, models, notify, privacy  # noqa: F401  (models: the tables join Base.metadata)
from .api import api
from .devphone import devphone
from .push_pages import pwa
from .webhooks import twilio

__all__ = ["init_app"]


def init_app(app) -> None:
    app.register_blueprint(api)
    csrf.exempt(api)
    app.register_blueprint(twilio)
    csrf.exempt(twilio)  # Twilio signs its requests; there is no session cookie to forge
    app.register_blueprint(devphone)
    app.register_blueprint(pwa)
    app.extensions["turnero.db"].ticket_listeners.append(notify.make_listener(app))
    signals.branch_deleting.connect(branches.deleting)
    signals.personal_data_expiring.connect(privacy.expiring)
    signals.customer_records.connect(privacy.records)
    signals.customer_erasing.connect(privacy.erasing)
    signals.customer_text.connect(notify.customer_text)
    cli.register(app)
