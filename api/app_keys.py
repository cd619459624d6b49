"""Typed keys for the aiohttp application's state (`app[SETTINGS]`, `app[CLOCK]`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import web

from booking.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
# Tests may set a fixed clock before the app starts; production always reads the real time.
CLOCK = web.AppKey("clock", Callable[[], datetime])


def request_now(request: web.Request) -> datetime:
    """Now, by the app's clock (a test's fixed one, or the real time)."""
    clock = request.app.get(CLOCK)
    return clock() if clock is not None else datetime.now(UTC)
