"""Where the server is and who this device is: from the command line, the
environment (TURNERO_SERVER, TURNERO_TOKEN, TURNERO_CONFIG) or an ini file.

Command line beats environment, environment beats the file. The ini file has a
`[turnero]` section (`server`, `token`, optional `branch`) and one section per app
(`[display]`, `[kiosk]`) with that app's own settings, handed back untouched::

    [turnero]
    server = http://192.168.1.10:5000
    token = 3q2-...

    [display]
    sound = off
"""
from __future__ import annotations

import argparse
import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    """The configuration is missing something or is unreadable (said in English, for the installer)."""


@dataclass(frozen=True)
class ClientConfig:
    server: str                      # base URL, no trailing slash: "http://127.0.0.1:5000"
    token: str                       # the device's Bearer token
    branch: str | None = None        # only when set explicitly; normally asked of GET /api/v1/device
    app: dict[str, str] = field(default_factory=dict)  # the ini section named after the app

    def setting(self, name: str, default: str | None = None) -> str | None:
        return self.app.get(name, default)

    def flag(self, name: str, default: bool) -> bool:
        """An on/off setting of the app section ("on", "yes", "true", "1" / "off", "no", ...)."""
        value = self.app.get(name)
        if value is None:
            return default
        return value.strip().lower() in ("1", "yes", "true", "on")


def default_config_path(app: str) -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "turnero" / f"{app}.ini"


def add_client_arguments(parser: argparse.ArgumentParser) -> None:
    """--server, --token, --branch, --config and --pair, shared by the kiosk and the display."""
    parser.add_argument("--server", help="server base URL (env TURNERO_SERVER)")
    parser.add_argument("--token", help="device token from `turnero device add` (env TURNERO_TOKEN)")
    parser.add_argument("--branch", help="branch slug (normally learnt from the token)")
    parser.add_argument("--config", help="ini file (env TURNERO_CONFIG; default ~/.config/turnero/APP.ini)")
    parser.add_argument("--pair", metavar="CODE",
                        help="pairing code from the devices page: exchanged for this device's token, which is saved "
                             "with --server in the ini file, then the app starts")


def config_path(args: argparse.Namespace | None, *, app: str, environ: Mapping[str, str],
                must_exist: bool = True) -> Path:
    """The ini file: --config, else TURNERO_CONFIG, else ~/.config/turnero/APP.ini. One
    named explicitly must exist, unless it is about to be written (`--pair`)."""
    explicit = getattr(args, "config", None) or environ.get("TURNERO_CONFIG")
    path = Path(explicit) if explicit else default_config_path(app)
    if explicit and must_exist and not path.exists():
        raise ConfigError(f"config file not found: {path}")
    return path


def client_config(args: argparse.Namespace | None, *, app: str,
                  environ: Mapping[str, str] | None = None) -> ClientConfig:
    """Merge command line, environment and ini file into a ClientConfig."""
    environ = os.environ if environ is None else environ
    path = config_path(args, app=app, environ=environ)
    parser = configparser.ConfigParser(interpolation=None)
    if path.exists():
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
    common = dict(parser["turnero"]) if parser.has_section("turnero") else {}
    own = dict(parser[app]) if parser.has_section(app) else {}

    def pick(name: str) -> str | None:
        return (getattr(args, name, None) or environ.get(f"TURNERO_{name.upper()}")
                or common.get(name) or None)

    server, token = pick("server"), pick("token")
    if not server:
        raise ConfigError("no server URL: give --server, TURNERO_SERVER or `server =` in the ini file")
    if not server.startswith(("http://", "https://")):
        raise ConfigError(f"the server URL must start with http:// or https://: {server}")
    if not token:
        raise ConfigError("no device token: give --pair CODE (from the devices page), --token, TURNERO_TOKEN "
                          "or `token =` in the ini file (`turnero device add --branch SLUG --kind KIND` prints one)")
    return ClientConfig(server=server.rstrip("/"), token=token.strip(), branch=pick("branch"), app=own)
