"""/start, /help, /cancel, the command menu and free text."""

# The fixtures come from tests/bot/harness.py by name; their parameters redefine them.
# ruff: noqa: F811

from __future__ import annotations

from tests.bot.harness import BotUnderTest, alice, bot, settings, telegram  # noqa: F401
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
    welcome = await alice.expect("Hello Alice!")
    assert "Calm Minds" in welcome.text
    assert welcome.button_texts == ["Create an account", "I already have an account", "Help"]
