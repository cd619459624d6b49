"""Who may call a route (its declared `Access`) and who is calling (a Bearer access token)."""

from __future__ import annotations

from enum import StrEnum

from aiohttp import web

from api.app_keys import SETTINGS
from booking.errors import NotAuthenticated, PermissionDenied
from booking.sessions import active_user_for_access_token
from models import User


class Access(StrEnum):
    """Who may call a route; the OpenAPI `security` and the 401/403 answers follow from it."""

    # Anyone. A token that is sent must still be valid (401 otherwise), as in DRF.
    PUBLIC = "public"
    # Anyone, and `Authorization` is not even read: a client whose access token has just
    # expired must still be able to sign in again or refresh it (as SimpleJWT's views do).
    TOKEN_IGNORED = "token_ignored"
    # Anyone; the signed-in user, if any, is handed to the handler.
    OPTIONAL = "optional"
    # A signed-in user (401 otherwise).
    USER = "user"
    # A signed-in staff user (401 when anonymous, 403 when not staff).
    STAFF = "staff"

    @property
    def reads_token(self) -> bool:
        return self is not Access.TOKEN_IGNORED

    @property
    def needs_user(self) -> bool:
        return self in (Access.USER, Access.STAFF)


async def authenticate(request: web.Request, access: Access) -> User | None:
    """The caller `access` lets in (None: anonymous); NotAuthenticated or PermissionDenied."""
    user = None
    header = request.headers.get("Authorization", "") if access.reads_token else ""
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("Authorization header must be 'Bearer <access token>'.")
        user = await active_user_for_access_token(request.app[SETTINGS], token.strip())
    if access.needs_user and user is None:
        raise NotAuthenticated("Authentication credentials were not provided.")
    if access is Access.STAFF and not user.is_staff:  # type: ignore[union-attr]
        raise PermissionDenied("Staff only.")
    return user
