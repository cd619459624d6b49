"""Telegram as a channel of the outbox: sends queued notifications into people's chats.

Telegram's limits are kept here: about one message a second per chat and thirty a second
overall. A 429 becomes `SendError(retry_after=...)`, so the dispatcher comes back exactly
when Telegram said (never dropped, never counted as a failed attempt); a chat that blocked
the bot, or that does not exist, fails the notification for good with the reason, so there
is no retry storm.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import warnings
from collections import deque
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from booking.notifications import PermanentSendError, SendError
from bot import keyboards
from models import Notification

PER_CHAT_INTERVAL = 1.0  # seconds between two messages to one chat
GLOBAL_PER_SECOND = 30
# Waiting longer than this inside the dispatcher's round would hold up everyone else's mail:
# hand the row back with a retry time instead.
MAX_INLINE_WAIT = 2.0


class TelegramRateLimiter:
    """Spaces messages: per chat, and across all chats of the bot."""

    def __init__(
        self, per_chat_interval: float = PER_CHAT_INTERVAL, per_second: int = GLOBAL_PER_SECOND
    ) -> None:
        self.per_chat_interval = per_chat_interval
        self.per_second = per_second
        self._next_for_chat: dict[int, float] = {}
        self._recent: deque[float] = deque()
        self._lock = asyncio.Lock()

    def _delay(self, chat_id: int, now: float) -> float:
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        chat_wait = self._next_for_chat.get(chat_id, 0.0) - now
        global_wait = 0.0
        if len(self._recent) >= self.per_second:
            global_wait = self._recent[0] + 1.0 - now
        return max(chat_wait, global_wait, 0.0)

    async def acquire(self, chat_id: int, max_wait: float = MAX_INLINE_WAIT) -> float:
        """Wait for this chat's turn; returns 0, or the seconds to come back later instead."""
        async with self._lock:
            delay = self._delay(chat_id, time.monotonic())
            if delay > max_wait:
                return delay
            if delay:
                await asyncio.sleep(delay)
            now = time.monotonic()
            self._recent.append(now)
            self._next_for_chat[chat_id] = now + self.per_chat_interval
            if len(self._next_for_chat) > 10_000:
                # Forget chats whose turn has long come (bounded memory).
                self._next_for_chat = {c: t for c, t in self._next_for_chat.items() if t > now}
            return 0.0

    def defer(self, chat_id: int, seconds: float) -> None:
        """Telegram said to wait (429): nothing more goes to this chat until then."""
        until = time.monotonic() + seconds
        self._next_for_chat[chat_id] = max(self._next_for_chat.get(chat_id, 0.0), until)


def _retry_seconds(exc: RetryAfter) -> float:
    # python-telegram-bot 22 warns when reading retry_after as a number; accept both forms.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


PERMANENT_BAD_REQUESTS = ("chat not found", "user not found", "chat_id is empty", "peer_id_invalid")


def _markup(payload: dict) -> InlineKeyboardMarkup | None:
    """The buttons of a payload; a new request gets the bot's own Schedule / Reject."""
    if payload.get("kind") == "new_request" and payload.get("appointment_id"):
        return keyboards.request_actions(uuid.UUID(str(payload["appointment_id"])))
    return keyboards.link_buttons(payload.get("buttons") or [])


class TelegramSender:
    """`booking.notifications.Sender` for the telegram channel."""

    def __init__(self, bot: Bot, limiter: TelegramRateLimiter | None = None) -> None:
        self.bot = bot
        self.limiter = limiter or TelegramRateLimiter()

    async def send(self, notification: Notification) -> None:
        try:
            chat_id = int(notification.recipient)
        except ValueError:
            raise PermanentSendError("recipient is not a Telegram chat id") from None
        payload = notification.payload or {}
        text = payload.get("text") or ""
        if not text.strip():
            raise PermanentSendError("empty message")
        # The dispatcher counts a retry from when it picked the row up, before our waiting.
        started = time.monotonic()
        wait = await self.limiter.acquire(chat_id)
        if wait:
            raise SendError("held back to keep Telegram's rate limits", retry_after=wait)
        try:
            await self.bot.send_message(chat_id, text, reply_markup=_markup(payload))
        except RetryAfter as exc:
            seconds = _retry_seconds(exc)
            self.limiter.defer(chat_id, seconds)
            raise SendError(
                f"Telegram asked to retry after {seconds:g}s",
                retry_after=seconds + (time.monotonic() - started),
            ) from exc
        except Forbidden as exc:
            # "bot was blocked by the user", "user is deactivated": no retry will help.
            raise PermanentSendError(f"Telegram refused: {exc.message}") from exc
        except BadRequest as exc:
            if any(reason in exc.message.lower() for reason in PERMANENT_BAD_REQUESTS):
                raise PermanentSendError(f"Telegram refused: {exc.message}") from exc
            # Any other bad request is our message's fault and would fail again the same way.
            raise PermanentSendError(f"Telegram rejected the message: {exc.message}") from exc
        except NetworkError as exc:
            raise SendError(f"Telegram unreachable: {exc.message}") from exc
        except TelegramError as exc:
            raise SendError(f"Telegram error: {exc.message}") from exc
