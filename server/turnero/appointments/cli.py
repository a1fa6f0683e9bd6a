"""`turnero appointments ...`: reminders (for cron or a timer), opening hours and closures."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..access.services import SYSTEM
from ..errors import DomainError
from ..web import database
from . import schedule

group = AppGroup("appointments", help="Appointments: reminders, opening hours, closures.")


def _run(fn, *args, **kwargs):
    with database().unit_of_work(write=True) as uow:
        try:
            return fn(uow, *args, **kwargs)
        except DomainError as exc:
            raise click.ClickException(f"{exc} {exc.errors or ''}".strip()) from exc


@group.command("remind")
def remind():
    """Queue the reminders now due (a day and an hour before) in the outbox. Run it every few minutes."""
    count = _run(schedule.queue_due_reminders)
    click.echo(f"{count} reminders queued")


@group.command("hours")
@click.option("--branch", required=True)
@click.argument("weekday", type=click.IntRange(0, 6))
@click.argument("ranges", default="")
def hours(branch, weekday, ranges):
    """Set a weekday's opening hours (0 = Monday): RANGES like "09:00-13:00, 14:00-17:00"; empty closes it."""
    _run(schedule.set_hours, branch, {weekday: ranges}, SYSTEM)
    click.echo(f"{branch}: weekday {weekday} = {ranges or 'closed'}")


@group.command("close")
@click.option("--branch", required=True)
@click.argument("first_day")
@click.argument("last_day", required=False)
@click.option("--reason", default="")
def close(branch, first_day, last_day, reason):
    """Close FIRST_DAY (to LAST_DAY) for appointments, e.g. a holiday: 2026-12-25."""
    closure = _run(schedule.add_closure, branch, first_day, last_day, reason, SYSTEM)
    click.echo(f"{branch}: closed {closure['first_day']}..{closure['last_day']} (id {closure['id']})")


def register(app) -> None:
    app.cli.add_command(group)
