"""Register in chat / link an account from Telegram: the services the bot calls, e-mail and all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from booking.accounts import (
    confirm_telegram_link,
    find_user_by_telegram_id,
    register_user,
    start_telegram_link,
)
from booking.codes import MAX_WRONG_TRIES, SEND_PER_TELEGRAM_USER
from booking.errors import InvalidInput, RateLimited
from booking.passwords import hash_password
from models import User, blind_index
from tests.auth_support import (
    ALICE,
    ALICE_PASSWORD,
    code_in,
    next_mail,
)

ALICE_CHAT = 1001
MALLORY_CHAT = 6666


@pytest.fixture
def link(mail_db, dispatcher, inbox):
    """Start a link and return the code from the e-mail it sends."""

    async def start(email: str, telegram_user_id: int, *args: str | None) -> str:
        mark = len(inbox.messages)
        await start_telegram_link(mail_db, email, telegram_user_id, *args)
        await dispatcher.dispatch_due()
        return code_in(await next_mail(inbox, mark, email, "connect Telegram"))

    return start


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_alice_registers_in_chat_and_her_account_is_verified_and_linked(
    link,
    mail_settings,
):
    code = await link(ALICE, ALICE_CHAT, "Alice", "Archer", "+44 20 7946 0000")
    pending = await User.get(email_index=blind_index(ALICE))
    assert pending.email_verified_at is None
    assert pending.telegram_user_id is None
    assert pending.password_hash is None

    user = await confirm_telegram_link(mail_settings, ALICE, ALICE_CHAT, code)
    assert user.telegram_user_id == ALICE_CHAT
    assert user.email_verified_at is not None
    assert (user.first_name, user.last_name, user.phone) == ("Alice", "Archer", "+44 20 7946 0000")
    assert (await find_user_by_telegram_id(ALICE_CHAT)).id == user.id


async def test_alice_links_her_existing_web_account_without_changing_it(
    link,
    mail_settings,
):
    existing = await User.create(
        email=ALICE,
        email_index=blind_index(ALICE),
        first_name="Alice",
        last_name="Archer",
        password_hash=await hash_password(ALICE_PASSWORD),
        email_verified_at=datetime.now(UTC),
    )
    code = await link(ALICE, ALICE_CHAT)  # no names given: the bot is only linking
    user = await confirm_telegram_link(mail_settings, ALICE, ALICE_CHAT, code)
    assert user.id == existing.id
    assert user.first_name == "Alice"
    assert user.password_hash == existing.password_hash
    assert user.email_verified_at == existing.email_verified_at


async def test_mallory_cannot_use_a_code_meant_for_alices_chat(link, mail_settings):
    code = await link(ALICE, ALICE_CHAT, "Alice", "Archer")
    with pytest.raises(InvalidInput) as refused:
        await confirm_telegram_link(mail_settings, ALICE, MALLORY_CHAT, code)
    assert "wrong or has expired" in refused.value.detail
    assert await find_user_by_telegram_id(MALLORY_CHAT) is None
    assert (await confirm_telegram_link(mail_settings, ALICE, ALICE_CHAT, code)).telegram_user_id


async def test_a_wrong_code_gets_a_human_message_and_five_void_it(link, mail_settings):
    code = await link(ALICE, ALICE_CHAT, "Alice", "Archer")
    for _ in range(MAX_WRONG_TRIES):
        with pytest.raises(InvalidInput) as refused:
            await confirm_telegram_link(mail_settings, ALICE, ALICE_CHAT, wrong(code))
        assert refused.value.errors == {"code": [refused.value.detail]}
    with pytest.raises(InvalidInput):
        await confirm_telegram_link(mail_settings, ALICE, ALICE_CHAT, code)


async def test_a_registration_code_does_not_link_telegram(
    mail_db,
    dispatcher,
    inbox,
    link,
):
    mark = len(inbox.messages)
    await register_user(
        mail_db, email=ALICE, first_name="Alice", last_name="Archer", password=ALICE_PASSWORD
    )
    await dispatcher.dispatch_due()
    registration_code = code_in(await next_mail(inbox, mark, ALICE, "verification code"))
    link_code = await link(ALICE, ALICE_CHAT)
    if link_code == registration_code:
        pytest.skip("the two random codes happen to be equal")
    with pytest.raises(InvalidInput):
        await confirm_telegram_link(mail_db, ALICE, ALICE_CHAT, registration_code)


async def test_linking_moves_alices_chat_from_her_old_account(link, mail_settings):
    old_code = await link("alice.old@example.com", ALICE_CHAT, "Alice", "Archer")
    old = await confirm_telegram_link(mail_settings, "alice.old@example.com", ALICE_CHAT, old_code)
    code = await link(ALICE, ALICE_CHAT, "Alice", "Archer")
    new = await confirm_telegram_link(mail_settings, ALICE, ALICE_CHAT, code)
    assert new.id != old.id
    assert (await User.get(id=old.id)).telegram_user_id is None
    assert (await find_user_by_telegram_id(ALICE_CHAT)).id == new.id


async def test_a_bad_address_or_phone_is_refused_before_anything_is_sent(
    mail_settings,
    mail_db,
    inbox,
):
    with pytest.raises(InvalidInput) as refused:
        await start_telegram_link(mail_settings, "not an address", ALICE_CHAT)
    assert "email" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        await start_telegram_link(mail_settings, ALICE, ALICE_CHAT, "Alice", "A", "phone?")
    assert "phone_number" in refused.value.errors
    assert await User.all().count() == 0


async def test_one_chat_asking_for_codes_to_many_addresses_is_limited(link, mail_settings):
    for n in range(SEND_PER_TELEGRAM_USER.limit):
        await start_telegram_link(mail_settings, f"target{n}@example.com", MALLORY_CHAT)
    with pytest.raises(RateLimited) as limited:
        await start_telegram_link(mail_settings, "one.more@example.com", MALLORY_CHAT)
    assert limited.value.retry_after > 0
