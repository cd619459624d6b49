"""What every bench shares: the service started from outside, wrk, ports, the machine.

The benches drive the service only as an operator would: `python -m booking ...` as
subprocesses configured by environment variables, data seeded by `bench/seed.py` (which
imports only `models`, `booking.db` and `booking.settings`) and the public HTTP API.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from base64 import urlsafe_b64encode
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# The service's code: this checkout, or another one (`BENCH_CODE=/path`, e.g. an older commit
# unpacked with `git archive`) measured by these same benches.
CODE = Path(os.environ.get("BENCH_CODE") or ROOT).resolve()
KEEP = os.environ.get("BENCH_KEEP", "") not in ("", "0")  # keep the temporary folders
_made: list[Path] = []
PYTHON = sys.executable
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
WRK_DURATION = int(os.environ.get("BENCH_DURATION", "3" if QUICK else "10"))
WRK_THREADS = 2
WRK_CONNECTIONS = 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fixed_secrets() -> dict[str, str]:
    """One set of secrets per bench run, shared by the seeding script and the service."""
    return {
        "JWT_SECRET": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEYS": urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(48),
    }


SECRETS = fixed_secrets()


def service_env(data_dir: Path, port: int = 0, **extra: str) -> dict[str, str]:
    """The environment of a `python -m booking ...` child: SQLite in `data_dir`, no .env."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(CODE),
        "ENVIRONMENT": "development",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite://{data_dir}/booking.sqlite3",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "EMAIL_BACKEND": "console",
        "LOG_LEVEL": "INFO",
        **SECRETS,
    }
    env.update(extra)
    return env


def worker_env(data_dir: Path, token: str, api_url: str, smtp_port: int) -> dict[str, str]:
    """A migrated database in `data_dir`, and the bot and e-mail pointed at the bench's fakes."""
    env = service_env(
        data_dir,
        free_port(),
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_URL=api_url,
        EMAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
    )
    run_booking(["migrate"], env)
    return env


def listening_sockets(port: int) -> int:
    """How many TCP sockets listen on `port` (Linux: /proc/net/tcp and tcp6)."""
    found = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                found += 1
    return found


