"""`/api/meetings/`: availability, appointment requests, scheduling, Jitsi meetings, stats."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
