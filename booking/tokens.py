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


# Tokens already verified, by (secret, token): every request of a session sends the same
# access token, and checking its HMAC and parsing its JSON again would find the same claims.
# Expiry and type are still checked on every use. Emptied when full.
_verified: dict[tuple[str, str], TokenClaims] = {}
VERIFIED_KEPT = 4096


def decode_token(settings: Settings, token: str, expected_type: str) -> TokenClaims:
    """Verify signature, expiry and type; raise NotAuthenticated with a plain reason otherwise."""
    key = (settings.jwt_secret.get_secret_value(), token)
    claims = _verified.get(key)
    if claims is None:
        claims = _verify(settings, token)
        if len(_verified) >= VERIFIED_KEPT:
            _verified.clear()
        _verified[key] = claims
    elif claims.expires_at <= datetime.now(UTC):
        raise NotAuthenticated("Token has expired.")
    if claims.token_type != expected_type:
        raise NotAuthenticated("Token has wrong type.")
    return claims


def _verify(settings: Settings, token: str) -> TokenClaims:
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
    try:
        return TokenClaims(
            user_id=uuid.UUID(str(payload["user_id"])),
            token_type=str(payload["token_type"]),
            jti=str(payload["jti"]),
            issued_at=datetime.fromtimestamp(payload["iat"], UTC),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
            family=payload.get("family"),
        )
    except (ValueError, OverflowError, OSError):
        # A rightly signed token can still claim a time no clock holds (exp = 1e20): PyJWT
        # compares the numbers, and only the conversion to a datetime finds them absurd.
        raise NotAuthenticated("Token is invalid.") from None