def new_data_dir(name: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    path.chmod(0o700)
    _made.append(path)
    return path


def remove_data_dirs() -> None:
    """Delete the bench's temporary folders (databases, logs), unless BENCH_KEEP=1."""
    if KEEP:
        return
    while _made:
        shutil.rmtree(_made.pop(), ignore_errors=True)


atexit.register(remove_data_dirs)


def run_booking(args: list[str], env: dict[str, str], *, check: bool = True) -> str:
    """`python -m booking ARGS` to completion (migrate, create-staff); returns stdout."""
    done = subprocess.run(
        [PYTHON, "-m", "booking", *args],
        env=env,
        cwd=env["DATA_DIR"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"python -m booking {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def seed(env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run bench/seed.py in a child (its own Tortoise); returns the JSON it prints."""
    done = subprocess.run(
        [PYTHON, str(BENCH_DIR / "seed.py"), *args],
        env=env,
        cwd=env["DATA_DIR"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seed.py {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Service:
    """A child process (the service, the ceiling app, a bot) with its log in a file."""

    args: list[str]
    env: dict[str, str]
    name: str
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    log_path: Path = field(default_factory=Path)

    def start(self) -> Service:
        self.log_path = Path(self.env["DATA_DIR"]) / f"{self.name}.log"
        log = self.log_path.open("ab")
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(
            self.args, env=self.env, cwd=self.env["DATA_DIR"], stdout=log, stderr=log
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_http(self, url: str, timeout: float = 30.0) -> float:
        """Seconds from start until `url` answers 200; raises with the log when it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - self.started_at
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.01)
        raise RuntimeError(f"{self.name}: {url} did not answer in {timeout}s:\n{self.log_tail()}")

    def wait_listening(self, port: int, count: int, timeout: float = 30.0) -> None:
        """Until `count` sockets listen on `port` (`serve --workers N`: one per process, with
        SO_REUSEPORT). /healthz answers once the first process is up; a load started then
        would open every connection to that one, and keep-alive keeps them there."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if listening_sockets(port) >= count:
                return
            if not self.alive():
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: {count} sockets never listened on {port}")

    def rss_mb(self) -> float:
        """Resident set size now, MB (from /proc)."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        return kb / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, timeout: float = 15.0) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def booking_service(command: str, env: dict[str, str], *extra: str) -> Service:
    return Service([PYTHON, "-m", "booking", command, *extra], env, f"booking-{command}")


def http_json(
    method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 30
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw or b"null")
        except ValueError:
            return exc.code, raw.decode(errors="replace")


def settle(base: str, timeout: float = 30.0) -> None:
    """Wait until the server has worked off what the last wrk run left queued.

    aiohttp finishes a handler whose client went away, so after a slow endpoint's run the
    next run (or profile) would otherwise share the server with the last one's leftovers.
    """
    deadline = time.monotonic() + timeout
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        started = time.perf_counter()
        http_json("GET", f"{base}/healthz", timeout=timeout)
        quick = quick + 1 if time.perf_counter() - started < 0.02 else 0
        time.sleep(0.1)


def sign_in(base: str, email: str, password: str) -> str:
    """An access token through the public API."""
    status, body = http_json(
        "POST", f"{base}/api/auth/login/", {"email": email, "password": password}
    )
    if status != 200:
        raise RuntimeError(f"sign-in of {email} answered {status}: {body}")
    return body["access"]


# --- wrk ------------------------------------------------------------------------------------


def wrk_path() -> str | None:
    return shutil.which("wrk")


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: int
    timeouts: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "max_ms": round(self.max_ms, 2),
            "requests": self.requests,
            "non_2xx": self.non_2xx,
            "socket_errors": self.socket_errors,
            "timeouts": self.timeouts,
        }


def lua_literal(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid Lua string literal here
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "{" + ", ".join(lua_literal(v) for v in value) + "}"
    raise TypeError(f"no Lua literal for {value!r}")


def _wrk_command(
    url: str,
    script: str | None,
    variables: dict[str, Any] | None,
    threads: int,
    connections: int,
    duration: float,
    timeout_s: int,
) -> list[str]:
    binary = wrk_path()
    if binary is None:
        raise RuntimeError("wrk is not installed")
    parts = [f"{name} = {lua_literal(value)}" for name, value in (variables or {}).items()]
    parts.append((BENCH_DIR / "lua" / "threads.lua").read_text())
    if script:
        parts.append((BENCH_DIR / "lua" / script).read_text())
    parts.append((BENCH_DIR / "lua" / "report.lua").read_text())
    script_path = new_data_dir("wrk") / "script.lua"
    script_path.write_text("\n".join(parts))
    return [
        binary,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={timeout_s}s",
        "--latency",
        "-s",
        str(script_path),
        url,
    ]


def _parse_wrk(stdout: str, stderr: str) -> WrkResult:
    match = re.search(r"^BENCH-SUMMARY (\{.*\})$", stdout, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no summary in wrk's output:\n{stdout}\n{stderr}")
    data = json.loads(match.group(1))
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        non_2xx=data["status"],
        socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        timeouts=data["timeout"],
    )


def wrk(
    url: str,
    *,
    script: str | None = None,
    variables: dict[str, Any] | None = None,
    threads: int = WRK_THREADS,
    connections: int = WRK_CONNECTIONS,
    duration: float = WRK_DURATION,
    timeout_s: int = 5,
) -> WrkResult:
    """One wrk run; `script` names a file in bench/lua/ (the summary reporter is always added)."""
    command = _wrk_command(url, script, variables, threads, connections, duration, timeout_s)
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    return _parse_wrk(done.stdout, done.stderr)


class BackgroundWrk:
    """wrk running while something else is measured (the sign-in flood)."""

    def __init__(self, url: str, **options: Any) -> None:
        self.command = _wrk_command(
            url,
            options.get("script"),
            options.get("variables"),
            options.get("threads", 1),
            options.get("connections", WRK_CONNECTIONS),
            options.get("duration", WRK_DURATION),
            options.get("timeout_s", 10),
        )
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def result(self) -> WrkResult:
        stdout, stderr = self.process.communicate(timeout=300)
        return _parse_wrk(stdout, stderr)


# --- the machine ----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk_version = ""
    if wrk_path():
        out = subprocess.run([wrk_path() or "wrk", "--version"], capture_output=True, text=True)
        wrk_version = (out.stdout or out.stderr).splitlines()[0].split(" [")[0]
    git = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    if CODE != ROOT:
        code = os.environ.get("BENCH_CODE_REV") or CODE.name
        git = f"bench at {git}; service code: {code} (BENCH_CODE)"
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "wrk": wrk_version,
        "git": git,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (0 for an empty list)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
