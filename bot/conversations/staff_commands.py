"""The therapist's one-message commands: /pending, /today and /stats.

/availability (weekdays and booking rules) is `bot.conversations.availability`, /away (days
away) `bot.conversations.away`: both ask for typed values, so each is a conversation.

Each answers in one message (or one per waiting request) and needs an active staff account;
anyone else is told so by `bot.errors` (`require_staff` raises PermissionDenied).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from booking.agenda import waiting_requests
from booking.appointments import sessions_on
from booking.availability import practice_today
from booking.meetings import meeting_info, meeting_status
from booking.stats import stats
from bot import keyboards, texts
from bot.callbacks import MenuAction
from bot.context import BotContext
from bot.conversations.common import answer, require_staff, say
from bot.conversations.staff_decisions import request_card

PENDING_SHOWN = 10


async def show_pending(update: Update, context: BotContext) -> None:
    """/pending: each waiting request as its own message with Schedule / Reject."""
    await require_staff(update)
    waiting = await waiting_requests(PENDING_SHOWN)
    if not waiting.total:
        await say(update, context, texts.NO_PENDING)
        return
    await say(update, context, texts.pending_header(waiting.total, len(waiting.oldest)))
    for appointment in waiting.oldest:
        markup = keyboards.request_actions(appointment.id)
        await say(update, context, request_card(appointment), markup)


async def show_today(update: Update, context: BotContext) -> None:
    """/today: today's sessions (practice time) with Join buttons."""
    staff = await require_staff(update)
    today = practice_today(context.settings)
    lines, links = [], []
    for appointment in await sessions_on(context.settings, today):
        assert appointment.scheduled_datetime is not None
        status = meeting_status(appointment)
        lines.append(
            texts.SessionLine(
                start=appointment.scheduled_datetime,
                duration_minutes=appointment.scheduled_duration or 60,
                client=f"{appointment.first_name} {appointment.last_name}",
                meeting_status=status,
            )
        )
        if status != "completed":
            info = meeting_info(context.settings, appointment, staff)
            local = appointment.scheduled_datetime.astimezone(context.settings.zone)
            links.append((f"Join {local:%H:%M} {appointment.first_name}", info.meeting_url))
    text = texts.today_text(today, lines, context.settings.zone)
    await say(update, context, text, keyboards.join_buttons(links))


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
        attendance=(numbers.attendance_recorded, numbers.attendance_rate, numbers.no_show_rate),
    )
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
        CommandHandler("today", show_today),
        CommandHandler("stats", show_stats),
        CallbackQueryHandler(pending_pressed, pattern=MenuAction.filter(action="pending")),
        CallbackQueryHandler(today_pressed, pattern=MenuAction.filter(action="today")),
    ]
