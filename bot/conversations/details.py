"""Show details / Hide details on a lock-screen-safe message: one press, one edit.

An edit does not notify, so the details never reach a lock screen. Every press re-checks
who pressed (`booking.message_details.details_for`: the appointment's client or an active
staff member) and reads the details as they are now; anyone else is told politely and the
message stays as it was.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from booking.errors import PermissionDenied
from booking.message_details import details_for
from bot import detail_views as views
from bot import texts
from bot.context import BotContext
from bot.conversations.common import NOT_MODIFIED, account_of, answer, parse, tolerating
from bot.detail_callbacks import ShowDetails

ALERT_MAX = 200  # Telegram's limit for a pop-up's text


async def details_pressed(update: Update, context: BotContext) -> None:
    """Show details: the message edited to carry them; Hide details: edited back."""
    data = parse(update, ShowDetails)
    query = update.callback_query
    if data is None or query is None:
        await answer(update, texts.STALE_BUTTON)
        return
    message = query.message
    if data.action == "hide":
        await answer(update)
        if message is not None and getattr(message, "text", None):
            markup = views.toggled_markup(message.reply_markup, data)
            with tolerating(NOT_MODIFIED):
                await query.edit_message_text(views.neutral_part(message.text), reply_markup=markup)
        return
    try:
        details = await details_for(await account_of(update), data.what, data.appointment)
    except PermissionDenied:
        await answer(update, views.NOT_YOURS, alert=True)
        return
    shown = views.details_text(details)
    if message is None or not getattr(message, "text", None):
        # A message too old to edit: the pop-up shows them (it does not notify either).
        await answer(update, shown[:ALERT_MAX], alert=True)
        return
    await answer(update)
    markup = views.toggled_markup(message.reply_markup, data)
    with tolerating(NOT_MODIFIED):
        await query.edit_message_text(views.with_details(message.text, shown), reply_markup=markup)


def detail_handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(details_pressed, pattern=ShowDetails.filter())]
