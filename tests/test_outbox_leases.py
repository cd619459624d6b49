"""Leases of the outbox: a relay slower than the lease sends nothing twice, and a killed
worker's rows come back soon.

Two real dispatchers share one database and one real (slow) aiosmtpd relay; the leases are
shortened so a batch outlives its claim within a second instead of two minutes.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from tortoise import Tortoise

from booking.db import close_database, open_database
from booking.mailer import SmtpEmailSender
from booking.notifications import Dispatcher, enqueue
from models import Notification, NotificationChannel, NotificationStatus
from tests.smtp_sink import Inbox, free_port

SLOW_RELAY_SECONDS = 0.1


class SlowRelay(Inbox):
    """An SMTP relay that takes its time over every message."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(SLOW_RELAY_SECONDS)
        return await super().handle_DATA(server, session, envelope)


@contextlib.contextmanager
def relay(inbox: Inbox, port: int) -> Iterator[Controller]:
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@contextlib.asynccontextmanager
async def outbox_db(settings) -> AsyncIterator[None]:
    await open_database(settings)
    await Tortoise.generate_schemas()
    try:
        yield
    finally:
        await close_database()


async def queue(count: int) -> None:
    for n in range(count):
        await enqueue(
            channel=NotificationChannel.EMAIL,
            recipient=f"client{n}@example.com",
            kind="test",
            payload={"subject": f"Note {n}", "text": "Hello."},
            dedupe_key=f"lease-test:{n}",
        )


def sent_twice(inbox: Inbox) -> dict[str, int]:
    counts = collections.Counter(str(m["To"]) for m in inbox.messages)
    return {to: n for to, n in counts.items() if n > 1}


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_two_dispatchers_on_a_relay_slower_than_the_lease_send_nothing_twice(
    make_settings, database_url
):
    port = free_port()
    settings = make_settings(
        DATABASE_URL=database_url, EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port
    )
    inbox = SlowRelay()
    # A batch of 20 takes ~2 s on this relay: far longer than its 0.3 s claim.
    lease = {"claim_lease": timedelta(seconds=0.3), "send_lease": timedelta(seconds=5)}
    one, two = (
        Dispatcher(
            {NotificationChannel.EMAIL: SmtpEmailSender(settings)},
            batch_size=20,
            concurrency=1,
            **lease,
        )
        for _ in range(2)
    )
    with relay(inbox, port):
        async with outbox_db(settings):
            await queue(30)

            async def keep_dispatching(dispatcher: Dispatcher) -> None:
                while await Notification.filter(status=NotificationStatus.PENDING).exists():
                    await dispatcher.dispatch_due()
                    await asyncio.sleep(0.05)

            await asyncio.gather(keep_dispatching(one), keep_dispatching(two))
            statuses = set(await Notification.all().values_list("status", flat=True))
    assert statuses == {NotificationStatus.SENT}
    assert len(inbox.messages) == 30
    assert sent_twice(inbox) == {}


async def test_a_killed_workers_claimed_rows_are_sent_after_the_short_claim_lease(
    make_settings, database_url
):
    port = free_port()
    settings = make_settings(
        DATABASE_URL=database_url, EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port
    )
    inbox = Inbox()
    lease = {"claim_lease": timedelta(seconds=0.5), "send_lease": timedelta(seconds=5)}
    killed, survivor = (
        Dispatcher({NotificationChannel.EMAIL: SmtpEmailSender(settings)}, **lease)
        for _ in range(2)
    )
    with relay(inbox, port):
        async with outbox_db(settings):
            await queue(5)
            claimed = await killed._claim()  # ...and the worker dies before sending any
            assert len(claimed) == 5
            assert await survivor.dispatch_due() == 0  # still leased to the dead worker
            await asyncio.sleep(0.6)
            assert await survivor.dispatch_due() == 5
            # The dead worker's claim is void: were it to wake up, it sends nothing again.
            for row, held_until in claimed:
                assert await killed._deliver(row, held_until) is False
    assert len(inbox.messages) == 5
    assert sent_twice(inbox) == {}


async def test_a_round_sleeps_until_the_next_reminder_is_due(make_settings, database_url):
    port = free_port()
    settings = make_settings(
        DATABASE_URL=database_url, EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port
    )
    inbox = Inbox()
    dispatcher = Dispatcher({NotificationChannel.EMAIL: SmtpEmailSender(settings)})
    stopping = asyncio.Event()
    with relay(inbox, port):
        async with outbox_db(settings):
            loop = asyncio.get_running_loop()
            due = dispatcher.clock() + timedelta(seconds=0.5)
            await enqueue(
                channel=NotificationChannel.EMAIL,
                recipient="alice@example.com",
                kind="test",
                payload={"subject": "Reminder", "text": "Soon."},
                dedupe_key="lease-test:reminder",
                due_at=due,
            )
            started = loop.time()
            # A poll interval of a minute: only the known due time can bring it out on time.
            running = asyncio.create_task(dispatcher.run(60, stopping))
            message = await inbox.wait_for(timeout=3)
            took = loop.time() - started
            stopping.set()
            dispatcher.wake()
            await asyncio.wait_for(running, 5)
    assert message["Subject"] == "Reminder"
    assert 0.4 <= took < 1.5
