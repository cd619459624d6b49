"""A fake Telegram Bot API server for the bot and delivery benches, with Telegram's limits.

The bot under measurement talks to it through python-telegram-bot's real HTTP stack
(`TELEGRAM_API_URL=http://127.0.0.1:PORT/bot`). It answers what the bot calls at start and
while polling (getMe, setMyCommands, deleteWebhook, getUpdates ...), records every message
the bot sends or edits, and lets the bench play any number of users.

Telegram's limits on sending messages (sendMessage, sendDocument, sendPhoto): about 30 a
second overall and 1 a second per chat. `enforce_limits=True` answers a send beyond them
with 429 and `parameters.retry_after` (whole seconds, as Telegram does); with
`enforce_limits=False` every send is accepted and the ones over the limits are only counted
(`over_limit`). Edits and callback answers are not counted against the limits.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 4242
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Practice", "username": "bench_bot"}
SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
REPLY_METHODS = SEND_METHODS | {"editMessageText", "editMessageReplyMarkup"}
JSON_PARAMS = frozenset(
    {"reply_markup", "allowed_updates", "commands", "scope", "entities", "link_preview_options"}
)
MAX_LONG_POLL = 1.0  # seconds; keeps shutdown quick whatever timeout the bot asks for


@dataclass
class Reply:
    """A message-producing call the bot made in a chat."""

    at: float  # time.time() when it arrived
    method: str
    message: dict[str, Any]


@dataclass
class ChatState:
    chat_id: int
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    replies: asyncio.Queue[Reply] = field(default_factory=asyncio.Queue)


@dataclass
class Send:
    """One send call: when, where, what, and what the fake answered."""

    at: float
    chat_id: int
    text: str
    status: int


class FakeBotApi:
    def __init__(
        self,
        token: str = "123456:BENCH-token",
        *,
        enforce_limits: bool = True,
        per_second: int = 30,
        per_chat_interval: float = 1.0,
        keep_messages: bool = True,
    ) -> None:
        self.token = token
        self.enforce_limits = enforce_limits
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self.keep_messages = keep_messages
        self.chats: dict[int, ChatState] = {}
        self.sends: list[Send] = []
        self.calls: Counter[str] = Counter()
        self.over_limit = 0  # sends beyond the limits (answered 429, or only counted)
        self._recent: deque[float] = deque()
        self._last_send: dict[int, float] = {}
        self._updates: deque[dict[str, Any]] = deque()
        self._new_update = asyncio.Event()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> FakeBotApi:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        self._new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # --- playing users --------------------------------------------------------------------

    def chat(self, chat_id: int) -> ChatState:
        state = self.chats.get(chat_id)
        if state is None:
            state = self.chats[chat_id] = ChatState(chat_id)
        return state

    @staticmethod
    def user(chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Tele", "last_name": str(chat_id)}

    @staticmethod
    def _chat_object(chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": "private", "first_name": "Tele"}

    def push_update(self, update: dict[str, Any]) -> None:
        self._updates.append({"update_id": next(self._update_ids), **update})
        self._new_update.set()

    def send_text(self, chat_id: int, text: str) -> None:
        """The user types `text` (a leading /command is marked as Telegram marks it)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat_object(chat_id),
            "from": self.user(chat_id),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self.push_update({"message": message})

    def press(self, chat_id: int, message_id: int, data: str) -> None:
        """The user taps an inline button carrying `data` on the bot's message `message_id`."""
        query: dict[str, Any] = {
            "id": f"q{next(self._query_ids)}",
            "from": self.user(chat_id),
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        message = self.chat(chat_id).messages.get(message_id)
        if message is not None:
            query["message"] = message
        self.push_update({"callback_query": query})

    # --- the Bot API ----------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json() if request.can_read_body else {})
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                params[key] = value if isinstance(value, str) else "<file>"
        for key in JSON_PARAMS & params.keys():
            if isinstance(params[key], str):
                params[key] = json.loads(params[key])
        if "chat_id" in params:
            params["chat_id"] = int(params["chat_id"])
        if "message_id" in params:
            params["message_id"] = int(params["message_id"])
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        self.calls[method] += 1
        params = await self._params(request)
        if method in SEND_METHODS:
            wait = self._over_limit(params["chat_id"], time.monotonic())
            if wait is not None:
                self.over_limit += 1
                if self.enforce_limits:
                    self.sends.append(Send(time.time(), params["chat_id"], "", 429))
                    retry = max(1, math.ceil(wait))
                    return _error(
                        429, f"Too Many Requests: retry after {retry}", {"retry_after": retry}
                    )
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return web.json_response({"ok": True, "result": True})
        return web.json_response({"ok": True, "result": await handler(params)})

    def _over_limit(self, chat_id: int, now: float) -> float | None:
        """Seconds until this send would be within the limits, or None (and it is counted)."""
        recent = self._recent
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        waits = []
        if len(recent) >= self.per_second:
            waits.append(recent[0] + 1.0 - now)
        last = self._last_send.get(chat_id)
        if last is not None and now - last < self.per_chat_interval:
            waits.append(last + self.per_chat_interval - now)
        if waits and self.enforce_limits:
            return max(waits)
        recent.append(now)
        self._last_send[chat_id] = now
        return max(waits) if waits else None

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **BOT_USER,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        updates = self._updates
        while updates and updates[0]["update_id"] < offset:
            updates.popleft()  # confirmed by the offset: Telegram forgets them
        if not updates:
            self._new_update.clear()
            timeout = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except TimeoutError:
                pass
        return list(itertools.islice(updates, limit))

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    async def _api_getMyCommands(self, params: dict[str, Any]) -> list[Any]:
        return []

    def _reply(self, chat_id: int, method: str, message: dict[str, Any]) -> None:
        chat = self.chat(chat_id)
        if self.keep_messages:
            chat.messages[message["message_id"]] = message
        chat.replies.put_nowait(Reply(time.time(), method, message))

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params["chat_id"]
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat_object(chat_id),
            "from": BOT_USER,
            "text": params.get("text") or "",
        }
        markup = params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.sends.append(Send(time.time(), chat_id, message["text"], 200))
        self._reply(chat_id, "sendMessage", message)
        return message

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._api_sendMessage({**params, "text": params.get("caption") or ""})

    async def _edit(self, params: dict[str, Any], method: str) -> dict[str, Any]:
        chat_id = params["chat_id"]
        chat = self.chat(chat_id)
        old = chat.messages.get(params["message_id"]) or {
            "message_id": params["message_id"],
            "date": int(time.time()),
            "chat": self._chat_object(chat_id),
            "from": BOT_USER,
            "text": "",
        }
        message = {**old, "edit_date": int(time.time())}
        if "text" in params:
            message["text"] = params["text"]
        message.pop("reply_markup", None)
        markup = params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._reply(chat_id, method, message)
        return message

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._edit(params, "editMessageText")

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._edit(params, "editMessageReplyMarkup")


def _error(status: int, description: str, parameters: dict | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def buttons(message: dict[str, Any]) -> list[str]:
    """The callback data of every inline button of a message, in order."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]
