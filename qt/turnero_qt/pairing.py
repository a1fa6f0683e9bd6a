"""`--pair CODE --server URL`: a new kiosk or display exchanges the short code a manager
made on the devices page (`/admin/branches/SLUG/devices`, or `turnero device pair`) for
its own device token, and writes the server and the token into its ini file, so every
later start needs neither. Said in English, for the installer, like ConfigError.

The exchange is one blocking HTTP request before the Qt application starts: there is
nothing to show yet, and a bad code stops the command with a clear message.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .config import ConfigError, config_path

_KEY = re.compile(r"\s*([^=:;#\[\s][^=:]*?)\s*[=:]")


class PairingError(ConfigError):
    """The code was refused, or the server could not be asked."""


@dataclass(frozen=True)
class Paired:
    token: str
    branch: str
    kind: str
    name: str


def exchange(server: str, code: str, kind: str, timeout: float = 15.0) -> Paired:
    """POST /api/v1/devices/pair: the new device's token, or PairingError with the server's reason."""
    body = json.dumps({"code": code, "kind": kind}).encode()
    request = urllib.request.Request(server.rstrip("/") + "/api/v1/devices/pair", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Accept-Language": "en"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) checked by caller
            answer = json.loads(response.read().decode())
    except urllib.error.HTTPError as exc:
        raise PairingError(f"the server refused the pairing code: {_reason(exc)}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise PairingError(f"cannot reach the server at {server}: {getattr(exc, 'reason', exc)}") from None
    try:
        return Paired(str(answer["token"]), str(answer["branch"]), str(answer["kind"]), str(answer["name"]))
    except (KeyError, TypeError) as exc:
        raise PairingError(f"unexpected answer from {server}: {exc}") from None


def _reason(exc: urllib.error.HTTPError) -> str:
    try:
        problem = json.loads(exc.read().decode())
        return str(problem.get("detail") or problem.get("title") or exc.code)
    except (ValueError, AttributeError, OSError):
        return f"HTTP {exc.code}"


def with_values(text: str, section: str, values: Mapping[str, str], drop: tuple[str, ...] = ()) -> str:
    """The ini text with `values` set in `section` (replacing those keys, dropping `drop`),
    every other line and comment kept as it was."""
    out: list[str] = []
    inside = found = False
    written: set[str] = set()

    def rest() -> list[str]:
        missing = [f"{k} = {v}" for k, v in values.items() if k not in written]
        written.update(values)
        return missing
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if inside:
                out.extend(rest())
            inside = stripped[1:-1].strip() == section
            found = found or inside
        elif inside and (key := _KEY.match(line)) is not None:
            name = key.group(1).lower()
            if name in drop or name in written:
                continue
            if name in values:
                out.append(f"{name} = {values[name]}")
                written.add(name)
                continue
        out.append(line)
    if inside:
        out.extend(rest())
    if not found:
        out = [f"[{section}]", *rest(), "", *out]
    return "\n".join(out).rstrip("\n") + "\n"


def save(path: Path, server: str, token: str) -> None:
    """Write server and token into the file's [turnero] section (made if missing),
    readable by its owner only: the token is the device's key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        old = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise PairingError(f"cannot read {path}: {exc}") from None
    text = with_values(old, "turnero", {"server": server, "token": token}, drop=("branch",))
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise PairingError(f"cannot write {path}: {exc}") from None


def pair_if_asked(args: argparse.Namespace, *, app: str, environ: Mapping[str, str] | None = None) -> Paired | None:
    """With `--pair CODE`: exchange it, save the token, and let the rest of the start
    read it (`args.token`). Without: nothing."""
    code = getattr(args, "pair", None)
    if not code:
        return None
    environ = os.environ if environ is None else environ
    if getattr(args, "token", None):
        raise ConfigError("give either --pair or --token, not both")
    path = config_path(args, app=app, environ=environ, must_exist=False)
    server = getattr(args, "server", None) or environ.get("TURNERO_SERVER")
    if not server:
        raise ConfigError("--pair needs the server: give --server URL (or TURNERO_SERVER)")
    if not server.startswith(("http://", "https://")):
        raise ConfigError(f"the server URL must start with http:// or https://: {server}")
    server = server.rstrip("/")
    paired = exchange(server, code, app)
    save(path, server, paired.token)
    args.token, args.server = paired.token, server
    return paired
