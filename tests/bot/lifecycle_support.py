"""Helpers of the stories of a session's life in the chat (cancel, move, proposals, reminders)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from booking.appointments import create_appointment, schedule_appointment
from booking.formatting import format_short_date
from booking.offers import available_dates
from models import Appointment, Notification, NotificationStatus, User
from tests.bot.harness import BotUnderTest, linked_user
from tests.fake_telegram import BotMessage, FakeUser


async def people(alice: FakeUser, theo: FakeUser) -> tuple[User, User]:
    """Alice the client and Theo the therapist, both linked to their chats."""
    therapist = await linked_user(theo, "theo@practice.example", staff=True)
    client = await linked_user(alice, "alice@example.com")
    return client, therapist


async def request_of(bot: BotUnderTest, client: User, slot: str = "evening") -> Appointment:
    """A request made elsewhere (the API, say), for the first open date."""
    day = (await available_dates(bot.settings))[0]
    return await create_appointment(
        bot.settings,
        first_name=client.first_name,
        last_name=client.last_name,
        email=client.email,
        preferred_dates=[day],
        preferred_time_slots=[slot],
        user=client,
    )


def in_practice_time(bot: BotUnderTest, days: int, hour: int, minute: int = 0) -> datetime:
    """A start `days` days from today at hour:minute on the practice's wall clock (UTC)."""
    local_day = datetime.now(bot.settings.zone).date() + timedelta(days=days)
    return datetime.combine(local_day, time(hour, minute), bot.settings.zone).astimezone(UTC)


async def session_at(
    bot: BotUnderTest, client: User, therapist: User, start: datetime, minutes: int = 60
) -> Appointment:
    """Alice's request, scheduled by Theo at `start`; the confirmation is on its way."""
    request = await request_of(bot, client)
    session = await schedule_appointment(
        bot.settings, request.id, therapist, start, minutes, override=True
    )
    await deliver(bot)
    return session


async def deliver(bot: BotUnderTest) -> None:
    """One outbox round to its end (what the API's wake-up after a write does)."""
    assert bot.dispatcher is not None
    await bot.dispatcher.dispatch_due()


async def time_passes(bot: BotUnderTest, *kinds: str) -> None:
    """Every message still queued (of these kinds) falls due now, and the outbox runs."""
    query = Notification.filter(status=NotificationStatus.PENDING)
    if kinds:
        query = query.filter(kind__in=kinds)
    await query.update(due_at=datetime.now(UTC) - timedelta(seconds=1))
    await deliver(bot)


async def expect_all(person: FakeUser, *texts: str, timeout: float = 5.0) -> list[BotMessage]:
    """The next messages containing each of `texts`, in whatever order they arrive."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        unread = person.unread()
        found = [next((m for m in unread if text in m.text), None) for text in texts]
        if all(found):
            last = max(person.chat.events.index(m) for m in found)  # type: ignore[arg-type]
            person.chat.read = last + 1
            return found  # type: ignore[return-value]
        if asyncio.get_running_loop().time() > deadline:
            seen = [str(m) for m in unread]
            raise AssertionError(f"not all of {texts} arrived; unread: {seen}")
        await asyncio.sleep(0.01)


def short(bot: BotUnderTest, moment: datetime) -> str:
    """How a time is labelled on buttons and in short lists: 'Tue 12 May 18:00'."""
    local = moment.astimezone(bot.settings.zone)
    return f"{format_short_date(local.date())} {local:%H:%M}"
