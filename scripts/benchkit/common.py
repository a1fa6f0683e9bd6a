"""What every bench part uses: constants, process, port, percentile and /proc helpers, the
keep-alive HTTP client, the `turnero serve` processes (Servers) and instance preparation."""
from __future__ import annotations

import http.client
import json
import math
import os
import resource
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
TURNERO = ROOT / ".venv" / "bin" / "turnero"
HOST = "127.0.0.1"
BRANCH = "centro"
PASSWORD = "benchpw"
SERVICES = ("caja", "plataforma")
API = "/api/v1"


class BenchError(Exception):
    """A part could not run; the message says why (and where the server log is)."""


# ---------------------------------------------------------------- small helpers

def raise_nofile() -> None:
    """Soft open-files limit up to the hard limit (each process calls this)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        pass


def child_setup() -> None:
    """In a forked client process: the main process stops us (SIGTERM kills at once,
    Ctrl-C is left to the main process), and more open files."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise_nofile()


def stop_processes(procs) -> None:
    """SIGTERM, then SIGKILL for any still there after 5 s."""
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(5)
        if p.is_alive():
            p.kill()
            p.join(5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def pct(values, p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))
    return s[k]


def ms(seconds: float) -> str:
    return "n/a" if seconds != seconds else f"{seconds * 1000:.1f}"


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (NaN when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def out(line: str = "") -> None:
    print(line, flush=True)


class KeepAlive:
    """One keep-alive HTTP connection that reconnects after an error."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def connect(self) -> None:
        if self.conn is None:
            self.conn = self._connect()

    def request(self, method: str, path: str, body=None, token: str | None = None):
        """-> (status, raw bytes). Raises OSError/HTTPException after closing."""
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.connect()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if resp.will_close:
            self.close()
        return resp.status, raw

    def json(self, method: str, path: str, body=None, token: str | None = None):
        status, raw = self.request(method, path, body, token)
        try:
            return status, (json.loads(raw) if raw else None)
        except ValueError:
            return status, raw.decode(errors="replace")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def http_json(port: int, method: str, path: str, body=None, token=None, timeout: float = 30):
    ka = KeepAlive(port, timeout)
    try:
        return ka.json(method, path, body, token)
    finally:
        ka.close()


# ---------------------------------------------------------------- servers

class Servers:
    """Every `turnero serve` this run started; stop_all() runs in a finally."""

    def __init__(self):
        self.running: list[tuple[subprocess.Popen, object]] = []

    def start(self, env: dict, port: int, cwd: Path, log_path: Path) -> subprocess.Popen:
        log = open(log_path, "ab")
        proc = subprocess.Popen([str(TURNERO), "serve", "--host", HOST, "--port", str(port)],
                                env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append((proc, log))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise BenchError(f"server on port {port} exited with {proc.returncode}; log: {log_path}\n"
                                 + tail(log_path))
            try:
                status, _ = http_json(port, "GET", "/healthz", timeout=2)
                if status == 200:
                    return proc
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise BenchError(f"server on port {port} not healthy after 30 s; log: {log_path}\n" + tail(log_path))

    def stop_all(self) -> None:
        for proc, _ in self.running:
            if proc.poll() is None:
                proc.terminate()
        for proc, log in self.running:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
            log.close()
        self.running.clear()


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def log_problems(path: Path) -> str:
    """A short note on ERROR/Traceback lines in a server log (empty when none)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    errors = sum(1 for line in text.splitlines() if " ERROR " in line or line.startswith("Traceback"))
    return f"{errors} ERROR/Traceback lines in {path}" if errors else ""


def server_env(instance: Path, db_url: str, port: int, redis_url: str | None = None, **settings: str) -> dict:
    """The environment of a bench server; `settings` are more TURNERO_* values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TURNERO_")}
    env.update(
        TURNERO_INSTANCE_PATH=str(instance), TURNERO_DATABASE_URL=db_url, TURNERO_SECRET_KEY="x",
        TURNERO_PUBLIC_URL=f"http://{HOST}:{port}",
        # Set (even empty) so that no .env file supplies other values.
        TURNERO_REDIS_URL=redis_url or "", TURNERO_SMS_BACKEND="console",
        # One login per part, but Redis keeps the limiter's counts across runs.
        TURNERO_LOGIN_RATE_LIMIT="1000 per minute",
        # The issuing parts measure the ticket path, from 16 clients on one address:
        # the join limit is there (its bookkeeping is paid) but never reached. The flood
        # part runs with the defaults.
        TURNERO_JOIN_RATE_LIMIT="1000000 per minute",
        PYTHONUNBUFFERED="1",
    )
    env.update({f"TURNERO_{name}": value for name, value in settings.items()})
    return env


def turnero_cli(env: dict, cwd: Path, log_path: Path, *args: str) -> None:
    with open(log_path, "ab") as log:
        log.write(f"$ turnero {' '.join(args)}\n".encode())
        log.flush()
        try:
            rc = subprocess.run([str(TURNERO), *args], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, timeout=120).returncode
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"`turnero {' '.join(args)}` took over 120 s; log: {log_path}") from exc
    if rc != 0:
        raise BenchError(f"`turnero {' '.join(args)}` failed ({rc}); log: {log_path}\n" + tail(log_path))


def prepare_instance(tmp: Path, name: str, db_url: str, ports: list[int], servers: Servers,
                     redis_url: str | None = None, **settings: str) -> tuple[list[subprocess.Popen], list[Path]]:
    """Schema + demo data once, then one server per port. -> (processes, log paths)."""
    instance = tmp / name
    instance.mkdir(parents=True, exist_ok=True)
    setup_log = instance / "setup.log"
    env = server_env(instance, db_url, ports[0], redis_url, **settings)
    turnero_cli(env, instance, setup_log, "db", "upgrade")
    turnero_cli(env, instance, setup_log, "demo", "--password", PASSWORD)
    procs, logs = [], []
    for port in ports:
        log_path = instance / f"server-{port}.log"
        procs.append(servers.start(server_env(instance, db_url, port, redis_url, **settings), port, instance,
                                   log_path))
        logs.append(log_path)
    return procs, logs


def staff_token(port: int) -> str:
    status, body = http_json(port, "POST", f"{API}/auth/token", {"username": "agente", "password": PASSWORD})
    if status != 200 or not isinstance(body, dict) or "token" not in body:
        raise BenchError(f"login as agente failed: {status} {body!r}"[:500])
    return body["token"]
