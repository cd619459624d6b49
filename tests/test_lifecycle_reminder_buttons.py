"""POST appointments/<id>/confirm/ and running-late/: the reminder buttons' services, through
the API: "I'll be there" is recorded, "Running late" reaches the therapist at once."""

from __future__ import annotations

import pytest

from models import AppointmentEvent, NotificationStatus
from tests.lifecycle_support import START, later, rows, story
from tests.meetings_support import iso
from tests.smtp_sink import body_text


@pytest.fixture
def settings(make_settings, database_url, smtp_settings):
    return make_settings(DATABASE_URL=database_url, **smtp_settings)


@pytest.fixture
async def alice(db, make_client):
    return await story(db, make_client)


async def test_alice_says_she_will_be_there_and_theo_sees_it(alice):
    session = await alice.book()
    alice.clock.now = later(START, days=-1)

    status, body = await alice.post(session, "confirm", "alice")

    assert status == 200
    assert body["client_confirmed_at"] == iso(alice.clock.now)
    assert (await alice.get(session, "theo"))["client_confirmed_at"] == iso(alice.clock.now)
    # Pressing again changes nothing.
    alice.clock.now = later(alice.clock.now, hours=1)
    status, again = await alice.post(session, "confirm", "alice")
    assert status == 200 and again["client_confirmed_at"] == body["client_confirmed_at"]
    assert await AppointmentEvent.filter(kind="attendance_confirmed").count() == 1


async def test_a_move_clears_the_confirmation(alice):
    session = await alice.book()
    await alice.post(session, "confirm", "alice")
    new_time = {"scheduled_datetime": iso(later(START, days=3))}
    status, body = await alice.post(session, "reschedule", "theo", new_time)
    assert status == 200 and body["client_confirmed_at"] is None


async def test_the_day_before_reminder_carries_what_the_bot_needs_for_its_buttons(alice):
    alice.cast.alice.telegram_user_id = 700001
    await alice.cast.alice.save()
    session = await alice.book()
    [day_before] = await rows(session, kind="reminder_day_before", channel="telegram")
    assert day_before.payload["kind"] == "reminder_day_before"
    assert day_before.payload["audience"] == "client"
    assert day_before.payload["appointment_id"] == str(session.id)
    assert day_before.payload["scheduled_datetime"] == iso(START)
    [join] = await rows(session, kind="join_window", channel="telegram")
    assert join.payload["kind"] == "join_window" and join.payload["audience"] == "client"
    assert join.payload["buttons"][0][0]["text"] == "Join session"


async def test_running_late_tells_the_therapist_at_once(alice, inbox):
    alice.cast.theo.telegram_user_id = 700002
    await alice.cast.theo.save()
    session = await alice.book()
    alice.clock.now = later(START, minutes=-5)

    status, _ = await alice.post(session, "running-late", "alice", {"minutes": 10})

    assert status == 200
    [chat] = await rows(session, kind="running_late", channel="telegram")
    assert chat.recipient == "700002"
    assert chat.due_at <= alice.clock.now  # due at once
    assert chat.payload["minutes"] == 10
    assert chat.payload["audience"] == "staff"
    assert "is running about 10 minutes late for the 10:00 session" in chat.payload["text"]
    assert "Alice" not in chat.payload["text"]  # a lock screen shows it: behind Show details
    assert chat.payload["details"] == "client"
    await alice.dispatcher.dispatch_due()
    mail = await inbox.wait_for(lambda m: "running late" in m["Subject"])
    assert "theo@practice.example" in mail["To"]
    assert "10 minutes late" in body_text(mail)
    # A second report is a new message, not a duplicate swallowed by the outbox.
    assert (await alice.post(session, "running-late", "alice", {"minutes": 15}))[0] == 200
    assert len(await rows(session, kind="running_late", channel="telegram")) == 2


@pytest.mark.parametrize("minutes", [0, 7, 20, "5", True, None])
async def test_only_five_ten_or_fifteen_minutes(alice, minutes):
    session = await alice.book()
    alice.clock.now = later(START, minutes=-5)
    status, body = await alice.post(session, "running-late", "alice", {"minutes": minutes})
    assert status == 400 and list(body) == ["minutes"]


async def test_running_late_is_for_the_time_around_the_session(alice):
    session = await alice.book()
    status, body = await alice.post(session, "running-late", "alice", {"minutes": 5})
    assert status == 409 and "two hours before" in body["detail"]
    alice.clock.now = later(START, minutes=61)
    status, body = await alice.post(session, "running-late", "alice", {"minutes": 5})
    assert status == 409 and "over" in body["detail"]
    assert (await alice.post(session, "confirm", "alice"))[0] == 409


async def test_only_the_owner_presses_her_reminder_buttons(alice):
    session = await alice.book()
    alice.clock.now = later(START, minutes=-5)
    for who in ("charlie", "theo"):
        assert (await alice.post(session, "confirm", who))[0] == 404
        assert (await alice.post(session, "running-late", who, {"minutes": 5}))[0] == 404
    assert (await alice.post(session, "confirm", "anonymous"))[0] == 401
    assert await rows(session, kind="running_late") == []


async def test_a_cancelled_session_has_no_buttons_left(alice):
    session = await alice.book()
    await alice.post(session, "cancel", "alice")
    alice.clock.now = later(START, minutes=-5)
    assert (await alice.post(session, "confirm", "alice"))[0] == 409
    assert (await alice.post(session, "running-late", "alice", {"minutes": 5}))[0] == 409
    pending = [r for r in await rows(session) if r.status == NotificationStatus.PENDING]
    assert {r.kind for r in pending} == {"cancelled"}
