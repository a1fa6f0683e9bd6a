"""The `turnero` console script. `turnero serve` runs under gevent, so the standard
library is patched here, before Flask, SQLAlchemy or any driver is imported."""
import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        from gevent import monkey
        monkey.patch_all()
    from flask.cli import FlaskGroup

    from .app import create_app
    cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True, load_dotenv=True,
                     help="Turnero: virtual queue and appointments.")
    cli.main(prog_name="turnero")


if __name__ == "__main__":
    main()
