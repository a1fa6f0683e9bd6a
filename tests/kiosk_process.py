"""The kiosk app as a real command (`python -m turnero_kiosk.main`): started, waited
for until it serves its branch, stopped as a service manager stops it."""
from __future__ import annotations

import signal
import subprocess
import sys
from contextlib import contextmanager


@contextmanager
def kiosk_command(args: list[str], env: dict, ready: str = "kiosk of branch centro"):
    """Run the kiosk with `args` until a line of its log holds `ready`; yields the lines
    it wrote until then (the list keeps growing only here). On leaving, SIGTERM: it
    must end by itself with status 0."""
    proc = subprocess.Popen([sys.executable, "-m", "turnero_kiosk.main", *args], env=env,
                            stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if ready in line:
                break
        assert proc.poll() is None, "the kiosk ended by itself:\n" + "".join(seen) + proc.stderr.read()
        yield seen
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        assert code == 0, f"exit code {code}:\n" + "".join(seen) + proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
