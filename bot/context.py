"""What every handler gets: typed access to the settings.

The services live on the Application (never in `bot_data`, which is persisted and must hold
only JSON), and handlers reach them through `context.settings`. The dispatcher's wake-up call
is the application's, made after every update (`bot.app._after_update`), never a handler's.
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


CONTEXT_TYPES = ContextTypes(context=BotContext, bot_data=dict, chat_data=dict, user_data=dict)
