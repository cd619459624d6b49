"""/start, /help, /cancel, the command menu and free text."""

from __future__ import annotations

import logging

import pytest

from tests.bot.harness import BotUnderTest, linked_user
from tests.fake_telegram import FakeTelegram, FakeUser


async def test_the_command_menu_is_set_when_the_bot_starts(
    bot: BotUnderTest, telegram: FakeTelegram
) -> None:
    call = await telegram.wait_for_call("setMyCommands")
    names = [c["command"] for c in call.params["commands"]]
    assert names[:3] == ["start", "book", "appointments"]
    assert "help" in names and "cancel" in names
    assert "pending" not in names


async def test_alice_is_welcomed_with_buttons_to_register_or_link(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await alice.send("/start")
    welcome = await alice.expect("Hello!")
    assert "Calm Minds" in welcome.text
    assert welcome.button_texts == ["Create an account", "I already have an account", "Help"]


async def test_help_lists_the_commands_and_staff_see_theirs(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    await alice.send("/help")
    help_text = await alice.expect("What I can do:")
    assert "/book - Ask for a session" in help_text.text
    assert "/pending" not in help_text.text
    await linked_user(theo, "theo@practice.example", staff=True)
    await theo.send("/help")
    staff_help = await theo.expect("What I can do:")
    assert "/pending - Requests waiting for a decision" in staff_help.text


async def test_free_text_outside_a_conversation_gets_a_pointer(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await alice.send("hello, is anyone there?")
    reply = await alice.expect("I did not understand that.")
    assert "/book" in reply.text and reply.button_texts
    await alice.send("/teleport")
    await alice.expect("I did not understand that.")
    await alice.send("/cancel")
    await alice.expect("There is nothing to cancel.")


async def test_a_linked_client_sees_book_and_appointments(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await linked_user(alice, "alice@example.com")
    await alice.send("/start")
    welcome = await alice.expect("Hello!")
    assert welcome.button_texts == ["Book a session", "My appointments", "Help"]
    await alice.press(welcome, "My appointments")
    await alice.expect("You have no requests yet.")
    await alice.press(welcome, "Book a session")
    await alice.expect("Which days would suit you?")


async def test_deep_links_open_their_flow(bot: BotUnderTest, alice: FakeUser) -> None:
    await alice.send("/start register")
    await alice.expect("What is your e-mail address?")
    await alice.send("/start login")  # another command leaves the flow and runs
    await alice.expect("What e-mail address did you register with?")
    await linked_user(alice, "alice@example.com")
    await alice.send("/start book")
    await alice.expect("Which days would suit you?")
    await alice.send("/start appointments")
    await alice.expect("You have no requests yet.")


async def test_another_command_mid_booking_leaves_it_and_runs(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await linked_user(alice, "alice@example.com")
    await alice.send("/book")
    calendar = await alice.expect("Which days would suit you?")
    await alice.send("/appointments")
    await alice.expect("You have no requests yet.")
    press = await alice.press(calendar, "Next")
    assert await press.answered() == "That button is no longer active. Send /start to begin again."


async def test_alices_quick_messages_are_handled_in_order(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await alice.send("/register")
    await alice.expect("What is your e-mail address?")
    # She types her name before the bot has answered the e-mail: it must wait its turn.
    await alice.send("alice@example.com")
    await alice.send("Alice Archer")
    await alice.expect("Shall we use the name")
    await alice.expect("phone number")
    assert not [e for e in alice.chat.events if "does not look like an e-mail" in e.text]


async def test_an_unexpected_error_is_logged_and_alice_is_told(
    bot: BotUnderTest, alice: FakeUser, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.break_down(alice.id)  # the bot's answer to /help fails with a 502
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        await alice.send("/help")
        await alice.expect("Sorry, something went wrong on our side.")
    (record,) = [r for r in caplog.records if r.name == "bot.errors"]
    assert record.exc_info is not None  # logged with its traceback
    await alice.send("/help")
    await alice.expect("What I can do:")  # and the bot carries on


async def test_a_command_without_telegrams_mark_still_works(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await alice.send("/help", mark_commands=False)
    await alice.expect("What I can do:")
    await alice.send("/register", mark_commands=False)
    await alice.expect("What is your e-mail address?")
    await alice.send("/cancel", mark_commands=False)
    await alice.expect("Cancelled. Nothing was changed.")
