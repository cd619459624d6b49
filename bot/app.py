"""The Telegram bot's lifecycle: built, started and stopped by the command line.

`running_bot(settings, wake_dispatcher)` builds python-telegram-bot's Application over this
project's services, receives updates (long polling by default; webhook mode when
TELEGRAM_WEBHOOK_URL is set and the command line mounted a `WebhookReceiver`), and yields
what the composition root needs: the outbox's Telegram sender.

Updates of different people run concurrently; each person's run in order (`PerUserUpdates`).
After every update, in one place (`_after_update`): the outbox dispatcher is woken, so what
the update queued (a code, a notice) leaves at once, as the API's `_after_write` middleware
does after a request; and the conversation state is written to the database, so a restart at
any moment resumes each chat at the step it was on. Domain errors and bugs go to the one
error handler, `bot.errors.report_error`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, TypeHandler

from booking.settings import Settings
from bot.aiohttp_request import AiohttpRequest
from bot.commands import set_default_commands
from bot.context import CONTEXT_TYPES, BookingApplication, BotServices
from bot.conversations.appointments import appointments_handlers
from bot.conversations.attendance import attendance_handlers
from bot.conversations.availability import build_availability_conversation
from bot.conversations.away import build_away_conversation
from bot.conversations.booking import build_booking_conversation
from bot.conversations.client_sessions import client_session_handlers
from bot.conversations.common import note_two_step_policy
from bot.conversations.details import detail_handlers
from bot.conversations.move_requests import build_move_request_conversation
from bot.conversations.planner import planner_handlers
from bot.conversations.privacy import build_erasure_conversation, privacy_handlers
from bot.conversations.registration import build_registration_conversation
from bot.conversations.series import SERIES_CALLBACKS, series_states
from bot.conversations.series_cancel import series_cancel_handlers
from bot.conversations.staff_audit import staff_audit_handlers
from bot.conversations.staff_commands import staff_handlers
from bot.conversations.staff_decisions import build_staff_conversation
from bot.conversations.staff_erase import staff_erase_handlers
from bot.conversations.staff_sessions import staff_session_handlers
from bot.conversations.start import fallback_handlers, start_handlers, unmarked_command_handler
from bot.conversations.two_step import two_step_handlers
from bot.conversations.waitlist import waitlist_handlers
from bot.delivery import TelegramSender
from bot.errors import report_error
from bot.persistence import DatabasePersistence
from bot.webhook import WebhookReceiver

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 64
BEFORE_ALL = -1  # the handler group of what must see an update before anything else
POLL_TIMEOUT = 10  # seconds a getUpdates long poll may be held open by Telegram
INITIALIZE_RETRY_DELAYS = (1.0, 2.0)  # seconds between tries to reach Telegram at start


@dataclass
class RunningBot:
    """What the composition root needs from a running bot."""

    sender: TelegramSender  # the outbox's Telegram channel sender
    application: Application


class PerUserUpdates(BaseUpdateProcessor):
    """Concurrent across people, in order for each person.

    python-telegram-bot starts a task per update in arrival order; a FIFO lock per sender
    makes each person's updates wait for the previous one, while others' go ahead.
    After each update, `after_update` runs under the same lock (`_after_update`), so the
    next update of that person starts from stored state.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: Counter[int] = Counter()
        self.after_update: Callable[[object], Awaitable[None]] | None = None

    @staticmethod
    def _sender(update: object) -> int | None:
        if isinstance(update, Update):
            if update.effective_user is not None:
                return update.effective_user.id
            if update.effective_chat is not None:
                return update.effective_chat.id
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._sender(update)
        if key is None:
            await coroutine
            await self._after(update)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                await coroutine
                await self._after(update)
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]

    async def _after(self, update: object) -> None:
        if self.after_update is None:
            return
        try:
            await self.after_update(update)
        except Exception:
            log.exception("after-update step failed")

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def register_handlers(application: Application) -> None:
    """Every handler, in order: within the one group, the first that wants an update gets it.

    Conversations first (so a person in the middle of one is answered by it), then the
    one-message commands, then the catch-alls that answer anything unexpected.
    """
    # First of all: the STAFF_REQUIRE_2FA policy the staff checks of this update go by.
    application.add_handler(TypeHandler(Update, note_two_step_policy), group=BEFORE_ALL - 1)
    application.add_handler(unmarked_command_handler(), group=BEFORE_ALL)
    application.add_handlers(
        [
            build_registration_conversation(),
            build_booking_conversation(),
            build_move_request_conversation(),
            build_staff_conversation(series_states(), SERIES_CALLBACKS),
            # After the others: a flow in progress there leaves for these flows' buttons.
            build_availability_conversation(),
            build_away_conversation(),
            build_erasure_conversation(),
            *start_handlers(),
            *appointments_handlers(),
            *client_session_handlers(),
            *series_cancel_handlers(),
            *staff_session_handlers(),
            *attendance_handlers(),
            *planner_handlers(),
            *staff_handlers(),
            *waitlist_handlers(),
            *privacy_handlers(),
            *staff_audit_handlers(),
            *staff_erase_handlers(),
            *two_step_handlers(),
            *detail_handlers(),
            *fallback_handlers(),
        ]
    )


