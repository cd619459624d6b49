"""Telegram as a channel of the outbox: Telegram's 429s are waited out, blocked chats fail once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from booking.appointments import create_appointment, schedule_appointment
from booking.offers import available_dates
from bot.delivery import TelegramRateLimiter
from models import Appointment, Notification, NotificationChannel, NotificationStatus, User
from tests.bot.harness import BotUnderTest, linked_user
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.smtp_sink import Inbox


async def scheduled_session(bot: BotUnderTest, client: User, therapist: User) -> Appointment:
    """Alice's request, scheduled by Theo for the evening of an open day a few days ahead."""
    day = (await available_dates(bot.settings))[3]
    appointment = await create_appointment(
        bot.settings,
        first_name=client.first_name,
        last_name=client.last_name,
        email=client.email,
        preferred_dates=[day],
        preferred_time_slots=["evening"],
        user=client,
    )
    scheduled = await schedule_appointment(
        bot.settings, appointment.id, therapist, datetime.combine(day, time(18)), 60
    )
    assert bot.dispatcher is not None
    bot.dispatcher.wake()
    return scheduled


async def settled(query, timeout: float = 5.0) -> Notification:
    """The notification once the dispatcher has finished with it (sent or failed)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        row = await query.get()
        if row.status != NotificationStatus.PENDING or row.sent_at is not None:
            return row
        assert asyncio.get_running_loop().time() < deadline, "the notification never settled"
        await asyncio.sleep(0.02)


def sends_to(telegram: FakeTelegram, chat_id: int, text: str) -> list:
    return [
        c
        for c in telegram.calls_of("sendMessage")
        if c.params.get("chat_id") == chat_id and text in c.params.get("text", "")
    ]


async def test_a_429_delays_the_reminder_until_retry_after_without_losing_it(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser, telegram: FakeTelegram
) -> None:
    therapist = await linked_user(theo, "theo@practice.example", staff=True)
    client = await linked_user(alice, "alice@example.com")
    await scheduled_session(bot, client, therapist)
    await alice.expect("Your session is confirmed.")

    # A day passes: the day-before reminder falls due, and Telegram says "slow down".
    telegram.rate_limit(alice.id, retry_after=1)
    reminder = Notification.filter(kind="reminder_day_before", channel=NotificationChannel.TELEGRAM)
    await reminder.update(due_at=datetime.now(UTC))
    assert bot.dispatcher is not None
    bot.dispatcher.wake()

    await alice.expect("Reminder: your session is tomorrow.", timeout=5)
    refused, delivered = sends_to(telegram, alice.id, "Reminder")
    assert (refused.status, delivered.status) == (429, 200)
    assert delivered.at - refused.at >= 0.95  # retry_after was honoured
    row = await settled(reminder)
    assert row.status == NotificationStatus.SENT
    assert row.attempts == 1  # a 429 is not a failed attempt


async def test_a_client_who_blocked_the_bot_fails_once_with_the_reason(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser, telegram: FakeTelegram, inbox: Inbox
) -> None:
    therapist = await linked_user(theo, "theo@practice.example", staff=True)
    client = await linked_user(alice, "alice@example.com")
    telegram.block(alice.id)
    await scheduled_session(bot, client, therapist)

    failed = await settled(
        Notification.filter(kind="scheduled", channel=NotificationChannel.TELEGRAM)
    )
    assert failed.status == NotificationStatus.FAILED
    assert "blocked by the user" in (failed.last_error or "")
    await asyncio.sleep(0.5)  # several dispatcher rounds: no retry storm
    assert len(sends_to(telegram, alice.id, "Your session is confirmed")) == 1
    # The e-mail side is unaffected.
    await inbox.wait_for(lambda m: "Your session is scheduled" in str(m["Subject"]))


async def test_the_join_window_reminder_carries_the_join_button(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    therapist = await linked_user(theo, "theo@practice.example", staff=True)
    client = await linked_user(alice, "alice@example.com")
    appointment = await scheduled_session(bot, client, therapist)
    confirmation = await alice.expect("Your session is confirmed.")
    await Notification.filter(kind="join_window").update(
        due_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert bot.dispatcher is not None
    bot.dispatcher.wake()
    opened = await alice.expect("The session room is open now.")
    assert opened.url_of("Join session") == confirmation.url_of("Join session")
    assert appointment.jitsi_room_id in opened.url_of("Join session")
    # Theo gets his own reminder, with his own link to the same room.
    staff_reminder = await theo.expect("The session room is open now.")
    assert appointment.jitsi_room_id in staff_reminder.url_of("Join session")


async def test_the_rate_limiter_spaces_one_chat_and_caps_all_chats() -> None:
    limiter = TelegramRateLimiter(per_chat_interval=0.2, per_second=3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await limiter.acquire(1) == 0
    assert await limiter.acquire(1) == 0  # waited for chat 1's turn
    assert loop.time() - started >= 0.19
    # Chats 2 and 3 fill the second's budget; chat 4 must wait for the window to move.
    assert await limiter.acquire(2) == 0
    before = loop.time()
    assert await limiter.acquire(3) == 0
    assert await limiter.acquire(4) == 0
    assert loop.time() - before >= 0.5
    # Too long a wait is handed back to the dispatcher instead of holding everyone up.
    assert await limiter.acquire(4, max_wait=0.05) > 0.05
