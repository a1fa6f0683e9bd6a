"""The `turnero` console script. `turnero serve` runs under gevent, so the standard
library is patched here, before Flask, SQLAlchemy or any driver is imported."""
import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        from gevent import monkey
        monkey.patch_all()
    from flask.cli import FlaskGroup, routes_command, shell_command

    from .app import create_app
    # Not Flask's `run`: its debug server must never face a network; `turnero serve` does.
    cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=False, load_dotenv=True,
                     help="Turnero: virtual queue and appointments.")
    cli.add_command(routes_command)
    cli.add_command(shell_command)
    cli.main(prog_name="turnero")


if __name__ == "__main__":
    main()
