"""What field encryption costs: insert and read users with four encrypted fields.

.venv/bin/python bench/bench_encryption.py [--count 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time

from tortoise import Tortoise

from booking.db import close_database, open_database
from booking.settings import load_settings
from models import User, blind_index


async def main(count: int) -> None:
    tmp = tempfile.mkdtemp()
    settings = load_settings(
        {"DATA_DIR": tmp, "DATABASE_URL": f"sqlite://{tmp}/bench.sqlite3"}, env_file=None
    )
    await open_database(settings)
    await Tortoise.generate_schemas()
    users = [
        User(
            email=f"client{i}@example.org",
            email_index=blind_index(f"client{i}@example.org"),
            first_name="Zoë",
            last_name=f"Client {i}",
            phone="+64 21 555 0199",
        )
        for i in range(count)
    ]
    started = time.perf_counter()
    await User.bulk_create(users, batch_size=500)
    write_s = time.perf_counter() - started
    started = time.perf_counter()
    loaded = await User.all()
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    for i in range(0, count, max(count // 200, 1)):
        assert await User.get(email_index=blind_index(f"client{i}@example.org"))
    lookups = len(range(0, count, max(count // 200, 1)))
    lookup_s = time.perf_counter() - started
    await close_database()
    assert len(loaded) == count
    print(f"bulk insert {count} users (4 encrypted fields each): {write_s:.2f}s")
    print(f"read and decrypt {count} users: {read_s:.2f}s ({count / read_s:.0f} users/s)")
    print(f"{lookups} lookups by blind index: {lookup_s * 1000 / lookups:.2f} ms each")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    asyncio.run(main(parser.parse_args().count))
