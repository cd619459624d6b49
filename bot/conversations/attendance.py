"""Attended / No-show on the prompt a session's staff get when its join window closes.

A press re-checks who pressed (active staff) and that the session is still the one the
prompt was about (its start, `at`), under the session's lock, then calls
`booking.attendance.record_attendance`, the service behind the API's `attendance/` route,
which refuses (409, told as a pop-up) a session that has not started or is not scheduled.
The prompt then shows the answer, ticked; pressing the other button changes it.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from booking.appointments import get_appointment_for
from booking.attendance import record_attendance
from booking.messages.attendance_chat import attendance_prompt_chat
from bot import attendance_views as views
from bot import texts
from bot.attendance_views import MarkAttendance
from bot.context import BotContext
from bot.conversations.common import answer, parse, require_staff, show
from bot.conversations.session_presses import at_of, one_press_at_a_time


async def mark_attendance(update: Update, context: BotContext) -> None:
    """Attended / No-show pressed: record (or change) the answer; the prompt shows it."""
    data = parse(update, MarkAttendance)
    if data is None:
        await answer(update, texts.STALE_BUTTON)
        return
    staff = await require_staff(update)
    async with one_press_at_a_time(context, data.appointment):
        appointment = await get_appointment_for(staff, data.appointment)
        if at_of(appointment) != data.at:
            await answer(update, texts.STALE_BUTTON, alert=True)
            return
        appointment = await record_attendance(context.settings, appointment.id, staff, data.action)
    recorded = appointment.attendance
    assert recorded is not None
    question = attendance_prompt_chat(context.settings, appointment)["text"]
    await answer(update, views.recorded_toast(recorded))
    await show(
        update,
        context,
        views.recorded_text(question, recorded),
        views.attendance_markup(appointment.id, data.at, recorded),
    )


def attendance_handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(mark_attendance, pattern=MarkAttendance.filter())]
