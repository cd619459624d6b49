"""/mydata sends the person's data as a JSON file; /deleteme erases their account.

/deleteme: a 6-digit code is e-mailed to the account's address (`booking.privacy`), the
person types it, then one last "Erase everything" / "Keep my data". The press carries the
id of the code typed in this round and is re-checked against the flow's draft, the message
it came from and, in `booking.privacy.erase_with_code`, the account still linked here and
the code used for it within ten minutes.

The draft lives in `user_data["erasure"]`: the code's id and the message with the buttons.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from telegram import InputFile, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from booking import privacy
from booking.errors import DomainError, InvalidInput
from bot import privacy_views as views
from bot.context import BotContext
from bot.conversations.common import (
    END,
    account_of,
    answer,
    conversation,
    parse,
    pressed_message_id,
    say,
    show,
    use_the_buttons,
)
from bot.errors import chat_answer

CODE, CONFIRM = "erase_code", "erase_confirm"
DRAFT = "erasure"


async def send_my_data(update: Update, context: BotContext) -> None:
    """/mydata: the export document as a JSON file; its caption names no one."""
    account = await account_of(update)
    if account is None or update.effective_chat is None:
        await say(update, context, views.NOT_LINKED)
        return
    document = await privacy.export_data(account)
    content = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
    today = datetime.now(UTC).date()
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(io.BytesIO(content), filename=views.export_filename(today)),
        caption=views.export_caption(context.settings.practice_name),
    )


async def begin(update: Update, context: BotContext) -> str | int:
    """/deleteme: e-mail a code to the account's address."""
    context.user_data.pop(DRAFT, None)
    account = await account_of(update)
    if account is None or update.effective_user is None:
        await say(update, context, views.NOT_LINKED)
        return END
    try:
        await privacy.send_erasure_code(
            context.settings, account, telegram_user_id=update.effective_user.id
        )
    except DomainError as exc:  # a staff account, or too many codes: said, and over
        await say(update, context, chat_answer(exc))
        return END
    await say(update, context, views.code_sent(context.settings.practice_name))
    return CODE


async def code_typed(update: Update, context: BotContext) -> str | None:
    """The e-mailed code: used up here; the last step asks once more."""
    account = await account_of(update)
    if account is None or update.effective_user is None:
        await say(update, context, views.NOT_LINKED)
        return END  # type: ignore[return-value]
    typed = (update.message.text or "") if update.message else ""
    try:
        code_id = await privacy.check_erasure_code(
            context.settings, account, typed, telegram_user_id=update.effective_user.id
        )
    except InvalidInput as exc:  # wrong, expired or used up: say so, and wait for another
        await say(update, context, f"{chat_answer(exc)}\n{views.CODE_FORMAT}")
        return None
    message_id = await say(update, context, views.LAST_WORD, views.erase_keyboard(code_id))
    context.user_data[DRAFT] = {"code": code_id, "message_id": message_id}
    return CONFIRM


async def _live_press(update: Update, context: BotContext) -> views.EraseStep | None:
    """The press if it belongs to this round's last step; else told it expired."""
    data = parse(update, views.EraseStep)
    draft = context.user_data.get(DRAFT)
    if (
        data is None
        or draft is None
        or data.code != draft["code"]
        or pressed_message_id(update) != draft["message_id"]
    ):
        await answer(update, views.STALE)
        return None
    return data


async def erase_pressed(update: Update, context: BotContext) -> int | None:
    """ "Erase everything": the account and what the bot keeps for this chat go."""
    if (data := await _live_press(update, context)) is None:
        return None
    account = await account_of(update)
    if account is None or update.effective_user is None:
        await answer(update, views.STALE)
        return END
    await answer(update)
    await privacy.erase_with_code(
        context.settings, account, data.code, telegram_user_id=update.effective_user.id
    )
    # What the bot holds in memory for this chat goes too (its stored rows went with the
    # erasure; emptied, they are stored empty).
    context.user_data.clear()
    context.chat_data.clear()
    await show(update, context, views.ERASED)
    return END


async def keep_pressed(update: Update, context: BotContext) -> int | None:
    """ "Keep my data": nothing changes."""
    if await _live_press(update, context) is None:
        return None
    await answer(update)
    context.user_data.pop(DRAFT, None)
    await show(update, context, views.KEPT)
    return END


async def cancel(update: Update, context: BotContext) -> int:
    context.user_data.pop(DRAFT, None)
    await say(update, context, views.CANCELLED)
    return END


def build_erasure_conversation() -> ConversationHandler:
    typed = filters.TEXT & ~filters.COMMAND
    return conversation(
        "erasure",
        entry_points=[CommandHandler("deleteme", begin)],
        states={
            CODE: [MessageHandler(typed, code_typed)],
            CONFIRM: [
                CallbackQueryHandler(erase_pressed, pattern=views.EraseStep.filter(action="erase")),
                CallbackQueryHandler(keep_pressed, pattern=views.EraseStep.filter(action="keep")),
                MessageHandler(typed, use_the_buttons),
            ],
        },
        fallbacks=[],
        cancel=cancel,
        own_callbacks=[views.EraseStep],
    )


def privacy_handlers() -> list[BaseHandler]:
    return [CommandHandler("mydata", send_my_data)]
