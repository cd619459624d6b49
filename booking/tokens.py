"""JSON Web Tokens: HS256 only, typed (`access`/`refresh`), with exp, iat and jti required."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from booking.errors import NotAuthenticated
from booking.settings import Settings

ALGORITHMS = ["HS256"]  # fixed list: `alg: none` and key-confusion tricks are refused
ACCESS_LIFETIME = timedelta(minutes=15)
REFRESH_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class TokenClaims:
    user_id: uuid.UUID
    token_type: str
    jti: str
    issued_at: datetime
    expires_at: datetime
    family: str | None = None


def _encode(settings: Settings, claims: dict) -> str:
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHMS[0])


def issue_token(
    settings: Settings,
    user_id: uuid.UUID,
    token_type: str,
    *,
    family: str | None = None,
    now: datetime | None = None,
) -> tuple[str, TokenClaims]:
    """Sign a new token of `token_type` for the user; returns the token and its claims."""
    now = now or datetime.now(UTC)
    lifetime = ACCESS_LIFETIME if token_type == "access" else REFRESH_LIFETIME
    claims = TokenClaims(
        user_id=user_id,
        token_type=token_type,
        jti=secrets.token_hex(16),
        issued_at=now,
        expires_at=now + lifetime,
        family=family,
    )
    payload = {
        "user_id": str(user_id),
        "token_type": token_type,
        "jti": claims.jti,
        "iat": int(now.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
    }
    if family:
        payload["family"] = family
    return _encode(settings, payload), claims


def decode_token(settings: Settings, token: str, expected_type: str) -> TokenClaims:
    """Verify signature, expiry and type; raise NotAuthenticated with a plain reason otherwise."""
    if not token.isascii():
        # A JWT is base64url and dots. Anything else (a header byte that is not UTF-8 arrives
        # as a lone surrogate) would make PyJWT's own encode fail with a UnicodeEncodeError.
        raise NotAuthenticated("Token is invalid.")
    try:
        payload = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=ALGORITHMS,
            options={"require": ["exp", "iat", "jti", "token_type", "user_id"]},
        )
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("Token has expired.") from None
    except jwt.PyJWTError:
        raise NotAuthenticated("Token is invalid.") from None
    if payload.get("token_type") != expected_type:
        raise NotAuthenticated("Token has wrong type.")
    try:
        return TokenClaims(
            user_id=uuid.UUID(str(payload["user_id"])),
            token_type=payload["token_type"],
            jti=str(payload["jti"]),
            issued_at=datetime.fromtimestamp(payload["iat"], UTC),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
            family=payload.get("family"),
        )
    except (ValueError, OverflowError, OSError):
        # A rightly signed token can still claim a time no clock holds (exp = 1e20): PyJWT
        # compares the numbers, and only the conversion to a datetime finds them absurd.
        raise NotAuthenticated("Token is invalid.") from None
