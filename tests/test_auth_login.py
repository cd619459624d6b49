"""POST /api/auth/login/: one answer for every failure, the same cost for any address, limits."""

from __future__ import annotations

import statistics
import time

import pytest

from booking.accounts import (
    SIGN_IN_FAILURES_PER_ADDRESS,
    SIGN_IN_FAILURES_PER_IP,
    create_or_promote_staff,
)
from models import User, blind_index
from tests.auth_support import (
    ALICE,
    ALICE_PASSWORD,
    NOBODY,
    Visitor,
)


@pytest.fixture
def alice(mail_api, inbox):
    return Visitor(mail_api, inbox, ALICE, "Alice")


@pytest.fixture
def nobody(mail_api, inbox):
    return Visitor(mail_api, inbox, NOBODY, "Nobody")


async def answer(response) -> tuple[int, bytes, str | None]:
    return response.status, await response.read(), response.headers.get("WWW-Authenticate")


async def test_alice_signs_in_and_her_access_token_opens_her_pages(alice):
    await alice.register_and_verify()
    tokens = await alice.tokens()
    assert set(tokens) == {"access", "refresh", "user"}
    assert tokens["user"]["email"] == ALICE
    assert (await alice.get("/api/meetings/user/appointments/", tokens["access"])).status == 200
    # Not staff: the therapist's pages stay shut.
    assert (await alice.get("/api/meetings/admin/availability/", tokens["access"])).status == 403


async def test_theo_the_therapist_signs_in_as_staff(mail_api, inbox):
    await create_or_promote_staff(
        email="theo@example.com", first_name="Theo", last_name="Thorne", password="therapist pass"
    )
    theo = Visitor(mail_api, inbox, "theo@example.com", "Theo")
    tokens = await theo.tokens("therapist pass")
    assert tokens["user"]["is_staff"] is True
    assert (await theo.get("/api/meetings/admin/availability/", tokens["access"])).status == 200


async def test_an_unknown_address_answers_exactly_like_a_wrong_password(alice, nobody):
    await alice.register_and_verify()
    wrong_password = await answer(await alice.login("not alices password"))
    unknown = await answer(await nobody.login("not alices password"))
    assert wrong_password == unknown
    assert wrong_password[0] == 401
    assert b"detail" in wrong_password[1]


async def test_an_unknown_address_takes_as_long_as_a_wrong_password(alice, nobody):
    await alice.register_and_verify()

    async def timed(visitor: Visitor) -> float:
        started = time.perf_counter()
        response = await visitor.login("not the password at all")
        assert response.status == 401
        return time.perf_counter() - started

    known, unknown = [], []
    for _ in range(4):
        known.append(await timed(alice))
        unknown.append(await timed(nobody))
    ratio = statistics.median(unknown) / statistics.median(known)
    # Skipping the password hash would make the unknown address ~20 times faster.
    assert 0.4 < ratio < 2.5, (known, unknown)


async def test_unverified_alice_with_the_right_password_gets_the_same_401(alice, nobody):
    assert (await alice.register()).status == 201
    unverified = await answer(await alice.login(ALICE_PASSWORD))
    unknown = await answer(await nobody.login(ALICE_PASSWORD))
    assert unverified == unknown


async def test_a_deactivated_account_cannot_sign_in(alice, nobody):
    await alice.register_and_verify()
    await User.filter(email_index=blind_index(ALICE)).update(is_active=False)
    assert await answer(await alice.login()) == await answer(await nobody.login())


async def test_guessing_alices_password_is_stopped_with_429_even_for_the_right_one(alice):
    await alice.register_and_verify()
    for _ in range(SIGN_IN_FAILURES_PER_ADDRESS.limit):
        assert (await alice.login("guess guess guess")).status == 401
    blocked = await alice.login(ALICE_PASSWORD)
    assert blocked.status == 429
    retry_after = int(blocked.headers["Retry-After"])
    assert 0 < retry_after <= SIGN_IN_FAILURES_PER_ADDRESS.window.total_seconds()
    assert "detail" in await blocked.json()


async def test_an_unknown_address_is_limited_just_the_same(nobody):
    for _ in range(SIGN_IN_FAILURES_PER_ADDRESS.limit):
        assert (await nobody.login("guess guess guess")).status == 401
    assert (await nobody.login("guess guess guess")).status == 429


async def test_successful_sign_ins_do_not_count_against_alice(alice):
    await alice.register_and_verify()
    for _ in range(SIGN_IN_FAILURES_PER_ADDRESS.limit + 2):
        assert (await alice.login()).status == 200


async def test_one_client_spraying_many_addresses_is_limited_per_ip(alice, mail_api, inbox):
    await alice.register_and_verify()
    # Earlier failures from this client's IP (the test client connects from 127.0.0.1).
    for _ in range(SIGN_IN_FAILURES_PER_IP.limit - 1):
        await SIGN_IN_FAILURES_PER_IP.record("127.0.0.1")
    assert (await Visitor(mail_api, inbox, "x1@example.com", "X").login()).status == 401
    blocked = await Visitor(mail_api, inbox, "x2@example.com", "X").login()
    assert blocked.status == 429
    assert int(blocked.headers["Retry-After"]) > 0
    # Alice, from the same IP, has to wait too: the IP is what is being limited.
    assert (await alice.login()).status == 429


@pytest.mark.parametrize(
    "body",
    [{}, {"email": ALICE}, {"email": ALICE, "password": 12345678}, {"email": [], "password": "x"}],
)
async def test_incomplete_or_mistyped_sign_ins_are_400(alice, body):
    response = await alice.post("login/", body)
    assert response.status == 400
    assert all(isinstance(v, list) for v in (await response.json()).values())


async def test_alice_can_sign_in_again_while_her_client_still_sends_an_expired_token(alice):
    await alice.register_and_verify()
    response = await alice.post(
        "login/",
        {"email": ALICE, "password": ALICE_PASSWORD},
        headers={"Authorization": "Bearer expired.or.garbage"},
    )
    assert response.status == 200
