"""`turnero day ...`: the end of a branch's day, now."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..access.services import SYSTEM
from ..errors import DomainError
from ..web import database
from . import day

group = AppGroup("day", help="A branch's day: close it now (every turn still waiting or called expires).")


@group.command("close")
@click.option("--branch", "slug", required=True, help="The branch's slug.")
def close(slug):
    """Close the branch's day now, as at its closing time: every turn still waiting or
    called expires (customers with a phone are told once). For a branch that closes
    early; `turnero serve` closes each day by itself at closing time or midnight."""
    with database().unit_of_work(write=True) as uow:
        try:
            codes = day.close_day(uow, slug, everything=True, actor=SYSTEM)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"{slug}: day closed, {len(codes)} turns expired" + (f" ({', '.join(codes)})" if codes else ""))
