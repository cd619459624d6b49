"""Housekeeping: spent codes and dead refresh tokens do not pile up in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from booking.scheduler import purge_stale_rows
from models import CodePurpose, OneTimeCode, RefreshToken, User, blind_index


async def test_the_hourly_purge_forgets_old_codes_and_tokens_but_keeps_live_ones(db):
    now = datetime.now(UTC)
    alice = await User.create(
        email="alice@example.com",
        email_index=blind_index("alice@example.com"),
        first_name="Alice",
        last_name="Archer",
    )
    for name, expires in (("old", now - timedelta(days=2)), ("live", now + timedelta(minutes=5))):
        await OneTimeCode.create(
            email_index=alice.email_index,
            purpose=CodePurpose.REGISTRATION,
            code_hash=name,
            expires_at=expires,
        )
        await RefreshToken.create(jti=name, user=alice, family="f", expires_at=expires)

    await purge_stale_rows()

    assert await OneTimeCode.all().values_list("code_hash", flat=True) == ["live"]
    assert await RefreshToken.all().values_list("jti", flat=True) == ["live"]
