"""POST appointments/<id>/reschedule/: Theo moves Alice's session; the old time's reminders
never leave, the new ones do, her calendar entry moves, the old link dies."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest
from tortoise import Tortoise

from booking.availability import get_availability
from booking.db import close_database, open_database
from models import Appointment, AppointmentEvent, AppointmentStatus, NotificationStatus
from tests.lifecycle_support import START, calendar_of, later, pending_kinds, rows, story
from tests.meetings_support import iso
from tests.smtp_sink import body_text

NEW_START = later(START, days=3, hours=4)  # Monday 11 March 2030, 14:00 UTC


@pytest.fixture
def settings(make_settings, database_url, smtp_settings):
    return make_settings(DATABASE_URL=database_url, **smtp_settings)


@pytest.fixture
async def alice(db, make_client):
    return await story(db, make_client)


async def test_theo_moves_alices_session_to_a_new_time_and_room(alice):
    session = await alice.book(duration=50)

    status, body = await alice.post(
        session, "reschedule", "theo", {"scheduled_datetime": iso(NEW_START)}
    )

    assert status == 200, body
    assert body["status"] == "scheduled"
    assert body["scheduled_datetime"] == iso(NEW_START)
    assert body["scheduled_duration"] == 50  # kept when not given
    assert body["jitsi_room_id"] != session.jitsi_room_id
    assert body["reschedule_count"] == 1
    stored = await Appointment.get(id=session.id)
    assert stored.calendar_sequence == 1
    event = await AppointmentEvent.filter(appointment_id=session.id, kind="moved").get()
    assert event.actor_role == "staff"
    stats = await alice.api.get(
        "/api/meetings/appointments/stats/", headers=alice.cast.headers("theo")
    )
    assert (await stats.json())["rescheduled"] == 1


async def test_no_reminder_for_the_old_time_ever_leaves_after_a_move(alice, inbox):
    session = await alice.book()
    await alice.dispatcher.dispatch_due()
    old_room = session.jitsi_room_id
    assert (
        await alice.post(session, "reschedule", "theo", {"scheduled_datetime": iso(NEW_START)})
    )[0] == 200

    reminders = await rows(session, kind__in=["reminder_day_before", "join_window"])
    # The move's rows carry its event's id in their key; the old time's do not.
    old = [r for r in reminders if not re.search(r":e\d+$", r.dedupe_key)]
    assert len(old) == 3 and {r.status for r in old} == {NotificationStatus.CANCELLED}
    due = sorted({r.due_at for r in reminders if r.status == NotificationStatus.PENDING})
    assert due == [later(NEW_START, days=-1), later(NEW_START, minutes=-10)]

    # Past the old time and the new one, every reminder that left names the new time only.
    await alice.deliver_until(later(NEW_START, hours=2))
    reminders = [m for m in inbox.messages if "tomorrow" in m["Subject"] or "open" in m["Subject"]]
    assert sorted(str(m["To"]) for m in reminders) == [
        "alice@example.com",  # the day before
        "alice@example.com",  # the room opens
        "theo@practice.example",  # the room opens
    ]
    for mail in reminders:
        text = body_text(mail)
        assert "Monday 11 March 2030, 14:00 UTC" in text
        assert "Friday 8 March" not in text
        assert old_room not in text


async def test_the_client_gets_the_new_time_with_a_calendar_update(alice, inbox):
    session = await alice.book()
    await alice.dispatcher.dispatch_due()
    booked = calendar_of(await inbox.wait_for(lambda m: "scheduled" in m["Subject"]))
    for start in (NEW_START, later(NEW_START, hours=1)):
        assert (
            await alice.post(session, "reschedule", "theo", {"scheduled_datetime": iso(start)})
        )[0] == 200
        await alice.dispatcher.dispatch_due()

    moved = [m for m in inbox.messages if m["Subject"].startswith("Your session has moved")]
    assert len(moved) == 2
    assert "Monday 11 March 2030, 15:00 UTC" in body_text(moved[-1])
    sequences = []
    [first] = booked.walk("VEVENT")
    for mail in moved:
        update = calendar_of(mail)
        assert update["METHOD"] == "REQUEST"
        [event] = update.walk("VEVENT")
        assert event["UID"] == first["UID"]
        sequences.append(event["SEQUENCE"])
    assert [first["SEQUENCE"], *sequences] == [0, 1, 2]
    assert event.decoded("DTSTART") == later(NEW_START, hours=1)


async def test_only_staff_move_sessions(alice):
    session = await alice.book()
    body = {"scheduled_datetime": iso(NEW_START)}
    assert (await alice.post(session, "reschedule", "alice", body))[0] == 403
    assert (await alice.post(session, "reschedule", "anonymous", body))[0] == 401


async def test_a_move_onto_another_session_is_a_conflict_even_with_override(alice):
    session = await alice.book()
    await alice.book(NEW_START, who="charlie")
    await alice.dispatcher.dispatch_due()
    for override in (False, True):
        status, body = await alice.post(
            session,
            "reschedule",
            "theo",
            {"scheduled_datetime": iso(later(NEW_START, minutes=30)), "override": override},
        )
        assert status == 409
        assert [c["kind"] for c in body["clashes"]] == ["session"]
    stored = await Appointment.get(id=session.id)
    assert stored.scheduled_datetime == START and stored.jitsi_room_id == session.jitsi_room_id
    assert await pending_kinds(session) == [
        "join_window:email",
        "join_window:email",
        "reminder_day_before:email",
    ]


async def test_staff_may_override_a_buffer_when_moving(alice):
    rules = await get_availability()
    rules.buffer_minutes = 15
    await rules.save()
    session = await alice.book()
    await alice.book(NEW_START, who="charlie")
    close = {"scheduled_datetime": iso(later(NEW_START, minutes=-70))}  # ends 10 min before
    status, body = await alice.post(session, "reschedule", "theo", close)
    assert status == 409 and [c["kind"] for c in body["clashes"]] == ["buffer"]
    status, _ = await alice.post(session, "reschedule", "theo", {**close, "override": True})
    assert status == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "scheduled_datetime"),
        ({"scheduled_datetime": "soon"}, "scheduled_datetime"),
        ({"scheduled_datetime": "2030-03-01T10:00:00Z"}, "scheduled_datetime"),  # the past
        ({"scheduled_datetime": iso(NEW_START), "scheduled_duration": 10}, "scheduled_duration"),
        ({"scheduled_datetime": iso(NEW_START), "override": "yes"}, "override"),
    ],
)
async def test_each_field_is_checked(alice, body, field):
    session = await alice.book()
    status, answer = await alice.post(session, "reschedule", "theo", body)
    assert status == 400 and list(answer) == [field]


async def test_only_a_scheduled_session_that_has_not_started_moves(alice):
    pending = await alice.request()
    body = {"scheduled_datetime": iso(NEW_START)}
    assert (await alice.post(pending, "reschedule", "theo", body))[0] == 409
    session = await alice.book()
    same = {"scheduled_datetime": iso(START), "scheduled_duration": 60}
    assert (await alice.post(session, "reschedule", "theo", same))[0] == 409
    alice.clock.now = later(START, minutes=1)
    status, answer = await alice.post(session, "reschedule", "theo", body)
    assert status == 409 and "already started" in answer["detail"]


async def test_staff_may_move_inside_the_minimum_notice(alice):
    session = await alice.book()
    soon = later(alice.clock.now, hours=3)
    status, body = await alice.post(
        session, "reschedule", "theo", {"scheduled_datetime": iso(soon)}
    )
    assert status == 200, body


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_a_move_racing_a_cancel_ends_in_one_consistent_outcome(alice, inbox):
    session = await alice.book()
    await alice.dispatcher.dispatch_due()

    (moved, _), (cancelled, _) = await asyncio.gather(
        alice.post(session, "reschedule", "theo", {"scheduled_datetime": iso(NEW_START)}),
        alice.post(session, "cancel", "alice"),
    )

    assert cancelled == 200  # a cancel always wins over a move: before it, or after it
    assert moved in (200, 409)
    stored = await Appointment.get(id=session.id)
    assert stored.status == AppointmentStatus.CANCELLED
    # Nothing about any time of the session is still queued, but the cancellation news.
    assert sorted(await pending_kinds(session)) == ["cancelled:email", "cancelled:email"]
    await alice.deliver_until(later(NEW_START, days=1))
    last_to_alice = inbox.to("alice@example.com")[-1]
    assert last_to_alice["Subject"].startswith("Your session is cancelled")
    cancel = calendar_of(last_to_alice)
    [event] = cancel.walk("VEVENT")
    assert event["SEQUENCE"] == stored.calendar_sequence == (2 if moved == 200 else 1)
    assert not [m for m in inbox.messages if "tomorrow" in m["Subject"] or "open" in m["Subject"]]


@pytest.fixture
def london(make_settings, database_url, smtp_settings):
    return make_settings(
        DATABASE_URL=database_url, PRACTICE_TIMEZONE="Europe/London", **smtp_settings
    )


async def test_a_move_across_the_clock_change_keeps_the_practice_time(london, make_client, inbox):
    await open_database(london)
    await Tortoise.generate_schemas()
    try:
        alice = await story(london, make_client)
        # 10:00 GMT on Friday 22 March; the clocks go forward on Sunday 31 March 2030.
        before = datetime(2030, 3, 22, 10, 0, tzinfo=UTC)
        session = await alice.book(before)
        status, body = await alice.post(
            session, "reschedule", "theo", {"scheduled_datetime": "2030-04-05T10:00:00"}
        )
        assert status == 200, body
        assert body["scheduled_datetime"] == "2030-04-05T09:00:00Z"
        assert body["scheduled_datetime_local"] == "2030-04-05T10:00:00+01:00"
        await alice.dispatcher.dispatch_due()
        mail = await inbox.wait_for(lambda m: m["Subject"].startswith("Your session has moved"))
        assert "Friday 5 April 2030, 10:00 BST (Europe/London)" in body_text(mail)
        [event] = calendar_of(mail).walk("VEVENT")
        assert event.decoded("DTSTART") == datetime(2030, 4, 5, 9, 0, tzinfo=UTC)
    finally:
        await close_database()
