"""Proposed times as buttons, and Alice asking to move: Theo proposes from the request's
message, Alice accepts from the chat; a time taken meanwhile leaves the others on offer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.appointments import schedule_appointment
from booking.formatting import format_short_date
from booking.offers import available_dates
from booking.proposals import propose_times
from bot import session_texts as words
from models import Appointment, AppointmentStatus, RescheduleRequest, RescheduleRequestStatus
from tests.bot.harness import BotUnderTest, day_label, linked_user
from tests.bot.lifecycle_support import (
    deliver,
    in_practice_time,
    people,
    request_of,
    session_at,
    short,
)
from tests.fake_telegram import FakeUser


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_theo_proposes_two_times_and_alice_accepts_one_from_the_chat(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, _ = await people(alice, theo)
    request = await request_of(bot, client)
    day = datetime.fromisoformat(request.preferred_dates[0]).date()
    card = await theo.expect("New appointment request")

    await theo.press(card, "Propose times")
    days = await theo.expect("Propose a time: which day?")
    assert days.button_texts == [format_short_date(day), "Another day", "Cancel"]
    await theo.press(days, format_short_date(day))
    times = await theo.expect("pick the start time")
    assert times.button_texts[0] == "18:00"  # inside the evening Alice asked for
    await theo.press(times, "18:00")
    chosen = await theo.expect("Times to propose:")
    assert chosen.button_texts[:2] == ["Add another time", "Next: duration"]
    await theo.press(chosen, "Add another time")
    days = await theo.expect("Propose a time: which day?")
    await theo.press(days, format_short_date(day))
    times = await theo.expect("pick the start time")
    await theo.press(times, "19:30")
    chosen = await theo.expect("Times to propose:")
    assert "1." in chosen.text and "2." in chosen.text
    await theo.press(chosen, "Next: duration")
    lengths = await theo.expect("How long is the session?")
    await theo.press(lengths, "45 min")
    summary = await theo.expect("Propose ")
    assert "(45 minutes)?" in summary.text
    await theo.press(summary, "Confirm")
    outcome = await theo.expect("Times proposed by you")
    assert outcome.message_id == card.message_id
    assert outcome.button_texts == [
        "Schedule",
        "Reject",
        "Propose times",
        "Show details",
    ]  # still pending

    offer = await alice.expect("The therapist suggests these times for your session:")
    first = datetime.combine(day, datetime.min.time()).replace(hour=18)
    second = first.replace(hour=19, minute=30)
    labels = [short(bot, t.replace(tzinfo=bot.settings.zone)) for t in (first, second)]
    assert offer.button_texts == [*labels, words.NONE_WORK_BUTTON]

    await alice.press(offer, labels[1])
    accepted = await alice.expect("You chose")
    assert accepted.message_id == offer.message_id and accepted.button_texts == []
    await alice.expect("Your session is confirmed.")
    await theo.expect(") accepted")
    fresh = await Appointment.get(id=request.id)
    assert fresh.status == AppointmentStatus.SCHEDULED and fresh.scheduled_duration == 45
    local = fresh.scheduled_datetime.astimezone(bot.settings.zone)  # type: ignore[union-attr]
    assert (local.hour, local.minute) == (19, 30)
    # The other time's button, pressed late, changes nothing.
    press = await alice.press(offer, labels[0])
    assert await press.answered() == words.TIMES_GONE
    assert (await Appointment.get(id=request.id)).scheduled_datetime == fresh.scheduled_datetime


async def test_a_time_taken_meanwhile_leaves_the_other_proposals_on_offer(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser, charlie: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    request = await request_of(bot, client)
    day = (await available_dates(bot.settings))[2]
    first = in_practice_time(bot, (day - datetime.now(bot.settings.zone).date()).days, 18)
    second = first + timedelta(hours=2)
    await propose_times(bot.settings, request.id, therapist, [first, second], 60)
    await deliver(bot)
    offer = await alice.expect("The therapist suggests these times")

    # Meanwhile Theo gives Charlie the first of those times.
    other = await request_of(bot, await linked_user(charlie, "charlie@example.com"))
    await schedule_appointment(bot.settings, other.id, therapist, first, 60)

    press = await alice.press(offer, short(bot, first))
    assert await press.answered() == words.TIME_TAKEN
    still = await alice.expect("The therapist suggests these times")
    assert still.message_id == offer.message_id
    assert still.button_texts == [short(bot, second), words.NONE_WORK_BUTTON]
    assert (await Appointment.get(id=request.id)).status == AppointmentStatus.PENDING_REVIEW
    await alice.press(still, short(bot, second))
    await alice.expect("You chose")
    fresh = await Appointment.get(id=request.id)
    assert fresh.status == AppointmentStatus.SCHEDULED and fresh.scheduled_datetime == second


async def test_a_replaced_round_is_refused_and_the_newest_times_stand(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    old = in_practice_time(bot, 5, 10)
    new = in_practice_time(bot, 6, 11)
    await propose_times(bot.settings, session.id, therapist, [old])
    await deliver(bot)
    first_offer = await alice.expect("The therapist suggests a new time for your session")
    await propose_times(bot.settings, session.id, therapist, [new])
    await deliver(bot)
    second_offer = await alice.expect("The therapist suggests a new time for your session")

    press = await alice.press(first_offer, short(bot, old))
    assert await press.answered() == words.TIMES_REPLACED
    assert (await Appointment.get(id=session.id)).scheduled_datetime == session.scheduled_datetime
    await alice.press(second_offer, short(bot, new))
    await alice.expect("You chose")
    await alice.expect("Your session has moved.")
    assert (await Appointment.get(id=session.id)).scheduled_datetime == new


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_alice_asks_to_move_and_theo_gets_the_request(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    await alice.expect("Your session is confirmed.")
    wished = (await available_dates(bot.settings))[5]

    await alice.send("/appointments")
    listing = await alice.expect("Your requests:")
    await alice.press(listing, "Ask to move 1")
    calendar = await alice.expect("Your session stays booked for")
    await alice.press(calendar, day_label(wished))
    calendar = await alice.expect("Which days would suit you instead?")
    await alice.press(calendar, "Next (1 chosen)")
    slots = await alice.expect(words.ASK_MOVE_SLOTS)
    await alice.press(slots, "Morning (09:00-12:00)")
    slots = await alice.expect(words.ASK_MOVE_SLOTS)
    assert "✓ Morning (09:00-12:00)" in slots.button_texts
    await alice.press(slots, "Next")
    await alice.expect(words.ASK_MOVE_NOTE)
    await alice.send("Mornings are easier now.")
    sent = await alice.expect("Your request to move is sent.")
    assert "marked late" not in sent.text

    request = await RescheduleRequest.get(appointment_id=session.id)
    assert request.status == RescheduleRequestStatus.OPEN and not request.late
    assert request.preferred_dates == [wished.isoformat()]
    assert (
        request.preferred_time_slots == ["morning"] and request.note == "Mornings are easier now."
    )
    told = await theo.expect("asks to move the session on")
    assert told.button_texts == ["Move", "Propose times", "Keep", "Cancel session", "Show details"]
    assert (await Appointment.get(id=session.id)).status == AppointmentStatus.SCHEDULED


async def test_a_move_asked_inside_the_notice_is_sent_flagged_late(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=6)
    await session_at(bot, client, therapist, start)
    confirmation = await alice.expect("Your session is confirmed.")
    wished = (await available_dates(bot.settings))[3]
    await alice.press(confirmation, "Ask to move")
    calendar = await alice.expect("Which days would suit you instead?")
    await alice.press(calendar, day_label(wished))
    calendar = await alice.expect("Which days would suit you instead?")
    await alice.press(calendar, "Next (1 chosen)")
    slots = await alice.expect(words.ASK_MOVE_SLOTS)
    await alice.press(slots, "Evening (18:00-21:00)")
    slots = await alice.expect(words.ASK_MOVE_SLOTS)
    await alice.press(slots, "Next")
    note = await alice.expect(words.ASK_MOVE_NOTE)
    await alice.press(note, "Skip")
    sent = await alice.expect("Your request to move is sent.")
    assert "less than 24 hours before the session, so the request is marked late" in sent.text
    await theo.expect("Asked inside the minimum notice (late).")


async def test_none_of_these_work_on_a_session_asks_for_other_dates(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    await propose_times(bot.settings, session.id, therapist, [in_practice_time(bot, 5, 10)])
    await deliver(bot)
    offer = await alice.expect("The therapist suggests a new time")
    await alice.press(offer, words.NONE_WORK_BUTTON)
    calendar = await alice.expect("Which days would suit you instead?")
    await alice.press(calendar, "Cancel")
    await alice.expect(words.MOVE_ASK_DROPPED)
    assert not await RescheduleRequest.exists()


async def test_none_of_these_work_on_a_request_leaves_it_open(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    request = await request_of(bot, client)
    await propose_times(bot.settings, request.id, therapist, [in_practice_time(bot, 5, 10)])
    await deliver(bot)
    offer = await alice.expect("The therapist suggests these times")
    await alice.press(offer, words.NONE_WORK_BUTTON)
    await alice.expect(words.DECLINE_PENDING)
    assert (await Appointment.get(id=request.id)).status == AppointmentStatus.PENDING_REVIEW


async def test_asking_to_move_and_moving_resume_after_a_restart(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await session_at(bot, client, therapist, in_practice_time(bot, 3, 18))
    confirmation = await alice.expect("Your session is confirmed.")
    wished = (await available_dates(bot.settings))[4]
    await alice.press(confirmation, "Ask to move")
    calendar = await alice.expect("Which days would suit you instead?")
    await alice.press(calendar, day_label(wished))
    calendar = await alice.expect("Which days would suit you instead?")

    await bot.restart()

    await alice.press(calendar, "Next (1 chosen)")
    slots = await alice.expect(words.ASK_MOVE_SLOTS)
    await alice.press(slots, "Afternoon (13:00-17:00)")
    slots = await alice.expect(words.ASK_MOVE_SLOTS)
    await alice.press(slots, "Next")
    note = await alice.expect(words.ASK_MOVE_NOTE)
    await alice.press(note, "Skip")
    await alice.expect("Your request to move is sent.")

    request = await theo.expect("asks to move the session on")
    await theo.press(request, "Move")
    days = await theo.expect("Move to which day?")
    await theo.press(days, format_short_date(wished))
    times = await theo.expect("pick the start time")

    await bot.restart()

    await theo.press(times, "14:00")
    lengths = await theo.expect("How long is the session?")
    await theo.press(lengths, "60 min")
    summary = await theo.expect("Move the session to")
    await theo.press(summary, "Confirm")
    await theo.expect("Moved by you to")
    moved = await Appointment.get(id=session.id)
    local = moved.scheduled_datetime.astimezone(bot.settings.zone)  # type: ignore[union-attr]
    assert (local.date(), local.hour) == (wished, 14)
    assert (await RescheduleRequest.get(appointment_id=session.id)).status == (
        RescheduleRequestStatus.MOVED
    )
