"""/appointments: the client's requests with their status, and Join buttons for sessions."""

from __future__ import annotations

import dataclasses

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from booking.appointments import list_for_user
from booking.availability import SLOT_LABELS
from booking.meetings import meeting_info
from bot import keyboards, texts
from bot.callbacks import MenuAction
from bot.context import BotContext
from bot.conversations.common import account_of, answer, say
from models import AppointmentStatus

SHOWN = 10


async def show_appointments(update: Update, context: BotContext) -> None:
    """The client's requests, newest first; scheduled ones with time and a Join button."""
    await answer(update)
    account = await account_of(update)
    if account is None:
        await say(update, context, texts.NOT_LINKED, keyboards.main_menu(linked=False))
        return
    appointments = (await list_for_user(account))[:SHOWN]
    lines: list[texts.AppointmentLine] = []
    links: list[tuple[str, str]] = []
    for number, appointment in enumerate(appointments, 1):
        line = texts.AppointmentLine(
            status=appointment.status.value,
            preferred_dates=appointment.preferred_dates,
            preferred_slots=[SLOT_LABELS.get(s, s) for s in appointment.preferred_time_slots],
            rejection_reason=appointment.rejection_reason,
        )
        if appointment.status == AppointmentStatus.SCHEDULED:
            info = meeting_info(context.settings, appointment, account)
            line = dataclasses.replace(
                line,
                scheduled_time=info.scheduled_time,
                duration=info.duration,
                meeting_status=info.meeting_status,
            )
            if info.meeting_status != "completed":
                links.append((texts.join_label(number), info.meeting_url))
        lines.append(line)
    await say(update, context, texts.appointments_list(lines), keyboards.join_buttons(links))


def appointments_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("appointments", show_appointments),
        CallbackQueryHandler(show_appointments, pattern=MenuAction.filter(action="appointments")),
    ]
