"""What every press on a session's button shares, on both sides: is the session still as the
button knew it, how it is named, and one press at a time per session.

A button carries `at`, the start it was made for (`bot.callbacks.minute_stamp`; 0 while no
time is set). A press whose `at` is not the session's start now, or on a session that is no
longer pending or scheduled, comes from a message the session has outgrown: it is refused
and nothing is applied (the services refuse a stale transition once more, under their lock).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import datetime

from telegram import Update

from booking.formatting import format_duration, format_practice_time
from booking.proposals import offers_for
from booking.settings import Settings
from bot.callbacks import minute_stamp
from bot.context import BotContext
from bot.conversations.common import NOT_MODIFIED, tolerating
from bot.session_texts import time_label
from models import Appointment, AppointmentStatus, RescheduleRequest

OPEN_STATUSES = (AppointmentStatus.PENDING_REVIEW, AppointmentStatus.SCHEDULED)


def is_current(appointment: Appointment, at: int, *, scheduled_only: bool = False) -> bool:
    """The appointment is still open, at the start the button was made for."""
    statuses = (AppointmentStatus.SCHEDULED,) if scheduled_only else OPEN_STATUSES
    return appointment.status in statuses and minute_stamp(appointment.scheduled_datetime) == at


def at_of(appointment: Appointment) -> int:
    return minute_stamp(appointment.scheduled_datetime)


def when_of(settings: Settings, appointment: Appointment) -> str | None:
    """'Tuesday 12 May 2026, 18:00 UTC, 60 minutes'; None while no time is set."""
    if appointment.scheduled_datetime is None:
        return None
    start = format_practice_time(settings, appointment.scheduled_datetime)
    return f"{start}, {format_duration(appointment.scheduled_duration or 60)}"


def short_time(settings: Settings, moment: datetime) -> str:
    """'Tue 12 May 18:00' (practice time), for buttons."""
    return time_label(moment, settings.zone)


async def move_request_of(appointment: Appointment) -> RescheduleRequest | None:
    """The client's open wish to move this session, if any."""
    return (await offers_for([appointment]))[appointment.id].move_request


@contextlib.asynccontextmanager
async def one_press_at_a_time(
    context: BotContext, appointment_id: uuid.UUID
) -> AsyncIterator[None]:
    """Presses on one session wait for each other: each re-checks what the last one changed."""
    async with context.services.session_locks.hold(appointment_id):
        yield


async def drop_buttons(update: Update) -> None:
    """Take the keyboard off the pressed message (its buttons would only be stale now)."""
    query = update.callback_query
    if query is not None and query.message is not None:
        with tolerating(NOT_MODIFIED, "message to edit not found"):
            await query.edit_message_reply_markup(None)
