"""PostgreSQL at scale: one `serve` on a database of 1,000,000 appointments, next to an empty one.

    .venv/bin/python bench/pg_scale.py            # prints the figures as JSON

Needs a PostgreSQL server whose user may create databases: BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/postgres). A scratch database is made and dropped.
BENCH_PG_ROWS sets the size (default 1,000,000; 100,000 with BENCH_QUICK=1).

The rows are written with COPY (the same encrypted columns the service writes, under the
run's keys): about one in five pending, the rest decided, spread over three years, one
client owning 40 of them. Latency is measured at a modest concurrency (wrk -c4), so the p99
is the server's time for the query, not a queue; the ceiling in the same run is the bare
aiohttp "hello" at the same concurrency.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from support import (
    CODE,
    KEEP,
    PYTHON,
    QUICK,
    SECRETS,
    Service,
    booking_service,
    free_port,
    http_json,
    new_data_dir,
    run_booking,
    seed,
    service_env,
    settle,
    sign_in,
    wrk,
)

sys.path.insert(0, str(CODE))
from models.encryption import Vault  # the service's code (CODE, on the path above)

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
ROWS = int(os.environ.get("BENCH_PG_ROWS", "100000" if QUICK else "1000000"))
CONNECTIONS = 4
DISTINCT = 2_000  # distinct ciphertexts per column (the tables' size is what matters)
CLIENT_ROWS = 40
CHUNK = 50_000

CLIENT_LIST = "/api/meetings/user/appointments/"
PENDING_LIST = "/api/meetings/appointments/?status=pending_review&page_size=20"
SCHEDULED_LIST = "/api/meetings/appointments/?status=scheduled&page_size=20"
STATS = "/api/meetings/appointments/stats/"
DATES = "/api/meetings/appointments/available-dates/"

COLUMNS = (
    "id",
    "user_id",
    "email_index",
    "first_name",
    "last_name",
    "email",
    "phone",
    "reason",
    "rejection_reason",
    "preferred_dates",
    "preferred_time_slots",
    "status",
    "scheduled_datetime",
    "scheduled_duration",
    "jitsi_room_id",
    "decided_at",
    "late_cancellation",
    "reschedule_count",
    "calendar_sequence",
    "attendance",
    "created_at",
    "updated_at",
)


def _asyncpg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


class Rows:
    """Appointment rows for COPY, ciphertexts drawn from a pool made under the run's keys."""

    def __init__(self, vault: Vault, client_id: uuid.UUID, client_index: str) -> None:
        self.vault = vault
        self.client_id = client_id
        self.client_index = client_index
        self.rng = random.Random(7)
        enc = vault.encrypt
        self.names = [enc(f"First{i}") for i in range(DISTINCT)]
        self.surnames = [enc(f"Last{i}") for i in range(DISTINCT)]
        self.emails = [enc(f"person{i}@scale.example") for i in range(DISTINCT)]
        self.indexes = [vault.blind_index(f"person{i}@scale.example") for i in range(DISTINCT)]
        self.phones = [enc(f"+64 21 555 {i:04d}") for i in range(DISTINCT)]
        self.reasons = [enc(f"A few words about why, number {i}.") for i in range(DISTINCT)]
        self.rejection = enc("No time that week.")
        self.client_email = enc("client@bench.example")
        self.now = datetime.now(UTC)

    def row(self, i: int, owned: bool) -> tuple[Any, ...]:
        rng = self.rng
        k = rng.randrange(DISTINCT)
        created = self.now - timedelta(days=1100) + timedelta(seconds=i * 95_000_000 // ROWS)
        roll = rng.random()
        if roll < 0.2:
            status = "pending_review"
        elif roll < 0.65:
            status = "scheduled"
        elif roll < 0.85:
            status = "rejected"
        else:
            status = "cancelled"
        scheduled = status == "scheduled"
        # Decided sessions lie before today (a practice's history), so the offered dates
        # see what an empty calendar would.
        start = created + timedelta(days=3, minutes=rng.randrange(0, 480, 30))
        if start > self.now - timedelta(days=2):
            start -= timedelta(days=10)
        day = created.date() + timedelta(days=3)
        return (
            uuid.uuid4(),
            self.client_id if owned else None,
            self.client_index if owned else self.indexes[k],
            self.names[k],
            self.surnames[k],
            self.client_email if owned else self.emails[k],
            self.phones[k],
            self.reasons[k],
            self.rejection if status == "rejected" else None,
            json.dumps([day.isoformat()]),
            json.dumps(["morning"]),
            status,
            start if scheduled else None,
            60 if scheduled else None,
            secrets.token_urlsafe(20) if scheduled else None,
            None if status == "pending_review" else created + timedelta(hours=5),
            status == "cancelled" and rng.random() < 0.3,
            1 if rng.random() < 0.05 else 0,
            0,
            ("attended" if rng.random() < 0.9 else "no_show") if scheduled else None,
            created,
            created,
        )


async def _copy_rows(url: str, client: dict[str, Any]) -> float:
    started = time.perf_counter()
    vault = Vault([SECRETS["FIELD_ENCRYPTION_KEYS"]], SECRETS["BLIND_INDEX_KEY"])
    rows = Rows(vault, uuid.UUID(client["client_id"]), vault.blind_index("client@bench.example"))
    owned = set(range(ROWS // (2 * CLIENT_ROWS), ROWS, ROWS // CLIENT_ROWS))
    db = await asyncpg.connect(_asyncpg_url(url))
    try:
        await db.execute("SET synchronous_commit = off")
        for first in range(0, ROWS, CHUNK):
            batch = [rows.row(i, i in owned) for i in range(first, min(ROWS, first + CHUNK))]
            await db.copy_records_to_table("appointments", records=batch, columns=COLUMNS)
        await db.execute("VACUUM ANALYZE appointments")
        # Write the seed's dirty pages out now: a checkpoint of ~1.3 GB during the measured
        # runs would stall every commit (each staff read commits its audit row) behind it.
        await db.execute("CHECKPOINT")
    finally:
        await db.close()
    return time.perf_counter() - started


async def _client_id(url: str) -> str:
    db = await asyncpg.connect(_asyncpg_url(url))
    try:
        ids = await db.fetch("SELECT id FROM users WHERE NOT is_staff")
        return str(ids[0]["id"])
    finally:
        await db.close()


async def _scratch(name: str, drop: bool = False) -> str:
    admin = await asyncpg.connect(_asyncpg_url(ADMIN_URL))
    try:
        if drop:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _measure(env: dict[str, str], paths: dict[str, str]) -> dict[str, Any]:
    base = f"http://127.0.0.1:{env['PORT']}"
    service = booking_service("serve", env).start()
    figures: dict[str, Any] = {}
    try:
        service.wait_http(f"{base}/healthz", timeout=60)
        staff = sign_in(base, "staff@bench.example", "bench-passphrase-not-common")
        client = sign_in(base, "client@bench.example", "bench-passphrase-not-common")
        tokens = {"staff": staff, "client": client, "anonymous": None}
        for name, spec in paths.items():
            who, path = spec.split(" ", 1)
            token = tokens[who]
            status, _ = http_json("GET", f"{base}{path}", token=token)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            options: dict[str, Any] = {"connections": CONNECTIONS}
            if token:
                options.update(script="bearer.lua", variables={"TOKEN": token})
            figures[name] = wrk(f"{base}{path}", **options).as_dict()
            settle(base)
        status, page = http_json("GET", f"{base}{CLIENT_LIST}", token=client)
        figures["client_list_count"] = page.get("count") if status == 200 else status
    finally:
        service.stop()
    return figures


def _ceiling() -> dict[str, Any]:
    port = free_port()
    app = Service(
        [PYTHON, str(Path(__file__).with_name("hello_app.py")), str(port)],
        service_env(new_data_dir("pg-ceiling")),
        "hello",
    )
    with app:
        app.wait_http(f"http://127.0.0.1:{port}/")
        return wrk(f"http://127.0.0.1:{port}/", connections=CONNECTIONS).as_dict()


def run() -> dict[str, Any]:
    stamp = f"{os.getpid()}_{int(time.time())}"
    empty_name, big_name = f"bench_empty_{stamp}", f"bench_scale_{stamp}"
    figures: dict[str, Any] = {"rows": ROWS, "connections": CONNECTIONS}
    try:
        figures["ceiling"] = _ceiling()
        for name, label in ((empty_name, "empty"), (big_name, "scale")):
            url = asyncio.run(_scratch(name))
            env = service_env(new_data_dir(f"pg-{label}"), free_port(), DATABASE_URL=url)
            run_booking(["migrate"], env)
            seed(env, "http", "--appointments", "0")
            if label == "scale":
                client = {"client_id": asyncio.run(_client_id(url))}
                figures["seed_seconds"] = round(asyncio.run(_copy_rows(url, client)), 1)
                paths = {
                    "client_list": f"client {CLIENT_LIST}",
                    "pending_list": f"staff {PENDING_LIST}",
                    "scheduled_list": f"staff {SCHEDULED_LIST}",
                    "stats": f"staff {STATS}",
                    "available_dates": f"anonymous {DATES}",
                }
            else:
                paths = {"available_dates": f"anonymous {DATES}", "stats": f"staff {STATS}"}
            figures[label] = _measure(env, paths)
    finally:
        if KEEP:  # BENCH_KEEP=1: leave the databases for a look at the plans
            figures["databases"] = [empty_name, big_name]
        else:
            for name in (empty_name, big_name):
                asyncio.run(_scratch(name, drop=True))
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
