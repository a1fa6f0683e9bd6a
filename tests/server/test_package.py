"""What a user installs: the wheel built from this repository carries the pages'
front-end files (with their licences) and the licence, and a server run from the
wheel alone (not this checkout) serves pages that load them."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import requests

from conftest import ROOT, SERVER_START_S, free_port
from turnero.maintenance import FRONTEND


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True, env={**os.environ,
                                                                                     "PYTHONWARNINGS": "ignore"})
    return next(out.glob("turnero-*.whl"))


def test_the_wheel_carries_the_front_end_files_their_licences_and_the_licence(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in FRONTEND:
        assert f"turnero/static/{name}" in names, name
    for licence in ("socket.io/LICENSE", "chart.js/LICENSE.md", "swagger-ui/LICENSE", "README.txt"):
        assert f"turnero/static/vendor/{licence}" in names, licence
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in metadata or "License: Apache-2.0" in metadata
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_a_server_run_from_the_wheel_serves_live_pages(wheel, tmp_path):
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(unpacked), "TURNERO_INSTANCE_PATH": str(tmp_path / "instance"),
           "TURNERO_DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "TURNERO_SECRET_KEY": "wheel",
           "TURNERO_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    run = [sys.executable, "-m", "turnero.entry"]
    where = subprocess.run([sys.executable, "-c", "import turnero; print(turnero.__file__)"], env=env,
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert where.startswith(str(unpacked)), where  # the wheel's copy, not this checkout
    for args in (["db", "upgrade"], ["demo", "--password", "wheel-pass-123"]):
        subprocess.run(run + args, env=env, check=True, capture_output=True, cwd=tmp_path)
    server = subprocess.Popen(run + ["serve", "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the server from the wheel did not start"
            time.sleep(0.2)
        page = requests.get(f"{base}/b/centro/display", timeout=10).text
        assert "vendor/socket.io/socket.io.min.js" in page
        for name in FRONTEND:
            r = requests.get(f"{base}/static/{name}", timeout=10)
            assert r.status_code == 200 and len(r.content) > 1000, name
    finally:
        server.terminate()
        server.wait(10)
