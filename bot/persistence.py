"""python-telegram-bot persistence over the `ConversationState` table (encrypted JSON).

Rows are keyed `conv:<name>:<key>`, `user:<id>`, `chat:<id>` and `bot`; the data column is
encrypted like every other personal field, because a half-finished booking holds a reason
and an e-mail address. The application writes after every update (see `bot.app`), so a
restart - clean or not - resumes each chat at the step it was on.

Only JSON goes in: handlers keep dates as ISO strings and ids as text.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

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
        # What each row held when last read or written: unchanged data is not written again
        # (the application offers every touched user's data after each update).
        self._stored: dict[str, str] = {}

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
        await ConversationState.update_or_create(key=key, defaults={"data": data})
        self._stored[key] = fingerprint

    async def _drop(self, key: str) -> None:
        await ConversationState.filter(key=key).delete()
        self._stored.pop(key, None)

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
        # Every write above is already committed.
        return None


def _fingerprint(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
