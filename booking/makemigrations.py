"""Developer tool: write a migration for each dialect from the current models.

    python -m booking.makemigrations NAME

SQLite needs nothing; the PostgreSQL migration is generated against a scratch database on
MAKEMIGRATIONS_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import uuid

import asyncpg
from aerich import Command
from aerich.ddl.sqlite import SqliteDDL
from tortoise import Tortoise

from booking.db import APP, MIGRATIONS_DIR, close_database, tortoise_config
from models import configure_encryption


async def _generate(url: str, dialect: str, name: str) -> str | None:
    location = MIGRATIONS_DIR / dialect
    command = Command(tortoise_config(url), app=APP, location=str(location))
    existing = location / APP
    try:
        if not existing.exists() or not any(existing.glob("*.py")):
            await command.init_migrations(safe=True)
            return f"initial migration for {dialect}"
        # aerich looks the connection up in Tortoise's registry; after a first dialect in this
        # process it is only found when we open it ourselves (as booking.db.migrate does).
        await Tortoise.init(config=tortoise_config(url), _enable_global_fallback=True)
        await command.init(offline=True)
        return await command.migrate(name, no_input=True, offline=True)
    finally:
        await close_database()


async def _generate_for(dialect: str, name: str) -> None:
    configure_encryption(["Zm9yLW1pZ3JhdGlvbnMtb25seS0zMi1ieXRlcy1rZXk="], "x" * 32)
    if dialect == "sqlite":
        # SQLite has no column comments; aerich refuses to alter one (a CharEnumField's
        # comment lists its members, so adding a member would stop the SQLite migration).
        SqliteDDL.set_comment = lambda self, model, field_describe: ""  # type: ignore[method-assign]
        with tempfile.TemporaryDirectory() as tmp:
            print("sqlite:", await _generate(f"sqlite://{tmp}/scratch.sqlite3", "sqlite", name))
        return
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


def main(name: str) -> None:
    # One process per dialect: aerich keeps the first dialect's DDL generator in class
    # attributes, so a second dialect in the same process would get SQLite's SQL.
    for dialect in DIALECTS:
        subprocess.run(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "booking.makemigrations", name, "--only", dialect],
            check=True,
        )


DIALECTS = ("sqlite", "postgres")

if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 3 and args[1] == "--only" and args[2] in DIALECTS:
        asyncio.run(_generate_for(args[2], args[0]))
    elif len(args) == 1:
        main(args[0])
    else:
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
