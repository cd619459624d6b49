"""Scheduling against the rules: a session's buffer, the daily cap and blocked days are
refused with 409 naming the clash unless Theo overrides; another session never is."""

from __future__ import annotations

import asyncio

import pytest

from booking.appointments import schedule_appointment
from booking.availability import find_clashes, require_free, update_rules
from booking.errors import Conflict
from models import Appointment, AppointmentStatus
from tests.availability_support import NOW, a_request, a_session, at, clocked
from tests.meetings_support import make_cast

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


async def _schedule(api, cast, start, *, minutes=60, override=None):
    request = await a_request()
    body = {"scheduled_datetime": start.isoformat(), "scheduled_duration": minutes}
    if override is not None:
        body["override"] = override
    response = await api.post(
        f"/api/meetings/appointments/{request.id}/schedule/",
        json=body,
        headers=cast.headers("theo"),
    )
    return response.status, await response.json(), request


@BOTH
async def test_a_session_inside_anothers_buffer_needs_the_override(db, make_client):
    cast, api = await clocked(db, make_client)
    await update_rules({"buffer_minutes": 15})
    await a_session(db, cast.theo, at(2, 10))
    status, body, request = await _schedule(api, cast, at(2, 11, 10))
    assert status == 409
    assert body == {
        "detail": "The time is within the 15-minute buffer around the session at 10:00-11:00.",
        "clashes": [
            {
                "kind": "buffer",
                "detail": "is within the 15-minute buffer around the session at 10:00-11:00",
            }
        ],
    }
    assert (await Appointment.get(id=request.id)).status == AppointmentStatus.PENDING_REVIEW
    status, body, _ = await _schedule(api, cast, at(2, 11, 15))  # exactly the buffer: free
    assert status == 200, body
    status, body, _ = await _schedule(api, cast, at(2, 8, 50), override=True)
    assert status == 200, body


@BOTH
async def test_two_sessions_never_overlap_even_with_the_override(db, make_client):
    cast, api = await clocked(db, make_client)
    await a_session(db, cast.theo, at(2, 10))
    status, body, request = await _schedule(api, cast, at(2, 10, 30), override=True)
    assert status == 409
    assert [c["kind"] for c in body["clashes"]] == ["session"]
    assert "overlaps the session at 10:00-11:00" in body["detail"]
    assert "cannot be overridden" in body["detail"]
    assert (await Appointment.get(id=request.id)).status == AppointmentStatus.PENDING_REVIEW


@BOTH
async def test_the_daily_cap_is_refused_unless_overridden(db, make_client):
    cast, api = await clocked(db, make_client)
    await update_rules({"max_sessions_per_day": 1})
    await a_session(db, cast.theo, at(2, 10))
    status, body, _ = await _schedule(api, cast, at(2, 15))
    assert status == 409
    assert body["clashes"] == [
        {"kind": "daily_cap", "detail": "would pass the cap of 1 sessions a day (2026-03-04 has 1)"}
    ]
    status, _, _ = await _schedule(api, cast, at(3, 15))  # Thursday has room
    assert status == 200
    status, body, _ = await _schedule(api, cast, at(2, 15), override=True)
    assert status == 200, body


async def test_every_clash_is_named_at_once(db, make_client):
    cast, api = await clocked(db, make_client)
    await update_rules({"buffer_minutes": 30, "max_sessions_per_day": 2})
    await a_session(db, cast.theo, at(2, 10))
    await a_session(db, cast.theo, at(2, 12))
    status, body, _ = await _schedule(api, cast, at(2, 11, 0))
    assert status == 409
    assert [c["kind"] for c in body["clashes"]] == ["buffer", "buffer", "daily_cap"]


async def test_staff_may_schedule_inside_the_minimum_notice(db, make_client):
    cast, api = await clocked(db, make_client)  # Monday 10:00; the notice is 24 hours
    status, body, _ = await _schedule(api, cast, at(0, 14))
    assert status == 200, body


async def test_override_must_be_true_or_false(db, make_client):
    cast, api = await clocked(db, make_client)
    status, body, _ = await _schedule(api, cast, at(2, 14), override="yes")
    assert status == 400 and list(body) == ["override"]


async def test_find_clashes_leaves_out_the_session_being_moved(db):
    cast = await make_cast(db)
    session = await a_session(db, cast.theo, at(2, 10))
    assert await find_clashes(db, at(2, 10, 30), 60, exclude_appointment_id=session.id) == []
    found = await find_clashes(db, at(2, 10, 30), 60)
    assert [(c.kind, c.appointment_id, c.overridable) for c in found] == [
        ("session", session.id, False)
    ]
    with pytest.raises(Conflict):
        require_free(found, override=True)


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_two_decisions_at_once_cannot_both_sit_in_each_others_buffer(db):
    cast = await make_cast(db)
    await update_rules({"buffer_minutes": 30})
    first, second = await a_request(), await a_request("Charlie")

    async def decide(request, start):
        try:
            return await schedule_appointment(db, request.id, cast.theo, start, 60, now=NOW)
        except Conflict:
            return None

    results = await asyncio.gather(decide(first, at(2, 10)), decide(second, at(2, 11, 15)))
    assert sum(r is not None for r in results) == 1
