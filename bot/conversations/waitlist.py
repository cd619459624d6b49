"""The waitlist in the chat: join it from the calendar or a session, take or pass on a time.

Thin handlers: each press calls one service of `booking.waitlist`, which re-checks the
state under the scheduling lock (an old Take it, a second chat, an expired hold: refused).
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from booking.availability import get_rules, practice_today
from booking.errors import Conflict, InvalidInput, NotFound
from booking.formatting import format_practice_time
from booking.waitlist import accept_offer, decline_offer, join_waitlist
from bot.callbacks import WaitlistPress
from bot.context import BotContext
from bot.conversations.client_sessions import client_of
from bot.conversations.common import answer, parse, say, show, tell
from bot.errors import chat_answer

JOINED = (
    "You are on the waitlist. When a time that suits you is freed, you get a message "
    "here with Take it; it is held for you for a while, then passes to the next person."
)
EARLIER_JOINED = (
    "You are on the waitlist for an earlier time. If one opens before your session, "
    "you get a message here with Take it; taking it moves your session there."
)
PASSED = "Passed on to the next person waiting. You stay on the waitlist."
DRAFT = "booking"


def _message_text(update: Update) -> str:
    message = update.callback_query.message if update.callback_query else None
    return getattr(message, "text", None) or ""


async def take(update: Update, context: BotContext) -> None:
    """Take it: the held time becomes the client's session (or their session moves there)."""
    data = parse(update, WaitlistPress)
    assert data is not None
    account = await client_of(update)
    try:
        session = await accept_offer(context.settings, data.target, account)
    except (Conflict, NotFound) as exc:
        await answer(update, exc.detail, alert=True)
        await show(update, context, f"{_message_text(update)}\n\n{exc.detail}")
        return
    await answer(update)
    assert session.scheduled_datetime is not None
    when = format_practice_time(context.settings, session.scheduled_datetime)
    await show(update, context, f"Booked: {when}. The confirmation with the link follows.")


async def pass_on(update: Update, context: BotContext) -> None:
    """No thanks: the time goes to the next in line."""
    data = parse(update, WaitlistPress)
    assert data is not None
    account = await client_of(update)
    try:
        await decline_offer(context.settings, data.target, account)
    except (Conflict, NotFound) as exc:
        await answer(update, exc.detail, alert=True)
        await show(update, context, f"{_message_text(update)}\n\n{exc.detail}")
        return
    await answer(update)
    await show(update, context, f"{_message_text(update)}\n\n{PASSED}")


async def join_for_earlier(update: Update, context: BotContext) -> None:
    """ "Tell me if an earlier time opens" on a scheduled session."""
    data = parse(update, WaitlistPress)
    assert data is not None
    account = await client_of(update)
    try:
        await join_waitlist(context.settings, account, appointment_id=data.target)
    except (Conflict, InvalidInput, NotFound) as exc:
        await tell(update, context, chat_answer(exc))
        return
    await answer(update)
    await say(update, context, EARLIER_JOINED)


async def join_for_anything(update: Update, context: BotContext) -> None:
    """ "None of these days suit me": wait for any freed time up to the horizon."""
    account = await client_of(update)
    draft = context.user_data.pop(DRAFT, None) or {}
    slots = draft.get("slots") or []
    today = practice_today(context.settings)
    horizon = (await get_rules()).booking_horizon_days
    try:
        await join_waitlist(
            context.settings,
            account,
            from_date=today + timedelta(days=1),
            to_date=today + timedelta(days=horizon),
            preferred_time_slots=slots,
        )
    except (Conflict, InvalidInput) as exc:
        await tell(update, context, chat_answer(exc))
        return
    await answer(update)
    await show(update, context, JOINED)


def waitlist_handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(take, pattern=WaitlistPress.filter(action="take")),
        CallbackQueryHandler(pass_on, pattern=WaitlistPress.filter(action="pass")),
        CallbackQueryHandler(join_for_earlier, pattern=WaitlistPress.filter(action="earlier")),
        CallbackQueryHandler(join_for_anything, pattern=WaitlistPress.filter(action="anything")),
    ]
