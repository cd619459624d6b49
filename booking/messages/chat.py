"""Telegram messages of the booking flow: pure functions from values to an outbox payload.

Payloads queued on channel "telegram" (recipient = str(telegram_user_id)), plain text:

- to the client, `scheduled`, `reminder_day_before`, `join_window` and `rejected`:
  `{"text": str, "buttons": [[{"text": "Join session", "url": link}]]}`
  (`rejected` has no buttons);
- to staff, `new_request`:
  `{"kind": "new_request", "text": str, "appointment_id": "<uuid>"}` — the bot renders
  its own Schedule / Reject buttons for it (and re-checks state when they are pressed);
- to staff, `join_window`: like the client's, with the staff member's own link.
"""

from __future__ import annotations

from booking.availability import SLOT_LABELS
from booking.formatting import format_duration, format_practice_time
from booking.settings import Settings
from models import Appointment

JOIN_BUTTON = "Join session"


def _join_buttons(link: str) -> list[list[dict[str, str]]]:
    return [[{"text": JOIN_BUTTON, "url": link}]]


def _when(settings: Settings, appointment: Appointment) -> str:
    assert appointment.scheduled_datetime is not None
    return (
        f"{format_practice_time(settings, appointment.scheduled_datetime)}, "
        f"{format_duration(appointment.scheduled_duration or 60)}"
    )


def new_request_chat(appointment: Appointment) -> dict:
    """To staff: a request waits; the bot adds Schedule / Reject buttons for this kind."""
    dates = ", ".join(appointment.preferred_dates)
    slots = ", ".join(SLOT_LABELS.get(s, s) for s in appointment.preferred_time_slots)
    text = (
        f"New appointment request from {appointment.first_name} {appointment.last_name}.\n"
        f"Preferred dates: {dates}\n"
        f"Preferred times: {slots}"
    )
    return {"kind": "new_request", "text": text, "appointment_id": str(appointment.id)}


def scheduled_chat(settings: Settings, appointment: Appointment, link: str) -> dict:
    text = (
        "Your session is confirmed.\n"
        f"When: {_when(settings, appointment)}.\n"
        "You can join from 10 minutes before the start with the button below."
    )
    return {"text": text, "buttons": _join_buttons(link)}


def day_before_reminder_chat(settings: Settings, appointment: Appointment, link: str) -> dict:
    text = f"Reminder: your session is tomorrow.\nWhen: {_when(settings, appointment)}."
    return {"text": text, "buttons": _join_buttons(link)}


def join_window_chat(settings: Settings, appointment: Appointment, link: str) -> dict:
    text = f"The session room is open now.\nWhen: {_when(settings, appointment)}."
    return {"text": text, "buttons": _join_buttons(link)}


def rejected_chat(appointment: Appointment) -> dict:
    reason = appointment.rejection_reason
    text = "We are sorry: your appointment request could not be accepted."
    if reason:
        text += f"\nReason: {reason}"
    text += "\nYou are welcome to send a new request with other dates."
    return {"text": text, "buttons": []}
