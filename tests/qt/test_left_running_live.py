"""A lobby display and a kiosk left running, as branches leave them: three days pressed
into minutes. Each day brings its calls, then the machines sleep (the processes are
stopped, long enough for the server to give them up) and wake, then the server is
restarted for the night. Both apps are the real commands in their own processes.
After it all they still follow the branch (the display shows the day's last call)
and they have not grown in memory from the second day to the last.

The server pings every second here and waits 3 s for the answer
(TURNERO_PING_INTERVAL, TURNERO_PING_TIMEOUT), so a sleep of a few seconds is one a
real screen would need a minute for: the server drops it, and the app
must notice on waking and come back by itself."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import requests  # noqa: E402
from conftest import DEMO_PASSWORD, stop_process, wait_until  # noqa: E402

pytestmark = [pytest.mark.live, pytest.mark.one_pass]

DAYS = 3
CALLS_PER_DAY = 30
SLEEP_S = 6  # more than the ping interval and timeout together
GROWTH_LIMIT_MB = 5


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


class App:
    """One of the Qt apps as a command, its log in a file."""

    def __init__(self, module: str, args: list[str], log: Path, env: dict):
        self.log = log
        self._out = open(log, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", module, *args], env=env, stdout=self._out,
                                     stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.text()))

    def sleep(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def wake(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a stopped process would not hear SIGTERM
        code = stop_process(self.proc, 30)
        self._out.close()
        return code


def test_a_display_and_a_kiosk_keep_up_for_days_without_growing(live_server_factory, tmp_path):
    server = live_server_factory(f"sqlite:///{tmp_path}/days.db")
    server.env.update(TURNERO_PING_INTERVAL="1", TURNERO_PING_TIMEOUT="3")
    server.cli("db", "upgrade")
    server.cli("demo", "--password", DEMO_PASSWORD)
    kiosk_token = server.cli("device", "add", "--branch", "centro", "--kind", "kiosk").strip().splitlines()[-1]
    display_token = server.cli("device", "add", "--branch", "centro", "--kind", "display").strip().splitlines()[-1]
    server.start()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    env.pop("TURNERO_CONFIG", None)
    display = App("turnero_display.main", ["--server", server.url, "--token", display_token, "--windowed",
                                           "--no-sound"], tmp_path / "display.log", env)
    kiosk = App("turnero_kiosk.main", ["--server", server.url, "--token", kiosk_token, "--printer", "none",
                                       "--windowed"], tmp_path / "kiosk.log", env)
    try:
        live_for_days(server, display, kiosk, kiosk_token)
    finally:
        codes = display.stop(), kiosk.stop()
    assert codes == (0, 0), f"exit codes {codes}:\n{display.text()[-3000:]}\n{kiosk.text()[-3000:]}"


def shows(display: App, code: str) -> bool:
    """The display has the call: from its ticket.called, or from the branch's list when
    that event was lost with a connection (then announced late)."""
    text = display.text()
    return f"call {code} to" in text or f"announcing {code} late" in text


def live_for_days(server, display: App, kiosk: App, kiosk_token: str) -> None:
    api = f"{server.url}/api/v1"
    as_kiosk = {"Authorization": f"Bearer {kiosk_token}"}
    assert wait_until(lambda: display.count(r"online") and kiosk.count(r"online"), 60), \
        f"the apps never came online:\n{display.text()[-2000:]}\n{kiosk.text()[-2000:]}"
    memory = []
    for day in range(DAYS):
        staff = server.staff()
        requests.post(f"{api}/branches/centro/counters/v1/open", headers=staff, timeout=10).raise_for_status()
        for _ in range(CALLS_PER_DAY):
            requests.post(f"{api}/branches/centro/tickets", json={"service": "caja"}, headers=as_kiosk,
                          timeout=10).raise_for_status()
            called = requests.post(f"{api}/branches/centro/counters/v1/call-next", headers=staff, timeout=10)
            called.raise_for_status()
            time.sleep(0.05)
        last = called.json()["code"]
        assert wait_until(lambda: shows(display, last), 30), f"day {day + 1}: the display missed {last}"
        # The evening: both machines sleep; the server gives them up.
        online_before = display.count(r"online"), kiosk.count(r"online")
        display.sleep()
        kiosk.sleep()
        time.sleep(SLEEP_S)
        display.wake()
        kiosk.wake()
        assert wait_until(lambda: display.count(r"online") > online_before[0]
                          and kiosk.count(r"online") > online_before[1], 60), \
            f"day {day + 1}: an app did not come back after waking"
        # The night: the server restarts; both come back by themselves.
        online_before = display.count(r"online"), kiosk.count(r"online")
        server.stop()
        time.sleep(1)
        server._tokens.clear()
        server.start()
        assert wait_until(lambda: display.count(r"online") > online_before[0]
                          and kiosk.count(r"online") > online_before[1], 90), \
            f"day {day + 1}: an app did not come back after the server's restart"
        memory.append((rss_mb(display.proc.pid), rss_mb(kiosk.proc.pid)))
    print("RSS (display, kiosk) after each day, MB:", memory)
    staff = server.staff()
    requests.post(f"{api}/branches/centro/counters/v1/open", headers=staff, timeout=10).raise_for_status()
    requests.post(f"{api}/branches/centro/tickets", json={"service": "caja"}, headers=as_kiosk,
                  timeout=10).raise_for_status()
    last = requests.post(f"{api}/branches/centro/counters/v1/call-next", headers=staff, timeout=10).json()["code"]
    assert wait_until(lambda: shows(display, last), 30), "after the last night the display missed a call"
    for name, first, final in (("display", memory[1][0], memory[-1][0]), ("kiosk", memory[1][1], memory[-1][1])):
        assert final - first < GROWTH_LIMIT_MB, f"the {name} grew from {first:.0f} to {final:.0f} MB: {memory}"
