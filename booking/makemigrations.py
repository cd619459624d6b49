"""Developer tool: write a migration for each dialect from the current models.

    python -m booking.makemigrations NAME

SQLite needs nothing; the PostgreSQL migration is generated against a scratch database on
MAKEMIGRATIONS_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import uuid

import asyncpg
from aerich import Command
from tortoise import Tortoise

from booking.db import APP, MIGRATIONS_DIR, tortoise_config
from models import configure_encryption


async def _generate(url: str, dialect: str, name: str) -> str | None:
    location = MIGRATIONS_DIR / dialect
    command = Command(tortoise_config(url), app=APP, location=str(location))
    existing = location / APP
    try:
        if not existing.exists() or not any(existing.glob("*.py")):
            await command.init_migrations(safe=True)
            return f"initial migration for {dialect}"
        await command.init(offline=True)
        return await command.migrate(name, no_input=True, offline=True)
    finally:
        await Tortoise.close_connections()


async def main(name: str) -> None:
    configure_encryption(["Zm9yLW1pZ3JhdGlvbnMtb25seS0zMi1ieXRlcy1rZXk="], "x" * 32)
    with tempfile.TemporaryDirectory() as tmp:
        print("sqlite:", await _generate(f"sqlite://{tmp}/scratch.sqlite3", "sqlite", name))
    base = os.environ.get(
        "MAKEMIGRATIONS_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    scratch = f"makemigrations_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1))
    await admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        url = base.rsplit("/", 1)[0] + "/" + scratch
        print("postgres:", await _generate(url, "postgres", name))
    finally:
        await admin.execute(f'DROP DATABASE "{scratch}"')
        await admin.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    asyncio.run(main(sys.argv[1]))
