"""One error contract: DRF-shaped JSON, domain errors mapped in one middleware."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from api.routing import warn_if_undeclared
from booking.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATUS_OF: dict[type[DomainError], int] = {
    InvalidInput: 400,
    NotAuthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
}


def error(detail: str, status: int, headers: dict[str, str] | None = None) -> web.Response:
    """`{"detail": "..."}` with the given status."""
    return web.json_response({"detail": detail}, status=status, headers=headers)


def domain_error_response(exc: DomainError) -> web.Response:
    if isinstance(exc, InvalidInput):
        return web.json_response(exc.errors, status=400)
    status = next((s for t, s in STATUS_OF.items() if isinstance(exc, t)), 400)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    if isinstance(exc, NotAuthenticated):
        headers = {"WWW-Authenticate": 'Bearer realm="api"'}
    extra = getattr(exc, "extra", None)  # Conflict's clashes, two-step sign-in's flags
    if extra:
        body = {"detail": exc.detail, **extra}
        return web.json_response(body, status=status, headers=headers)
    return error(exc.detail, status, headers)


HTTP_DETAILS = {
    404: "Not found.",
    405: "Method not allowed.",
    413: "Request body is too large (the limit is 1 MB).",
}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await _answer(request, handler)
    warn_if_undeclared(request, response.status)
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as exc:
        return domain_error_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        detail = HTTP_DETAILS.get(exc.status, exc.reason)
        response = error(detail, exc.status)
        for name in ("Allow", "Retry-After", "Location"):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
    except Exception:
        # Logged with its traceback for the operator; the caller learns nothing internal.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.Response(
            text=json.dumps({"detail": "Internal server error."}),
            status=500,
            content_type="application/json",
        )
