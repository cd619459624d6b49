"""POST /api/auth/token/refresh/: a refresh token works once; a copied one ends its family."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from booking.tokens import REFRESH_LIFETIME, issue_token
from models import RefreshToken, User, blind_index
from tests.auth_support import (
    ALICE,
    Visitor,
    unsigned,
)


@pytest.fixture
async def alice(mail_api, inbox):
    alice = Visitor(mail_api, inbox, ALICE, "Alice")
    await alice.register_and_verify()
    return alice


async def refresh(alice: Visitor, token: str) -> tuple[int, dict]:
    response = await alice.post("token/refresh/", {"refresh": token})
    return response.status, await response.json()


async def test_each_refresh_gives_a_new_pair_and_the_old_token_dies(alice):
    first = await alice.tokens()
    status, second = await refresh(alice, first["refresh"])
    assert status == 200
    assert set(second) == {"access", "refresh"}
    assert (await alice.get("/api/meetings/user/appointments/", second["access"])).status == 200
    status, third = await refresh(alice, second["refresh"])
    assert status == 200
    assert len({first["refresh"], second["refresh"], third["refresh"]}) == 3


async def test_a_stolen_refresh_token_used_twice_signs_out_the_whole_family(alice):
    tokens = await alice.tokens()
    stolen = tokens["refresh"]
    status, alices_next = await refresh(alice, stolen)  # Alice refreshes first
    assert status == 200
    status, body = await refresh(alice, stolen)  # then Mallory tries the copy
    assert status == 401
    assert "detail" in body
    # Alice's own newer token is gone too: both must sign in again.
    assert (await refresh(alice, alices_next["refresh"]))[0] == 401
    rows = await RefreshToken.all()
    assert rows and all(row.revoked_at is not None for row in rows)


async def test_reuse_in_one_session_leaves_alices_other_devices_signed_in(alice):
    phone = await alice.tokens()
    laptop = await alice.tokens()
    _, phone_next = await refresh(alice, phone["refresh"])
    assert (await refresh(alice, phone["refresh"]))[0] == 401
    assert (await refresh(alice, phone_next["refresh"]))[0] == 401
    assert (await refresh(alice, laptop["refresh"]))[0] == 200


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_the_same_token_presented_twice_at_once_is_rotated_only_once(alice):
    tokens = await alice.tokens()
    results = await asyncio.gather(*(refresh(alice, tokens["refresh"]) for _ in range(2)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 401]
    winner = next(body for status, body in results if status == 200)
    # The second presentation is a reuse: the family is revoked, the winner's token too.
    assert (await refresh(alice, winner["refresh"]))[0] == 401


async def test_an_access_token_is_not_a_refresh_token(alice):
    tokens = await alice.tokens()
    assert (await refresh(alice, tokens["access"]))[0] == 401


async def test_forged_expired_and_unknown_refresh_tokens_are_401(alice, mail_settings):
    tokens = await alice.tokens()
    user = await User.get(email_index=blind_index(ALICE))
    family = (await RefreshToken.first()).family
    long_ago = datetime.now(UTC) - REFRESH_LIFETIME - timedelta(minutes=1)
    expired, _ = issue_token(mail_settings, user.id, "refresh", family=family, now=long_ago)
    # Well signed, but never issued by a sign-in: there is no row for it.
    never_stored, _ = issue_token(mail_settings, user.id, "refresh", family=family)
    forged = unsigned({"token_type": "refresh", "user_id": str(user.id), "family": family})
    for token in (expired, never_stored, forged, tokens["refresh"] + "x", "not a token"):
        assert (await refresh(alice, token))[0] == 401, token
    assert (await refresh(alice, tokens["refresh"]))[0] == 200


async def test_a_deactivated_account_cannot_refresh(alice):
    tokens = await alice.tokens()
    await User.filter(email_index=blind_index(ALICE)).update(is_active=False)
    assert (await refresh(alice, tokens["refresh"]))[0] == 401


@pytest.mark.parametrize("body", [{}, {"refresh": None}, {"refresh": 12}])
async def test_a_missing_refresh_field_is_a_400(alice, body):
    response = await alice.post("token/refresh/", body)
    assert response.status == 400
    assert "refresh" in await response.json()


async def test_a_stale_access_token_in_the_header_does_not_block_the_refresh(
    alice,
    mail_settings,
):
    tokens = await alice.tokens()
    user = await User.get(email_index=blind_index(ALICE))
    stale, _ = issue_token(
        mail_settings, user.id, "access", now=datetime.now(UTC) - timedelta(hours=1)
    )
    response = await alice.post(
        "token/refresh/",
        {"refresh": tokens["refresh"]},
        headers={"Authorization": f"Bearer {stale}"},
    )
    assert response.status == 200
    # Elsewhere the stale token is still refused.
    assert (await alice.get("/api/meetings/user/appointments/", stale)).status == 401
