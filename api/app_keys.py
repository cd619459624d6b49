"""Typed keys for the aiohttp application's state (`app[SETTINGS]`, `app[CLOCK]`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from booking.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
# Tests may set a fixed clock before the app starts; production always reads the real time.
CLOCK = web.AppKey("clock", Callable[[], datetime])
