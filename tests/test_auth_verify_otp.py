"""POST /api/auth/verify-otp/: a code cannot be guessed, reused, outlived or used elsewhere."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from booking.codes import CODE_LIFETIME, MAX_WRONG_TRIES
from models import CodePurpose, OneTimeCode, User, blind_index
from tests.auth_support import (
    ALICE,
    Visitor,
)


@pytest.fixture
def alice(mail_api, inbox):
    return Visitor(mail_api, inbox, ALICE, "Alice")


def wrong(code: str, shift: int = 1) -> str:
    return f"{(int(code) + shift) % 1_000_000:06d}"


async def registered(alice: Visitor) -> str:
    mark = len(alice.inbox.messages)
    assert (await alice.register()).status == 201
    return await alice.code(mark, "verification code")


async def verify(alice: Visitor, otp) -> tuple[int, dict]:
    response = await alice.post("verify-otp/", {"email": alice.email, "otp": otp})
    return response.status, await response.json()


async def test_mallorys_five_wrong_guesses_void_alices_code_even_for_the_right_digits(alice):
    code = await registered(alice)
    for shift in range(1, MAX_WRONG_TRIES + 1):
        status, body = await verify(alice, wrong(code, shift))
        assert status == 400
        assert "otp" in body
    status, _ = await verify(alice, code)  # the sixth try
    assert status == 400
    assert (await alice.login()).status == 401


async def test_alice_may_mistype_four_times_and_still_verify(alice):
    code = await registered(alice)
    for shift in range(1, MAX_WRONG_TRIES):
        assert (await verify(alice, wrong(code, shift)))[0] == 400
    assert (await verify(alice, code))[0] == 200
    assert (await alice.login()).status == 200


async def test_an_expired_code_fails(alice):
    code = await registered(alice)
    # Ten minutes and a second later, as far as the code is concerned.
    row = await OneTimeCode.get(email_index=blind_index(ALICE), purpose=CodePurpose.REGISTRATION)
    assert abs(row.expires_at - row.created_at - CODE_LIFETIME) < timedelta(seconds=1)
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    await row.save(update_fields=["expires_at"])
    status, body = await verify(alice, code)
    assert status == 400
    assert "expired" in body["otp"][0]


async def test_a_code_works_only_once(alice):
    code = await registered(alice)
    assert (await verify(alice, code))[0] == 200
    assert (await verify(alice, code))[0] == 400


async def test_a_reset_code_does_not_verify_a_registration_and_vice_versa(alice):
    registration_code = await registered(alice)
    mark = len(alice.inbox.messages)
    assert (await alice.post("forgot-password/", {"email": ALICE})).status == 200
    reset_code = await alice.code(mark, "password reset code")
    if reset_code == registration_code:  # one chance in a million: nothing to tell apart
        pytest.skip("the two random codes happen to be equal")

    assert (await verify(alice, reset_code))[0] == 400
    crossed = await alice.post(
        "verify-password-reset-otp/", {"email": ALICE, "otp": registration_code}
    )
    assert crossed.status == 400
    # Each still does its own job.
    assert (await verify(alice, registration_code))[0] == 200
    own = await alice.post("verify-password-reset-otp/", {"email": ALICE, "otp": reset_code})
    assert own.status == 200


async def test_a_code_for_alice_does_not_verify_bob(alice, mail_api, inbox):
    alice_code = await registered(alice)
    bob = Visitor(mail_api, inbox, "bob@example.com", "Bob")
    mark = len(inbox.messages)
    await bob.register("bob's very own password")
    if await bob.code(mark) == alice_code:
        pytest.skip("the two random codes happen to be equal")
    status, _ = await verify(bob, alice_code)
    assert status == 400


async def test_an_unknown_address_gets_the_same_answer_as_a_wrong_code(alice):
    code = await registered(alice)
    wrong_code = await alice.post("verify-otp/", {"email": ALICE, "otp": wrong(code)})
    unknown = await alice.post("verify-otp/", {"email": "nobody@example.com", "otp": code})
    assert (wrong_code.status, await wrong_code.read()) == (unknown.status, await unknown.read())


async def test_a_numeric_otp_is_accepted_leading_zeros_and_all(alice):
    code = await registered(alice)
    assert (await verify(alice, int(code)))[0] == 200


@pytest.mark.parametrize("otp", [None, ["123456"], {"a": 1}, True])
async def test_a_malformed_otp_is_a_400(alice, otp):
    await registered(alice)
    status, body = await verify(alice, otp)
    assert status == 400
    assert "otp" in body


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_thirty_guesses_at_once_still_get_only_five_tries(alice):
    code = await registered(alice)
    guesses = [wrong(code, shift) for shift in range(1, 31)]
    results = await asyncio.gather(*(verify(alice, g) for g in guesses))
    assert all(status == 400 for status, _ in results)
    row = await OneTimeCode.get(email_index=blind_index(ALICE))
    assert row.attempts == MAX_WRONG_TRIES
    assert (await verify(alice, code))[0] == 400
    user = await User.get(email_index=blind_index(ALICE))
    assert user.email_verified_at is None
