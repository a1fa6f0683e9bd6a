"""The kiosk app as a real command (`python -m turnero_kiosk.main`): started, waited
for until it serves its branch, stopped as a service manager stops it."""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
from contextlib import contextmanager

# How long the kiosk may take to end after SIGTERM (it needs well under a second; a
# loaded test machine, more), and to write its threads' stacks once it did not.
STOP_WAIT_S = 30
STACKS_WAIT_S = 10
READY_WAIT_S = 120


@contextmanager
def kiosk_command(args: list[str], env: dict, ready: str = "kiosk of branch centro"):
    """Run the kiosk with `args` until a line of its log holds `ready`; yields its log's
    lines (the list grows as it writes). On leaving, SIGTERM: it must end by itself
    with status 0.

    Its log is read to the end all along (a full pipe would stop the kiosk at its next
    line, SIGTERM or not). A kiosk that does not end in time is made to write every
    thread's stack (faulthandler, on SIGABRT) into the failure."""
    proc = subprocess.Popen([sys.executable, "-m", "turnero_kiosk.main", *args],
                            env={**env, "PYTHONFAULTHANDLER": "1"}, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    came_up = threading.Event()

    def read_log() -> None:
        for line in proc.stderr:
            seen.append(line)
            if ready in line:
                came_up.set()
        came_up.set()  # ended: the check below says how

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    try:
        came_up.wait(READY_WAIT_S)
        assert any(ready in line for line in seen) and proc.poll() is None, \
            "the kiosk did not come up (ended, or said nothing of serving its branch):\n" + "".join(seen)
        yield seen
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            try:
                proc.wait(timeout=STACKS_WAIT_S)
            except subprocess.TimeoutExpired:
                pass  # stuck even so: the failure says what it wrote (the finally kills it)
            reader.join(STACKS_WAIT_S)
            raise AssertionError(f"the kiosk did not end within {STOP_WAIT_S} s of SIGTERM; its log and "
                                 "its threads' stacks then (the last 300 lines):\n" + "".join(seen[-300:])) from None
        reader.join(STACKS_WAIT_S)
        assert code == 0, f"exit code {code}:\n" + "".join(seen)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(STACKS_WAIT_S)
        proc.stderr.close()
