"""/audit: the latest events of the audit trail, for staff; Older pages back.

Each page is one call of `booking.audit_pages.audit_page`, which reads it through the API's
own `read_audit`: reading the trail in the chat is recorded (`audit.view`) as on the web.
`/audit client.erase` shows one action's events; an action the trail does not record is
refused with the list of those it does (`bot.errors` says it).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from booking.audit_pages import audit_page
from bot import audit_texts as views
from bot import texts
from bot.audit_callbacks import AuditOlder, action_of_token
from bot.context import BotContext
from bot.conversations.common import answer, parse, require_staff, say, show


async def show_audit(update: Update, context: BotContext) -> None:
    """/audit [action]: the newest page, with Older when there is more."""
    staff = await require_staff(update)
    action = context.args[0] if context.args else None
    page = await audit_page(staff, action=action)
    text = views.audit_text(page, action=action, viewer_id=staff.id, zone=context.settings.zone)
    await say(update, context, text, views.audit_keyboard(page, action=action))


async def older_pressed(update: Update, context: BotContext) -> None:
    """Older: the page below, in place of the one shown (an edit does not notify)."""
    if (data := parse(update, AuditOlder)) is None:
        await answer(update, texts.STALE_BUTTON)
        return
    staff = await require_staff(update)
    await answer(update)
    action = action_of_token(data.only)
    page = await audit_page(staff, action=action, older=data.older)
    text = views.audit_text(page, action=action, viewer_id=staff.id, zone=context.settings.zone)
    await show(update, context, text, views.audit_keyboard(page, action=action))


def staff_audit_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("audit", show_audit),
        CallbackQueryHandler(older_pressed, pattern=AuditOlder.matches),
    ]
