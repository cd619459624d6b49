"""A fake Telegram Bot API server that the tests own, and people who talk to the bot through it.

The bot under test uses python-telegram-bot's real HTTP stack pointed at this server
(`TELEGRAM_API_URL=http://127.0.0.1:PORT/bot`). The server answers the Bot API methods the
bot uses, records every call, and lets a test play a Telegram user: send text, share a
contact, press an inline button of a message the bot sent, and wait for the bot's answer.

It can also be told to misbehave for a chat: answer 429 with `retry_after`, or 403 "bot was
blocked by the user".
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

BOT_ID = 4242
BOT_USERNAME = "practice_test_bot"
# A getUpdates long poll never holds a test up longer than this, whatever `timeout` it asked.
MAX_LONG_POLL = 0.5

# Parameters that arrive JSON-encoded in form bodies (python-telegram-bot sends objects that way).
JSON_PARAMS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "scope",
    "entities",
    "link_preview_options",
    "reply_parameters",
}
INT_PARAMS = {"chat_id", "message_id", "offset", "limit", "timeout", "cache_time", "user_id"}


@dataclass
class Call:
    """One Bot API request the bot made."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200  # what the server answered


@dataclass
class BotMessage:
    """What a user saw at one moment: a new message from the bot, or an edit of one."""

    chat_id: int
    message_id: int
    text: str
    reply_markup: dict[str, Any] | None
    kind: str  # "sent" | "edited"

    @property
    def inline_buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    @property
    def button_texts(self) -> list[str]:
        return [b["text"] for b in self.inline_buttons]

    @property
    def reply_keyboard_texts(self) -> list[str]:
        rows = (self.reply_markup or {}).get("keyboard", [])
        return [b["text"] if isinstance(b, dict) else b for row in rows for b in row]

    def button(self, text: str) -> dict[str, Any]:
        """The inline button whose label is `text`, or failing that contains it."""
        buttons = self.inline_buttons
        for button in buttons:
            if button["text"] == text:
                return button
        matches = [b for b in buttons if text in b["text"]]
        if len(matches) != 1:
            raise AssertionError(f"no single button {text!r} in {self.button_texts}")
        return matches[0]

    def url_of(self, text: str) -> str:
        return self.button(text)["url"]

    def __str__(self) -> str:
        return f"[{self.kind} #{self.message_id}] {self.text!r} {self.button_texts}"


@dataclass
class Failure:
    """An error the server answers instead of the real result, for one chat."""

    status: int
    description: str
    retry_after: int | None = None
    times: int | None = None  # None: for ever
    methods: tuple[str, ...] = ("sendMessage", "sendDocument", "editMessageText")

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class Chat:
    """A private chat: the messages of both sides, and what the user has already read."""

    user: dict[str, Any]
    events: list[BotMessage] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    read: int = 0


