"""The `turnero` command line (a Flask CLI group)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext


def main() -> None:
    """Entered through `turnero.entry`, which patched for gevent when serving."""
    from . import create_app
    cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True, load_dotenv=True,
                     help="Turnero: virtual queue and appointments.")
    cli.main(prog_name="turnero")


def _db():
    return current_app.extensions["turnero.db"]


db_group = AppGroup("db", help="Database schema (Alembic migrations).")


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision):
    """Create or migrate the schema."""
    from .migrate import upgrade
    upgrade(_db().engine, revision)
    click.echo(f"database at {revision}: {_db().engine.url.render_as_string(hide_password=True)}")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message):
    """Autogenerate a migration from the models (for developers)."""
    from .migrate import revision
    revision(_db().engine, message)


@click.command("demo")
@click.option("--password", default=None, help="Password of the demo staff users.")
@with_appcontext
def demo(password):
    """Create the demo branches, services, counters and users (idempotent)."""
    from .services.setup import load_demo
    with _db().unit_of_work(write=True) as uow:
        generated = load_demo(uow.session, password)
        uow.commit()
    click.echo("demo data ready: branches centro, norte; users admin, agente")
    if generated:
        click.echo(f"staff password (admin, agente): {generated}")


device_group = AppGroup("device", help="Kiosks and lobby displays.")


@device_group.command("add")
@click.option("--branch", required=True)
@click.option("--kind", type=click.Choice(["kiosk", "display"]), required=True)
@click.option("--name", default="")
def device_add(branch, kind, name):
    """Register a device; prints its token alone on the last line."""
    from .errors import DomainError
    from .services.setup import add_device
    with _db().unit_of_work(write=True) as uow:
        try:
            device, token = add_device(uow.session, branch, kind, name)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
        uow.commit()
    click.echo(f"{kind} device {device.id} registered at {branch}")
    click.echo(token)


user_group = AppGroup("user", help="Staff users.")


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "manager", "agent"]), required=True)
@click.option("--branch", default=None)
@click.option("--password", default=None, help="Asked for when not given.")
def user_create(username, role, branch, password):
    """Add a staff user."""
    from .errors import DomainError
    from .services.setup import create_user
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _db().unit_of_work(write=True) as uow:
        try:
            create_user(uow.session, username, role, password, branch)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
        uow.commit()
    click.echo(f"user {username} ({role}) created")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host, port):
    """Run the server (gevent, WebSockets) for production use."""
    from .messaging.worker import start_in_serve
    from .serve import run
    start_in_serve(current_app._get_current_object())  # the outbox worker, when TURNERO_OUTBOX_IN_SERVE
    from .appointments.reminders import start_in_serve as start_reminders
    start_reminders(current_app._get_current_object())  # appointment reminders, unless TURNERO_REMINDERS_IN_SERVE=0
    run(current_app._get_current_object(), host, port)


def register(app) -> None:
    for command in (db_group, demo, device_group, user_group, serve):
        app.cli.add_command(command)
