"""`turnero worker`: send the outbox's messages. `turnero whatsapp-templates`: the
templates to submit for WhatsApp's approval, and which of them are configured."""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from . import templates, texts
from .settings import settings
from .worker import OutboxWorker


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@with_appcontext
def worker_command(once):
    """Send the outbox's messages (SMS, WhatsApp), with retries."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = OutboxWorker(current_app._get_current_object())
    if once:
        click.echo(f"{worker.run_once()} messages handled")
        return
    try:
        worker.run_forever()
    except KeyboardInterrupt:
        click.echo("worker stopped")


@click.command("whatsapp-templates")
@with_appcontext
def templates_command():
    """The WhatsApp templates to submit for approval (Twilio's Content Template Builder,
    category "utility"), in Spanish and English, and whether TURNERO_TWILIO_TEMPLATES
    names each one's content SID."""
    app = current_app._get_current_object()
    cfg = settings(app)
    missing = 0
    for key in templates.TEMPLATES:
        click.echo(key)
        for lang in ("es", "en"):
            with texts.speaking(lang, app):
                text = templates.for_approval(key)
            sid = cfg.templates.get((key, lang))
            missing += sid is None
            click.echo(f"  {lang}  {sid or '(not configured)'}")
            click.echo(f"      {text}")
    unknown = sorted(f"{key}.{lang}" for key, lang in cfg.templates if key not in templates.TEMPLATES)
    if unknown:
        click.echo(f"TURNERO_TWILIO_TEMPLATES names templates Turnero does not send: {', '.join(unknown)}", err=True)
    click.echo(f"{missing} of {2 * len(templates.TEMPLATES)} templates not configured: messages needing them "
               "fail, and staff see why." if missing else "every template is configured.")


def register(app) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(templates_command)
