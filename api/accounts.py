"""`/api/auth/`: registration, codes, sign-in, password reset and token refresh."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
