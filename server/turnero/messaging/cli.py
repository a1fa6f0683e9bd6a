"""`turnero worker`: send the outbox's messages."""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

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


def register(app) -> None:
    app.cli.add_command(worker_command)
