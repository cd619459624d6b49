"""Liveness and readiness for load balancers and `make run` checks."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel

from api.auth import Access
from api.routing import Reply, Routes
from booking.db import ping

routes = Routes()


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
async def healthz(request: web.Request) -> HealthOut | Reply:
    """200 when the database answers, 503 when it does not."""
    if await ping():
        return HealthOut(status="ok", database="ok")
    return Reply(HealthOut(status="unavailable", database="unreachable"), status=503)
