"""/eraseclient <ref>: staff erase a client who asks in person, from the chat.

The reference (as a card shows it) is resolved to the appointment's account by
`booking.staff_erasure.account_to_erase`; one last message says what will happen without
naming anyone, with Erase everything / Keep. The press re-checks the presser (active staff)
and calls `booking.privacy.erase_client_by_staff`, the service of the API's
`POST /api/meetings/admin/clients/{user_id}/erase/`, which re-checks the account (it still
exists, is no staff account, is not erased yet) and records `client.erase` with the staff
member as actor.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from booking import privacy
from booking.errors import DomainError
from booking.staff_erasure import account_to_erase
from bot import audit_texts as views
from bot import texts
from bot.audit_callbacks import EraseClient
from bot.context import BotContext
from bot.conversations.common import (
    answer,
    parse,
    pressed_message_id,
    require_staff,
    say,
    show,
    stale_button,
)
from bot.errors import chat_answer


async def ask_to_erase(update: Update, context: BotContext) -> None:
    """/eraseclient <ref>: whose account, then one last question."""
    staff = await require_staff(update)
    typed = " ".join(context.args or [])
    if not typed:
        await say(update, context, views.ERASE_USAGE)
        return
    try:
        target = await account_to_erase(staff, typed)
    except DomainError as exc:  # no such reference, several, a staff account, erased already
        await say(update, context, views.erase_refused(chat_answer(exc)))
        return
    if target.account_id is None:
        await say(update, context, views.no_account(target.reference))
        return
    markup = views.erase_keyboard(target.account_id, target.reference)
    await say(update, context, views.confirm_erase(target.reference), markup)


async def erase_pressed(update: Update, context: BotContext) -> None:
    """Erase everything: the API's staff erasure, for the account the button names."""
    if (data := parse(update, EraseClient)) is None:
        await answer(update, texts.STALE_BUTTON)
        return
    staff = await require_staff(update)
    try:
        erasure = await privacy.erase_client_by_staff(context.settings, staff, data.account)
    except DomainError as exc:  # gone, erased meanwhile, or a staff account
        await _outcome(update, context, views.not_erased(data.ref, chat_answer(exc)))
        return
    await _outcome(update, context, views.erased(data.ref, erasure))


async def keep_pressed(update: Update, context: BotContext) -> None:
    """Keep: nothing changes."""
    if (data := parse(update, EraseClient)) is None:
        await answer(update, texts.STALE_BUTTON)
        return
    await require_staff(update)
    await _outcome(update, context, views.kept(data.ref))


async def _outcome(update: Update, context: BotContext, text: str) -> None:
    """In place of the question; a pop-up when the press comes without its message."""
    if pressed_message_id(update) is None:
        await answer(update, text, alert=True)
        return
    await answer(update)
    await show(update, context, text)


def staff_erase_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("eraseclient", ask_to_erase),
        CallbackQueryHandler(erase_pressed, pattern=EraseClient.filter(action="erase")),
        CallbackQueryHandler(keep_pressed, pattern=EraseClient.filter(action="keep")),
        # Malformed (stale or forged) data of the kind: said so, nothing done.
        CallbackQueryHandler(stale_button, pattern=EraseClient.matches),
    ]
