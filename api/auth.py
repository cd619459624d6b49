"""JWT authentication for the API: a middleware puts the signed-in user on the request."""

from __future__ import annotations

from aiohttp import web

from api.errors import Handler
from api.keys import SETTINGS
from booking.errors import NotAuthenticated, PermissionDenied
from booking.tokens import decode_token
from models import User

USER = web.RequestKey("user", User | None)


def ignores_authorization(handler: Handler) -> Handler:
    """Mark a handler that never looks at `Authorization` (sign-in, token refresh).

    As SimpleJWT's views do: a client whose access token has just expired must still be
    able to refresh it or sign in again, even if it keeps sending the stale header.
    """
    handler.__ignores_authorization__ = True  # type: ignore[attr-defined]
    return handler


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Accept only access tokens; a bad token is a 401 even on a public endpoint (as in DRF)."""
    request[USER] = None
    header = request.headers.get("Authorization", "")
    if getattr(request.match_info.handler, "__ignores_authorization__", False):
        header = ""
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("Authorization header must be 'Bearer <access token>'.")
        claims = decode_token(request.app[SETTINGS], token.strip(), "access")
        user = await User.get_or_none(id=claims.user_id)
        if user is None or not user.is_active:
            raise NotAuthenticated("User not found or inactive.")
        request[USER] = user
    return await handler(request)


def current_user(request: web.Request) -> User | None:
    return request.get(USER)


def require_user(request: web.Request) -> User:
    """The signed-in user, or 401."""
    user = current_user(request)
    if user is None:
        raise NotAuthenticated("Authentication credentials were not provided.")
    return user


def require_staff(request: web.Request) -> User:
    """The signed-in staff user: 401 when anonymous, 403 when not staff."""
    user = require_user(request)
    if not user.is_staff:
        raise PermissionDenied("Staff only.")
    return user
