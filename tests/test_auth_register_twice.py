"""Two registrations of one unverified address: nobody but the inbox's owner ends up with a
password that works (Mallory must not learn the password of Alice's future account)."""

from __future__ import annotations

import pytest

from tests.auth_support import (
    ALICE,
    ALICE_PASSWORD,
    NEW_PASSWORD,
    Visitor,
    code_in,
    next_mail,
)

MALLORYS_PASSWORD = "mallory knows this one"


async def registered(visitor: Visitor, inbox, password: str) -> None:
    """Register and wait until that registration's code e-mail has arrived."""
    mark = len(inbox.messages)
    assert (await visitor.register(password=password)).status == 201
    await next_mail(inbox, mark, ALICE, "verification code")


@pytest.fixture
def alice(mail_api, inbox):
    return Visitor(mail_api, inbox, ALICE, "Alice")


@pytest.fixture
def mallory_as_alice(mail_api, inbox):
    """Mallory types Alice's address into the registration form."""
    return Visitor(mail_api, inbox, ALICE, "Mallory")


async def test_mallory_registering_alices_address_first_never_gets_a_working_password(
    alice, mallory_as_alice, inbox
):
    await registered(mallory_as_alice, inbox, MALLORYS_PASSWORD)
    mark = len(inbox.messages)
    assert (await alice.register(password=ALICE_PASSWORD)).status == 201
    code = code_in(await next_mail(inbox, mark, ALICE, "verification code"))

    verified = await alice.post("verify-otp/", {"email": ALICE, "otp": code})
    assert verified.status == 200
    assert "forgot-password" in (await verified.json())["message"]
    assert (await mallory_as_alice.login(MALLORYS_PASSWORD)).status == 401
    assert (await alice.login(ALICE_PASSWORD)).status == 401

    # Alice chooses her password through her inbox, and from then on it is hers alone.
    mark = len(inbox.messages)
    assert (await alice.post("forgot-password/", {"email": ALICE})).status == 200
    reset_code = code_in(await next_mail(inbox, mark, ALICE))
    body = {
        "email": ALICE,
        "otp": reset_code,
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    assert (await alice.post("reset-password/", body)).status == 200
    assert (await alice.login(NEW_PASSWORD)).status == 200
    assert (await mallory_as_alice.login(MALLORYS_PASSWORD)).status == 401


async def test_mallory_registering_after_alice_cannot_swap_in_his_password(
    alice, mallory_as_alice, inbox
):
    await registered(alice, inbox, ALICE_PASSWORD)
    mark = len(inbox.messages)
    assert (await mallory_as_alice.register(password=MALLORYS_PASSWORD)).status == 201
    # Alice uses the newest code in her inbox, the one Mallory's attempt caused.
    code = code_in(await next_mail(inbox, mark, ALICE, "verification code"))
    assert (await alice.post("verify-otp/", {"email": ALICE, "otp": code})).status == 200
    assert (await mallory_as_alice.login(MALLORYS_PASSWORD)).status == 401


async def test_alice_registering_twice_with_the_same_password_keeps_it(alice, inbox):
    await registered(alice, inbox, ALICE_PASSWORD)
    mark = len(inbox.messages)
    assert (await alice.register(password=ALICE_PASSWORD)).status == 201
    code = code_in(await next_mail(inbox, mark, ALICE, "verification code"))
    verified = await alice.post("verify-otp/", {"email": ALICE, "otp": code})
    assert (await verified.json())["message"].startswith("Email verified successfully. You can")
    assert (await alice.login(ALICE_PASSWORD)).status == 200
