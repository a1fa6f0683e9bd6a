"""`turnero device add` and `turnero user create`: the command line acts with full rights."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..errors import DomainError
from ..web import database
from .users import add_device, add_user

device_group = AppGroup("device", help="Kiosks and lobby displays.")
user_group = AppGroup("user", help="Staff users.")


@device_group.command("add")
@click.option("--branch", required=True)
@click.option("--kind", type=click.Choice(["kiosk", "display"]), required=True)
@click.option("--name", default="")
def device_add(branch, kind, name):
    """Register a device; prints its token alone on the last line."""
    with database().unit_of_work(write=True) as uow:
        try:
            device, token = add_device(uow.session, branch, kind, name)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
        uow.commit()
    click.echo(f"{kind} device {device.id} registered at {branch}")
    click.echo(token)


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "manager", "agent"]), required=True)
@click.option("--branch", default=None)
@click.option("--password", default=None, help="Asked for when not given.")
def user_create(username, role, branch, password):
    """Add a staff user."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with database().unit_of_work(write=True) as uow:
        try:
            add_user(uow.session, username, role, password, branch)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
        uow.commit()
    click.echo(f"user {username} ({role}) created")


def register(app) -> None:
    for command in (device_group, user_group):
        app.cli.add_command(command)
