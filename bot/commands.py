"""The command menu (setMyCommands): clients' commands for everyone, staff's in staff chats."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot import texts
from bot.audit_texts import STAFF_PRIVACY_COMMANDS
from bot.privacy_views import PRIVACY_COMMANDS
from bot.two_factor_texts import TWO_STEP_COMMAND

log = logging.getLogger(__name__)


def bot_commands(*, is_staff: bool) -> list[BotCommand]:
    commands = [*texts.CLIENT_COMMANDS, *PRIVACY_COMMANDS]
    if is_staff:
        commands += [*texts.STAFF_COMMANDS, TWO_STEP_COMMAND, *STAFF_PRIVACY_COMMANDS]
    return [BotCommand(name, description) for name, description in commands]


async def set_default_commands(bot: Bot) -> None:
    try:
        await bot.set_my_commands(bot_commands(is_staff=False), scope=BotCommandScopeDefault())
    except TelegramError as exc:
        # A menu is a convenience: the bot works without it.
        log.warning("could not set the command menu: %s", exc)


async def set_staff_commands(bot: Bot, chat_id: int) -> None:
    """A staff member's chat shows the staff commands in its menu too."""
    try:
        await bot.set_my_commands(bot_commands(is_staff=True), scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("could not set the staff command menu: %s", exc)
