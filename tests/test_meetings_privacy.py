"""Nothing Alice tells the practice is readable in the database: names, e-mail, phone, reason
and the rejection reason are ciphertext in every table, the outbox included."""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise import connections

from tests.meetings_support import first_dates, iso, make_cast, open_every_day, tomorrow_at

SECRETS = [
    "Zephyrine",
    "Quillfeather",
    "zephyrine.q@example.org",
    "+44 7700 900123",
    "panic attacks on the underground",
    "outside my specialism, see Dr Vale",
]


async def walk_the_flow(api, db):
    cast = await make_cast(db)
    await open_every_day()
    dates = await first_dates(db)
    made = []
    for _ in range(2):
        response = await api.post(
            "/api/meetings/appointments/create/",
            json={
                "first_name": "Zephyrine",
                "last_name": "Quillfeather",
                "email": "zephyrine.q@example.org",
                "phone": "+44 7700 900123",
                "reason": "panic attacks on the underground",
                "preferred_dates": dates,
                "preferred_time_slots": ["evening"],
            },
        )
        assert response.status == 201
        made.append((await response.json())["id"])
    theo = cast.headers("theo")
    scheduled = await api.post(
        f"/api/meetings/appointments/{made[0]}/schedule/",
        json={"scheduled_datetime": iso(tomorrow_at(18, 2))},
        headers=theo,
    )
    assert scheduled.status == 200
    rejected = await api.post(
        f"/api/meetings/appointments/{made[1]}/reject/",
        json={"rejection_reason": "outside my specialism, see Dr Vale"},
        headers=theo,
    )
    assert rejected.status == 200
    # The API still shows Theo everything, decrypted.
    detail = await (await api.get(f"/api/meetings/appointments/{made[1]}/", headers=theo)).json()
    assert detail["reason"] == "panic attacks on the underground"


def leaked(haystack: bytes) -> list[str]:
    lowered = haystack.lower()
    found = []
    for secret in SECRETS:
        for encoding in ("utf-8", "utf-16-le"):
            if secret.lower().encode(encoding) in lowered:
                found.append(f"{secret} ({encoding})")
    return found


async def test_the_sqlite_file_holds_no_personal_field_in_plain_text(api, db, tmp_path):
    await walk_the_flow(api, db)
    await connections.close_all(discard=False)  # flush everything to the files
    files = [p for p in Path(tmp_path).glob("test.sqlite3*") if p.is_file()]
    assert files, "the test database file was not found"
    for path in files:
        assert leaked(path.read_bytes()) == [], path.name


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_postgresql_holds_no_personal_field_in_plain_text(api, db):
    await walk_the_flow(api, db)
    conn = connections.get("default")
    tables = await conn.execute_query_dict(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    )
    assert {"appointments", "notifications", "users"} <= {t["tablename"] for t in tables}
    for table in tables:
        name = table["tablename"]
        rows = await conn.execute_query_dict(f'SELECT row_to_json(t)::text AS r FROM "{name}" t')
        dump = "\n".join(row["r"] for row in rows).encode()
        assert leaked(dump) == [], name
