"""The aiohttp application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from api import (
    accounts,
    appointments,
    attendance,
    audit,
    availability,
    docs,
    health,
    home,
    index,
    lifecycle,
    openapi,
    practice,
    privacy,
    series,
    waitlist,
)
from api.app_keys import SETTINGS
from api.audit_context import audit_caller_middleware
from api.errors import error_middleware
from api.parsing import MAX_BODY_BYTES
from booking.db import database
from booking.settings import Settings


def create_app(
    settings: Settings,
    *,
    manage_database: bool = True,
    on_commit: Callable[[], object] | None = None,
) -> web.Application:
    """Build the API.

    With `manage_database` the app opens and closes the database itself. `on_commit` is
    called after every successful write request: in `run` mode it wakes the outbox
    dispatcher, so a code e-mail leaves at once instead of at the next poll.
    """
    middlewares = [audit_caller_middleware, error_middleware]
    if on_commit is not None:
        middlewares.insert(0, _after_write(on_commit))
    app = web.Application(middlewares=middlewares, client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    if manage_database:

        async def database_ctx(app: web.Application) -> AsyncIterator[None]:
            async with database(settings):
                yield

        app.cleanup_ctx.append(database_ctx)
    # Every route is declared (api.routing): authentication, parsing and the OpenAPI
    # document all follow from the declarations.
    routed = (home, health, accounts, availability, appointments, lifecycle, index, openapi, docs)
    routed += (series,)
    routed += (attendance,)
    routed += (waitlist,)
    routed += (privacy,)
    routed += (audit,)
    routed += (practice,)
    for module in routed:
        app.add_routes(module.routes)
    return app


def _after_write(callback: Callable[[], object]):
    @web.middleware
    async def after_write(request: web.Request, handler):
        response = await handler(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status < 400:
            callback()
        return response

    return after_write
