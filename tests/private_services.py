"""A PostgreSQL and a Redis of a test's own, on free ports, that the test may stop and
start again (the fault tests): the machine's shared services are never touched.

The binaries are Debian's (PostgreSQL 15, redis-server), on every development and CI
machine; one that is missing fails the test, never skips it. initdb and postgres refuse
to run as root: as root they run as the `postgres` user.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

PG_BINARIES = (Path("/usr/lib/postgresql/15/bin"), Path("/usr/local/bin"))
REDIS_SERVER = Path("/usr/bin/redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


def _binary(name: str, places) -> str:
    for place in places:
        if (place / name).is_file():
            return str(place / name)
    pytest.fail(f"{name} is required for the fault tests (Debian's postgresql-15 / redis-server): not found in "
                + ", ".join(map(str, places)), pytrace=False)


class PrivatePostgres:
    """`initdb` in a temporary folder, `pg_ctl start/stop` on a free port (trust auth,
    fsync off: its data is thrown away)."""

    def __init__(self):
        self.initdb = _binary("initdb", PG_BINARIES)
        self.pg_ctl = _binary("pg_ctl", PG_BINARIES)
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="turnero-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        else:
            self._as = []
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync", "--no-instructions")

    def _run(self, *args, timeout: float = 60) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            pytest.fail(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stdout}{done.stderr}\n{log}",
                        pytrace=False)

    def start(self) -> PrivatePostgres:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off "
                   "-c full_page_writes=off -c synchronous_commit=off -c max_connections=100")
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """`fast`: as `systemctl stop postgresql` (every session is ended); `immediate`:
        as a crash."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        if self.running():
            subprocess.run([*self._as, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """`redis-server` on a free port, keeping nothing on disk; stopped with SIGTERM."""

    def __init__(self):
        self.binary = _binary(REDIS_SERVER.name, (REDIS_SERVER.parent,))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = Path(tempfile.mkdtemp(prefix="turnero-redis-"))
        self.proc: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.dir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not listening(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {self.port}", pytrace=False)
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
