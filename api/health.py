"""Liveness and readiness for load balancers and `make run` checks."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel

from api.auth import Access
from api.routing import Prerendered, Routes, prerender
from booking.db import ping
from booking.freshness import Fresh

routes = Routes()
# A load balancer asking many times a second gets the answer of the last second: at most
# one `SELECT 1` a second per process (see booking.freshness for when it is asked afresh).
_probe = Fresh()


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]


@routes.endpoint(
    "GET",
    "/healthz",
    access=Access.PUBLIC,
    response=HealthOut,
    answers={503: HealthOut},
    tag="service",
)
async def healthz(request: web.Request) -> Prerendered:
    """200 when the database answers, 503 when it does not."""
    return _ANSWERS[await _probe.get("ping", ping)]


_ANSWERS = {
    True: prerender(HealthOut, HealthOut(status="ok", database="ok")),
    False: prerender(HealthOut, HealthOut(status="unavailable", database="unreachable"), 503),
}