class FakeTelegram:
    """The fake Bot API server. Use as `async with FakeTelegram() as telegram:`."""

    def __init__(self, token: str = "123456:TEST-token") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.chats: dict[int, Chat] = {}
        self.failures: dict[int, Failure] = {}
        self.webhook: dict[str, Any] | None = None
        self._updates: list[dict[str, Any]] = []
        self._delivered_offset = 0
        self._last_pushed = 0  # the newest update queued for getUpdates
        self._confirmed_below = 0  # getUpdates' offset: every update below it was received
        # Run by `settle()` once the bot has received every update (the bot fixture adds one
        # that waits for its handlers and runs a dispatch round).
        self.settle_hooks: list[Callable[[], Awaitable[None]]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._closing = asyncio.Event()
        self._server: TestServer | None = None
        self._http: ClientSession | None = None
        self._webhook_lock = asyncio.Lock()

    # --- lifecycle ----------------------------------------------------------------------

    async def __aenter__(self) -> FakeTelegram:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        self._http = ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()
        if self._http is not None:
            await self._http.close()
        if self._server is not None:
            await self._server.close()

    @property
    def api_url(self) -> str:
        """The TELEGRAM_API_URL for the bot (python-telegram-bot appends the token)."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}/bot"

    # --- playing users ------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
    ) -> FakeUser:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        self.chats.setdefault(user_id, Chat(user=user))
        return FakeUser(self, user_id)

    def chat(self, chat_id: int) -> Chat:
        return self.chats[chat_id]

    def _chat_object(self, chat_id: int) -> dict[str, Any]:
        user = self.chats[chat_id].user
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if "last_name" in user:
            chat["last_name"] = user["last_name"]
        return chat

    async def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates, or POST it to the webhook when one is set."""
        update = {"update_id": next(self._update_ids), **update}
        if self.webhook is not None:
            await self._post_to_webhook(update)
        else:
            self._updates.append(update)
            self._last_pushed = update["update_id"]
            self._new_update.set()
        return update["update_id"]

    async def settle(self, timeout: float = 15.0) -> None:
        """Let the bot finish what was pushed: it received every update, then the hooks ran.

        python-telegram-bot asks for the next updates with an offset past those it has put
        on its queue; that offset proves it received them (webhook pushes are received
        before `push_update` returns).
        """
        deadline = time.monotonic() + timeout
        while self._confirmed_below <= self._last_pushed and self.webhook is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not fetch update {self._last_pushed}")
            await asyncio.sleep(0.01)
        for hook in self.settle_hooks:
            await asyncio.wait_for(hook(), max(deadline - time.monotonic(), 0.1))

    async def _post_to_webhook(self, update: dict[str, Any]) -> None:
        assert self.webhook is not None and self._http is not None
        headers = {}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        # Telegram delivers one update at a time per bot, in order.
        async with self._webhook_lock:
            async with self._http.post(self.webhook["url"], json=update, headers=headers) as r:
                if r.status != 200:
                    raise AssertionError(f"webhook answered {r.status}: {await r.text()}")

    def user_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        chat = self.chats[chat_id]
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat_object(chat_id),
            "from": chat.user,
            **content,
        }
        chat.messages[message["message_id"]] = message
        return message

    # --- misbehaving --------------------------------------------------------------------

    def rate_limit(self, chat_id: int, retry_after: int, times: int = 1) -> None:
        """Answer the next `times` sends to this chat with 429 Too Many Requests."""
        self.failures[chat_id] = Failure(
            429, f"Too Many Requests: retry after {retry_after}", retry_after, times
        )

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every send to the chat is 403 from now on."""
        self.failures[chat_id] = Failure(403, "Forbidden: bot was blocked by the user")

    def break_down(self, chat_id: int, times: int = 1) -> None:
        """Telegram has a bad moment: the next `times` sends to this chat get 502."""
        self.failures[chat_id] = Failure(502, "Bad Gateway", times=times)

    def _failure_for(self, method: str, params: dict[str, Any]) -> Failure | None:
        chat_id = params.get("chat_id")
        failure = self.failures.get(chat_id) if isinstance(chat_id, int) else None
        if failure is None or method not in failure.methods:
            return None
        if failure.times is not None:
            failure.times -= 1
            if failure.times <= 0:
                del self.failures[chat_id]
        return failure

    # --- reading what happened ----------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] = lambda c: True,
        timeout: float = 15.0,
    ) -> Call:
        deadline = time.monotonic() + timeout
        while True:
            for call in self.calls:
                if call.method == method and predicate(call):
                    return call
            if time.monotonic() > deadline:
                seen = [c.method for c in self.calls]
                raise AssertionError(f"no {method} call within {timeout}s; calls: {seen}")
            await asyncio.sleep(0.01)

    # --- the Bot API --------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json() if request.can_read_body else {}
            params.update(body or {})
            return params
        if request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = {"filename": value.filename, "content": value.file.read()}
                else:
                    params[key] = value
        for key in list(params):
            value = params[key]
            if isinstance(value, str):
                if key in JSON_PARAMS:
                    params[key] = json.loads(value)
                elif key in INT_PARAMS and value.lstrip("-").isdigit():
                    params[key] = int(value)
                elif value in ("true", "false"):
                    params[key] = value == "true"
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        failure = self._failure_for(method, params)
        if failure is not None:
            call.status = failure.status
            return web.json_response(failure.payload(), status=failure.status)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            call.status = 404
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        try:
            result = await handler(params)
        except _BadRequest as exc:
            call.status = 400
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"},
                status=400,
            )
        return web.json_response({"ok": True, "result": result})

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Practice",
            "username": BOT_USERNAME,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
        if offset:
            self._confirmed_below = max(self._confirmed_below, offset)
            # Telegram forgets updates below the offset: they were confirmed.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        while not self._updates and not self._closing.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                break
        return self._updates[:limit]

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        scope = params.get("scope") or {"type": "default"}
        for call in reversed(self.calls_of("setMyCommands")):
            if (call.params.get("scope") or {"type": "default"}) == scope:
                return call.params.get("commands", [])
        return []

    async def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_setChatMenuButton(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    def _known_chat(self, params: dict[str, Any]) -> Chat:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            raise _BadRequest("chat not found")
        return self.chats[chat_id]

    def _bot_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat_object(chat_id),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Practice"},
            **content,
        }

    def _record(self, chat: Chat, message: dict[str, Any], kind: str) -> None:
        chat.messages[message["message_id"]] = message
        chat.events.append(
            BotMessage(
                chat_id=message["chat"]["id"],
                message_id=message["message_id"],
                text=message.get("text") or message.get("caption") or "",
                reply_markup=message.get("reply_markup"),
                kind=kind,
            )
        )

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._known_chat(params)
        text = params.get("text") or ""
        if not text.strip():
            raise _BadRequest("message text is empty")
        if len(text) > 4096:
            raise _BadRequest("message is too long")
        message = self._bot_message(params["chat_id"], text=text)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        _check_markup(params.get("reply_markup"))
        self._record(chat, message, "sent")
        return _public(message)

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._known_chat(params)
        document = params.get("document") or {}
        message = self._bot_message(
            params["chat_id"],
            caption=params.get("caption") or "",
            document={
                "file_id": f"doc{len(self.calls)}",
                "file_unique_id": f"u{len(self.calls)}",
                "file_name": document.get("filename") if isinstance(document, dict) else None,
            },
        )
        self._record(chat, message, "sent")
        return _public(message)

    def _existing(self, params: dict[str, Any]) -> tuple[Chat, dict[str, Any]]:
        chat = self._known_chat(params)
        message = chat.messages.get(params.get("message_id"))  # type: ignore[arg-type]
        if message is None or message["from"].get("id") != BOT_ID:
            raise _BadRequest("message to edit not found")
        return chat, message

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._existing(params)
        _check_markup(params.get("reply_markup"))
        text = params.get("text") or ""
        markup = params.get("reply_markup")
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise _BadRequest(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        edited = {**message, "text": text, "edit_date": int(time.time())}
        edited.pop("reply_markup", None)
        if markup:
            edited["reply_markup"] = markup
        self._record(chat, edited, "edited")
        return _public(edited)

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._existing(params)
        _check_markup(params.get("reply_markup"))
        markup = params.get("reply_markup")
        if markup == message.get("reply_markup"):
            raise _BadRequest("message is not modified")
        edited = {**message, "edit_date": int(time.time())}
        edited.pop("reply_markup", None)
        if markup:
            edited["reply_markup"] = markup
        self._record(chat, edited, "edited")
        return _public(edited)

    async def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat, message = self._existing(params)
        chat.messages.pop(message["message_id"], None)
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True


class _BadRequest(Exception):
    pass


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """A message as the Bot API returns it: reply keyboards are not echoed back."""
    result = dict(message)
    markup = result.get("reply_markup")
    if markup is not None and "inline_keyboard" not in markup:
        result.pop("reply_markup")
    return result


def _check_markup(markup: dict[str, Any] | None) -> None:
    """Refuse what Telegram refuses: callback data over 64 bytes, buttons without an action."""
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise _BadRequest("BUTTON_DATA_INVALID")
            if data is None and "url" not in button:
                raise _BadRequest("can't parse inline keyboard button")


class FakeUser:
    """A Telegram user in a private chat with the bot."""

    def __init__(self, telegram: FakeTelegram, user_id: int) -> None:
        self.telegram = telegram
        self.id = user_id

    @property
    def chat(self) -> Chat:
        return self.telegram.chats[self.id]

    @property
    def profile(self) -> dict[str, Any]:
        return self.chat.user

    async def send(self, text: str, *, mark_commands: bool = True) -> int:
        """Type a message (a leading /command is marked as a bot command, as Telegram does)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/") and mark_commands:
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        message = self.telegram.user_message(self.id, **content)
        return await self.telegram.push_update({"message": message})

    async def share_contact(self, phone: str, *, own: bool = True) -> int:
        """Tap the "share contact" button (or, with own=False, send someone else's card)."""
        contact = {
            "phone_number": phone,
            "first_name": self.profile["first_name"],
            "user_id": self.id if own else self.id + 1,
        }
        message = self.telegram.user_message(self.id, contact=contact)
        return await self.telegram.push_update({"message": message})

    async def press(self, message: BotMessage, text: str) -> Press:
        """Tap an inline button of a message as it looked in `message` (it may be stale)."""
        button = message.button(text)
        if "callback_data" not in button:
            raise AssertionError(f"button {text!r} is a link, not a callback")
        return await self.press_data(message.message_id, button["callback_data"])

    async def press_data(self, message_id: int, data: str) -> Press:
        """Send a callback query with any data at all: what a forged client could do."""
        query_id = f"q{next(self.telegram._query_ids)}"
        current = self.chat.messages.get(message_id)
        query: dict[str, Any] = {
            "id": query_id,
            "from": self.profile,
            "chat_instance": f"ci{self.id}",
            "data": data,
        }
        if current is not None:
            query["message"] = _public(current)
        await self.telegram.push_update({"callback_query": query})
        return Press(self.telegram, query_id)

    def unread(self) -> list[BotMessage]:
        return self.chat.events[self.chat.read :]

    async def expect(self, contains: str = "", timeout: float = 15.0) -> BotMessage:
        """The next message (or edit) from the bot whose text contains `contains`.

        Messages before it are marked read; a timeout lists everything the user saw.
        """
        deadline = time.monotonic() + timeout
        while True:
            events = self.chat.events
            for index in range(self.chat.read, len(events)):
                if contains in events[index].text:
                    self.chat.read = index + 1
                    return events[index]
            if time.monotonic() > deadline:
                seen = "\n  ".join(str(e) for e in events[self.chat.read :]) or "(nothing)"
                raise AssertionError(
                    f"{self.profile['first_name']} got no message containing {contains!r} "
                    f"within {timeout}s; unread:\n  {seen}"
                )
            await asyncio.sleep(0.01)

    async def expect_nothing(self, wait: float = 0.3) -> None:
        """Nothing more arrives in this chat.

        With settle hooks (a running bot), the bot first finishes every update pushed so far
        and the outbox runs a delivery round to its end, so "nothing" is known, not guessed;
        without them, nothing arrives for `wait` seconds.
        """
        if self.telegram.settle_hooks:
            await self.telegram.settle()
        else:
            await asyncio.sleep(wait)
        unread = self.unread()
        assert not unread, f"unexpected messages: {[str(e) for e in unread]}"

    def last(self) -> BotMessage:
        return self.chat.events[-1]


class Press:
    """A pressed button: the bot must answer the callback query (the spinner stops)."""

    def __init__(self, telegram: FakeTelegram, query_id: str) -> None:
        self.telegram = telegram
        self.query_id = query_id

    async def answered(self, timeout: float = 15.0) -> str:
        """The toast text of the bot's answerCallbackQuery ("" when it showed none)."""
        call = await self.telegram.wait_for_call(
            "answerCallbackQuery",
            lambda c: c.params.get("callback_query_id") == self.query_id,
            timeout,
        )
        return str(call.params.get("text") or "")
