"""The bot's staff reads and decisions enter the audit trail; Telegram tells no address.

Theo's /today, /stats and /pending, opening Alice's request and scheduling it each leave a
row naming ids only, with no ip_hash. Alice's own /appointments leaves nothing.
"""

from __future__ import annotations

import pytest

from booking.appointments import create_appointment
from booking.availability import practice_today
from booking.formatting import format_short_date
from booking.offers import available_dates
from models import Appointment, AppointmentStatus, AuditEvent, User
from tests.bot.harness import BotUnderTest, linked_user
from tests.fake_telegram import BotMessage, FakeUser


async def evening_request(bot: BotUnderTest, client: User) -> Appointment:
    day = (await available_dates(bot.settings))[2]
    appointment = await create_appointment(
        bot.settings,
        first_name=client.first_name,
        last_name=client.last_name,
        email=client.email,
        preferred_dates=[day],
        preferred_time_slots=["evening"],
        reason="Panic attacks on the underground",
        user=client,
    )
    assert bot.dispatcher is not None
    bot.dispatcher.wake()
    return appointment


async def next_with_button(person: FakeUser, label: str) -> BotMessage:
    """The next message carrying `label` among its buttons (whatever its words)."""
    while True:
        message = await person.expect("")
        if label in message.button_texts:
            return message


async def staff_rows(staff: User) -> list[AuditEvent]:
    return list(await AuditEvent.filter(actor_id=staff.id).order_by("id"))


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_theos_views_and_his_schedule_press_are_recorded_without_an_address(
    bot: BotUnderTest, theo: FakeUser, alice: FakeUser
) -> None:
    staff = await linked_user(theo, "theo@practice.example", staff=True)
    client = await linked_user(alice, "alice@example.com")
    request = await evening_request(bot, client)

    await theo.send("/today")
    await theo.expect("today")
    await theo.send("/stats")
    await theo.expect("Requests so far:")
    await theo.send("/pending")
    card = await next_with_button(theo, "Schedule")
    assert [e.action for e in await staff_rows(staff)] == [
        "appointment.list",
        "appointment.list",
    ]

    await theo.press(card, "Schedule")
    days = await theo.expect("Pick the day")
    day = (await available_dates(bot.settings))[2]
    await theo.press(days, format_short_date(day))
    times = await theo.expect("pick the start time")
    await theo.press(times, "18:00")
    durations = await theo.expect("How long is the session?")
    await theo.press(durations, "60 min")
    confirm = await theo.expect("Schedule the session for")
    await theo.press(confirm, "Confirm")
    await theo.expect("Scheduled by you")
    assert (await Appointment.get(id=request.id)).status == AppointmentStatus.SCHEDULED

    events = await staff_rows(staff)
    assert [e.action for e in events] == [
        "appointment.list",
        "appointment.list",
        "appointment.view",
        "appointment.schedule",
    ]
    today, pending, viewed, scheduled = events
    assert today.target == f"day={practice_today(bot.settings).isoformat()}"
    assert pending.target == "status=pending_review"
    assert viewed.target == scheduled.target == str(request.id)
    assert viewed.subject_id == scheduled.subject_id == client.id
    assert all(e.ip_hash is None for e in events)  # Telegram gives no address


async def test_alices_own_appointments_in_the_chat_record_nothing(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    client = await linked_user(alice, "alice@example.com")
    await evening_request(bot, client)
    await alice.send("/appointments")
    await alice.expect("Your requests:")
    assert await AuditEvent.all().count() == 0
