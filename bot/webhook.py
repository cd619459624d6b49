"""Webhook mode: Telegram POSTs updates to a route of the API's aiohttp app.

The command line creates a `WebhookReceiver`, mounts its route on the API app before the app
starts, and hands it to `bot.app.running_bot`, which attaches the running Application. Every
request must carry `X-Telegram-Bot-Api-Secret-Token` equal to TELEGRAM_WEBHOOK_SECRET
(Telegram sends what `setWebhook` was given); anything else is 403 and never parsed.
"""

from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from booking.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024


def webhook_path(settings: Settings) -> str:
    """The local route: the path part of TELEGRAM_WEBHOOK_URL."""
    assert settings.telegram_webhook_url
    return urlsplit(settings.telegram_webhook_url).path or "/"


class WebhookReceiver:
    """The webhook route; queues verified updates on the attached Application."""

    def __init__(self, settings: Settings) -> None:
        assert settings.telegram_webhook_secret is not None
        self.settings = settings
        self.path = webhook_path(settings)
        self._secret = settings.telegram_webhook_secret.get_secret_value().encode()
        self.application: Application | None = None

    def mount(self, app: web.Application) -> None:
        app.router.add_post(self.path, self.handle)

    def attach(self, application: Application | None) -> None:
        self.application = application

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return web.json_response({"detail": "Forbidden."}, status=403)
        application = self.application
        if application is None or not application.running:
            # Telegram retries later: nothing is lost while the bot starts or stops.
            return web.json_response({"detail": "The bot is not running."}, status=503)
        if request.content_length and request.content_length > MAX_UPDATE_BYTES:
            return web.json_response({"detail": "Too large."}, status=413)
        try:
            body = await request.read()
        except ConnectionResetError:
            # The sender hung up mid-body: Telegram sends the update again; no error to chase.
            log.info("webhook: the sender left before the update's body arrived")
            return web.json_response({"detail": "Connection lost."}, status=400)
        try:
            data = json.loads(body)
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError):
            log.warning("webhook: a request with the right secret carried no valid update")
            return web.json_response({"detail": "Not an update."}, status=400)
        if update is None:
            return web.json_response({"detail": "Not an update."}, status=400)
        await application.update_queue.put(update)
        return web.json_response({"ok": True})
