"""What every handler gets: typed access to the settings.

The services live on the Application (never in `bot_data`, which is persisted and must hold
only JSON), and handlers reach them through `context.settings`. The dispatcher's wake-up call
is the application's, made after every update (`bot.app._after_update`), never a handler's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from booking.settings import Settings


class KeyedLocks:
    """One asyncio lock per key, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._users: Counter[Hashable] = Counter()

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]


@dataclass(frozen=True)
class BotServices:
    settings: Settings
    # Tells the outbox dispatcher (in this process) that rows were just queued.
    wake_dispatcher: Callable[[], None]
    # One press at a time per session: a press re-checks the session's state and acts under
    # it, so two people pressing on the same session at once get one outcome (exactly one
    # process receives a bot's updates, see bot.app).
    session_locks: KeyedLocks = field(default_factory=KeyedLocks)


class BookingApplication(Application):
    """python-telegram-bot's Application, carrying the bot's services."""

    def __init__(self, *, services: BotServices, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The callback context of this bot."""

    @property
    def services(self) -> BotServices:
        return self.application.services  # type: ignore[attr-defined]

    @property
    def settings(self) -> Settings:
        return self.services.settings


CONTEXT_TYPES = ContextTypes(context=BotContext, bot_data=dict, chat_data=dict, user_data=dict)
