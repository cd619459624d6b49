"""The command line as an operator uses it: real processes, real sockets, real signals."""

import asyncio
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from booking.db import close_database, open_database
from booking.passwords import verify_password
from models import User, blind_index
from tests.fixed_secrets import TEST_SECRETS
from tests.smtp_sink import free_port

ROOT = Path(__file__).resolve().parent.parent


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SMTP_"))}
    env.update(
        {
            "DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": f"sqlite://{tmp_path}/cli.sqlite3",
            "ENVIRONMENT": "development",
            "EMAIL_BACKEND": "console",
            **TEST_SECRETS,
            **extra,
        }
    )
    return env


async def run(tmp_path: Path, *args: str, **extra: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "booking",
        *args,
        cwd=tmp_path,
        env=env_for(tmp_path, **extra),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


SQLITE_MIGRATIONS = Path(__file__).parent.parent / "migrations" / "sqlite" / "models"


async def test_wrong_usage_prints_usage_and_exits_2(tmp_path):
    code, _, err = await run(tmp_path, "fly-to-the-moon")
    assert code == 2
    assert "usage:" in err


async def test_migrate_twice_is_harmless(tmp_path):
    code, out, _ = await run(tmp_path, "migrate")
    migrations = len(list(SQLITE_MIGRATIONS.glob("*.py")))
    assert code == 0 and f"applied {migrations} migration" in out
    code, out, _ = await run(tmp_path, "migrate")
    assert code == 0 and "up to date" in out


async def test_create_staff_creates_then_promotes(tmp_path, make_settings):
    assert (await run(tmp_path, "migrate"))[0] == 0
    args = ["create-staff", "--email", "Dr.Rivera@Example.org", "--first-name", "Sam"]
    code, out, err = await run(tmp_path, *args, "--no-input", STAFF_PASSWORD="calm-harbour-42")
    assert code == 0, err
    assert out.startswith("created staff user")
    code, out, err = await run(
        tmp_path, *args, "--last-name", "Rivera", "--no-input", STAFF_PASSWORD="new-tide-pool-7"
    )
    assert code == 0, err
    assert out.startswith("promoted staff user")

    await open_database(make_settings(DATABASE_URL=f"sqlite://{tmp_path}/cli.sqlite3"))
    try:
        users = await User.filter(email_index=blind_index("dr.rivera@example.org"))
        assert len(users) == 1
        staff = users[0]
        assert staff.is_staff and staff.email_verified_at is not None
        assert (staff.first_name, staff.last_name) == ("Sam", "Rivera")
        assert await verify_password(staff.password_hash, "new-tide-pool-7")
        assert not await verify_password(staff.password_hash, "calm-harbour-42")
    finally:
        await close_database()


async def test_create_staff_promotes_an_existing_client(tmp_path, make_settings):
    assert (await run(tmp_path, "migrate"))[0] == 0
    await open_database(make_settings(DATABASE_URL=f"sqlite://{tmp_path}/cli.sqlite3"))
    try:
        client = await User.create(
            email="alex@example.org",
            email_index=blind_index("alex@example.org"),
            first_name="Alex",
            last_name="Moreau",
        )
    finally:
        await close_database()
    code, out, err = await run(
        tmp_path,
        "create-staff",
        "--email",
        "alex@example.org",
        "--no-input",
        STAFF_PASSWORD="quiet-meadow-19",
    )
    assert code == 0, err
    assert str(client.id) in out and "promoted" in out


async def test_create_staff_refuses_a_common_password_and_a_missing_one(tmp_path):
    assert (await run(tmp_path, "migrate"))[0] == 0
    code, _, err = await run(
        tmp_path,
        "create-staff",
        "--email",
        "a@example.org",
        "--no-input",
        STAFF_PASSWORD="password123",
    )
    assert code == 1 and "too common" in err
    code, _, err = await run(tmp_path, "create-staff", "--email", "a@example.org", "--no-input")
    assert code == 1 and "STAFF_PASSWORD" in err


async def start(tmp_path: Path, command: str, **extra: str) -> asyncio.subprocess.Process:
    """`python -m booking COMMAND` left running, its output piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "booking",
        command,
        cwd=tmp_path,
        env=env_for(tmp_path, **extra),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


async def wait_for_health(
    url: str, process: asyncio.subprocess.Process, timeout: float = 30
) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise AssertionError(f"server exited early with {process.returncode}")
        try:
            return await asyncio.to_thread(get_status, url)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            await asyncio.sleep(0.1)
    raise AssertionError("no answer from /healthz")


@pytest.mark.parametrize("mode", ["serve", "run"])
async def test_healthz_answers_on_a_real_socket_and_sigterm_exits_0(tmp_path, mode):
    assert (await run(tmp_path, "migrate"))[0] == 0
    port = free_port()
    process = await start(tmp_path, mode, PORT=str(port))
    try:
        status = await wait_for_health(f"http://127.0.0.1:{port}/healthz", process)
        assert status == 200
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert "Traceback" not in err.decode()
    if mode == "run":
        assert "TELEGRAM_BOT_TOKEN is not set" in err.decode()


async def test_worker_starts_and_stops_cleanly_on_sigterm(tmp_path):
    assert (await run(tmp_path, "migrate"))[0] == 0
    process = await start(tmp_path, "worker")
    lines = []
    try:
        while True:
            line = await asyncio.wait_for(process.stderr.readline(), 30)
            assert line, "worker exited early: " + "".join(lines)
            lines.append(line.decode())
            if "worker running" in lines[-1]:
                break
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert "Traceback" not in err.decode()


async def test_healthz_is_503_when_the_database_cannot_be_reached(
    tmp_path, make_client, make_settings
):
    """A PostgreSQL URL pointing nowhere: the API still starts and says it is not ready."""
    from api.app import create_app

    settings = make_settings(DATABASE_URL=f"postgres://nobody@127.0.0.1:{free_port()}/none")
    client = await make_client(create_app(settings))
    response = await client.get("/healthz")
    assert response.status == 503
