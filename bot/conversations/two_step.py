"""/twostep: where a staff member stands with two-step sign-in, and how to turn it on.

The chat shows the status only. Enrolment happens on the web (`POST /api/auth/2fa/setup/`
and `/confirm/`), behind the password: a secret or recovery codes sent here would stay in
Telegram's cloud and could show on a lock screen, and a second step that whoever holds this
Telegram account could set up would protect nothing (it could even lock the owner out).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from booking.errors import NotAuthenticated
from booking.two_factor import two_factor_status
from bot import texts, two_factor_texts
from bot.context import BotContext
from bot.conversations.common import linked_account, say


async def show_two_step(update: Update, context: BotContext) -> None:
    """/twostep: on since when and recovery codes left, or how to turn it on."""
    # Not `account_of`: this is the one thing an unenrolled staff member may ask about.
    account = await linked_account(update)
    if account is None or not account.is_active:
        raise NotAuthenticated(texts.NOT_LINKED)
    if not account.is_staff:
        await say(update, context, two_factor_texts.FOR_STAFF_ONLY)
        return
    status = await two_factor_status(account)
    if status.enabled_at is None:
        text = two_factor_texts.status_off(required=context.settings.staff_require_2fa)
    else:
        text = two_factor_texts.status_on(status.enabled_at, status.recovery_codes_left)
    await say(update, context, text)


def two_step_handlers() -> list[BaseHandler]:
    return [CommandHandler("twostep", show_two_step)]
