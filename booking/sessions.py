"""Sign-in sessions: an access + refresh token pair, refresh tokens rotated on every use.

Every refresh token is a `RefreshToken` row (jti, user, family, expiry, revoked_at). A
sign-in starts a new family; each refresh revokes the presented token and issues its
successor in the same family. Presenting a revoked token again means it was copied, so
the whole family is revoked (the thief and the owner both have to sign in again). A
password reset revokes every refresh token of the user.

- `await start_session(settings, user, *, now=None) -> TokenPair`
- `await rotate_refresh_token(settings, refresh, *, now=None) -> TokenPair` (NotAuthenticated)
- `await revoke_family(family, *, now=None, using_db=None) -> int`
- `await revoke_user_sessions(user_id, *, now=None, using_db=None) -> int`
- `await purge_expired_refresh_tokens(now=None) -> int` (housekeeping)
- `await active_user_for_access_token(settings, token) -> User` (NotAuthenticated)
"""

from __future__ import annotations

import copy
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from booking.errors import NotAuthenticated
from booking.freshness import Fresh
from booking.settings import Settings
from booking.tokens import decode_token, issue_token
from models import RefreshToken, User

log = logging.getLogger(__name__)

INVALID_REFRESH = "Token is invalid or expired"
_users = Fresh(tables=("users",))  # the signed-in users' rows, by id (nothing else read)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def _now() -> datetime:
    return datetime.now(UTC)


async def _issue_pair(
    settings: Settings,
    user_id: uuid.UUID,
    family: str,
    now: datetime,
    using_db: BaseDBAsyncClient | None,
) -> TokenPair:
    access, _ = issue_token(settings, user_id, "access", now=now)
    refresh, claims = issue_token(settings, user_id, "refresh", family=family, now=now)
    await RefreshToken.create(
        jti=claims.jti,
        user_id=user_id,
        family=family,
        expires_at=claims.expires_at,
        using_db=using_db,
    )
    return TokenPair(access=access, refresh=refresh)


async def start_session(
    settings: Settings, user: User, *, now: datetime | None = None
) -> TokenPair:
    """A new token family for a user who just signed in."""
    return await _issue_pair(settings, user.id, secrets.token_hex(16), now or _now(), None)


async def revoke_family(
    family: str, *, now: datetime | None = None, using_db: BaseDBAsyncClient | None = None
) -> int:
    return (
        await RefreshToken.filter(family=family, revoked_at__isnull=True)
        .using_db(using_db)
        .update(revoked_at=now or _now())
    )


async def revoke_user_sessions(
    user_id: uuid.UUID, *, now: datetime | None = None, using_db: BaseDBAsyncClient | None = None
) -> int:
    """Revoke every refresh token of the user (after a password reset)."""
    return (
        await RefreshToken.filter(user_id=user_id, revoked_at__isnull=True)
        .using_db(using_db)
        .update(revoked_at=now or _now())
    )


async def rotate_refresh_token(
    settings: Settings, refresh: str, *, now: datetime | None = None
) -> TokenPair:
    """Swap a live refresh token for a new pair; a reused one revokes its whole family."""
    now = now or _now()
    claims = decode_token(settings, refresh, "refresh")
    if not claims.family:
        raise NotAuthenticated(INVALID_REFRESH)
    reused_family: str | None = None
    async with in_transaction() as conn:
        row = await RefreshToken.filter(jti=claims.jti).using_db(conn).select_for_update().first()
        if row is None or row.user_id != claims.user_id or row.family != claims.family:
            raise NotAuthenticated(INVALID_REFRESH)
        # The conditional update is what makes one token good for exactly one rotation,
        # even when two requests present it at the same moment.
        rotated = (
            await RefreshToken.filter(id=row.id, revoked_at__isnull=True)
            .using_db(conn)
            .update(revoked_at=now)
        )
        if not rotated:
            reused_family = row.family
        else:
            user = await User.filter(id=row.user_id).using_db(conn).first()
            if user is None or not user.is_active:
                raise NotAuthenticated(INVALID_REFRESH)
            return await _issue_pair(settings, user.id, row.family, now, conn)
    # Outside the transaction above, so the revocation commits although we refuse.
    revoked = await revoke_family(reused_family, now=now)
    log.warning("refresh token reused: revoked %s token(s) of its family", revoked)
    raise NotAuthenticated(INVALID_REFRESH)


async def purge_expired_refresh_tokens(now: datetime | None = None) -> int:
    """Forget refresh tokens a day past their expiry: their signature already refuses them."""
    cutoff = (now or _now()) - timedelta(days=1)
    return await RefreshToken.filter(expires_at__lt=cutoff).delete()


async def active_user_for_access_token(settings: Settings, token: str) -> User:
    """The active user an access token speaks for; NotAuthenticated for any other token.

    The user's row is reused for a second (`booking.freshness`): a user deactivated through
    another process loses access within that second, through this one at once.
    """
    claims = decode_token(settings, token, "access")
    user = await _users.get(claims.user_id, lambda: User.get_or_none(id=claims.user_id))
    if user is None or not user.is_active:
        raise NotAuthenticated("User not found or inactive.")
    return copy.copy(user)  # the caller's own: a change it makes stays out of the cache
