"""SMS, WhatsApp and voice through Twilio: a door to the queue, and the outbox of
notifications.

- inbound.py: the use cases of a text received and a call answered (commands.py
  reads the text, texts.py says the answer in the customer's language);
- webhooks.py: /twilio/sms, /twilio/voice, /twilio/status, signature-checked;
- notify.py: the ticket listener that writes outbox rows inside each change;
- outbox.py, worker.py, backends.py: queueing, sending (console or Twilio), retries;
- devphone.py: /dev/phone, a phone in the browser (console backend only);
- history.py: a ticket's messages for staff.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


def init_app(app) -> None:
    from ..extensions import csrf
    from . import models  # noqa: F401  (the tables join Base.metadata)
    from .devphone import devphone
    from .notify import make_listener
    from .webhooks import twilio

    app.register_blueprint(twilio)
    csrf.exempt(twilio)  # Twilio signs its requests; there is no session cookie to forge
    app.register_blueprint(devphone)
    app.extensions["turnero.db"].ticket_listeners.append(make_listener(app))
    app.cli.add_command(worker_command)


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@with_appcontext
def worker_command(once):
    """Send the outbox's messages (SMS, WhatsApp), with retries."""
    import logging

    from .worker import OutboxWorker
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = OutboxWorker(current_app._get_current_object())
    if once:
        click.echo(f"{worker.run_once()} messages handled")
        return
    try:
        worker.run_forever()
    except KeyboardInterrupt:
        click.echo("worker stopped")
