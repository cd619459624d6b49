"""Shared fixtures: settings, a fresh database per test, the API on a real socket, a real SMTP
server. PostgreSQL tests run when TEST_DATABASE_URL is set and are skipped otherwise."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiosmtpd.controller import Controller
from tortoise import Tortoise

from booking.db import close_database, open_database
from booking.settings import Settings, load_settings

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")

# Fixed keys so a failing test can be replayed; never used outside tests.
TEST_FERNET_KEY = "5lK9Jc3BNjvQzvOBMyGmUYBz1lgP2bmpCTEeYk5Cnko="
TEST_SECRETS = {
    "JWT_SECRET": "test-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "FIELD_ENCRYPTION_KEYS": TEST_FERNET_KEY,
    "BLIND_INDEX_KEY": "test-blind-index-key-0123456789abcdefghijklmnop",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., Any]]:
    """Start an aiohttp app on a real socket and return a client for it."""
    clients: list[TestClient] = []

    async def make(app: Any) -> TestClient:
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def api(db: Settings, make_client: Callable[..., Any]) -> TestClient:
    """The API (database already open by `db`) behind a real HTTP socket."""
    from api.app import create_app

    return await make_client(create_app(db, manage_database=False))


class Inbox:
    """Messages received by the test SMTP server."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    async def wait_for(
        self, predicate: Callable[[EmailMessage], bool] = lambda m: True, timeout: float = 5.0
    ) -> EmailMessage:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in self.messages:
                if predicate(message):
                    return message
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no matching e-mail within {timeout}s: {self.subjects()}")
            await asyncio.sleep(0.02)

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


def body_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    return part.get_content() if part else ""


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
