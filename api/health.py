"""Liveness and readiness for load balancers and `make run` checks."""

from __future__ import annotations

from aiohttp import web

from booking.db import ping

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers, 503 when it does not."""
    if await ping():
        return web.json_response({"status": "ok", "database": "ok"})
    return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
