"""/pending, /availability, /stats and /today: the therapist's one-message commands."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from booking.appointments import create_appointment, schedule_appointment
from booking.availability import get_availability, practice_today
from booking.messages.chat import reference
from booking.offers import available_dates
from bot import texts
from models import Appointment, User
from tests.bot.harness import BotUnderTest, linked_user
from tests.fake_telegram import FakeUser


async def a_request(bot: BotUnderTest, client: User, day_index: int = 0):
    day = (await available_dates(bot.settings))[day_index]
    return await create_appointment(
        bot.settings,
        first_name=client.first_name,
        last_name=client.last_name,
        email=client.email,
        preferred_dates=[day],
        preferred_time_slots=["morning"],
        user=client,
    )


async def test_pending_lists_each_waiting_request_with_its_buttons(
    bot: BotUnderTest, theo: FakeUser, alice: FakeUser, charlie: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await theo.send("/pending")
    await theo.expect(texts.NO_PENDING)
    alices = await a_request(bot, await linked_user(alice, "alice@example.com"))
    charlies = await a_request(bot, await linked_user(charlie, "charlie@example.com"))
    await theo.send("/pending")
    await theo.expect("2 requests waiting:")
    # Each card names the request by reference; who and why are behind Show details.
    first = await theo.expect(f"Request ({reference(alices.id)})")
    second = await theo.expect(f"Request ({reference(charlies.id)})")
    assert "Alice" not in first.text and "Charlie" not in second.text
    buttons = ["Schedule", "Reject", "Propose times", "Show details"]
    assert first.button_texts == second.button_texts == buttons
    await theo.press(second, "Reject")
    await theo.expect("Why can this request not be accepted?")


async def test_theo_closes_and_opens_weekdays(bot: BotUnderTest, theo: FakeUser) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await theo.send("/availability")
    toggles = await theo.expect("Open weekdays: Monday, Tuesday, Wednesday")
    await theo.press(toggles, "✓ Sunday")
    toggles = await theo.expect("Open weekdays:")
    assert "Sunday" not in toggles.text and "✗ Sunday" in toggles.button_texts
    assert 6 not in (await get_availability()).available_days
    await theo.press(toggles, "✗ Sunday")
    await theo.expect("Saturday, Sunday.")
    assert 6 in (await get_availability()).available_days


async def test_clients_cannot_toggle_weekdays_even_with_the_buttons(
    bot: BotUnderTest, theo: FakeUser, alice: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await linked_user(alice, "alice@example.com")
    await theo.send("/availability")
    toggles = await theo.expect("Open weekdays:")
    await alice.send("/availability")
    await alice.expect(texts.STAFF_ONLY)
    # Alice replays the button's data from her own chat.
    await alice.send("/start")
    welcome = await alice.expect("Hello!")
    press = await alice.press_data(welcome.message_id, toggles.button("✓ Monday")["callback_data"])
    assert await press.answered() == texts.STAFF_ONLY
    assert 0 in (await get_availability()).available_days


async def test_stats_add_up(bot: BotUnderTest, theo: FakeUser, alice: FakeUser) -> None:
    staff = await linked_user(theo, "theo@practice.example", staff=True)
    client = await linked_user(alice, "alice@example.com")
    request = await a_request(bot, client)
    await a_request(bot, client, 1)
    day = datetime.fromisoformat(request.preferred_dates[0]).date()
    await schedule_appointment(bot.settings, request.id, staff, datetime.combine(day, time(9)))
    await theo.send("/stats")
    numbers = await theo.expect("Requests so far:")
    assert "Total: 2" in numbers.text and "Waiting: 1" in numbers.text
    assert "Scheduled: 1" in numbers.text and "Scheduled share: 50.00%" in numbers.text


async def test_today_lists_todays_sessions_with_join_buttons(
    bot: BotUnderTest, theo: FakeUser, alice: FakeUser
) -> None:
    staff = await linked_user(theo, "theo@practice.example", staff=True)
    request = await a_request(bot, await linked_user(alice, "alice@example.com"))
    await theo.send("/today")
    await theo.expect("No sessions today")

    # A session later today (the practice's today), made by moving the request's time.
    now = datetime.now(bot.settings.zone).replace(second=0, microsecond=0)
    start = now + timedelta(minutes=30)
    if start.date() != practice_today(bot.settings):
        pytest.skip("too close to midnight in the practice's zone for a session today")
    await schedule_appointment(bot.settings, request.id, staff, start.replace(tzinfo=None), 30)
    await theo.send("/today")
    listing = await theo.expect("Today's sessions")
    assert f"{start:%H:%M} ({reference(request.id)}), 30 min" in listing.text
    room = (await Appointment.get(id=request.id)).jitsi_room_id
    assert listing.url_of(f"Join {start:%H:%M}").endswith(f"/{room}")
