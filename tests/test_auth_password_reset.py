"""Forgot password -> code -> verify -> reset: Alice is back in, every old session signed out."""

from __future__ import annotations

import pytest

from booking.accounts import confirm_telegram_link, start_telegram_link
from models import User, blind_index
from tests.auth_support import (
    ALICE,
    ALICE_PASSWORD,
    NEW_PASSWORD,
    NOBODY,
    Visitor,
    next_mail,
)
from tests.smtp_sink import body_text


@pytest.fixture
async def alice(mail_api, inbox):
    alice = Visitor(mail_api, inbox, ALICE, "Alice")
    await alice.register_and_verify()
    return alice


async def reset_code(visitor: Visitor) -> str:
    mark = len(visitor.inbox.messages)
    response = await visitor.post("forgot-password/", {"email": visitor.email})
    assert response.status == 200
    return await visitor.code(mark, "password reset code")


def reset_body(code: str, password: str = NEW_PASSWORD, confirm: str | None = None) -> dict:
    return {
        "email": ALICE,
        "otp": code,
        "new_password": password,
        "confirm_password": password if confirm is None else confirm,
    }


async def test_alice_resets_her_password_and_only_the_new_one_works(alice, inbox):
    old_session = await alice.tokens()
    code = await reset_code(alice)

    checked = await alice.post("verify-password-reset-otp/", {"email": ALICE, "otp": code})
    assert checked.status == 200
    mark = len(inbox.messages)
    reset = await alice.post("reset-password/", reset_body(code))
    assert reset.status == 200

    assert (await alice.login(NEW_PASSWORD)).status == 200
    assert (await alice.login(ALICE_PASSWORD)).status == 401
    # Every refresh token from before the reset is dead.
    stale = await alice.post("token/refresh/", {"refresh": old_session["refresh"]})
    assert stale.status == 401
    notice = await next_mail(inbox, mark, ALICE, "Your password was changed")
    assert "signed out" in body_text(notice)
    assert NEW_PASSWORD not in body_text(notice)


async def test_the_reset_code_works_once(alice):
    code = await reset_code(alice)
    assert (await alice.post("reset-password/", reset_body(code))).status == 200
    again = await alice.post("reset-password/", reset_body(code, "yet another long password"))
    assert again.status == 400
    assert "otp" in await again.json()
    assert (await alice.login(NEW_PASSWORD)).status == 200


async def test_checking_the_code_does_not_use_it_up(alice):
    code = await reset_code(alice)
    for _ in range(3):
        checked = await alice.post("verify-password-reset-otp/", {"email": ALICE, "otp": code})
        assert checked.status == 200
    assert (await alice.post("reset-password/", reset_body(code))).status == 200


async def test_a_weak_or_mismatched_new_password_is_refused_and_the_code_survives(alice):
    code = await reset_code(alice)
    weak = await alice.post("reset-password/", reset_body(code, "password"))
    assert weak.status == 400
    assert "new_password" in await weak.json()
    mismatch = await alice.post("reset-password/", reset_body(code, confirm="something different"))
    assert mismatch.status == 400
    assert "confirm_password" in await mismatch.json()
    assert (await alice.post("reset-password/", reset_body(code))).status == 200


async def test_a_wrong_code_cannot_reset_and_an_old_session_survives_it(alice):
    session = await alice.tokens()
    code = await reset_code(alice)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = await alice.post("reset-password/", reset_body(wrong))
    assert response.status == 400
    assert (await alice.login(ALICE_PASSWORD)).status == 200
    assert (await alice.post("token/refresh/", {"refresh": session["refresh"]})).status == 200


async def test_forgot_password_answers_alike_for_alice_and_a_stranger(
    alice, mail_api, inbox, settle
):
    stranger = Visitor(mail_api, inbox, NOBODY, "Nobody")
    mark = len(inbox.messages)
    known = await alice.post("forgot-password/", {"email": ALICE})
    unknown = await stranger.post("forgot-password/", {"email": NOBODY})
    assert (known.status, await known.read()) == (unknown.status, await unknown.read())
    await next_mail(inbox, mark, ALICE, "password reset code")
    await settle()
    assert inbox.to(NOBODY) == []


async def test_an_unverified_registrant_can_reset_and_is_verified_by_it(mail_api, inbox):
    bob = Visitor(mail_api, inbox, "bob@example.com", "Bob")
    assert (await bob.register("bob's first password")).status == 201
    mark = len(inbox.messages)
    assert (await bob.post("forgot-password/", {"email": bob.email})).status == 200
    code = await bob.code(mark, "password reset code")
    body = {**reset_body(code), "email": bob.email}
    assert (await bob.post("reset-password/", body)).status == 200
    assert (await bob.login(NEW_PASSWORD)).status == 200


async def test_a_telegram_only_client_can_set_a_web_password(
    mail_api,
    inbox,
    mail_settings,
    dispatcher,
):
    carol = Visitor(mail_api, inbox, "carol@example.com", "Carol")
    mark = len(inbox.messages)
    await start_telegram_link(mail_settings, carol.email, 777, "Carol", "Cole")
    await dispatcher.dispatch_due()
    await confirm_telegram_link(mail_settings, carol.email, 777, await carol.code(mark))
    assert (await carol.login("anything at all")).status == 401  # no password yet

    code = await reset_code(carol)
    body = {**reset_body(code), "email": carol.email}
    assert (await carol.post("reset-password/", body)).status == 200
    tokens = await carol.tokens(NEW_PASSWORD)
    assert tokens["user"]["first_name"] == "Carol"
    user = await User.get(email_index=blind_index(carol.email))
    assert user.telegram_user_id == 777
