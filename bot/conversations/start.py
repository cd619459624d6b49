"""/start (with deep-link payloads), /help, /cancel, and what is said to anything unexpected.

Not a multi-step conversation: these handlers answer in one message. The catch-alls at the
end (`fallback_handlers`) are registered last, after every conversation has had its turn.
"""

from __future__ import annotations

from telegram import MessageEntity, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import keyboards, texts
from bot.audit_texts import staff_privacy_help
from bot.callbacks import Ignore, MenuAction
from bot.commands import set_staff_commands
from bot.context import BotContext
from bot.conversations.appointments import show_appointments
from bot.conversations.common import account_of, answer, parse, say
from bot.privacy_views import privacy_help
from bot.safety_texts import safety_note

# Deep links (t.me/<bot>?start=<payload>) handled by the conversations themselves.
CONVERSATION_PAYLOADS = {"book", "register", "login"}


async def start(update: Update, context: BotContext) -> None:
    """/start: a welcome and buttons for what the person can do next."""
    payload = context.args[0] if context.args else ""
    if payload == "appointments":
        await show_appointments(update, context)
        return
    await send_welcome(update, context)


async def send_welcome(update: Update, context: BotContext) -> None:
    user = update.effective_user
    account = await account_of(update)
    is_staff = bool(account and account.is_staff)
    if is_staff and update.effective_chat is not None:
        await set_staff_commands(context.bot, update.effective_chat.id)
    text = texts.welcome(
        (account.first_name if account else None) or (user.first_name if user else ""),
        linked=account is not None,
        is_staff=is_staff,
        practice=context.settings.practice_name,
    )
    if not is_staff:  # a client could take this chat for a way to reach someone at once
        text += "\n\n" + safety_note(context.settings.crisis_message)
    await say(
        update, context, text, keyboards.main_menu(linked=account is not None, staff=is_staff)
    )


async def help_command(update: Update, context: BotContext) -> None:
    """/help: the commands this person can use."""
    await answer(update)
    account = await account_of(update)
    is_staff = bool(account and account.is_staff)
    text = f"{texts.help_text(is_staff=is_staff)}\n\n{privacy_help()}"
    if is_staff:
        text += f"\n\n{staff_privacy_help()}"
    await say(update, context, text)


async def cancel_outside(update: Update, context: BotContext) -> None:
    """/cancel with no conversation going on."""
    await say(update, context, texts.NOTHING_TO_CANCEL)


async def unknown_command(update: Update, context: BotContext) -> None:
    await say(update, context, texts.FREE_TEXT)


async def free_text(update: Update, context: BotContext) -> None:
    """Anything typed outside a conversation gets a pointer to what works."""
    account = await account_of(update)
    menu = keyboards.main_menu(linked=account is not None, staff=bool(account and account.is_staff))
    await say(update, context, texts.FREE_TEXT, menu)


async def ignored_press(update: Update, context: BotContext) -> None:
    """A label on a keyboard (a weekday header, a closed day)."""
    data = parse(update, Ignore)
    await answer(update, texts.DATE_CLOSED if data and data.reason == "closed" else None)


async def unknown_press(update: Update, context: BotContext) -> None:
    """A button no handler wants right now: left over from an earlier step, or forged."""
    await answer(update, texts.STALE_BUTTON)


async def mark_command(update: Update, context: BotContext) -> None:
    """'/book' sent without Telegram's bot_command mark: mark it and handle it as a command.

    Telegram's own apps always mark commands; some clients and relays do not, and then no
    command handler would see the message at all.
    """
    assert update.message is not None and update.message.text is not None
    command = update.message.text.split()[0]
    data = update.to_dict()
    data["message"]["entities"] = [
        MessageEntity(MessageEntity.BOT_COMMAND, 0, len(command)).to_dict()
    ]
    await context.update_queue.put(Update.de_json(data, context.bot))
    raise ApplicationHandlerStop


def unmarked_command_handler() -> BaseHandler:
    """Registered in a group before everything else."""
    return MessageHandler(
        filters.Regex(r"^/[A-Za-z0-9_]+(@\w+)?(\s|$)") & ~filters.Entity(MessageEntity.BOT_COMMAND),
        mark_command,
    )


def start_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("start", start),
        CommandHandler("help", help_command),
        CallbackQueryHandler(help_command, pattern=MenuAction.filter(action="help")),
        CommandHandler("cancel", cancel_outside),
    ]


def fallback_handlers() -> list[BaseHandler]:
    """Registered after everything else."""
    return [
        CallbackQueryHandler(ignored_press, pattern=Ignore.filter()),
        CallbackQueryHandler(unknown_press),
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.ALL, free_text),
    ]
