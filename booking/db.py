"""Database lifecycle: Tortoise configuration, connection context and migrations."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE

from booking.ratelimit import configure_rate_limits
from booking.settings import Settings
from models import configure_encryption

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
APP = "models"


# SQLite runs in WAL mode (Tortoise's default); there `synchronous=NORMAL` syncs the log at
# checkpoints instead of at every commit: the database stays consistent whatever happens,
# and only a power cut (not a crash of the process) can lose the last commits. A URL that
# names its own `synchronous` keeps it. `secure_delete` overwrites deleted and replaced
# content with zeros, so erased personal data does not linger in free pages of the file.
# `journal_size_limit=-1`: the log file keeps its size when the log restarts (Tortoise's
# 16 KB limit had a commit shrink it, 170 ms on the loop's thread after a burst of writes);
# booking.sqlite_inline's checkpoints keep the log itself to a bounded size.
SQLITE_PRAGMAS = {"synchronous": "NORMAL", "secure_delete": "ON", "journal_size_limit": "-1"}


def tortoise_config(database_url: str) -> dict[str, Any]:
    url = database_url.replace("postgresql://", "postgres://", 1)
    if url.startswith("sqlite://") and url.removeprefix("sqlite://") != ":memory:":
        given = url.partition("?")[2]
        extra = [f"{k}={v}" for k, v in SQLITE_PRAGMAS.items() if f"{k}=" not in given]
        if extra:
            url += ("&" if given else "?") + "&".join(extra)
    connection: str | dict[str, Any] = url
    if url.startswith(("postgres://", "sqlite://")) and url != "sqlite://:memory:":
        # Tortoise's own clients, counting the writes booking.freshness watches.
        connection = expand_db_url(url)
        connection["engine"] = "booking.db_clients"
    return {
        "connections": {"default": connection},
        "apps": {APP: {"models": ["models", "aerich.models"], "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


def migrations_location(settings: Settings) -> Path:
    """One folder per dialect: SQLite and PostgreSQL each migrate from empty."""
    return MIGRATIONS_DIR / settings.dialect


def _ensure_sqlite_dir(database_url: str) -> None:
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def configure_keys(settings: Settings) -> None:
    configure_encryption(settings.fernet_keys, settings.blind_index_key.get_secret_value())
    configure_rate_limits(settings.rate_limit_multiplier)


async def open_database(settings: Settings) -> None:
    configure_keys(settings)
    if settings.is_sqlite:
        _ensure_sqlite_dir(settings.database_url)
    # The global fallback lets aiohttp handlers, bot updates and scheduler jobs, which run in
    # tasks of their own, see the connections opened here.
    await Tortoise.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()
    # Tortoise caches compiled INSERT/DELETE statements per connection *name*, whatever the
    # dialect; a process that reopens "default" on another database (tests do, switching
    # SQLite and PostgreSQL) must not reuse the other dialect's SQL.
    EXECUTOR_CACHE.clear()


@contextlib.asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[None]:
    await open_database(settings)
    try:
        yield
    finally:
        await close_database()


async def ping() -> bool:
    """True when the database answers a trivial query."""
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # any driver error means "not reachable" to a health check
        return False
    return True


async def migrate(settings: Settings) -> list[str]:
    """Apply the dialect's pending migrations; returns the names applied (none the second time)."""
    from aerich import Command

    # Initialise Tortoise ourselves (aerich skips its own init then): a second run in the same
    # process would otherwise find aerich's closed connections.
    await open_database(settings)
    command = Command(
        tortoise_config(settings.database_url), app=APP, location=str(migrations_location(settings))
    )
    try:
        async with command:
            return await command.upgrade(run_in_transaction=True)
    finally:
        await close_database()
