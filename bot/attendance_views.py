"""The attendance prompt's buttons and texts: pure functions, tested without Telegram."""

from __future__ import annotations

import dataclasses
import uuid

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from booking.message_details import DetailsOf
from booking.stats import AppointmentStats
from bot import detail_views
from bot.callbacks import CallbackData
from bot.keyboards import TICK
from models import Attendance


@dataclasses.dataclass(frozen=True)
class MarkAttendance(CallbackData):
    """Attended / No-show on the prompt staff get when a session's join window closes.

    Kept beside its buttons (`bot.callbacks` is full); a test checks its prefix against
    every one of `bot.callbacks.ALL_CALLBACKS`.
    """

    prefix = "an"
    actions = frozenset({"attended", "no_show"})
    action: str
    appointment: uuid.UUID
    at: int


LABELS = {Attendance.ATTENDED: "Attended", Attendance.NO_SHOW: "No-show"}


def attendance_rows(
    appointment_id: uuid.UUID, at: int, recorded: Attendance | None = None
) -> list[list[InlineKeyboardButton]]:
    """Attended / No-show; the recorded answer ticked (the other still changes it)."""
    return [
        [
            InlineKeyboardButton(
                f"{TICK} {label}" if choice == recorded else label,
                callback_data=MarkAttendance(choice.value, appointment_id, at).pack(),
            )
            for choice, label in LABELS.items()
        ]
    ]


def attendance_markup(
    appointment_id: uuid.UUID, at: int, recorded: Attendance | None = None
) -> InlineKeyboardMarkup:
    rows = attendance_rows(appointment_id, at, recorded)
    return InlineKeyboardMarkup([*rows, detail_views.details_row(DetailsOf.CLIENT, appointment_id)])


def recorded_text(question: str, recorded: Attendance) -> str:
    """The prompt once answered."""
    return f"{question}\nRecorded: {LABELS[recorded]}."


def recorded_toast(recorded: Attendance) -> str:
    return f"Recorded: {LABELS[recorded]}."


def stats_line(numbers: AppointmentStats) -> str:
    """/stats: the attendance figures (`booking.stats`)."""
    return (
        f"Attendance recorded for {numbers.attendance_recorded} sessions: "
        f"attended {numbers.attendance_rate:.2f}%, no-show {numbers.no_show_rate:.2f}%"
    )
