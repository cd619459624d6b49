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
from collections import Counter, deque
from datetime import UTC, datetime, timedelta, tzinfo

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from booking.notifications import PermanentSendError, SendError
from bot import (
    attendance_views,
    detail_views,
    keyboards,
    session_keyboards,
    session_texts,
    waitlist_keyboards,
)
from bot.callbacks import minute_stamp
from models import Notification

PER_CHAT_INTERVAL = 1.1  # seconds between two messages to one chat (Telegram: about 1)
# Telegram allows about 30 a second across all chats: a margin under it, so the jitter of a
# send on its way is never answered 429.
GLOBAL_PER_SECOND = 29
# Waiting longer than this inside the dispatcher's round would hold up everyone else's mail:
# hand the row back with a retry time instead.
MAX_INLINE_WAIT = 2.0


class TelegramRateLimiter:
    """Spaces messages: per chat, and across all chats of the bot.

    Across chats the sends are spread evenly: on a grid of 1/per_second s, so a late wake-up
    is not lost from the pace, and never more than per_second in any second as they were
    actually let go, so a stalled loop does not release a burst afterwards. A message
    waiting for its own chat's turn waits alone (a lock per chat keeps that chat's order);
    the others go by meanwhile.
    """

    def __init__(
        self, per_chat_interval: float = PER_CHAT_INTERVAL, per_second: int = GLOBAL_PER_SECOND
    ) -> None:
        self.per_chat_interval = per_chat_interval
        self.per_second = per_second
        self.spacing = 1.0 / per_second
        self._next_for_chat: dict[int, float] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._chat_waiting: Counter[int] = Counter()
        self._recent: deque[float] = deque()
        self._slot = float("-inf")  # when the last send was due on the grid
        self._global = asyncio.Lock()
        self._global_waiting = 0

    def _delay(self, chat_id: int, now: float) -> float:
        """About how long a message to this chat would wait now."""
        chat_wait = max(self._next_for_chat.get(chat_id, 0.0) - now, 0.0)
        chat_wait += self._chat_waiting[chat_id] * self.per_chat_interval
        return max(chat_wait, self._global_waiting * self.spacing)

    async def acquire(self, chat_id: int, max_wait: float = MAX_INLINE_WAIT) -> float:
        """Wait for this chat's turn; returns 0, or the seconds to come back later instead."""
        delay = self._delay(chat_id, time.monotonic())
        if delay > max_wait:
            return delay
        self._chat_waiting[chat_id] += 1
        try:
            async with self._chat_locks.setdefault(chat_id, asyncio.Lock()):
                wait = self._next_for_chat.get(chat_id, 0.0) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                sent = await self._global_turn()
                self._next_for_chat[chat_id] = sent + self.per_chat_interval
        finally:
            self._chat_waiting[chat_id] -= 1
            if not self._chat_waiting[chat_id]:
                del self._chat_waiting[chat_id]
                self._chat_locks.pop(chat_id, None)
        if len(self._next_for_chat) > 10_000:
            # Forget chats whose turn has long come (bounded memory).
            now = time.monotonic()
            self._next_for_chat = {c: t for c, t in self._next_for_chat.items() if t > now}
        return 0.0

    async def _global_turn(self) -> float:
        """Wait for the next send across all chats; returns when it was let go."""
        self._global_waiting += 1
        try:
            async with self._global:
                now = time.monotonic()
                while self._recent and now - self._recent[0] >= 1.0:
                    self._recent.popleft()
                slot = max(now, self._slot + self.spacing)
                if len(self._recent) >= self.per_second:
                    slot = max(slot, self._recent[0] + 1.0)
                self._slot = slot
                if slot > now:
                    await asyncio.sleep(slot - now)
                    now = time.monotonic()
                self._recent.append(now)
                return now
        finally:
            self._global_waiting -= 1

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


# Staff messages about a scheduled session that carry its actions (Move / Propose / Cancel).
STAFF_SESSION_KINDS = ("reschedule_request", "proposal_accepted")

PERMANENT_BAD_REQUESTS = ("chat not found", "user not found", "chat_id is empty", "peer_id_invalid")


def _markup(payload: dict, zone: tzinfo) -> InlineKeyboardMarkup | None:
    """The payload's link buttons, then the bot's own buttons for its kind (if any)."""
    links = keyboards.link_buttons(payload.get("buttons") or [])
    rows = [list(row) for row in links.inline_keyboard] if links is not None else []
    rows += _own_rows(payload, zone)
    rows += detail_views.payload_rows(payload, rows)  # Show details, when the text hides some
    return InlineKeyboardMarkup(rows) if rows else None


def _own_rows(payload: dict, zone: tzinfo) -> list[list[InlineKeyboardButton]]:
    """The buttons the bot adds from a payload's kind; each press re-checks the state.

    The shapes are those of `booking.appointment_notices`: `appointment_id`, `audience`, and
    `scheduled_datetime` (the start the message is about, which every button carries so a
    press after a change is refused).
    """
    kind, raw_id = payload.get("kind"), payload.get("appointment_id")
    if kind == "waitlist_offer" and payload.get("offer_id"):
        return waitlist_keyboards.offer_rows(uuid.UUID(str(payload["offer_id"])))
    if not kind or not raw_id:
        return []
    appointment_id = uuid.UUID(str(raw_id))
    if kind == "new_request":
        return [list(row) for row in keyboards.request_actions(appointment_id).inline_keyboard]
    start = payload.get("scheduled_datetime")
    at = minute_stamp(datetime.fromisoformat(start) if start else None)
    if payload.get("audience") == "staff":
        if kind == "attendance_prompt":
            return attendance_views.attendance_rows(appointment_id, at)
        if kind in STAFF_SESSION_KINDS:
            markup = session_keyboards.session_actions(
                appointment_id, at, move_request=kind == "reschedule_request"
            )
            return [list(row) for row in markup.inline_keyboard]
        return []
    if kind == "proposal":
        times = [datetime.fromisoformat(t) for t in payload.get("times") or []]
        labelled = [(minute_stamp(t), session_texts.time_label(t, zone)) for t in times]
        markup = session_keyboards.proposal_choices(appointment_id, at, labelled)
        return [list(row) for row in markup.inline_keyboard]
    return session_keyboards.client_buttons(kind, appointment_id, at)


class TelegramSender:
    """`booking.notifications.Sender` for the telegram channel."""

    def __init__(
        self, bot: Bot, limiter: TelegramRateLimiter | None = None, *, zone: tzinfo = UTC
    ) -> None:
        self.bot = bot
        self.limiter = limiter or TelegramRateLimiter()
        self.zone = zone  # the practice's: times on buttons are its wall clock

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
            await self.bot.send_message(chat_id, text, reply_markup=_markup(payload, self.zone))
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
