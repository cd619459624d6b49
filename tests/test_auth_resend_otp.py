"""POST /api/auth/resend-otp/: a fresh code when it makes sense, one answer for everyone, limits."""

from __future__ import annotations

import pytest

from booking.codes import SEND_PER_ADDRESS, SEND_PER_IP
from tests.auth_support import (
    ALICE,
    BOB,
    NOBODY,
    Visitor,
    next_mail,
)


@pytest.fixture
def people(mail_api, inbox):
    return {
        "alice": Visitor(mail_api, inbox, ALICE, "Alice"),
        "bob": Visitor(mail_api, inbox, BOB, "Bob"),
        "nobody": Visitor(mail_api, inbox, NOBODY, "Nobody"),
    }


async def resend(visitor: Visitor, **extra) -> tuple[int, bytes]:
    response = await visitor.post("resend-otp/", {"email": visitor.email, **extra})
    return response.status, await response.read()


async def test_unverified_alice_gets_a_new_code_that_works(people, inbox):
    alice = people["alice"]
    mark = len(inbox.messages)
    assert (await alice.register()).status == 201
    first = await alice.code(mark)
    mark = len(inbox.messages)
    assert (await resend(alice))[0] == 200
    code = await alice.code(mark, "verification code")
    if code != first:
        assert (await alice.post("verify-otp/", {"email": ALICE, "otp": first})).status == 400
    assert (await alice.post("verify-otp/", {"email": ALICE, "otp": code})).status == 200


async def test_verified_unverified_and_unknown_addresses_get_the_same_answer(people, inbox, settle):
    await people["alice"].register_and_verify()
    mark = len(inbox.messages)
    assert (await people["bob"].register("bob's own long password")).status == 201
    await next_mail(inbox, mark, BOB)
    mark = len(inbox.messages)
    answers = {name: await resend(visitor) for name, visitor in people.items()}
    assert answers["alice"] == answers["bob"] == answers["nobody"]
    assert answers["alice"][0] == 200
    await next_mail(inbox, mark, BOB, "verification code")
    await settle()
    # Only Bob, still unverified, needed a code.
    assert [str(m["To"]) for m in inbox.messages[mark:]] == [BOB]


async def test_the_password_reset_context_sends_a_reset_code(people, inbox):
    alice = people["alice"]
    await alice.register_and_verify()
    mark = len(inbox.messages)
    assert (await resend(alice, context="password_reset"))[0] == 200
    code = await alice.code(mark, "password reset code")
    checked = await alice.post("verify-password-reset-otp/", {"email": ALICE, "otp": code})
    assert checked.status == 200
    unknown = await resend(people["nobody"], context="password_reset")
    assert unknown == await resend(alice, context="password_reset")


async def test_an_unknown_context_is_a_400(people):
    response = await people["alice"].post("resend-otp/", {"email": ALICE, "context": "sms"})
    assert response.status == 400
    assert "context" in await response.json()


@pytest.mark.parametrize("who", ["alice", "nobody"])
async def test_asking_too_often_for_one_address_is_429_known_or_not(people, inbox, who):
    visitor = people[who]
    if who == "alice":
        await visitor.register_and_verify()  # that was one code e-mail already
        used = 1
    else:
        used = 0
    for _ in range(SEND_PER_ADDRESS.limit - used):
        assert (await resend(visitor))[0] == 200
    response = await visitor.post("resend-otp/", {"email": visitor.email})
    assert response.status == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= SEND_PER_ADDRESS.window.total_seconds()
    assert set(await response.json()) == {"detail"}
    # The limit covers every e-mail to the address, not just this endpoint.
    assert (await visitor.post("forgot-password/", {"email": visitor.email})).status == 429


async def test_known_and_unknown_addresses_hit_the_limit_at_the_same_count(people):
    await people["alice"].register_and_verify()
    await people["nobody"].post("forgot-password/", {"email": NOBODY})  # level the counts
    for _ in range(SEND_PER_ADDRESS.limit - 1):
        assert (await resend(people["alice"]))[0] == (await resend(people["nobody"]))[0] == 200
    assert (await resend(people["alice"]))[0] == (await resend(people["nobody"]))[0] == 429


async def test_one_client_asking_for_many_addresses_is_limited_per_ip(people, mail_api, inbox):
    for _ in range(SEND_PER_IP.limit - 1):
        await SEND_PER_IP.record("127.0.0.1")
    assert (await resend(people["alice"]))[0] == 200
    assert (await resend(people["bob"]))[0] == 429
    register = await Visitor(mail_api, inbox, "carol@example.com", "Carol").register()
    assert register.status == 429
