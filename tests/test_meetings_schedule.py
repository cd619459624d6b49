"""POST appointments/<id>/schedule/: Theo gives Alice's request a time and a private room."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from booking.appointments import parse_scheduled_datetime, schedule_appointment
from booking.errors import InvalidInput
from models import Appointment, AppointmentStatus, Notification, NotificationStatus
from tests.meetings_support import auth, iso, make_cast, make_request, make_user, tomorrow_at

ROOM = re.compile(r"^session-[a-z2-7]{32}$")  # 32 base32 characters = 160 bits


def url(appointment) -> str:
    return f"/api/meetings/appointments/{appointment.id}/schedule/"


async def test_theo_schedules_alices_request_and_a_private_room_is_made(api, db):
    cast = await make_cast(db)
    appointment = await make_request(db, user=cast.alice)
    start = tomorrow_at(10, 3)
    response = await api.post(
        url(appointment),
        json={"scheduled_datetime": iso(start), "scheduled_duration": 50},
        headers=cast.headers("theo"),
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["status"] == "scheduled"
    assert body["scheduled_datetime"] == iso(start)
    assert body["scheduled_duration"] == 50
    assert ROOM.match(body["jitsi_room_id"])
    with pytest.raises(ValueError):
        uuid.UUID(body["jitsi_room_id"].removeprefix("session-"))
    assert body["jitsi_meet_url"] == f"https://meet.jit.si/{body['jitsi_room_id']}"
    assert body["has_jitsi_meeting"] is True
    assert body["meeting_status"] == "scheduled"
    assert body["can_join_meeting"] is False
    assert body["decided_at"] is not None
    stored = await Appointment.get(id=appointment.id)
    assert stored.decided_by_id == cast.theo.id  # type: ignore[attr-defined]


async def test_every_room_is_different(db):
    cast = await make_cast(db)
    rooms = set()
    for hour in range(8, 18):
        appointment = await make_request(db)
        done = await schedule_appointment(db, appointment.id, cast.theo, tomorrow_at(hour, 2), 30)
        rooms.add(done.jitsi_room_id)
    assert len(rooms) == 10


async def test_the_duration_defaults_to_an_hour(api, db):
    cast = await make_cast(db)
    appointment = await make_request(db)
    response = await api.post(
        url(appointment),
        json={"scheduled_datetime": iso(tomorrow_at(10, 2))},
        headers=cast.headers("theo"),
    )
    assert (await response.json())["scheduled_duration"] == 60


async def test_a_time_without_offset_is_practice_time(api, db):
    cast = await make_cast(db)
    appointment = await make_request(db)
    start = tomorrow_at(10, 2)
    response = await api.post(
        url(appointment),
        json={"scheduled_datetime": start.replace(tzinfo=None).isoformat()},
        headers=cast.headers("theo"),
    )
    assert (await response.json())["scheduled_datetime"] == iso(start)  # practice zone is UTC


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "scheduled_datetime"),
        ({"scheduled_datetime": None}, "scheduled_datetime"),
        ({"scheduled_datetime": "tomorrow at ten"}, "scheduled_datetime"),
        ({"scheduled_datetime": "2020-01-15T10:00:00Z"}, "scheduled_datetime"),
        ({"scheduled_datetime": "2099-01-15T10:00:00Z"}, "scheduled_datetime"),
        ({"scheduled_datetime": 1767000000}, "scheduled_datetime"),
        # Offsets that carry the time past what a datetime holds (a 500 before).
        ({"scheduled_datetime": "9999-12-31T23:59:59-23:59"}, "scheduled_datetime"),
        ({"scheduled_datetime": "0001-01-01T00:00:00+23:59"}, "scheduled_datetime"),
        ({"scheduled_duration": 14}, "scheduled_duration"),
        ({"scheduled_duration": 241}, "scheduled_duration"),
        ({"scheduled_duration": "60"}, "scheduled_duration"),
        ({"scheduled_duration": 60.5}, "scheduled_duration"),
        ({"scheduled_duration": True}, "scheduled_duration"),
        ({"scheduled_duration": None}, "scheduled_duration"),
    ],
)
async def test_each_field_is_validated(api, db, body, field):
    cast = await make_cast(db)
    appointment = await make_request(db)
    payload = {"scheduled_datetime": iso(tomorrow_at(10, 2)), **body}
    if body == {}:
        payload = {}
    response = await api.post(url(appointment), json=payload, headers=cast.headers("theo"))
    assert response.status == 400, body
    assert list(await response.json()) == [field]
    assert (await Appointment.get(id=appointment.id)).status == AppointmentStatus.PENDING_REVIEW


@pytest.mark.parametrize(
    ("value", "zone"),
    [("0001-01-01T00:00:00", "Etc/GMT-14"), ("9999-12-31T23:59:59", "Etc/GMT+12")],
)
def test_a_local_time_at_the_edge_of_the_calendar_is_400(make_settings, value, zone):
    """Practice time converted to UTC can fall off either end of the calendar too."""
    with pytest.raises(InvalidInput) as refused:
        parse_scheduled_datetime(make_settings(PRACTICE_TIMEZONE=zone), value)
    assert list(refused.value.errors) == ["scheduled_datetime"]


@pytest.mark.parametrize("minutes", [15, 240])
async def test_the_duration_limits_are_inclusive(api, db, minutes):
    cast = await make_cast(db)
    appointment = await make_request(db)
    response = await api.post(
        url(appointment),
        json={"scheduled_datetime": iso(tomorrow_at(10, 2)), "scheduled_duration": minutes},
        headers=cast.headers("theo"),
    )
    assert response.status == 200


async def test_a_decided_request_cannot_be_decided_again(api, db):
    cast = await make_cast(db)
    appointment = await make_request(db)
    first = {"scheduled_datetime": iso(tomorrow_at(10, 2))}
    assert (
        await api.post(url(appointment), json=first, headers=cast.headers("theo"))
    ).status == 200
    again = {"scheduled_datetime": iso(tomorrow_at(14, 2))}
    response = await api.post(url(appointment), json=again, headers=cast.headers("theo"))
    assert response.status == 409
    reject = await api.post(
        f"/api/meetings/appointments/{appointment.id}/reject/",
        json={},
        headers=cast.headers("theo"),
    )
    assert reject.status == 409
    stored = await Appointment.get(id=appointment.id)
    assert stored.status == AppointmentStatus.SCHEDULED
    assert stored.scheduled_datetime == tomorrow_at(10, 2)


async def test_an_unknown_request_is_404(api, db):
    cast = await make_cast(db)
    response = await api.post(
        f"/api/meetings/appointments/{uuid.uuid4()}/schedule/",
        json={"scheduled_datetime": iso(tomorrow_at(10, 2))},
        headers=cast.headers("theo"),
    )
    assert response.status == 404


@pytest.mark.parametrize(
    ("start_minute", "duration", "expected"),
    [
        (30, 60, 409),  # 10:30-11:30 starts inside 10:00-11:00
        (-30, 60, 409),  # 09:30-10:30 runs into it
        (-10, 240, 409),  # 09:50-13:50 covers it
        (15, 15, 409),  # 10:15-10:30 inside
        (-30, 30, 200),  # 09:30-10:00 ends as it starts
        (60, 60, 200),  # 11:00-12:00 starts as it ends
    ],
)
async def test_sessions_never_overlap(api, db, start_minute, duration, expected):
    cast = await make_cast(db)
    booked = await make_request(db)
    await schedule_appointment(db, booked.id, cast.theo, tomorrow_at(10, 2), 60)
    other = await make_request(db, email="charlie@example.com")
    start = tomorrow_at(10, 2) + timedelta(minutes=start_minute)
    response = await api.post(
        url(other),
        json={"scheduled_datetime": iso(start), "scheduled_duration": duration},
        headers=cast.headers("theo"),
    )
    assert response.status == expected, await response.text()
    if expected == 409:
        assert "overlaps" in (await response.json())["detail"]
        stored = await Appointment.get(id=other.id)
        assert stored.status == AppointmentStatus.PENDING_REVIEW
        assert stored.jitsi_room_id is None
        assert not await Notification.filter(appointment_id=other.id, kind="scheduled").exists()


async def test_a_rejected_request_does_not_block_its_time(api, db):
    cast = await make_cast(db)
    declined = await make_request(db)
    await api.post(
        f"/api/meetings/appointments/{declined.id}/reject/", json={}, headers=cast.headers("theo")
    )
    other = await make_request(db)
    response = await api.post(
        url(other),
        json={"scheduled_datetime": iso(tomorrow_at(10, 2))},
        headers=cast.headers("theo"),
    )
    assert response.status == 200


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_two_staff_scheduling_the_same_request_at_once_exactly_one_wins(api, db):
    cast = await make_cast(db)
    tessa = await make_user("tessa@practice.example", first_name="Tessa", staff=True)
    appointment = await make_request(db)

    responses = await asyncio.gather(
        api.post(
            url(appointment),
            json={"scheduled_datetime": iso(tomorrow_at(10, 2))},
            headers=cast.headers("theo"),
        ),
        api.post(
            url(appointment),
            json={"scheduled_datetime": iso(tomorrow_at(15, 2))},
            headers=auth(db, tessa),
        ),
    )

    assert sorted(r.status for r in responses) == [200, 409]
    winner = next(r for r in responses if r.status == 200)
    stored = await Appointment.get(id=appointment.id)
    assert (await winner.json())["jitsi_room_id"] == stored.jitsi_room_id
    # Exactly one confirmation is queued.
    assert await Notification.filter(appointment_id=appointment.id, kind="scheduled").count() == 1


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_two_requests_given_the_same_hour_at_once_only_one_gets_it(api, db):
    cast = await make_cast(db)
    tessa = await make_user("tessa@practice.example", first_name="Tessa", staff=True)
    alices = await make_request(db)
    charlies = await make_request(db, email="charlie@example.com")

    responses = await asyncio.gather(
        api.post(
            url(alices),
            json={"scheduled_datetime": iso(tomorrow_at(10, 2))},
            headers=cast.headers("theo"),
        ),
        api.post(
            url(charlies),
            json={"scheduled_datetime": iso(tomorrow_at(10, 2) + timedelta(minutes=30))},
            headers=auth(db, tessa),
        ),
    )

    assert sorted(r.status for r in responses) == [200, 409]
    assert await Appointment.filter(status=AppointmentStatus.SCHEDULED).count() == 1


async def reminders(appointment) -> dict[str, Notification]:
    rows = await Notification.filter(appointment_id=appointment.id).order_by("id")
    return {row.dedupe_key.split(":", 2)[2]: row for row in rows}


async def test_reminders_are_queued_a_day_before_and_when_the_room_opens(api, db):
    cast = await make_cast(db)
    cast.alice.telegram_user_id = 555001
    await cast.alice.save()
    cast.theo.telegram_user_id = 555002
    await cast.theo.save()
    appointment = await make_request(db, user=cast.alice)
    start = tomorrow_at(10, 3)
    response = await api.post(
        url(appointment), json={"scheduled_datetime": iso(start)}, headers=cast.headers("theo")
    )
    assert response.status == 200

    rows = await reminders(appointment)
    theo = f"staff:{cast.theo.id}"
    assert rows["scheduled:email:client"].due_at <= start - timedelta(days=2)
    assert rows["reminder_day_before:email:client"].due_at == start - timedelta(days=1)
    assert rows["join_window:email:client"].due_at == start - timedelta(minutes=10)
    assert rows[f"join_window:email:{theo}"].due_at == start - timedelta(minutes=10)
    assert rows[f"join_window:email:{theo}"].recipient == "theo@practice.example"
    assert rows["reminder_day_before:telegram:client"].due_at == start - timedelta(days=1)
    assert rows["join_window:telegram:client"].recipient == "555001"
    assert rows[f"join_window:telegram:{theo}"].recipient == "555002"
    chat = rows["scheduled:telegram:client"].payload
    link = (await response.json())["jitsi_room_id"]
    assert chat["buttons"] == [[{"text": "Join session", "url": f"https://meet.jit.si/{link}"}]]
    # The nudge to review the request is no longer needed.
    assert rows[f"review_reminder:email:{theo}"].status == NotificationStatus.CANCELLED


async def test_reminders_already_past_are_not_queued(db):
    cast = await make_cast(db)
    soon = await make_request(db)
    now = datetime.now(UTC).replace(microsecond=0)
    await schedule_appointment(db, soon.id, cast.theo, now + timedelta(hours=5), now=now)
    rows = await reminders(soon)
    assert "reminder_day_before:email:client" not in rows
    assert rows["join_window:email:client"].due_at == now + timedelta(hours=5, minutes=-10)

    sooner = await make_request(db)
    await schedule_appointment(db, sooner.id, cast.theo, now + timedelta(minutes=5), 15, now=now)
    rows = await reminders(sooner)
    assert "join_window:email:client" not in rows
    assert "scheduled:email:client" in rows
