"""`python -m booking audit`: the operator reads the audit trail at the console.

Theo viewed Alice's request and scheduled it; Uma viewed Charlie's, long ago. One line per
event (at, actor, action, target, ip_hash), or one JSON object per line; filters by actor,
action, target and since; a bad date is a clear error, not a traceback.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from booking.audit import APPOINTMENT_SCHEDULE, APPOINTMENT_VIEW, hash_ip, record_audit
from booking.db import close_database, open_database
from models import AuditEvent
from tests.test_cli import run

THEO, UMA = uuid.uuid4(), uuid.uuid4()
ALICES, CHARLIES = uuid.uuid4(), uuid.uuid4()


async def a_trail(tmp_path, make_settings) -> None:
    assert (await run(tmp_path, "migrate"))[0] == 0
    await open_database(make_settings(DATABASE_URL=f"sqlite://{tmp_path}/cli.sqlite3"))
    try:
        old = datetime(2026, 10, 2, 9, 30, tzinfo=UTC)
        await record_audit(UMA, APPOINTMENT_VIEW, target=CHARLIES, ip="198.51.100.23", at=old)
        at = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
        await record_audit(THEO, APPOINTMENT_VIEW, target=ALICES, ip="203.0.113.7", at=at)
        await record_audit(THEO, APPOINTMENT_SCHEDULE, target=ALICES, at=at.replace(minute=5))
    finally:
        await close_database()


async def test_theos_events_since_november_newest_first(tmp_path, make_settings):
    await a_trail(tmp_path, make_settings)
    code, out, err = await run(tmp_path, "audit", "--since", "2026-11-01")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2  # Uma's October view is before the date
    assert lines[0].split() == [
        "2026-11-03T14:05:00+00:00",
        str(THEO),
        "appointment.schedule",
        str(ALICES),
        "-",  # no address known
    ]
    assert lines[1].split()[2:] == ["appointment.view", str(ALICES), hash_ip("203.0.113.7")]


async def test_filters_and_json(tmp_path, make_settings):
    await a_trail(tmp_path, make_settings)
    code, out, err = await run(tmp_path, "audit", "--actor", str(UMA), "--json")
    assert code == 0, err
    (event,) = [json.loads(line) for line in out.splitlines()]
    assert set(event) == {"id", "at", "actor", "action", "target", "ip_hash"}
    assert (event["actor"], event["target"]) == (str(UMA), str(CHARLIES))
    code, out, _ = await run(tmp_path, "audit", "--action", "appointment.view")
    assert code == 0 and len(out.splitlines()) == 2
    code, out, _ = await run(tmp_path, "audit", "--target", str(ALICES), "--since", "2026-11-03")
    assert code == 0 and len(out.splitlines()) == 2
    code, out, _ = await run(tmp_path, "audit", "--action", "client.erase")
    assert code == 0 and out == ""


async def test_reading_the_trail_at_the_console_is_itself_recorded(tmp_path, make_settings):
    await a_trail(tmp_path, make_settings)
    assert (await run(tmp_path, "audit"))[0] == 0
    await open_database(make_settings(DATABASE_URL=f"sqlite://{tmp_path}/cli.sqlite3"))
    try:
        read = await AuditEvent.get(action="audit.view")
        assert read.actor_id is None and read.target == "command line"
    finally:
        await close_database()


async def test_a_bad_date_or_actor_is_a_clear_error(tmp_path, make_settings):
    await a_trail(tmp_path, make_settings)
    code, out, err = await run(tmp_path, "audit", "--since", "1st of November")
    assert code == 1 and out == ""
    assert "error: --since: Enter a date (YYYY-MM-DD)" in err and "Traceback" not in err
    code, _, err = await run(tmp_path, "audit", "--actor", "theo")
    assert code == 1 and "error: --actor: Enter a valid UUID." in err
