"""`turnero-kiosk --pair CODE --server URL` and `turnero-display --pair ...` against a
real `turnero serve`: the code made with `turnero device pair` becomes the device's own
token, saved in its ini file (what else the file says is kept), and the app starts with
it; a used code or a code for the other kind stops with a clear message."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import configparser  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402
import requests  # noqa: E402
from conftest import DEMO_PASSWORD  # noqa: E402
from kiosk_process import kiosk_command  # noqa: E402
from web_staff_helpers import CSRF_RE  # noqa: E402

from turnero_display.main import parser as display_parser  # noqa: E402
from turnero_qt import ConfigError, PairingError, client_config, pair_if_asked  # noqa: E402

pytestmark = pytest.mark.live


def pairing_code(live, kind: str, name: str) -> str:
    return live.cli("device", "pair", "--branch", "centro", "--kind", kind, "--name", name).strip().splitlines()[-1]


def device_of(live, token: str) -> dict:
    r = requests.get(f"{live.url}/api/v1/device", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def devices_page(live) -> str:
    """The devices page as the admin sees it, in English, whitespace folded."""
    browser = requests.Session()
    csrf = CSRF_RE.search(browser.get(f"{live.url}/staff/login", timeout=10).text).group(1)
    browser.post(f"{live.url}/staff/login", data={"csrf_token": csrf, "username": "admin", "password": DEMO_PASSWORD},
                 timeout=10).raise_for_status()
    return re.sub(r"\s+", " ", browser.get(f"{live.url}/admin/branches/centro/devices?lang=en", timeout=10).text)


def test_the_kiosk_pairs_saves_its_token_and_starts(live, tmp_path):
    code = pairing_code(live, "kiosk", "Entrada")
    ini = tmp_path / "kiosk.ini"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    env.pop("TURNERO_CONFIG", None)
    command = ["--config", str(ini), "--server", live.url, "--printer", "none", "--windowed"]
    with kiosk_command([*command, "--pair", code.lower()], env) as seen:
        assert re.search(r"Entrada</th>((?!</tr>).)*Online", devices_page(live))  # its row: seen just now
    assert any("paired: kiosk “Entrada” of branch centro" in line for line in seen), "".join(seen)
    saved = configparser.ConfigParser(interpolation=None)
    saved.read(ini)
    assert saved["turnero"]["server"] == live.url
    assert device_of(live, saved["turnero"]["token"])["name"] == "Entrada"
    assert oct(ini.stat().st_mode & 0o777) == "0o600"

    again = subprocess.run([sys.executable, "-m", "turnero_kiosk.main", *command, "--pair", code], env=env,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 2
    assert "the server refused the pairing code: This pairing code is not valid" in again.stderr
    assert saved["turnero"]["token"] in ini.read_text()  # a refused code leaves the file as it was


def test_the_display_pairs_into_its_existing_config_file(live, tmp_path):
    ini = tmp_path / "display.ini"
    ini.write_text("; the lobby TV\n[turnero]\nserver = http://old.example:5000\nbranch = norte\n\n"
                   "[display]\nsound = off\n", encoding="utf-8")
    kiosk_code = pairing_code(live, "kiosk", "Entrada 2")
    args = display_parser().parse_args(["--config", str(ini), "--server", live.url, "--pair", kiosk_code])
    with pytest.raises(PairingError, match="made for the other kind of device"):
        pair_if_asked(args, app="display", environ={})
    assert "old.example" in ini.read_text()  # nothing written

    code = pairing_code(live, "display", "Sala")
    args = display_parser().parse_args(["--config", str(ini), "--server", live.url + "/", "--pair", code])
    paired = pair_if_asked(args, app="display", environ={})
    assert (paired.kind, paired.branch, paired.name) == ("display", "centro", "Sala")
    config = client_config(args, app="display", environ={})
    assert (config.server, config.token, config.branch) == (live.url, paired.token, None)
    assert config.flag("sound", True) is False
    text = ini.read_text()
    assert text.startswith("; the lobby TV\n[turnero]\n") and "norte" not in text
    # The next start reads all of it from the file alone.
    later = client_config(display_parser().parse_args(["--config", str(ini)]), app="display", environ={})
    assert later.token == paired.token and device_of(live, later.token)["kind"] == "display"
    # The kiosk's code, never used, still pairs a kiosk.
    assert requests.post(f"{live.url}/api/v1/devices/pair", json={"code": kiosk_code, "kind": "kiosk"},
                         timeout=10).status_code == 201


def test_pairing_needs_a_server_and_not_a_token_too(tmp_path):
    ini = str(tmp_path / "display.ini")
    with pytest.raises(ConfigError, match="--pair needs the server"):
        pair_if_asked(display_parser().parse_args(["--config", ini, "--pair", "ABCD-EFGH"]), app="display",
                      environ={})
    with pytest.raises(ConfigError, match="either --pair or --token"):
        pair_if_asked(display_parser().parse_args(["--config", ini, "--pair", "ABCD-EFGH", "--token", "x",
                                                   "--server", "http://127.0.0.1:9"]), app="display", environ={})
