"""The bot under test (the bot on python-telegram-bot's real HTTP stack pointed at the fake Bot
API, with the outbox dispatcher delivering e-mail to the aiosmtpd inbox and Telegram messages
through the bot's own sender) and helpers of the bot's stories. Fixtures are in conftest.py.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime

from booking.mailer import email_sender
from booking.notifications import Dispatcher
from booking.scheduler import running_scheduler
from booking.settings import Settings
from bot.app import RunningBot, running_bot
from models import NotificationChannel, User, blind_index
from tests.fake_telegram import BotMessage, FakeUser

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


class BotUnderTest:
    """The bot and the outbox dispatcher, as `python -m booking worker` runs them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dispatcher: Dispatcher | None = None
        self.running: RunningBot | None = None
        self._stack: contextlib.AsyncExitStack | None = None

    async def start(self) -> None:
        self.dispatcher = Dispatcher({NotificationChannel.EMAIL: email_sender(self.settings)})
        self._stack = contextlib.AsyncExitStack()
        # The order of booking.cli._background: the scheduler stops after the bot.
        await self._stack.enter_async_context(running_scheduler(self.settings, self.dispatcher))
        running = await self._stack.enter_async_context(
            running_bot(self.settings, self.dispatcher.wake_if_queued)
        )
        assert running is not None
        self.running = running
        self.dispatcher.senders[NotificationChannel.TELEGRAM] = running.sender
        self._stack.callback(self.dispatcher.senders.pop, NotificationChannel.TELEGRAM, None)

    async def stop(self) -> None:
        if self._stack is not None:
            # running_scheduler lets a dispatch round in flight finish before it stops.
            await self._stack.aclose()
            self._stack = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def settle(self) -> None:
        """Every update received so far handled to the end, then one outbox round to its end."""
        if self.running is not None:
            await self.running.application.update_queue.join()
        if self.dispatcher is not None:
            await self.dispatcher.dispatch_due()


async def linked_user(
    person: FakeUser,
    email: str,
    *,
    staff: bool = False,
    first_name: str | None = None,
    last_name: str | None = None,
) -> User:
    """An account already linked to this Telegram user (as after the code flow)."""
    return await User.create(
        email=email,
        email_index=blind_index(email),
        first_name=first_name or person.profile["first_name"],
        last_name=last_name or person.profile.get("last_name", "Doe"),
        is_staff=staff,
        email_verified_at=datetime.now(UTC),
        telegram_user_id=person.id,
    )


def day_label(day: date) -> str:
    """How the booking calendar labels a day."""
    return str(day.day) if day.day != 1 else f"1 {day:%b}"


async def walk_to_the_note(
    client: FakeUser, days: list[date], slot_label: str = "Evening (18:00-21:00)"
) -> BotMessage:
    """The client walks /book to the note: dates, one slot; returns the note's prompt."""
    await client.send("/book")
    calendar = await client.expect("Which days would suit you?")
    for day in days:
        await client.press(calendar, day_label(day))
        calendar = await client.expect("Which days would suit you?")
    await client.press(calendar, f"Next ({len(days)} chosen)")
    slots = await client.expect("Which times of day suit you?")
    await client.press(slots, slot_label)
    slots = await client.expect("Which times of day suit you?")
    await client.press(slots, "Next")
    return await client.expect("Anything you would like the therapist to know")


async def book_in_chat(
    client: FakeUser, days: list[date], slot_label: str = "Evening (18:00-21:00)"
) -> None:
    """The client walks /book to the end: dates, one slot, no note, Confirm."""
    prompt = await walk_to_the_note(client, days, slot_label)
    await client.press(prompt, "Skip")
    summary = await client.expect("Please check your request:")
    await client.press(summary, "Confirm")
    await client.expect("Your request is sent.")
