"""Typed keys for application state."""

from __future__ import annotations

from aiohttp import web

from booking.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
