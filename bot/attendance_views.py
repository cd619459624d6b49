"""The attendance prompt's buttons and texts: pure functions, tested without Telegram."""

from __future__ import annotations

import uuid

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import MarkAttendance
from bot.keyboards import TICK
from models import Attendance

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
    return InlineKeyboardMarkup(attendance_rows(appointment_id, at, recorded))


def recorded_text(question: str, recorded: Attendance) -> str:
    """The prompt once answered."""
    return f"{question}\nRecorded: {LABELS[recorded]}."


def recorded_toast(recorded: Attendance) -> str:
    return f"Recorded: {LABELS[recorded]}."
