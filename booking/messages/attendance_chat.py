"""Telegram messages about attendance: pure functions from values to an outbox payload."""

from __future__ import annotations

from booking.messages.chat import STAFF, _about, _when
from booking.settings import Settings
from models import Appointment


def attendance_question(appointment: Appointment) -> str:
    return f"Did {appointment.first_name} attend?"


def attendance_prompt_chat(settings: Settings, appointment: Appointment) -> dict:
    """To the session's staff when its join window closes; the bot adds Attended / No-show."""
    text = (
        f"{attendance_question(appointment)}\n"
        f"Session with {appointment.first_name} {appointment.last_name}: "
        f"{_when(settings, appointment)}."
    )
    return _about("attendance_prompt", STAFF, appointment, text)
