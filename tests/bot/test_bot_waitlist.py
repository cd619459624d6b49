"""The waitlist in the chat: Alice waits from the end of the booking calendar ("None of these
days suit me"); Dora's morning session is cancelled; the freed hour is offered to Alice
with Take it / No thanks; passed on (No thanks, or the hold running out) to Charlie."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.lifecycle import cancel_appointment
from booking.offers import available_dates
from booking.waitlist_offers import process_waitlist
from bot.conversations import waitlist as chat
from bot.waitlist_keyboards import ANYTHING_BUTTON, PASS_BUTTON, TAKE_BUTTON
from models import (
    Appointment,
    AppointmentStatus,
    User,
    WaitlistEntry,
    WaitlistEntryStatus,
    WaitlistOffer,
    WaitlistOfferStatus,
    blind_index,
)
from tests.bot.harness import BotUnderTest, day_label, linked_user
from tests.bot.lifecycle_support import deliver, in_practice_time, people, session_at
from tests.fake_telegram import BotMessage, FakeUser

OFFERED = "A time has opened up:"


async def _dora() -> User:
    """A client without Telegram, whose session is what gets freed."""
    return await User.create(
        email="dora@example.com",
        email_index=blind_index("dora@example.com"),
        first_name="Dora",
        last_name="Dunn",
        email_verified_at=datetime.now(UTC),
    )


async def _wait_from_calendar(person: FakeUser) -> None:
    await person.send("/book")
    calendar = await person.expect("Which days would suit you?")
    await person.press(calendar, ANYTHING_BUTTON)
    await person.expect(chat.JOINED)


async def _freed_morning(bot: BotUnderTest, therapist: User) -> Appointment:
    """Dora's session in three days at 10:00, cancelled by Theo: the hour is freed."""
    session = await session_at(bot, await _dora(), therapist, in_practice_time(bot, 3, 10))
    await cancel_appointment(bot.settings, session.id, therapist)
    await deliver(bot)
    return session


async def _offer_to(person: FakeUser) -> BotMessage:
    offer = await person.expect(OFFERED)
    assert offer.button_texts == [TAKE_BUTTON, PASS_BUTTON]
    return offer


async def _sessions_at(start: datetime) -> list[Appointment]:
    return list(
        await Appointment.filter(status=AppointmentStatus.SCHEDULED, scheduled_datetime=start)
    )


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_alice_takes_freed_time_from_the_calendars_waitlist_button(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    await _wait_from_calendar(alice)
    entry = await WaitlistEntry.get(user_id=client.id)
    assert entry.status == WaitlistEntryStatus.WAITING
    assert entry.preferred_time_slots == ["morning", "afternoon", "evening"]  # any slot

    freed = await _freed_morning(bot, therapist)
    offer = await _offer_to(alice)
    assert "held for you as a session until" in offer.text

    await alice.press(offer, TAKE_BUTTON)
    await alice.expect("Booked:")
    await alice.expect("Your session is confirmed.")
    await theo.expect("From the waitlist: a client (ref. ")
    [mine] = await _sessions_at(freed.scheduled_datetime)  # type: ignore[arg-type]
    assert mine.user_id == client.id  # type: ignore[attr-defined]
    assert (await WaitlistEntry.get(id=entry.id)).status == WaitlistEntryStatus.FULFILLED

    # A second press on the same message: refused politely, nothing booked twice.
    press = await alice.press(offer, TAKE_BUTTON)
    assert await press.answered() == "You have taken this time already."
    await alice.expect("You have taken this time already.")
    assert len(await _sessions_at(freed.scheduled_datetime)) == 1  # type: ignore[arg-type]


async def _two_waiting(
    bot: BotUnderTest, alice: FakeUser, charlie: FakeUser, theo: FakeUser
) -> tuple[User, User, Appointment, BotMessage]:
    client, therapist = await people(alice, theo)
    other = await linked_user(charlie, "charlie@example.com")
    await _wait_from_calendar(alice)  # first in line
    await _wait_from_calendar(charlie)
    freed = await _freed_morning(bot, therapist)
    offer = await _offer_to(alice)
    await charlie.expect_nothing()  # one at a time
    return client, other, freed, offer


async def test_no_thanks_passes_the_time_to_the_next_in_line(
    bot: BotUnderTest, alice: FakeUser, charlie: FakeUser, theo: FakeUser
) -> None:
    client, _, freed, offer = await _two_waiting(bot, alice, charlie, theo)
    await alice.press(offer, PASS_BUTTON)
    await alice.expect(chat.PASSED)
    await deliver(bot)
    second = await _offer_to(charlie)
    await charlie.press(second, TAKE_BUTTON)
    await charlie.expect("Your session is confirmed.")
    [session] = await _sessions_at(freed.scheduled_datetime)  # type: ignore[arg-type]
    assert session.first_name == "Charlie"
    # Alice stays on the list; her No thanks, pressed again, is refused.
    waiting = await WaitlistEntry.get(user_id=client.id)
    assert waiting.status == WaitlistEntryStatus.WAITING
    press = await alice.press(offer, PASS_BUTTON)
    assert await press.answered() == "You passed this time on."


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_an_expired_hold_passes_to_the_next_in_line(
    bot: BotUnderTest, alice: FakeUser, charlie: FakeUser, theo: FakeUser
) -> None:
    client, _, freed, offer = await _two_waiting(bot, alice, charlie, theo)
    held = await WaitlistOffer.get(entry__user_id=client.id, status=WaitlistOfferStatus.HELD)
    assert await process_waitlist(bot.settings, held.expires_at + timedelta(seconds=1)) == 1
    await deliver(bot)
    await _offer_to(charlie)
    # Alice's Take it after her hold ran out: refused, the time is Charlie's to take.
    press = await alice.press(offer, TAKE_BUTTON)
    assert "expired" in await press.answered()
    assert await _sessions_at(freed.scheduled_datetime) == []  # type: ignore[arg-type]
    await held.refresh_from_db()
    assert held.status == WaitlistOfferStatus.EXPIRED


async def test_the_slots_picked_before_waiting_are_the_ones_waited_for(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    await alice.send("/book")
    calendar = await alice.expect("Which days would suit you?")
    # The first day on offer (tomorrow is not, late in the day: the notice bookings need).
    first = (await available_dates(bot.settings))[0]
    await alice.press(calendar, day_label(first))
    calendar = await alice.expect("Which days would suit you?")
    await alice.press(calendar, "Next (1 chosen)")
    slots = await alice.expect("Which times of day suit you?")
    await alice.press(slots, "Evening (18:00-21:00)")
    slots = await alice.expect("Which times of day suit you?")
    await alice.press(slots, "Back")
    calendar = await alice.expect("Which days would suit you?")
    await alice.press(calendar, ANYTHING_BUTTON)
    await alice.expect(chat.JOINED)
    entry = await WaitlistEntry.get(user_id=client.id)
    assert entry.preferred_time_slots == ["evening"]
    # A freed morning is not hers.
    await _freed_morning(bot, therapist)
    await alice.expect_nothing()
