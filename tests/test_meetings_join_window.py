"""The join window and GET appointments/<id>/jitsi-meeting/: Alice can join from 10 minutes
before the start until 15 minutes after the end, and each person's link is their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.appointments import schedule_appointment
from booking.meetings import JoinWindow, can_join, meeting_status
from models import Appointment
from tests.meetings_support import Clock, clocked_api, make_cast, make_request

START = datetime(2030, 5, 6, 10, 0, tzinfo=UTC)  # a 50-minute session: 10:00-10:50
OPENS = START - timedelta(minutes=10)  # 09:50
CLOSES = START + timedelta(minutes=50 + 15)  # 11:05
SECOND = timedelta(seconds=1)

EDGES = [
    (OPENS - SECOND, "scheduled", False),
    (OPENS, "active", True),
    (START, "active", True),
    (CLOSES, "active", True),
    (CLOSES + SECOND, "completed", False),
]


def test_the_window_runs_from_10_minutes_before_to_15_minutes_after_the_end():
    window = JoinWindow.around(START, 50)
    assert window.opens_at == OPENS
    assert window.closes_at == CLOSES


@pytest.mark.parametrize(("now", "status", "joinable"), EDGES)
async def test_meeting_status_at_the_edges_of_the_window(db, now, status, joinable):
    cast = await make_cast(db)
    appointment = await make_request(db)
    scheduled = await schedule_appointment(
        db, appointment.id, cast.theo, START, 50, now=START - timedelta(days=2)
    )
    assert meeting_status(scheduled, now) == status
    assert can_join(scheduled, now) is joinable


async def test_a_pending_or_declined_request_has_no_meeting(db):
    appointment = await make_request(db)
    assert meeting_status(appointment, START) == "pending"
    assert can_join(appointment, START) is False


async def scheduled_session(db):
    cast = await make_cast(db)
    appointment = await make_request(db, user=cast.alice)
    await schedule_appointment(
        db, appointment.id, cast.theo, START, 50, now=START - timedelta(days=2)
    )
    return cast, await Appointment.get(id=appointment.id)


@pytest.mark.parametrize(("now", "status", "joinable"), EDGES)
async def test_alice_sees_over_http_when_she_can_join(db, make_client, now, status, joinable):
    cast, appointment = await scheduled_session(db)
    api = await clocked_api(db, make_client, Clock(now))
    path = f"/api/meetings/appointments/{appointment.id}/"

    meeting = await api.get(path + "jitsi-meeting/", headers=cast.headers("alice"))
    assert meeting.status == 200
    body = await meeting.json()
    assert body["can_join"] is joinable
    assert body["meeting_status"] == status
    assert body["room_id"] == appointment.jitsi_room_id
    assert body["meeting_url"] == f"https://meet.jit.si/{appointment.jitsi_room_id}"
    assert body["duration"] == "50 minutes"
    assert body["scheduled_time"] == "Monday 6 May 2030, 10:00 UTC"
    assert body["join_window_opens_at"] == "2030-05-06T09:50:00Z"
    assert body["join_window_closes_at"] == "2030-05-06T11:05:00Z"
    assert body["join_instructions"]

    detail = await (await api.get(path, headers=cast.headers("alice"))).json()
    assert detail["can_join_meeting"] is joinable
    assert detail["meeting_status"] == status


async def test_charlie_cannot_see_alices_meeting(db, make_client):
    cast, appointment = await scheduled_session(db)
    api = await clocked_api(db, make_client, Clock(START))
    path = f"/api/meetings/appointments/{appointment.id}/jitsi-meeting/"
    response = await api.get(path, headers=cast.headers("charlie"))
    assert response.status == 404
    assert appointment.jitsi_room_id not in await response.text()
    assert (await api.get(path)).status == 401
    assert (await api.get(path, headers=cast.headers("theo"))).status == 200


async def test_a_request_not_yet_scheduled_has_no_meeting_to_show(api, db):
    cast = await make_cast(db)
    appointment = await make_request(db, user=cast.alice)
    response = await api.get(
        f"/api/meetings/appointments/{appointment.id}/jitsi-meeting/",
        headers=cast.headers("alice"),
    )
    assert response.status == 400
