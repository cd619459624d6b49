"""A restart in the middle of a booking resumes at the same step (state is in the database)."""

from __future__ import annotations

import sqlite3

import pytest

from booking.offers import available_dates
from models import Appointment, ConversationState
from tests.bot.harness import BotUnderTest, day_label, linked_user
from tests.fake_telegram import FakeUser


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_alice_continues_her_booking_after_the_bot_restarts(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await linked_user(alice, "alice@example.com")
    first, second = (await available_dates(bot.settings))[1:3]
    await alice.send("/book")
    calendar = await alice.expect("Which days would suit you?")
    await alice.press(calendar, day_label(first))
    calendar = await alice.expect("Which days would suit you?")
    await alice.press(calendar, day_label(second))
    calendar = await alice.expect("Which days would suit you?")
    await alice.press(calendar, "Next (2 chosen)")
    slots = await alice.expect("Which times of day suit you?")

    # Written after the update, not only at shutdown: a crash here would lose nothing either.
    await bot.settle()  # the update's end (the state is stored after the reply is sent)
    assert await ConversationState.filter(key__startswith="conv:booking:").exists()
    assert await ConversationState.filter(key=f"user:{alice.id}").exists()

    await bot.restart()

    await alice.press(slots, "Afternoon (13:00-17:00)")
    slots = await alice.expect("Which times of day suit you?")
    assert "✓ Afternoon (13:00-17:00)" in slots.button_texts
    await alice.press(slots, "Next")
    await alice.expect("Anything you would like the therapist to know")
    await alice.send("Evenings are hard with the kids, afternoons are best.")
    summary = await alice.expect("Please check your request:")
    await bot.restart()
    await alice.press(summary, "Confirm")
    await alice.expect("Your request is sent.")

    appointment = await Appointment.get()
    assert appointment.preferred_dates == [first.isoformat(), second.isoformat()]
    assert appointment.preferred_time_slots == ["afternoon"]
    assert appointment.reason == "Evenings are hard with the kids, afternoons are best."


async def test_the_stored_conversation_is_encrypted(bot: BotUnderTest, alice: FakeUser) -> None:
    await alice.send("/register")
    await alice.expect("What is your e-mail address?")
    await alice.send("alice.secret@example.com")
    await alice.expect("Shall we use the name")
    raw = bot.settings.database_url.removeprefix("sqlite://")
    with sqlite3.connect(raw) as connection:
        rows = connection.execute("SELECT key, data FROM conversation_states").fetchall()
    assert rows, "the draft is stored"
    assert not any(b"alice.secret" in bytes(data) for _, data in rows)
