"""Telegram messages about attendance: pure functions from values to an outbox payload."""

from __future__ import annotations

from booking.messages.chat import DETAILS_CLIENT, STAFF, _about, _when, reference
from booking.settings import Settings
from models import Appointment


def attendance_question(appointment: Appointment) -> str:
    """Lock-screen safe: the session by its reference; the name is behind Show details."""
    return f"Did the client ({reference(appointment.id)}) attend?"


def attendance_prompt_chat(settings: Settings, appointment: Appointment) -> dict:
    """To the session's staff when its join window closes; the bot adds Attended / No-show."""
    text = f"{attendance_question(appointment)}\nSession: {_when(settings, appointment)}."
    payload = _about("attendance_prompt", STAFF, appointment, text)
    payload["details"] = DETAILS_CLIENT
    return payload
