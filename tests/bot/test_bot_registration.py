"""Registration and linking in the chat: e-mail -> name -> phone -> the e-mailed code."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from booking.accounts import create_or_promote_staff
from bot import texts
from models import OneTimeCode, User, blind_index
from tests.bot.harness import BotUnderTest, linked_user
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.smtp_sink import Inbox, body_text


async def code_from(inbox: Inbox, address: str, nth: int = 1) -> str:
    """The code of the nth code e-mail to `address` (waits for it)."""
    await inbox.wait_for(lambda m: len(inbox.to(address)) >= nth)
    match = re.search(r"\b(\d{6})\b", body_text(inbox.to(address)[nth - 1]))
    assert match, body_text(inbox.to(address)[nth - 1])
    return match.group(1)


async def start_registration(alice: FakeUser) -> None:
    await alice.send("/start")
    welcome = await alice.expect("Hello!")
    await alice.press(welcome, "Create an account")
    await alice.expect("What is your e-mail address?")


async def test_alice_registers_in_the_chat_with_the_code_from_her_inbox(
    bot: BotUnderTest, alice: FakeUser, inbox: Inbox
) -> None:
    await start_registration(alice)
    await alice.send("alice@example.com")
    offer = await alice.expect("Shall we use the name of your Telegram profile")
    assert "Alice" not in offer.text  # the name is on the button only
    await alice.press(offer, "Use Alice Archer")
    phone = await alice.expect("phone number")
    assert phone.reply_keyboard_texts == ["Share my phone number", "Skip"]
    await alice.share_contact("15551234567")
    await alice.expect("We sent a 6-digit code to a***e@example.com")
    code = await code_from(inbox, "alice@example.com")

    await alice.send(code)

    linked = await alice.expect("Welcome!")
    assert linked.button_texts == ["Book a session", "My appointments", "Help"]
    user = await User.get(telegram_user_id=alice.id)
    assert (user.first_name, user.last_name) == ("Alice", "Archer")
    assert user.phone == "+15551234567"
    assert user.email_verified_at is not None
    assert user.password_hash is None  # the bot never asks for a password


async def test_alice_types_her_name_and_skips_the_phone(
    bot: BotUnderTest, alice: FakeUser, inbox: Inbox
) -> None:
    await start_registration(alice)
    await alice.send("  Alice@Example.com ")
    await alice.expect("Shall we use the name")
    await alice.send("Alice")
    await alice.expect("Please send both your first and your last name")
    await alice.send("Alice Marie Archer-Smith")
    await alice.expect("phone number")
    await alice.send("Skip")
    await alice.expect("No phone number, fine.")
    await alice.send(await code_from(inbox, "alice@example.com"))
    await alice.expect("Welcome!")
    user = await User.get(email_index=blind_index("alice@example.com"))
    assert (user.first_name, user.last_name, user.phone) == ("Alice Marie", "Archer-Smith", None)


async def test_a_malformed_e_mail_is_refused_with_an_example(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await start_registration(alice)
    await alice.send("alice at example dot com")
    await alice.expect("That does not look like an e-mail address. Please send it like name@")
    await alice.send("alice@example.com")
    await alice.expect("Shall we use the name")


async def test_text_where_the_phone_buttons_are_expected_points_to_them(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await start_registration(alice)
    await alice.send("alice@example.com")
    offer = await alice.expect("Shall we use the name")
    await alice.press(offer, "Use Alice Archer")
    await alice.expect("phone number")
    await alice.send("+1 555 123")
    reminder = await alice.expect("Please tap Share my phone number or Skip below.")
    assert reminder.reply_keyboard_texts == ["Share my phone number", "Skip"]
    # Someone else's contact card is not taken as hers.
    await alice.share_contact("15559999999", own=False)
    await alice.expect("Please share your own phone number")


async def test_a_wrong_code_then_an_expired_one_get_clear_answers(
    bot: BotUnderTest, alice: FakeUser, inbox: Inbox
) -> None:
    await alice.send("/login")
    await alice.expect("What e-mail address did you register with?")
    await alice.send("alice@example.com")
    await alice.expect("We sent a 6-digit code")
    code = await code_from(inbox, "alice@example.com")

    await alice.send("12345")
    await alice.expect("Please send the 6-digit code from the e-mail")
    wrong = "000000" if code != "000000" else "111111"
    await alice.send(wrong)
    reply = await alice.expect("This code is wrong or has expired")
    assert "Resend code" in reply.button_texts

    # Ten minutes pass.
    await OneTimeCode.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    await alice.send(code)
    expired = await alice.expect("This code is wrong or has expired")
    user = await User.get(email_index=blind_index("alice@example.com"))
    assert user.telegram_user_id is None

    # A new code works.
    await alice.press(expired, "Resend code")
    await alice.expect("A new code is on its way to a***e@example.com")
    fresh = await code_from(inbox, "alice@example.com", nth=2)
    await alice.send(fresh)
    await alice.expect("Welcome")


async def test_theo_links_his_staff_account_with_login_and_gets_the_staff_menu(
    bot: BotUnderTest, theo: FakeUser, telegram: FakeTelegram, inbox: Inbox
) -> None:
    await create_or_promote_staff(
        email="theo@practice.example",
        first_name="Theo",
        last_name="Hart",
        password="a long staff passphrase",
    )
    await theo.send("/login")
    await theo.expect("What e-mail address did you register with?")
    await theo.send("theo@practice.example")
    await theo.expect("We sent a 6-digit code to t***o@practice.example")
    await theo.send(await code_from(inbox, "theo@practice.example"))
    linked = await theo.expect("Your staff account is linked to this chat")
    # A therapist's buttons, not a client's.
    assert linked.button_texts == ["Pending requests", "Today's sessions", "Help"]
    await theo.press(linked, "Pending requests")
    await theo.expect(texts.NO_PENDING)
    await theo.press(linked, "Today's sessions")
    await theo.expect("sessions today")
    await theo.send("/start")
    welcome = await theo.expect("Hello!")
    assert welcome.button_texts == ["Pending requests", "Today's sessions", "Help"]

    menu = await telegram.wait_for_call(
        "setMyCommands", lambda c: (c.params.get("scope") or {}).get("chat_id") == theo.id
    )
    assert "pending" in [c["command"] for c in menu.params["commands"]]
    staff = await User.get(email_index=blind_index("theo@practice.example"))
    assert staff.telegram_user_id == theo.id and staff.is_staff


async def test_cancel_leaves_registration_and_says_so(bot: BotUnderTest, alice: FakeUser) -> None:
    await start_registration(alice)
    await alice.send("/cancel")
    await alice.expect("Cancelled. Nothing was changed.")
    await alice.send("alice@example.com")
    await alice.expect("I did not understand that")


async def test_a_linked_client_is_told_before_linking_another_account(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await linked_user(alice, "alice@example.com")
    await alice.send("/login")
    prompt = await alice.expect("This chat is already linked to a***e@example.com.")
    assert "What e-mail address did you register with?" in prompt.text


async def test_names_of_invisible_or_control_characters_are_asked_again(
    bot: BotUnderTest, telegram: FakeTelegram, inbox: Inbox
) -> None:
    """Mallory's profile name is zero-width spaces: it is not offered, and typed ones like it
    (or holding NUL or an escape) are refused by the same rule the API applies. A line break
    only separates words in a typed name, so it never reaches one."""
    mallory = telegram.user(1666, "\u200b\u200b", "\u200d")
    await mallory.send("/register")
    await mallory.expect("What is your e-mail address?")
    await mallory.send("mallory@example.com")
    await mallory.expect("first and last name")  # asked to type it: no profile offer
    for typed in (
        "\u200b \u200b",
        "Mal\u0000lory Moss",
        "Mallory \u2060\ufeff",
        "Mal\x1blory Moss",
    ):
        await mallory.send(typed)
        await mallory.expect("Please send both your first and your last name")
    await mallory.send("Mallory Moss")
    await mallory.expect("phone number")
    await mallory.send("Skip")
    await mallory.send(await code_from(inbox, "mallory@example.com"))
    await mallory.expect("Welcome!")
    user = await User.get(email_index=blind_index("mallory@example.com"))
    assert (user.first_name, user.last_name) == ("Mallory", "Moss")
