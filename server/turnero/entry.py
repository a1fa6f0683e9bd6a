"""The `turnero` console script. `turnero serve` runs under gevent, so the standard
library is patched here, before Flask, SQLAlchemy or any driver is imported."""
import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        from gevent import monkey
        monkey.patch_all()
    from .cli import main as cli_main
    cli_main()


if __name__ == "__main__":
    main()
