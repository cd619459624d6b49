"""Theo's buttons on a session: /upcoming and /today, Cancel, Move (clashes shown before
confirming, "Schedule anyway" past a buffer), Keep on Alice's move request; two therapists
pressing at once get one outcome."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from booking.appointments import schedule_appointment
from booking.availability import get_availability
from booking.formatting import format_short_date
from booking.messages.chat import JOIN_BUTTON as JOIN
from booking.messages.chat import reference
from booking.proposals import request_reschedule
from bot import texts
from bot.callbacks import StaffAction, minute_stamp
from models import Appointment, AppointmentStatus, Notification, NotificationStatus
from tests.bot.harness import BotUnderTest, day_label, linked_user
from tests.bot.lifecycle_support import (
    deliver,
    expect_all,
    in_practice_time,
    people,
    request_of,
    session_at,
    short,
    time_passes,
)
from tests.fake_telegram import BotMessage, FakeUser

# A request to move, as staff see it (and again after a Move is called off).
MOVE_REQUEST_BUTTONS = ["Move", "Propose times", "Keep", "Cancel session", "Show details"]


async def upcoming_card(therapist: FakeUser) -> BotMessage:
    await therapist.send("/upcoming")
    await therapist.expect("in the next 14 days")
    return await therapist.expect("Session (ref. ")


async def walk_move(
    therapist: FakeUser, card: BotMessage, day: str, clock: str, duration: str = "60 min"
) -> BotMessage:
    """Move -> a day on the calendar -> a start -> a duration: the summary."""
    await therapist.press(card, "Move")
    days = await therapist.expect("Move to which day?")
    await therapist.press(days, day)
    times = await therapist.expect("pick the start time")
    await therapist.press(times, clock)
    lengths = await therapist.expect("How long is the session?")
    await therapist.press(lengths, duration)
    return await therapist.expect("Session (ref. ")


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_theo_moves_a_session_and_only_the_new_times_reminders_leave(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    await alice.expect("Your session is confirmed.")
    card = await upcoming_card(theo)
    assert card.button_texts == ["Move", "Propose times", "Cancel session", "Show details"]
    assert "Not confirmed yet." in card.text

    new_start = in_practice_time(bot, 5, 19)
    new_day = new_start.astimezone(bot.settings.zone).date()
    summary = await walk_move(theo, card, day_label(new_day), "19:00")
    assert "Move the session to" in summary.text and short(bot, new_start) in summary.text
    assert summary.message_id == card.message_id
    await theo.press(summary, "Confirm")
    outcome = await theo.expect("Moved by you to")
    assert outcome.message_id == card.message_id
    assert outcome.button_texts == ["Move", "Propose times", "Cancel session", "Show details"]

    moved = await alice.expect("Your session has moved.")
    fresh = await Appointment.get(id=session.id)
    assert fresh.scheduled_datetime == new_start and fresh.reschedule_count == 1
    assert fresh.jitsi_room_id != session.jitsi_room_id
    assert fresh.jitsi_room_id in moved.url_of(JOIN)
    # Every reminder falls due: those of the old time never leave, the new time's do.
    await time_passes(bot)
    # The two reminders leave together; Telegram's pace per chat may hold one back a moment.
    reminder, opened = await expect_all(
        alice, "Reminder: your session is tomorrow.", "The session room is open now."
    )
    assert "19:00" in reminder.text and fresh.jitsi_room_id in reminder.url_of(JOIN)
    assert fresh.jitsi_room_id in opened.url_of(JOIN)
    await alice.expect_nothing()
    old = Notification.filter(
        appointment_id=session.id, kind="reminder_day_before", status=NotificationStatus.SENT
    )
    assert await old.count() == 2  # the new time's, by e-mail and in the chat


async def test_a_clash_is_shown_first_and_a_buffer_can_be_overridden(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser, charlie: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    other = await linked_user(charlie, "charlie@example.com")
    availability = await get_availability()
    availability.buffer_minutes = 30
    await availability.save()
    await session_at(bot, client, therapist, in_practice_time(bot, 3, 10))
    charlies = in_practice_time(bot, 4, 14)
    await session_at(bot, other, therapist, charlies)
    day = charlies.astimezone(bot.settings.zone).date()

    card = await upcoming_card(theo)
    # 13:00 for 90 minutes runs into Charlie's session: no way on but another time.
    summary = await walk_move(theo, card, day_label(day), "13:00", "90 min")
    assert "That clashes with another session:" in summary.text
    assert "overlaps the session at 14:00-15:00" in summary.text
    assert "Confirm" not in summary.button_texts
    assert "Schedule anyway" not in summary.button_texts
    await theo.press(summary, "Pick another time")
    times = await theo.expect("pick the start time")
    assert "14:00" not in times.button_texts  # Charlie's hour is not even offered
    await theo.press(times, "13:00")
    lengths = await theo.expect("How long is the session?")
    await theo.press(lengths, "60 min")
    # 13:00-14:00 only touches the buffer before Charlie's session: Theo may insist.
    summary = await theo.expect("Careful:")
    assert "30-minute buffer" in summary.text
    assert summary.button_texts[0] == "Schedule anyway"
    await theo.press(summary, "Schedule anyway")
    await theo.expect("Moved by you to")
    moved = await Appointment.get(user_id=client.id)
    assert moved.scheduled_datetime == charlies - timedelta(hours=1)


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_two_therapists_moving_at_once_get_one_outcome(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser, tess: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    await linked_user(tess, "tess@practice.example", staff=True)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    day = day_label(in_practice_time(bot, 6, 9).astimezone(bot.settings.zone).date())

    async def to_summary(person: FakeUser, clock: str) -> BotMessage:
        return await walk_move(person, await upcoming_card(person), day, clock)

    summaries = await asyncio.gather(to_summary(theo, "10:00"), to_summary(tess, "14:00"))
    presses = await asyncio.gather(
        theo.press(summaries[0], "Confirm"), tess.press(summaries[1], "Confirm")
    )
    answers = await asyncio.gather(*(p.answered() for p in presses))

    fresh = await Appointment.get(id=session.id)
    assert fresh.reschedule_count == 1
    won = 0 if fresh.scheduled_datetime.astimezone(bot.settings.zone).hour == 10 else 1  # type: ignore[union-attr]
    assert answers[won].startswith("Moved by")
    assert answers[1 - won].startswith("This message is out of date, so nothing was changed.")
    loser = (theo, tess)[1 - won]
    shown = await loser.expect("Session (ref. ")
    assert ("10:00" if won == 0 else "14:00") in shown.text
    await deliver(bot)
    await alice.expect("Your session has moved.")
    await alice.expect_nothing()  # exactly one move told


async def test_theo_cancels_from_upcoming_and_alice_is_told(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    await alice.expect("Your session is confirmed.")
    card = await upcoming_card(theo)
    await theo.press(card, "Cancel session")
    question = await theo.expect("Cancel this session? The client is told")
    assert question.button_texts == ["Yes, cancel it", "Back"]
    await theo.press(question, "Back")
    back = await theo.expect("Session (ref. ")
    assert back.button_texts == ["Move", "Propose times", "Cancel session", "Show details"]
    await theo.press(back, "Cancel session")
    question = await theo.expect("Cancel this session?")
    press = await theo.press(question, "Yes, cancel it")
    assert await press.answered() == "Cancelled by you. The client is told."
    done = await theo.expect("Cancelled by you. The client is told.")
    assert done.button_texts == ["Show details"]  # who it was, still behind the button
    await alice.expect("The practice cancelled the session on")
    fresh = await Appointment.get(id=session.id)
    assert fresh.status == AppointmentStatus.CANCELLED and not fresh.late_cancellation
    await time_passes(bot)
    await alice.expect_nothing()
    # The old card's Move changes nothing now.
    press = await theo.press(card, "Move")
    assert "out of date" in await press.answered()
    await theo.send("/upcoming")
    await theo.expect("No sessions in the next 14 days.")


async def test_alices_move_request_arrives_with_move_propose_and_keep(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    wished = in_practice_time(bot, 7, 9).astimezone(bot.settings.zone).date()
    await request_reschedule(bot.settings, session.id, client, [wished], ["morning"], "Mornings")
    await deliver(bot)
    request = await theo.expect("asks to move the session on")
    assert request.button_texts == MOVE_REQUEST_BUTTONS

    # Her note is behind Show details (the notification names no note).
    assert "Mornings" not in request.text
    await theo.press(request, "Show details")
    await theo.expect("Note with the request to move: Mornings")

    # Move offers Alice's day first, and the times of the slot she asked for.
    await theo.press(request, "Move")
    days = await theo.expect("Move to which day?")
    assert days.button_texts == [format_short_date(wished), "Another day", "Cancel"]
    assert "The client asks to move it:" in days.text and "with a note" in days.text
    await theo.press(days, format_short_date(wished))
    times = await theo.expect("pick the start time")
    assert times.button_texts[:6] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    await theo.press(times, "Cancel")
    restored = await theo.expect("Session (ref. ")
    assert restored.button_texts == MOVE_REQUEST_BUTTONS

    await theo.press(restored, "Keep")
    await theo.expect("Kept at its time by you.")
    await alice.expect("could not move your session; it stays as booked")
    fresh = await Appointment.get(id=session.id)
    assert fresh.scheduled_datetime == session.scheduled_datetime
    press = await theo.press(restored, "Keep")  # pressed again: nothing is open any more
    assert (await press.answered()).startswith("This message is out of date")
    await alice.expect_nothing()


async def test_today_shows_who_confirmed_and_each_sessions_buttons(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    now = datetime.now(bot.settings.zone)
    start = (now + timedelta(minutes=30)).replace(second=0, microsecond=0)
    if start.date() != now.date():
        pytest.skip("too close to midnight in the practice's zone for a session today")
    session = await session_at(bot, client, therapist, start, 30)
    await Appointment.filter(id=session.id).update(client_confirmed_at=datetime.now(UTC))
    await theo.send("/today")
    listing = await theo.expect("Today's sessions")
    assert f"{start:%H:%M} ({reference(session.id)}), 30 min - confirmed ✓" in listing.text
    assert "Alice" not in listing.text
    card = await theo.expect("Session (ref. ")
    assert card.button_texts == ["Move", "Propose times", "Cancel session", "Show details"]


async def test_alice_cannot_use_staff_buttons(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    confirmation = await alice.expect("Your session is confirmed.")
    at = minute_stamp(session.scheduled_datetime)
    for action in ("cancel", "cancel_yes", "move", "propose", "keep"):
        forged = StaffAction(action, session.id, at).pack()
        press = await alice.press_data(confirmation.message_id, forged)
        assert await press.answered() == texts.STAFF_ONLY
    await alice.send("/upcoming")
    await alice.expect(texts.STAFF_ONLY)
    assert (await Appointment.get(id=session.id)).status == AppointmentStatus.SCHEDULED


async def test_a_session_scheduled_from_the_request_can_be_moved_from_that_message(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    request = await request_of(bot, client)
    card = await theo.expect("New appointment request")
    day = request.preferred_dates[0]
    await schedule_appointment(bot.settings, request.id, therapist, f"{day}T18:00", 60)
    press = await theo.press(card, "Propose times")
    # The request is a session now: the press shows it as it is, with its own buttons.
    assert "out of date" in await press.answered()
    shown = await theo.expect("Session (ref. ")
    assert shown.button_texts == ["Move", "Propose times", "Cancel session", "Show details"]
