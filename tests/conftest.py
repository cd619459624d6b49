"""Shared fixtures: settings, a fresh database per test, the API on a real socket, a real SMTP
server. PostgreSQL tests run when TEST_DATABASE_URL is set and are skipped otherwise."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiosmtpd.controller import Controller
from tortoise import Tortoise

from api.app import create_app
from api.server import ApiRunner
from booking.db import close_database, open_database
from booking.mailer import SmtpEmailSender
from booking.notifications import Dispatcher
from booking.scheduler import running_scheduler
from booking.settings import Settings, load_settings
from models import NotificationChannel
from tests.auth_support import PRACTICE, SENDER
from tests.fixed_secrets import TEST_SECRETS
from tests.smtp_sink import Inbox, free_port

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings from a clean environment (never the developer's .env), with overrides."""

    def make(**overrides: Any) -> Settings:
        environ = {
            "ENVIRONMENT": "test",
            "DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": f"sqlite://{tmp_path}/test.sqlite3",
            "DISPATCH_INTERVAL_SECONDS": "0.2",
            **TEST_SECRETS,
        }
        environ.update({k: str(v) for k, v in overrides.items()})
        return load_settings(environ, env_file=None)

    return make


async def _create_pg_database() -> str:
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(TEST_DATABASE_URL.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + name


async def _drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(TEST_DATABASE_URL.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database. Parametrize indirectly with "postgres" to run on PostgreSQL too:

    @pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
    """
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path}/test.sqlite3"
        return
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set (no PostgreSQL here)")
    url = await _create_pg_database()
    try:
        yield url
    finally:
        await _drop_pg_database(url)


@pytest.fixture
async def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    return make_settings(DATABASE_URL=database_url)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Settings]:
    """Open the test database with the schema of the models; yields the settings."""
    await open_database(settings)
    await Tortoise.generate_schemas()
    try:
        yield settings
    finally:
        await close_database()


class ApiTestServer(TestServer):
    """The app on a real socket, run as `python -m booking` runs it (`api.server.ApiRunner`)."""

    async def _make_runner(self, **kwargs: Any) -> ApiRunner:
        # aiohttp's TestServer cancels a handler whose client hangs up; the service does not
        # (aiohttp's default), so a test sees what a client that leaves does to the service.
        kwargs["handler_cancellation"] = False
        return ApiRunner(self.app, **kwargs)


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., Any]]:
    """Start an aiohttp app on a real socket and return a client for it."""
    clients: list[TestClient] = []

    async def make(app: Any) -> TestClient:
        client = TestClient(ApiTestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def api(db: Settings, make_client: Callable[..., Any]) -> TestClient:
    """The API (database already open by `db`) behind a real HTTP socket."""
    return await make_client(create_app(db, manage_database=False))


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, Controller]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[Inbox, Controller]) -> Inbox:
    return smtp_server[0]


@pytest.fixture
def smtp_settings(smtp_server: tuple[Inbox, Controller]) -> dict[str, str]:
    """Overrides pointing EMAIL_BACKEND=smtp at the test server."""
    controller = smtp_server[1]
    return {
        "EMAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(controller.port),
        "SMTP_TLS": "none",
    }


# --- the API wired as `python -m booking run` wires it ----------------------------------------
# `mail_api`: a real SMTP sender behind the real outbox dispatcher, woken by every successful
# write, plus the APScheduler job.


@pytest.fixture
def mail_settings(
    make_settings: Callable[..., Settings], database_url: str, smtp_settings: dict[str, str]
) -> Settings:
    return make_settings(
        DATABASE_URL=database_url,
        PRACTICE_NAME=PRACTICE,
        EMAIL_FROM=SENDER,
        # Long: in these tests only the wake-up on commit can deliver quickly.
        DISPATCH_INTERVAL_SECONDS="30",
        **smtp_settings,
    )


@pytest.fixture
async def mail_db(mail_settings: Settings) -> AsyncIterator[Settings]:
    """The database (schema of the models) opened with `mail_settings`."""
    await open_database(mail_settings)
    await Tortoise.generate_schemas()
    try:
        yield mail_settings
    finally:
        await close_database()


@pytest.fixture
def dispatcher(mail_settings: Settings) -> Dispatcher:
    """The real outbox dispatcher with the real SMTP sender."""
    return Dispatcher({NotificationChannel.EMAIL: SmtpEmailSender(mail_settings)})


@pytest.fixture
async def mail_api(
    mail_db: Settings, dispatcher: Dispatcher, make_client: Callable[..., Any]
) -> AsyncIterator[TestClient]:
    """The API with its outbox delivering over real SMTP, wired as in `run`."""
    async with running_scheduler(mail_db, dispatcher):
        client = await make_client(
            create_app(mail_db, manage_database=False, on_commit=dispatcher.wake)
        )
        yield client
        await client.close()


@pytest.fixture
def settle(dispatcher: Dispatcher) -> Callable[[], Awaitable[None]]:
    """Run the dispatcher to the end of a delivery round, so "nothing arrived" means it."""

    async def settle() -> None:
        await dispatcher.dispatch_due()

    return settle
