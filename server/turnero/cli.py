"""The `turnero` commands that compose the parts: the schema, the demo data, the
server with its background jobs. Each part adds its own commands (`device`, `user`,
`appointments`, `worker`) in its `init_app`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from .admin.demo import load_demo_users
from .admin.privacy import start_in_serve as start_purge
from .appointments.demo import load_demo_hours
from .appointments.reminders import start_in_serve as start_reminders
from .integrations.worker import start_in_serve as start_webhooks
from .messaging.vapid import ensure_keys as ensure_push_keys
from .messaging.worker import start_in_serve as start_outbox_worker
from . import maintenance
from .leader import Leadership
from .migrate import revision, upgrade
from .queue.day import start_in_serve as start_day
from .queue.demo import DEMO_BRANCH_SLUGS, load_demo_branches
from .reports.services import start_in_serve as start_keeping_figures
from .serve import run
from .web import database

db_group = AppGroup("db", help="Database schema (Alembic migrations).")


@db_group.command("upgrade")
@click.option("--revision", "target", default="head", show_default=True)
def db_upgrade(target):
    """Create or migrate the schema."""
    upgrade(database().engine, target)
    ensure_push_keys(current_app.instance_path)  # the Web Push key pair, made once (instance folder, 0600)
    click.echo(f"database at {target}: {database().engine.url.render_as_string(hide_password=True)}")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message):
    """Autogenerate a migration from the models (for developers)."""
    revision(database().engine, message)


def load_demo(session: Session, password: str | None = None) -> str | None:
    """The demo data of CONTRACT.md: branches `centro` and `norte` with their services
    and counters, the staff `admin` and `agente`, opening hours. Idempotent.

    Returns the staff password when it was generated here."""
    load_demo_branches(session)
    generated = load_demo_users(session, password)
    load_demo_hours(session, DEMO_BRANCH_SLUGS)
    return generated


@click.command("demo")
@click.option("--password", default=None, help="Password of the demo staff users.")
@with_appcontext
def demo(password):
    """Create the demo branches, services, counters and users (idempotent)."""
    with database().unit_of_work(write=True) as uow:
        generated = load_demo(uow.session, password)
        uow.commit()
    click.echo("demo data ready: branches centro, norte; users admin, agente")
    if generated:
        click.echo(f"staff password (admin, agente): {generated}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host, port):
    """Run the server (gevent, WebSockets) for production use, with the outbox worker
    (TURNERO_OUTBOX_IN_SERVE), the appointment reminders (unless
    TURNERO_REMINDERS_IN_SERVE=0), the end of each branch's day (its turns left
    waiting expire), the webhooks, the daily purge of old personal data and the
    keeping of each closed day's figures; with
    several processes on one database, these run in the one that leads
    (`turnero.leader`)."""
    missing = maintenance.missing_frontend()
    if missing:
        raise click.ClickException("the pages' front-end files are missing (" + ", ".join(missing) + "): run "
                                   "scripts/vendor, or install a package built with them")
    app = current_app._get_current_object()
    ensure_push_keys(app.instance_path)  # on first start, before any process needs them
    # Several processes on one database: the jobs run in the one that leads.
    leads = Leadership(database().engine).leads
    start_day(app, leads=leads)
    start_outbox_worker(app, leads=leads)
    start_webhooks(app, leads=leads)
    start_reminders(app, leads=leads)
    start_purge(app, leads=leads)
    start_keeping_figures(app, leads=leads)
    run(app, host, port)


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(target):
    """Copy the SQLite database to TARGET (safe while serving). PostgreSQL: pg_dump."""
    try:
        size = maintenance.backup(database().engine, target)
    except maintenance.NotSQLite as exc:
        raise click.ClickException(f"backup is for SQLite; for {exc} use pg_dump (see the README)") from exc
    click.echo(f"backup written: {target} ({size:,} bytes)")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
@with_appcontext
def restore(source, yes):
    """Replace the SQLite database with a backup, then migrate it. PostgreSQL: pg_restore."""
    if not yes:
        click.confirm(f"Replace everything in the database with {source}?", abort=True)
    try:
        maintenance.restore(database().engine, source)
    except maintenance.NotSQLite as exc:
        raise click.ClickException(f"restore is for SQLite; for {exc} use pg_restore (see the README)") from exc
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"database restored from {source}")


@click.command("check")
@with_appcontext
def check():
    """Report the database, migrations, Redis, the outbox and the front-end files
    (exit 1 when something is wrong): for monitoring."""
    findings = maintenance.check(database().engine, current_app.config["TURNERO"].REDIS_URL)
    for f in findings:
        click.echo(f"{'ok  ' if f.ok else 'FAIL'} {f.what}: {f.detail}")
    if not all(f.ok for f in findings):
        raise SystemExit(1)


def register(app) -> None:
    for command in (db_group, demo, serve, backup, restore, check):
        app.cli.add_command(command)
