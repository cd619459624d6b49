"""A client cancels a series "this and all later" from its entry in /appointments.

"Cancel N and all later" -> a confirm step stating how many sessions go and how many would be
late under the notice policy -> `booking.series.cancel_series` from the next session's date,
the service behind the API's `series/{id}/cancel/`. Each press re-checks that the series is
the presser's own and that it still has sessions ahead; a second press (or one on an old
list) changes nothing and says so. Domain errors go to `bot.errors.report_error`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from booking.appointments import get_appointment_for
from booking.availability import get_rules, is_late_cancellation
from booking.errors import Conflict
from booking.series import cancel_series, cancellable_occurrences
from booking.settings import Settings
from bot import series_views as views
from bot.context import BotContext
from bot.conversations.client_sessions import client_of
from bot.conversations.common import answer, parse, say, show
from bot.conversations.session_presses import drop_buttons, one_press_at_a_time, short_time
from bot.series_views import CancelSeries
from models import Appointment, User


async def _ahead(
    settings: Settings, account: User, data: CancelSeries, now: datetime
) -> list[Appointment]:
    """The presser's own series' sessions from `data.day` on that can still be cancelled."""
    ahead = await cancellable_occurrences(settings, data.series, account, data.day, now=now)
    if ahead:
        await get_appointment_for(account, ahead[0].id, own_only=True)  # theirs, not staff's
    return ahead


async def _nothing_ahead(update: Update) -> None:
    await answer(update, views.NOTHING_AHEAD, alert=True)
    await drop_buttons(update)


async def ask_cancel_rest(update: Update, context: BotContext) -> None:
    """Cancel N and all later: how many sessions would go, and how many late."""
    data = parse(update, CancelSeries)
    assert data is not None  # the pattern lets only well-formed data in
    account = await client_of(update)
    now = datetime.now(UTC)
    ahead = await _ahead(context.settings, account, data, now)
    if not ahead:
        await _nothing_ahead(update)
        return
    await answer(update)
    rules = await get_rules()
    late = sum(is_late_cancellation(rules, a.scheduled_datetime, now) for a in ahead)  # type: ignore[arg-type]
    first = short_time(context.settings, ahead[0].scheduled_datetime)  # type: ignore[arg-type]
    text = views.cancel_rest_question(
        len(ahead), first, late=late, notice_hours=rules.cancellation_notice_hours
    )
    await say(update, context, text, views.cancel_rest_confirm(data.series, data.day))


async def cancel_rest_confirmed(update: Update, context: BotContext) -> None:
    """Yes, cancel them: every session from the day on, each by the rules."""
    data = parse(update, CancelSeries)
    assert data is not None  # the pattern lets only well-formed data in
    account = await client_of(update)
    async with one_press_at_a_time(context, data.series):
        if not await _ahead(context.settings, account, data, datetime.now(UTC)):
            await _nothing_ahead(update)
            return
        try:
            cancelled = await cancel_series(context.settings, data.series, account, data.day)
        except Conflict:  # the last of them started or was cancelled meanwhile
            await _nothing_ahead(update)
            return
    await answer(update)
    late = sum(1 for a in cancelled if a.late_cancellation)
    await show(update, context, views.cancelled_rest(len(cancelled), late))


async def cancel_rest_declined(update: Update, context: BotContext) -> None:
    """No, keep them."""
    await answer(update)
    await show(update, context, views.KEPT)


def series_cancel_handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(ask_cancel_rest, pattern=CancelSeries.filter(action="ask")),
        CallbackQueryHandler(cancel_rest_confirmed, pattern=CancelSeries.filter(action="yes")),
        CallbackQueryHandler(cancel_rest_declined, pattern=CancelSeries.filter(action="no")),
    ]
