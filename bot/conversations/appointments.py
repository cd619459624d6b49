"""/appointments: the client's requests with their status, Join buttons for sessions, and
Ask to move / Cancel for what is still ahead (`bot.conversations.client_sessions`). A weekly
series is one entry ("Weekly, Tuesdays 10:00, 8 of 12 left") with its next session's buttons:
moving or cancelling that one leaves the others as they are; "Cancel N and all later" cancels
the rest of the series (`bot.conversations.series_cancel`)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from booking.appointments import list_for_user
from booking.availability import SLOT_LABELS
from booking.meetings import meeting_info
from booking.message_details import DetailsOf
from booking.series import SeriesSummary, summaries_for
from bot import (
    detail_views,
    keyboards,
    series_views,
    session_keyboards,
    texts,
    waitlist_keyboards,
)
from bot.callbacks import MenuAction, minute_stamp
from bot.context import BotContext
from bot.conversations.common import account_of, answer, say
from models import Appointment, AppointmentStatus

SHOWN = 10


async def show_appointments(update: Update, context: BotContext) -> None:
    """The client's requests, newest first; scheduled ones with time and a Join button; a
    series as one entry with its next session's Join."""
    await answer(update)
    account = await account_of(update)
    if account is None:
        await say(update, context, texts.NOT_LINKED, keyboards.main_menu(linked=False))
        return
    appointments = await list_for_user(account)
    series = await summaries_for(context.settings, appointments, datetime.now(UTC))
    lines: list[texts.AppointmentLine] = []
    rows: list[list[InlineKeyboardButton]] = []
    for number, appointment in enumerate(_entries(appointments, series), 1):
        summary = series.get(appointment.series_id)  # type: ignore[attr-defined]
        line = texts.AppointmentLine(
            status=appointment.status.value,
            preferred_dates=appointment.preferred_dates,
            preferred_slots=[SLOT_LABELS.get(s, s) for s in appointment.preferred_time_slots],
            has_reason=bool(appointment.rejection_reason),
            series=summary.text if summary is not None else None,
        )
        if summary is not None:
            if summary.next is None:  # nothing ahead: the summary says it all
                lines.append(line)
                continue
            appointment = summary.next
        if appointment.status == AppointmentStatus.SCHEDULED:
            info = meeting_info(context.settings, appointment, account)
            line = dataclasses.replace(
                line,
                scheduled_time=info.scheduled_time,
                duration=info.duration,
                meeting_status=info.meeting_status,
            )
            if info.meeting_status != "completed":
                local = info.scheduled_datetime.astimezone(context.settings.zone)
                join = InlineKeyboardButton(texts.join_label(local), url=info.meeting_url)
                rows.append([join])
        session_rows = _session_rows(number, appointment)
        rows += session_rows
        if summary is not None and session_rows:  # the series' next session is still ahead
            rows.append(_cancel_rest_row(context, number, appointment))
        lines.append(line)
    markup = InlineKeyboardMarkup(rows) if rows else None
    await say(update, context, texts.appointments_list(lines), markup)


def _entries(
    appointments: list[Appointment], series: Mapping[uuid.UUID, SeriesSummary]
) -> list[Appointment]:
    """The first `SHOWN` entries: each series once (where its newest occurrence stands)."""
    entries: list[Appointment] = []
    seen: set[uuid.UUID] = set()
    for appointment in appointments:
        series_id = appointment.series_id  # type: ignore[attr-defined]
        if series_id in series:
            if series_id in seen:
                continue
            seen.add(series_id)
        entries.append(appointment)
    return entries[:SHOWN]


def _session_rows(number: int, appointment: Appointment) -> list[list[InlineKeyboardButton]]:
    """Ask to move and Cancel for a session not yet begun; Cancel for a waiting request."""
    start = appointment.scheduled_datetime
    if appointment.status == AppointmentStatus.SCHEDULED:
        if start is None or start <= datetime.now(UTC):
            return []
        rows = session_keyboards.appointment_rows(
            number, appointment.id, minute_stamp(start), can_move=True, can_cancel=True
        )
        return [*rows, waitlist_keyboards.earlier_row(number, appointment.id)]
    if appointment.status == AppointmentStatus.PENDING_REVIEW:
        return session_keyboards.appointment_rows(
            number, appointment.id, 0, can_move=False, can_cancel=True
        )
    if appointment.status == AppointmentStatus.REJECTED and appointment.rejection_reason:
        # The reason stays behind its button: the list is a sent message (lock screens).
        label = texts.reason_label(number)
        return detail_views.listed_rows([(label, appointment.id)], DetailsOf.REJECTED)
    return []


def _cancel_rest_row(
    context: BotContext, number: int, next_session: Appointment
) -> list[InlineKeyboardButton]:
    """A series' "Cancel N and all later", from its next session's practice date."""
    assert next_session.scheduled_datetime is not None
    day = next_session.scheduled_datetime.astimezone(context.settings.zone).date()
    return series_views.cancel_rest_row(number, next_session.series_id, day)  # type: ignore[attr-defined]


def appointments_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("appointments", show_appointments),
        CallbackQueryHandler(show_appointments, pattern=MenuAction.filter(action="appointments")),
    ]
