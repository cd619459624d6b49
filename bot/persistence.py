"""python-telegram-bot persistence over the `ConversationState` table (encrypted JSON).

Rows are keyed `conv:<name>:<key>`, `user:<id>`, `chat:<id>` and `bot`; the data column is
encrypted like every other personal field, because a half-finished booking holds a reason
and an e-mail address. The application writes after every update (see `bot.app`), so a
restart - clean or not - resumes each chat at the step it was on.

Writes are group-committed: `update_*` only note what changed (unchanged data is never
encrypted nor written again) and return; one writer stores everything noted so far in one
transaction (one upsert, one delete), while what is noted meanwhile waits for the next.
`written()` returns once everything noted before it is stored; `bot.app` awaits it after
every update, outside python-telegram-bot's persistence lock, so concurrent updates share
transactions instead of queueing one write each.

Only JSON goes in: handlers keep dates as ISO strings and ids as text.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from tortoise.transactions import in_transaction

from models import ConversationState

ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]

log = logging.getLogger(__name__)

USER_PREFIX = "user:"
CHAT_PREFIX = "chat:"
CONVERSATION_PREFIX = "conv:"
BOT_KEY = "bot"


def conversation_row_key(name: str, key: ConversationKey) -> str:
    return f"{CONVERSATION_PREFIX}{name}:{json.dumps(list(key), separators=(',', ':'))}"


class DatabasePersistence(BasePersistence[dict, dict, dict]):
    """Stores user, chat and bot data and conversation states; no callback-data cache."""

    def __init__(self, update_interval: float = 60) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=True, chat_data=True, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        # What each row held when last read or noted for writing: unchanged data is not
        # written again (the application offers every touched user's data after each update).
        self._stored: dict[str, str] = {}
        # Noted, not yet taken by the writer: key -> data, or None to delete the row.
        self._pending: dict[str, Any] = {}
        self._next: asyncio.Future[None] | None = None  # resolved once `_pending` is stored
        self._current: asyncio.Future[None] | None = None  # the batch being stored now
        self._writer: asyncio.Task[None] | None = None

    # --- reading (once, at start) -----------------------------------------------------------

    async def _rows(self, prefix: str) -> list[ConversationState]:
        rows = await ConversationState.filter(key__startswith=prefix)
        for row in rows:
            self._stored[row.key] = _fingerprint(row.data)
        return rows

    async def _ids(self, prefix: str) -> dict[int, dict]:
        return {int(row.key[len(prefix) :]): row.data for row in await self._rows(prefix)}

    async def get_user_data(self) -> dict[int, dict]:
        return await self._ids(USER_PREFIX)

    async def get_chat_data(self) -> dict[int, dict]:
        return await self._ids(CHAT_PREFIX)

    async def get_bot_data(self) -> dict:
        row = await ConversationState.get_or_none(key=BOT_KEY)
        if row is None:
            return {}
        self._stored[BOT_KEY] = _fingerprint(row.data)
        return dict(row.data)

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        prefix = f"{CONVERSATION_PREFIX}{name}:"
        conversations: ConversationDict = {}
        for row in await self._rows(prefix):
            key = tuple(json.loads(row.key[len(prefix) :]))
            conversations[key] = row.data["state"]
        return conversations

    # --- writing ----------------------------------------------------------------------------

    async def _write(self, key: str, data: Any) -> None:
        fingerprint = _fingerprint(data)
        if self._stored.get(key) == fingerprint:
            return
        self._stored[key] = fingerprint
        self._note(key, data)

    async def _drop(self, key: str) -> None:
        self._stored.pop(key, None)
        self._note(key, None)

    def _note(self, key: str, data: Any) -> None:
        self._pending[key] = data
        self._start_writing()

    def _start_writing(self) -> None:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_all(), name="bot-state-writer")

    async def written(self) -> None:
        """Return once everything noted so far is stored (raises when storing it failed)."""
        batch = self._next or self._current  # the last one holding what was noted so far
        if batch is not None:
            await asyncio.shield(batch)

    async def _write_all(self) -> None:
        """The writer: stores what is pending, again and again, until nothing is."""
        try:
            while self._pending:
                batch, self._pending = self._pending, {}
                done, self._next = self._next, None
                self._current = done
                try:
                    await _store(batch)
                except Exception as exc:
                    # Noted again (unless newer data came meanwhile), so the next write has it.
                    for key, data in batch.items():
                        if key not in self._pending:
                            self._pending[key] = data
                            self._stored.pop(key, None)
                    # Those waiting for what was noted since are told too; it is kept.
                    for waited in (done, self._next):
                        if waited is not None and not waited.done():
                            waited.set_exception(exc)
                            waited.exception()  # retrieved: nobody may be waiting for it
                    self._next = None
                    return
                if done is not None and not done.done():
                    done.set_result(None)
        finally:
            self._writer = self._current = None

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        row_key = conversation_row_key(name, key)
        if new_state is None:
            await self._drop(row_key)
        else:
            await self._write(row_key, {"state": new_state})

    async def update_user_data(self, user_id: int, data: dict) -> None:
        await self._write_or_drop(f"{USER_PREFIX}{user_id}", data)

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        await self._write_or_drop(f"{CHAT_PREFIX}{chat_id}", data)

    async def update_bot_data(self, data: dict) -> None:
        await self._write_or_drop(BOT_KEY, data)

    async def _write_or_drop(self, key: str, data: dict) -> None:
        # An empty dict is the same as no row: nobody needs a row per chat that ever spoke,
        # and a bot that keeps nothing writes nothing.
        if data:
            await self._write(key, data)
        elif key in self._stored:
            await self._drop(key)

    async def update_callback_data(self, data: object) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop(f"{USER_PREFIX}{user_id}")

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._drop(f"{CHAT_PREFIX}{chat_id}")

    # One process receives a given bot's updates (polling allows one consumer), so memory is
    # the live copy; there is nothing newer in the database to refresh from.
    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict) -> None:
        return None

    async def flush(self) -> None:
        """At shutdown: everything noted is stored (or said to be lost)."""
        if self._pending:
            self._start_writing()
        try:
            await self.written()
        except Exception:
            log.exception("the bot's conversation state could not be stored")


async def _store(batch: dict[str, Any]) -> None:
    """One transaction: the rows with data upserted, the others deleted."""
    now = datetime.now(UTC)
    rows = [
        ConversationState(key=key, data=data, updated_at=now)
        for key, data in batch.items()
        if data is not None
    ]
    dropped = [key for key, data in batch.items() if data is None]
    async with in_transaction() as conn:
        if rows:
            await ConversationState.bulk_create(
                rows, on_conflict=["key"], update_fields=["data", "updated_at"], using_db=conn
            )
        if dropped:
            await ConversationState.filter(key__in=dropped).using_db(conn).delete()


def _fingerprint(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
