"""The audit trail as a whole: every staff act is a row written with the act, rows hold no
personal value, and nothing in the service updates or deletes them but their retention.

Theo is the therapist; Alice and Charlie are clients. The stories run on the lifecycle
tests' 2030 clock (`tests.lifecycle_support`).
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tortoise import connections

from booking.audit import (
    AVAILABILITY_CHANGE,
    AuditFilter,
    hash_ip,
    list_audit,
    purge_old_audit,
    record_audit,
)
from booking.errors import InvalidInput
from models import AuditEvent
from tests.lifecycle_support import START, story

BOTH_DATABASES = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(make_settings, database_url, smtp_settings):
    return make_settings(DATABASE_URL=database_url, **smtp_settings)


@pytest.fixture
async def alice(db, make_client):
    return await story(db, make_client)


async def actions_of(actor) -> list[str]:
    return [e.action for e in await AuditEvent.filter(actor_id=actor.id).order_by("id")]


@BOTH_DATABASES
async def test_each_of_theos_acts_on_a_session_is_one_row_and_alices_are_none(alice):
    session = await alice.book()  # scheduled by Theo (booking.appointments)
    theo_id = alice.cast.theo.id
    later = {"scheduled_datetime": (START + timedelta(hours=2)).isoformat()}
    assert (await alice.post(session, "reschedule", "theo", later))[0] == 200
    offer = {"times": [(START + timedelta(days=1)).isoformat()]}
    assert (await alice.post(session, "propose", "theo", offer))[0] == 200
    move = {"preferred_dates": ["2030-03-12"], "preferred_time_slots": ["afternoon"]}
    assert (await alice.post(session, "reschedule-request", "alice", move))[0] == 200
    assert (await alice.post(session, "reschedule-request/keep", "theo"))[0] == 200
    assert (await alice.post(session, "confirm", "alice"))[0] == 200
    alice.clock.now = START + timedelta(hours=2, minutes=5)
    came = {"attendance": "attended"}
    assert (await alice.post(session, "attendance", "theo", came))[0] == 200

    assert await actions_of(alice.cast.theo) == [
        "appointment.schedule",
        "appointment.reschedule",
        "appointment.propose",
        "appointment.keep",
        "appointment.attendance",
    ]
    events = await AuditEvent.filter(actor_id=theo_id)
    assert {e.target for e in events} == {str(session.id)}
    assert {e.subject_id for e in events} == {alice.cast.alice.id}
    # Through the API each row carries the caller's address, hashed (the test client's).
    assert {e.ip_hash for e in events[1:]} == {hash_ip("127.0.0.1")}
    assert await actions_of(alice.cast.alice) == []  # a client's own acts are not audited


@BOTH_DATABASES
async def test_a_cancel_by_theo_is_recorded_and_one_by_alice_is_not(alice):
    mine, hers = await alice.book(), await alice.book(START + timedelta(days=1))
    assert (await alice.post(mine, "cancel", "theo", {}))[0] == 200
    assert (await alice.post(hers, "cancel", "alice", {}))[0] == 200
    cancels = await AuditEvent.filter(action="appointment.cancel")
    assert [(e.actor_id, e.target) for e in cancels] == [(alice.cast.theo.id, str(mine.id))]


@BOTH_DATABASES
async def test_a_refused_act_leaves_no_row_since_the_row_is_written_with_the_act(alice):
    await alice.book()
    clashing = await alice.request(who="charlie")
    when = {"scheduled_datetime": START.isoformat()}  # Alice's time: a clash, rolled back
    assert (await alice.post(clashing, "schedule", "theo", when))[0] == 409
    assert await AuditEvent.filter(target=str(clashing.id)).count() == 0


@BOTH_DATABASES
async def test_a_series_booked_and_cancelled_by_theo_names_every_occurrence(alice):
    request = await alice.request()
    body = {"scheduled_datetime": START.isoformat(), "repeat": {"every_weeks": 1, "count": 3}}
    status, booked = await alice.post(request, "schedule", "theo", body)
    assert status == 200, booked
    occurrences = {o["id"] for o in booked["occurrences"]}
    series = f"/api/meetings/series/{booked['series']}/"
    assert (await alice.api.get(series, headers=alice.cast.headers("theo"))).status == 200
    assert (await alice.api.get(series, headers=alice.cast.headers("alice"))).status == 200
    response = await alice.api.post(
        f"/api/meetings/series/{booked['series']}/cancel/",
        json={"from": START.date().isoformat()},
        headers=alice.cast.headers("theo"),
    )
    assert response.status == 200, await response.text()

    events = await AuditEvent.filter(actor_id=alice.cast.theo.id).order_by("id")
    assert [e.action for e in events] == ["appointment.schedule"] * 3 + ["appointment.view"] + [
        "appointment.cancel"
    ] * 3 + ["series.cancel"]
    assert {e.target for e in events[:3] + events[4:7]} == occurrences
    assert events[3].target == events[7].target == booked["series"]  # Alice's read: no row
    assert {e.subject_id for e in events} == {alice.cast.alice.id}


PERSONAL = (
    "alice@example.com",
    "charlie@example.com",
    "Alice",
    "Archer",
    "Charlie",
    "Chen",
    "Trouble sleeping",
    "+44 20 7946 0958",
    "127.0.0.1",
)


@BOTH_DATABASES
async def test_no_row_holds_a_personal_value_in_any_column(alice):
    session = await alice.book()
    theo = alice.cast.headers("theo")
    api = alice.api
    await api.get(
        "/api/meetings/appointments/", params={"email": "alice@example.com"}, headers=theo
    )
    await api.get(f"/api/meetings/appointments/{session.id}/", headers=theo)
    await api.get("/api/meetings/appointments/stats/", headers=theo)
    await api.get("/api/meetings/waitlist/", headers=theo)
    charlies = await alice.request(who="charlie")
    reason = {"rejection_reason": "Charlie Chen needs a specialist"}
    assert (await alice.post(charlies, "reject", "theo", reason))[0] == 200
    away = {"start_date": "2030-03-20", "note": "Alice Archer's family"}
    assert (await api.post("/api/meetings/admin/blocked-dates/", json=away, headers=theo)).ok
    assert (await alice.post(session, "cancel", "theo", {"reason": "Alice Archer moved"}))[0] == 200
    await api.get("/api/meetings/admin/audit/", params={"target": str(session.id)}, headers=theo)

    # Every column of every row, as the database holds it.
    _, raw = await connections.get("default").execute_query("SELECT * FROM audit_events")
    assert len(raw) >= 8
    stored = " ".join(str(value) for row in raw for value in dict(row).values())
    for value in PERSONAL:
        assert value.lower() not in stored.lower(), value


@BOTH_DATABASES
async def test_the_filters_parse_as_typed_and_name_the_bad_one(alice):
    assert AuditFilter.parse(since="2026-11-01").since == datetime(2026, 11, 1, tzinfo=UTC)
    offset = AuditFilter.parse(since="2026-11-01T10:00:00+02:00")
    assert offset.since == datetime(2026, 11, 1, 8, tzinfo=UTC)
    with pytest.raises(InvalidInput) as bad:
        AuditFilter.parse(since="1 Nov", actor="theo")
    assert set(bad.value.errors) == {"since", "actor"}


@BOTH_DATABASES
async def test_rows_past_the_audit_retention_go_and_the_rest_stay(alice, make_settings):
    now = datetime.now(UTC)
    old = await record_audit(None, AVAILABILITY_CHANGE, at=now - timedelta(days=31))
    kept = await record_audit(None, AVAILABILITY_CHANGE, at=now - timedelta(days=29))
    keep_30_days = make_settings(AUDIT_RETENTION_DAYS="30")
    assert await purge_old_audit(keep_30_days, now) == 1
    assert not await AuditEvent.exists(at=old.at)
    assert await AuditEvent.exists(at=kept.at)
    # The default keeps six years.
    assert alice.settings.audit_retention_days == 2190
    total, _ = await list_audit(AuditFilter())
    assert total == 1


# --- append-only: a look at the code itself -----------------------------------------------------

WRITES = {"delete", "update", "save", "bulk_update", "update_or_create", "update_from_dict"}
ALLOWED = {("booking/audit.py", "purge_old_audit")}


def audit_rewrites(root: Path) -> set[tuple[str, str]]:
    """(file, function) of every update or delete of AuditEvent rows in api/, bot/, booking/:
    a write call on a chain naming AuditEvent, or SQL naming audit_events with UPDATE/DELETE."""
    found: set[tuple[str, str]] = set()
    for folder in ("api", "bot", "booking"):
        for path in sorted((root / folder).rglob("*.py")):
            source = path.read_text()
            if "AuditEvent" not in source and "audit_events" not in source:
                continue
            tree = ast.parse(source)
            name = str(path.relative_to(root))
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(function):
                    text = ast.get_source_segment(source, node) or ""
                    if (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Attribute)
                        and node.func.attr in WRITES
                        and "AuditEvent" in text
                    ) or (
                        isinstance(node, ast.Constant)
                        and isinstance(node.value, str)
                        and "audit_events" in node.value.lower()
                        and any(w in node.value.upper() for w in ("UPDATE", "DELETE", "TRUNCATE"))
                    ):
                        found.add((name, function.name))
    return found


def test_nothing_but_the_retention_job_updates_or_deletes_audit_rows(tmp_path):
    assert audit_rewrites(ROOT) == ALLOWED
    # The scan finds what it looks for: a forged service deleting rows is caught.
    forged = tmp_path / "booking"
    forged.mkdir()
    (forged / "cover_up.py").write_text(
        "async def forget(actor_id):\n"
        "    await AuditEvent.filter(actor_id=actor_id).delete()\n"
        "async def rewrite(conn):\n"
        "    await conn.execute_query('update audit_events set actor_id = null')\n"
    )
    assert audit_rewrites(tmp_path) == {
        ("booking/cover_up.py", "forget"),
        ("booking/cover_up.py", "rewrite"),
    }


def test_every_action_the_trail_records_is_listed_once():
    """Filters (the API, the bot's /audit) accept exactly the actions in `audit.ACTIONS`."""
    from booking import audit

    names = [
        value
        for name, value in vars(audit).items()
        if name.isupper() and isinstance(value, str) and "." in value and name != "ACTIONS"
    ]
    assert sorted(names) == sorted(audit.ACTIONS)
    assert len(set(audit.ACTIONS)) == len(audit.ACTIONS)
