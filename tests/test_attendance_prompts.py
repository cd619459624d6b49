"""The attendance prompt in the outbox: one row per session for its therapist's chat, due when
the join window closes; a move replaces it with one for the new time, a cancellation or an
answer given first withdraws it; with no therapist, every staff member with Telegram is asked."""

from __future__ import annotations

import pytest

from booking.attendance import record_attendance
from booking.lifecycle import cancel_appointment, reschedule_appointment
from models import Notification, NotificationChannel, NotificationStatus
from tests.lifecycle_support import START, later, story
from tests.meetings_support import make_user

PROMPT = "attendance_prompt"


@pytest.fixture
def settings(make_settings, database_url, smtp_settings):
    return make_settings(DATABASE_URL=database_url, **smtp_settings)


@pytest.fixture
async def theo(db, make_client):
    told = await story(db, make_client)
    told.cast.theo.telegram_user_id = 2001
    await told.cast.theo.save()
    return told


async def prompts(session, **filters) -> list[Notification]:
    query = Notification.filter(appointment_id=session.id, kind=PROMPT, **filters)
    return list(await query.order_by("id"))


async def test_scheduling_queues_one_prompt_for_the_therapist_when_the_window_closes(theo):
    await make_user("tess@practice.example", first_name="Tess", staff=True)
    session = await theo.book(duration=50)

    [prompt] = await prompts(session)
    assert prompt.channel == NotificationChannel.TELEGRAM
    assert prompt.recipient == "2001"
    assert prompt.due_at == later(START, minutes=50 + 15)
    assert (
        prompt.dedupe_key == f"appointment:{session.id}:{PROMPT}:telegram:staff:{theo.cast.theo.id}"
    )
    assert prompt.payload["text"].startswith("Did the client (ref. ")
    assert "Alice" not in prompt.payload["text"]
    assert prompt.payload["audience"] == "staff"
    assert prompt.payload["scheduled_datetime"] == "2030-03-08T10:00:00Z"


async def test_a_moved_session_is_asked_about_at_its_new_time_only(theo):
    session = await theo.book()
    new_start = later(START, days=1, hours=2)

    await reschedule_appointment(
        theo.settings, session.id, theo.cast.theo, new_start, now=theo.clock.now
    )

    old, new = await prompts(session)
    assert old.status == NotificationStatus.CANCELLED
    assert new.status == NotificationStatus.PENDING
    assert new.due_at == later(new_start, minutes=75)
    assert new.payload["scheduled_datetime"] == "2030-03-09T12:00:00Z"


async def test_a_cancelled_session_is_never_asked_about(theo):
    session = await theo.book()
    await cancel_appointment(theo.settings, session.id, theo.cast.alice, now=theo.clock.now)
    assert {p.status for p in await prompts(session)} == {NotificationStatus.CANCELLED}


async def test_an_answer_given_first_withdraws_the_prompt(theo):
    session = await theo.book()
    await record_attendance(
        theo.settings, session.id, theo.cast.theo, "attended", now=later(START, minutes=30)
    )
    assert {p.status for p in await prompts(session)} == {NotificationStatus.CANCELLED}


async def test_without_its_therapist_every_staff_member_with_telegram_is_asked(theo):
    session = await theo.book()
    tess = await make_user("tess@practice.example", first_name="Tess", staff=True)
    tess.telegram_user_id = 2002
    await tess.save()
    await make_user("tom@practice.example", first_name="Tom", staff=True)  # no Telegram
    theo.cast.theo.is_active = False
    await theo.cast.theo.save()

    await reschedule_appointment(
        theo.settings, session.id, tess, later(START, hours=3), now=theo.clock.now
    )

    pending = await prompts(session, status=NotificationStatus.PENDING)
    assert [p.recipient for p in pending] == ["2002"]
