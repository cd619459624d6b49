"""Alice's buttons on her session: Cancel (the policy stated first), I'll be there, Can't make
it, Running late; a press on a message the session has outgrown changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.lifecycle import reschedule_appointment
from booking.messages.chat import JOIN_BUTTON as JOIN
from bot import session_texts as words
from bot import texts
from bot.callbacks import ClientAction, minute_stamp
from models import (
    Appointment,
    AppointmentStatus,
    Notification,
    NotificationChannel,
    NotificationStatus,
)
from tests.bot.harness import BotUnderTest, linked_user
from tests.bot.lifecycle_support import (
    deliver,
    in_practice_time,
    people,
    request_of,
    session_at,
    time_passes,
)
from tests.fake_telegram import FakeUser
from tests.smtp_sink import Inbox


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_alice_cancels_from_her_confirmation_and_no_reminder_follows(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser, inbox: Inbox
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    confirmation = await alice.expect("Your session is confirmed.")
    assert confirmation.button_texts == [JOIN, "Ask to move", "Cancel"]

    await alice.press(confirmation, "Cancel")
    question = await alice.expect("Cancel your session on")
    assert "more than 24 hours away, so this is not a late cancellation" in question.text
    assert question.button_texts == ["Yes, cancel it", "No, keep it"]
    await alice.press(question, "Yes, cancel it")
    done = await alice.expect("Your session is cancelled. The therapist is told.")
    assert done.message_id == question.message_id and done.button_texts == []
    told = await theo.expect("cancelled the session on")
    assert "late" not in told.text

    fresh = await Appointment.get(id=session.id)
    assert fresh.status == AppointmentStatus.CANCELLED and not fresh.late_cancellation
    # The day-before and join-window reminders were queued; the days pass: none leaves.
    reminders = Notification.filter(
        appointment_id=session.id, kind__in=["reminder_day_before", "join_window"]
    )
    assert (
        await reminders.count()
        and not await reminders.filter(status=NotificationStatus.PENDING).exists()
    )
    await time_passes(bot)
    await alice.expect_nothing()
    assert not await reminders.filter(status=NotificationStatus.SENT).exists()
    mail = await inbox.wait_for(lambda m: "CANCEL" in str(m) and "alice@" in str(m["To"]))
    assert mail is not None


async def test_a_late_cancellation_is_stated_before_and_recorded(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=5)
    session = await session_at(bot, client, therapist, start)
    await alice.expect("Your session is confirmed.")

    await alice.send("/appointments")
    listing = await alice.expect("Your requests:")
    join = texts.join_label(start.astimezone(bot.settings.zone))  # by date and time
    earlier = "1: Tell me if an earlier time opens"  # the waitlist
    assert listing.button_texts == [join, "Ask to move 1", "Cancel 1", earlier]
    await alice.press(listing, "Cancel 1")
    question = await alice.expect("Cancel your session on")
    assert "less than 24 hours" in question.text and "late cancellation" in question.text
    await alice.press(question, "Yes, cancel it")
    await alice.expect("It is recorded as a late cancellation.")
    fresh = await Appointment.get(id=session.id)
    assert fresh.status == AppointmentStatus.CANCELLED and fresh.late_cancellation
    await theo.expect("This is a late cancellation")


async def test_no_keep_it_changes_nothing(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    confirmation = await alice.expect("Your session is confirmed.")
    await alice.press(confirmation, "Cancel")
    question = await alice.expect("Cancel your session on")
    await alice.press(question, "No, keep it")
    await alice.expect(words.NOTHING_CANCELLED)
    assert (await Appointment.get(id=session.id)).status == AppointmentStatus.SCHEDULED
    # The confirm step's Yes, pressed later, still works: the session is as it was.
    await alice.press(question, "Yes, cancel it")
    await alice.expect("Your session is cancelled.")


async def test_alice_withdraws_a_waiting_request(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, _ = await people(alice, theo)
    request = await request_of(bot, client)
    await theo.expect("New appointment request")
    await alice.send("/appointments")
    listing = await alice.expect("Your requests:")
    assert listing.button_texts == ["Cancel 1"]
    await alice.press(listing, "Cancel 1")
    question = await alice.expect("Withdraw your request for")
    await alice.press(question, "Yes, cancel it")
    await alice.expect("Your request is withdrawn.")
    assert (await Appointment.get(id=request.id)).status == AppointmentStatus.CANCELLED


async def test_ill_be_there_is_recorded_and_theo_sees_it(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    await alice.expect("Your session is confirmed.")
    await time_passes(bot, "reminder_day_before")
    reminder = await alice.expect("Reminder: your session is tomorrow.")
    assert reminder.button_texts == [JOIN, "I'll be there", "Can't make it"]

    press = await alice.press(reminder, "I'll be there")
    assert await press.answered() == words.ATTENDANCE_TOAST
    edited = await alice.expect(words.ATTENDANCE_NOTE)
    assert edited.message_id == reminder.message_id
    assert edited.button_texts == [JOIN, "Can't make it"]
    assert edited.url_of(JOIN) == reminder.url_of(JOIN)
    assert (await Appointment.get(id=session.id)).client_confirmed_at is not None

    await theo.send("/upcoming")
    await theo.expect("1 session in the next 14 days.")
    card = await theo.expect("Session (ref. ")
    assert "The client confirmed: I'll be there." in card.text


async def test_cant_make_it_is_the_cancel_flow(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    await time_passes(bot, "reminder_day_before")
    reminder = await alice.expect("Reminder: your session is tomorrow.")
    await alice.press(reminder, "Can't make it")
    question = await alice.expect("Cancel your session on")
    assert "not a late cancellation" in question.text
    await alice.press(question, "Yes, cancel it")
    await alice.expect("Your session is cancelled.")
    assert (await Appointment.get(id=session.id)).status == AppointmentStatus.CANCELLED


async def test_running_late_tells_theo_at_once(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=40)
    await session_at(bot, client, therapist, start)
    await time_passes(bot, "join_window")
    opened = await alice.expect("The session room is open now.")
    assert opened.button_texts == [JOIN, "Running late"]
    staff_reminder = await theo.expect("The session room is open now.")
    assert staff_reminder.button_texts == [JOIN]  # no client buttons for staff

    await alice.press(opened, "Running late")
    choices = await alice.expect("The session room is open now.")
    assert choices.button_texts == [JOIN, "5 min", "10 min", "15 min"]
    await alice.press(choices, "10 min")
    told = await theo.expect("is running about 10 minutes late")
    assert told.kind == "sent"
    edited = await alice.expect(words.late_told(10))
    assert edited.message_id == opened.message_id
    assert edited.button_texts == [JOIN]


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_a_cancel_button_pressed_after_a_move_is_refused(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    confirmation = await alice.expect("Your session is confirmed.")
    await reschedule_appointment(bot.settings, session.id, therapist, in_practice_time(bot, 4, 19))
    await deliver(bot)
    moved = await alice.expect("Your session has moved.")
    assert moved.button_texts == [JOIN, "Ask to move", "Cancel"]

    press = await alice.press(confirmation, "Cancel")
    refusal = await press.answered()
    assert refusal.startswith("This message is out of date, so nothing was changed.")
    assert "Your session is now on" in refusal and "19:00" in refusal
    assert (await Appointment.get(id=session.id)).status == AppointmentStatus.SCHEDULED
    stripped = await alice.expect("Your session is confirmed.")  # the outgrown message
    assert stripped.message_id == confirmation.message_id and stripped.button_texts == []
    # The new message's Cancel works.
    await alice.press(moved, "Cancel")
    question = await alice.expect("Cancel your session on")
    assert "19:00" in question.text


async def test_a_confirm_step_outgrown_by_a_move_cancels_nothing(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    confirmation = await alice.expect("Your session is confirmed.")
    await alice.press(confirmation, "Cancel")
    question = await alice.expect("Cancel your session on")
    await reschedule_appointment(bot.settings, session.id, therapist, in_practice_time(bot, 5, 9))
    press = await alice.press(question, "Yes, cancel it")
    assert "out of date" in await press.answered()
    assert (await Appointment.get(id=session.id)).status == AppointmentStatus.SCHEDULED


async def test_charlie_cannot_press_alices_buttons(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser, charlie: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    await linked_user(charlie, "charlie@example.com")
    await charlie.send("/start")
    welcome = await charlie.expect("Hello!")
    at = minute_stamp(session.scheduled_datetime)
    for action in ("cancel", "cancel_yes", "attend", "ask_move"):
        forged = ClientAction(action, session.id, at).pack()
        press = await charlie.press_data(welcome.message_id, forged)
        assert await press.answered() == "Appointment not found."
    fresh = await Appointment.get(id=session.id)
    assert fresh.status == AppointmentStatus.SCHEDULED and fresh.client_confirmed_at is None
    assert not await Notification.filter(
        channel=NotificationChannel.TELEGRAM, kind="reschedule_request"
    ).exists()
