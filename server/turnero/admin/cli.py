"""`turnero device add`, `turnero device pair`, `turnero user create` and `turnero purge`: the command line
acts with full rights, entered in the audit log as "cli"."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from ..access import audit
from ..access.services import SYSTEM
from ..errors import DomainError
from ..web import database
from . import privacy
from .users import add_device, add_user, issue_pairing_code

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
        audit.record(uow.session, SYSTEM, "device.issued", branch=branch, target=f"{kind} {device.id}: {device.name}")
        uow.commit()
    click.echo(f"{kind} device {device.id} registered at {branch}")
    click.echo(token)


@device_group.command("pair")
@click.option("--branch", required=True)
@click.option("--kind", type=click.Choice(["kiosk", "display"]), required=True)
@click.option("--name", default="")
def device_pair(branch, kind, name):
    """Make a pairing code (10 minutes, once) for `turnero-kiosk|turnero-display --pair CODE`;
    prints it alone on the last line."""
    with database().unit_of_work(write=True) as uow:
        try:
            made = issue_pairing_code(uow, SYSTEM, branch, kind, name)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"pairing code for a {kind} ({made.name}) at {branch}, valid until "
               f"{made.expires_at:%H:%M} UTC, once:")
    click.echo(made.code)


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
        audit.record(uow.session, SYSTEM, "user.created", branch=branch, target=username,
                     changes={"role": [None, role], "branch": [None, branch]})
        uow.commit()
    click.echo(f"user {username} ({role}) created")


@click.command("purge")
@with_appcontext
def purge():
    """Erase personal data older than each branch's retention (`turnero serve` does it daily)."""
    with database().unit_of_work(write=True) as uow:
        counts = privacy.purge(uow)
    if counts:
        click.echo("erased: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))
    else:
        click.echo("nothing to erase")


def register(app) -> None:
    for command in (device_group, user_group, purge):
        app.cli.add_command(command)
