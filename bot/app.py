"""The Telegram bot's lifecycle: built, started and stopped by the command line."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from booking.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class RunningBot:
    """What the composition root needs from a running bot."""

    sender: Any  # the outbox's Telegram channel sender


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings, wake_dispatcher: Callable[[], None]
) -> AsyncIterator[RunningBot | None]:
    """Start the bot when TELEGRAM_BOT_TOKEN is set; otherwise say so once and stay off."""
    if settings.telegram_bot_token is None:
        log.info("TELEGRAM_BOT_TOKEN is not set: the Telegram bot is off (API and e-mail work)")
        yield None
        return
    raise NotImplementedError("the Telegram bot is not built yet")
