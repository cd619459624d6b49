"""The therapist's one-message commands: /pending and /stats (and the staff menu's buttons).

/today and /upcoming (session cards with their buttons) are `bot.conversations.staff_sessions`.

/availability (weekdays and booking rules) is `bot.conversations.availability`, /away (days
away) `bot.conversations.away`: both ask for typed values, so each is a conversation.

Each answers in one message (or one per waiting request) and needs an active staff account;
anyone else is told so by `bot.errors` (`require_staff` raises PermissionDenied).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from booking.agenda import waiting_requests
from booking.stats import stats
from bot import attendance_views, keyboards, texts
from bot.callbacks import MenuAction
from bot.context import BotContext
from bot.conversations.common import answer, require_staff, say
from bot.conversations.staff_decisions import request_card
from bot.conversations.staff_sessions import show_today

PENDING_SHOWN = 10


async def show_pending(update: Update, context: BotContext) -> None:
    """/pending: each waiting request as its own message with Schedule / Reject."""
    staff = await require_staff(update)
    waiting = await waiting_requests(PENDING_SHOWN, viewer=staff)
    if not waiting.total:
        await say(update, context, texts.NO_PENDING)
        return
    await say(update, context, texts.pending_header(waiting.total, len(waiting.oldest)))
    for appointment in waiting.oldest:
        markup = keyboards.request_actions(appointment.id)
        await say(update, context, request_card(appointment), markup)


async def show_stats(update: Update, context: BotContext) -> None:
    """/stats: the numbers of requests, as the API's stats."""
    await require_staff(update)
    numbers = await stats()
    text = texts.stats_text(
        total=numbers.total_requests,
        pending=numbers.pending_review,
        scheduled=numbers.scheduled,
        rejected=numbers.rejected,
        completion_rate=numbers.completion_rate,
    )
    text += "\n" + attendance_views.stats_line(numbers)
    await say(update, context, text)


async def pending_pressed(update: Update, context: BotContext) -> None:
    """The staff menu's Pending requests button: /pending."""
    await answer(update)
    await show_pending(update, context)


async def today_pressed(update: Update, context: BotContext) -> None:
    """The staff menu's Today's sessions button: /today."""
    await answer(update)
    await show_today(update, context)


def staff_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("pending", show_pending),
        CommandHandler("stats", show_stats),
        CallbackQueryHandler(pending_pressed, pattern=MenuAction.filter(action="pending")),
        CallbackQueryHandler(today_pressed, pattern=MenuAction.filter(action="today")),
    ]
