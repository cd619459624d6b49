"""The application's one hook after every update: the outbox dispatcher is woken there, for
updates that end well and for those a domain error ends, as the API's middleware does."""

from __future__ import annotations

import asyncio

from booking.settings import Settings
from bot import texts
from bot.app import running_bot
from tests.fake_telegram import FakeUser


async def test_the_dispatcher_is_woken_once_after_each_update(
    db: Settings, alice: FakeUser
) -> None:
    wakes: list[str] = []

    async def woken(times: int) -> None:
        """The hook runs just after the handler's reply went out: wait for it (bounded)."""
        for _ in range(500):
            if len(wakes) >= times:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"woken {len(wakes)} times, not {times}")

    async with running_bot(db, lambda: wakes.append("woken")) as running:
        assert running is not None
        await alice.send("/help")
        await alice.expect("What I can do:")
        await woken(1)
        # A command refused by the error table (Alice is not staff) wakes it all the same.
        await alice.send("/pending")
        await alice.expect(texts.STAFF_ONLY)
        await woken(2)
    assert len(wakes) == 2  # the bot has stopped: nothing else woke it