async def _after_update(application: Application, update: object) -> None:
    """After every update, handled or failed: deliver what it queued, then store the state.

    `update_persistence` only notes what changed (under python-telegram-bot's lock, one
    update at a time); the wait for it to be stored is outside that lock, so the updates
    finishing meanwhile share one transaction (`DatabasePersistence.written`).
    """
    application.services.wake_dispatcher()  # type: ignore[attr-defined]
    await application.update_persistence()
    if isinstance(application.persistence, DatabasePersistence):
        await application.persistence.written()


async def _post_init(application: Application) -> None:
    """After getMe: the command menu, and `_after_update` hooked after every update."""
    processor = application.update_processor
    if isinstance(processor, PerUserUpdates):
        processor.after_update = functools.partial(_after_update, application)
    await set_default_commands(application.bot)
    log.info("Telegram bot @%s is up", application.bot.username)


async def _post_shutdown(application: Application) -> None:
    log.info("Telegram bot stopped")


def build_application(
    settings: Settings, wake_dispatcher: Callable[[], None], *, polling: bool
) -> Application:
    """The Application with every handler; `polling=False` builds it without an Updater."""
    assert settings.telegram_bot_token is not None
    base = settings.telegram_api_url
    file_base = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base
    builder = (
        ApplicationBuilder()
        .application_class(
            BookingApplication, kwargs={"services": BotServices(settings, wake_dispatcher)}
        )
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(base)
        .base_file_url(file_base)
        # aiohttp's client instead of httpx: the same calls for less CPU (bot/aiohttp_request.py).
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .context_types(CONTEXT_TYPES)
        .persistence(DatabasePersistence())
        .concurrent_updates(PerUserUpdates())
        .job_queue(None)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    register_handlers(application)
    application.add_error_handler(report_error)
    return application


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings,
    wake_dispatcher: Callable[[], None],
    webhook: WebhookReceiver | None = None,
) -> AsyncIterator[RunningBot | None]:
    """Start the bot when TELEGRAM_BOT_TOKEN is set; otherwise say so once and stay off.

    Polling unless TELEGRAM_WEBHOOK_URL is set. In webhook mode, pass the receiver mounted
    on the API app to receive updates here; without one (the `worker` process) the bot only
    sends the outbox's messages and the web processes receive the updates.
    """
    if settings.telegram_bot_token is None:
        log.info("TELEGRAM_BOT_TOKEN is not set: the Telegram bot is off (API and e-mail work)")
        yield None
        return
    webhook_mode = settings.telegram_webhook_url is not None
    application = build_application(settings, wake_dispatcher, polling=not webhook_mode)
    if not await _initialized(application):
        yield None
        return
    try:
        async with application:  # initialized above; shut down on the way out
            if application.post_init is not None:
                await application.post_init(application)
            await application.start()
            try:
                await _receive(settings, application, webhook)
                sender = TelegramSender(application.bot, zone=settings.zone)
                yield RunningBot(sender=sender, application=application)
            finally:
                if webhook is not None:
                    webhook.attach(None)
                if application.updater is not None and application.updater.running:
                    await application.updater.stop()
                if application.running:
                    await application.stop()
    finally:
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


async def _initialized(application: Application) -> bool:
    """getMe and the persisted state; False (bot off, API on) when Telegram will not have us.

    A Telegram outage at boot must not take the API down with it in `run` mode: after a few
    tries the bot stays off until the next start, and says so.
    """
    for delay in (*INITIALIZE_RETRY_DELAYS, None):
        try:
            await application.initialize()
            return True
        except InvalidToken:
            log.error(
                "Telegram refused TELEGRAM_BOT_TOKEN: the Telegram bot is off (API and e-mail work)"
            )
        except NetworkError as exc:
            if delay is not None:
                log.warning("Telegram is unreachable (%s); trying again in %ss", exc, delay)
                await asyncio.sleep(delay)
                continue
            log.error("Telegram is unreachable (%s): the Telegram bot is off until restarted", exc)
        await _close_connections(application)
        return False
    return False


async def _close_connections(application: Application) -> None:
    # initialize() opened the HTTP clients before getMe failed; shutdown() would skip them.
    for request in {application.bot.request, *getattr(application.bot, "_request", ())}:
        with contextlib.suppress(Exception):
            await request.shutdown()


async def _receive(
    settings: Settings, application: Application, webhook: WebhookReceiver | None
) -> None:
    """Start receiving updates: long polling, the webhook, or (worker in webhook mode) none."""
    allowed = [Update.MESSAGE, Update.CALLBACK_QUERY]
    if settings.telegram_webhook_url is None:
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0.0, timeout=POLL_TIMEOUT, allowed_updates=allowed
        )
        log.info("Telegram bot receiving updates by long polling")
    elif webhook is not None:
        assert settings.telegram_webhook_secret is not None
        await application.bot.set_webhook(
            url=settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret.get_secret_value(),
            allowed_updates=allowed,
        )
        webhook.attach(application)
        log.info("Telegram bot receiving updates by webhook at %s", webhook.path)
    else:
        log.info("Telegram webhook mode: this process only sends; the web processes receive")
