"""What every handler gets: typed access to the settings and the dispatcher's wake-up call.

The services live on the Application (never in `bot_data`, which is persisted and must hold
only JSON), and handlers reach them through `context.settings` / `context.wake_dispatcher()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from booking.settings import Settings


@dataclass(frozen=True)
class BotServices:
    settings: Settings
    # Tells the outbox dispatcher (in this process) that rows were just queued.
    wake_dispatcher: Callable[[], None]


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

    def wake_dispatcher(self) -> None:
        """Deliver what the last service call queued (a code, a notice) without waiting."""
        self.services.wake_dispatcher()


CONTEXT_TYPES = ContextTypes(context=BotContext, bot_data=dict, chat_data=dict, user_data=dict)
