"""POST appointments/<id>/attendance/: Theo records whether Alice came, from the session's
start on; a later answer replaces the first (both are events); Alice cannot record it; the
appointment shows `attendance` while `meeting_status` keeps its seed values; stats count it."""

from __future__ import annotations

import pytest

from booking.lifecycle import cancel_appointment
from models import AppointmentEvent
from tests.lifecycle_support import START, later, story

URL = "/api/meetings/appointments/stats/"


@pytest.fixture
def settings(make_settings, database_url, smtp_settings):
    return make_settings(DATABASE_URL=database_url, **smtp_settings)


@pytest.fixture
async def theo(db, make_client):
    return await story(db, make_client)


async def marks(session) -> list[str]:
    events = await AppointmentEvent.filter(appointment_id=session.id).order_by("id")
    return [e.kind for e in events if e.kind.startswith("marked_")]


async def test_theo_records_a_no_show_after_the_start_and_corrects_it(theo):
    session = await theo.book()
    assert (await theo.get(session, "theo"))["attendance"] is None

    theo.clock.now = later(START, minutes=20)
    status, body = await theo.post(session, "attendance", "theo", {"attendance": "no_show"})

    assert status == 200, body
    assert body["attendance"] == "no_show"
    assert body["status"] == "scheduled"
    assert body["meeting_status"] == "active"  # the seed's values, untouched
    assert (await theo.get(session, "alice"))["attendance"] == "no_show"

    # Alice was in the waiting room after all: Theo corrects it, and both answers are kept.
    status, body = await theo.post(session, "attendance", "theo", {"attendance": "attended"})
    assert status == 200 and body["attendance"] == "attended"
    # The same answer again changes nothing.
    status, body = await theo.post(session, "attendance", "theo", {"attendance": "attended"})
    assert status == 200 and body["attendance"] == "attended"
    assert await marks(session) == ["marked_no_show", "marked_attended"]

    theo.clock.now = later(START, days=2)
    body = await theo.get(session, "theo")
    assert body["meeting_status"] == "completed" and body["attendance"] == "attended"


async def test_attendance_cannot_be_recorded_before_the_start(theo):
    session = await theo.book()
    theo.clock.now = later(START, minutes=-5)  # the room is open, the session not begun

    status, body = await theo.post(session, "attendance", "theo", {"attendance": "attended"})

    assert status == 409
    assert "not started" in body["detail"]
    assert (await theo.get(session, "theo"))["attendance"] is None


async def test_alice_cannot_record_her_own_attendance(theo):
    session = await theo.book()
    theo.clock.now = later(START, minutes=70)
    status, _ = await theo.post(session, "attendance", "alice", {"attendance": "attended"})
    assert status == 403
    response = await theo.api.post(
        f"/api/meetings/appointments/{session.id}/attendance/", json={"attendance": "attended"}
    )
    assert response.status == 401


async def test_a_request_or_a_cancelled_session_has_no_attendance(theo):
    request = await theo.request()
    status, body = await theo.post(request, "attendance", "theo", {"attendance": "no_show"})
    assert status == 409 and "pending review" in body["detail"]

    session = await theo.book(later(START, days=1))
    await cancel_appointment(theo.settings, session.id, theo.cast.alice, now=theo.clock.now)
    theo.clock.now = later(START, days=2)
    status, body = await theo.post(session, "attendance", "theo", {"attendance": "no_show"})
    assert status == 409 and "cancelled" in body["detail"]


async def test_only_attended_or_no_show_is_accepted(theo):
    session = await theo.book()
    theo.clock.now = later(START, minutes=70)
    for body in (
        {"attendance": "late"},
        {},
        {"attendance": None},
        {"attendance": "no_show", "x": 1},
    ):
        status, answer = await theo.post(session, "attendance", "theo", body)
        assert status == 400, body
        assert set(answer) <= {"attendance", "x"}


async def test_stats_give_the_attendance_and_no_show_rates(theo):
    sessions = [await theo.book(later(START, hours=2 * n)) for n in range(4)]
    headers = theo.cast.headers("theo")
    body = await (await theo.api.get(URL, headers=headers)).json()
    assert (body["attendance_rate"], body["no_show_rate"], body["attendance_recorded"]) == (
        0.0,
        0.0,
        0,
    )

    theo.clock.now = later(START, days=1)
    answers = ["attended", "attended", "no_show"]  # the fourth is not recorded
    for session, answer in zip(sessions, answers, strict=False):
        status, _ = await theo.post(session, "attendance", "theo", {"attendance": answer})
        assert status == 200

    body = await (await theo.api.get(URL, headers=headers)).json()
    assert body["attendance_recorded"] == 3
    assert body["attendance_rate"] == 66.67  # 2 of 3, two decimals
    assert body["no_show_rate"] == 33.33
    assert body["scheduled"] == 4  # the seed's counts are unchanged
