"""One error contract for the chat: domain errors answered from one table, as `api/errors.py`
maps them to HTTP statuses, and one error handler for the application.

A handler with nothing to add lets a domain error (`booking.errors`) propagate; `report_error`
answers it from `ANSWERS`: a pop-up on a button press, a message after typed text. Nothing was
returned, so a conversation stays at its step. A handler catches a domain error only where
the error chooses the next step (a decision a colleague made first shows its outcome; a date
that closed meanwhile sends the client back to the calendar). Anything else is a bug: logged
with its traceback, and the person is told something went wrong, never why.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import TelegramError

from booking.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from bot import texts
from bot.context import BotContext
from bot.conversations.common import answer, tell

log = logging.getLogger(__name__)


def error_messages(errors: dict[str, list[str]]) -> list[str]:
    """Every message of an InvalidInput, flattened for a chat reply."""
    return [message for messages in errors.values() for message in messages]


ANSWERS: dict[type[DomainError], Callable[[Any], str]] = {
    InvalidInput: lambda exc: " ".join(error_messages(exc.errors)) or exc.detail,
    NotAuthenticated: lambda exc: texts.NOT_LINKED,
    PermissionDenied: lambda exc: exc.detail,
    NotFound: lambda exc: exc.detail,
    Conflict: lambda exc: exc.detail,
    RateLimited: lambda exc: texts.rate_limited(exc.retry_after),
}


def chat_answer(exc: DomainError) -> str:
    """What the person is told about a domain error."""
    for kind, words in ANSWERS.items():
        if isinstance(exc, kind):
            return words(exc)
    return exc.detail


async def tell_error(update: Update, context: BotContext, exc: DomainError) -> None:
    await tell(update, context, chat_answer(exc))


async def report_error(update: object, context: BotContext) -> None:
    """The application's one error handler (domain errors answered, the rest logged)."""
    error = context.error
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=error)
        return
    if isinstance(error, DomainError):
        log.info("update %s answered: %s", update.update_id, type(error).__name__)
        with contextlib.suppress(TelegramError):
            await tell_error(update, context, error)
        return
    log.error("error while handling update %s", update.update_id, exc_info=error)
    with contextlib.suppress(TelegramError):
        await answer(update)
    if update.effective_chat is not None:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(update.effective_chat.id, texts.SOMETHING_WENT_WRONG)
