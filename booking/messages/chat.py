"""Telegram messages of the booking flow: pure functions from values to an outbox payload.

Payloads queued on channel "telegram" (recipient = str(telegram_user_id)), plain text. Every
payload about a session carries `"kind"`, `"audience"` (`"client"` or `"staff"`) and
`"appointment_id"`; the bot builds its own buttons from them (and re-checks the state when
one is pressed). `"buttons"` holds link buttons only (Join session). The shapes are listed
in `booking.appointment_notices`.

Lock-screen safe: a chat message shows in a phone's notification preview, so no text here
carries a client's name, a reason or a note. It says what happened, when, and a short
reference (`reference`); a payload with `"details"` (a `booking.message_details.DetailsOf`
value) gets a Show details button, which edits the message to show them (edits do not
notify).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from booking.availability import SLOT_LABELS
from booking.client_history import ClientHistory, history_line
from booking.formatting import format_date, format_duration, format_practice_time
from booking.settings import Settings
from models import Appointment, Proposal, RescheduleRequest, Role

JOIN_BUTTON = "Join session"
CLIENT, STAFF = "client", "staff"
# What a message's Show details reveals (`booking.message_details.DetailsOf` values).
DETAILS_CLIENT, DETAILS_REJECTED, DETAILS_CANCELLED = "client", "rejected", "cancelled"


def reference(appointment_id: object) -> str:
    """A short neutral reference to an appointment: enough to tell two apart, names nothing."""
    return f"ref. {str(appointment_id).replace('-', '')[:6].upper()}"


def _with_details(payload: dict[str, Any], what: str) -> dict[str, Any]:
    payload["details"] = what
    return payload


def _join_buttons(link: str | None) -> list[list[dict[str, str]]]:
    return [[{"text": JOIN_BUTTON, "url": link}]] if link else []


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _about(
    kind: str, audience: str, appointment: Appointment, text: str, link: str | None = None
) -> dict[str, Any]:
    """A session message: its kind, who it is for, the ids and the start the bot checks."""
    start = appointment.scheduled_datetime
    return {
        "kind": kind,
        "audience": audience,
        "appointment_id": str(appointment.id),
        "scheduled_datetime": iso_utc(start) if start else None,
        "text": text,
        "buttons": _join_buttons(link),
    }


def _when(settings: Settings, appointment: Appointment) -> str:
    assert appointment.scheduled_datetime is not None
    return (
        f"{format_practice_time(settings, appointment.scheduled_datetime)}, "
        f"{format_duration(appointment.scheduled_duration or 60)}"
    )


def new_request_chat(appointment: Appointment, history: ClientHistory | None = None) -> dict:
    """To staff: a request waits; the bot adds Schedule / Reject buttons for this kind.

    `history` (`booking.client_history`): the client's recent sessions, shown and carried.
    """
    dates = ", ".join(appointment.preferred_dates)
    slots = ", ".join(SLOT_LABELS.get(s, s) for s in appointment.preferred_time_slots)
    # Who and why stay behind Show details (the Schedule / Reject keyboard carries it).
    text = (
        f"New appointment request ({reference(appointment.id)}).\n"
        f"Preferred dates: {dates}\n"
        f"Preferred times: {slots}"
    )
    payload: dict = {
        "kind": "new_request",
        "text": text,
        "appointment_id": str(appointment.id),
        "details": DETAILS_CLIENT,
    }
    if history is not None:
        payload["text"] += f"\nHistory: {history_line(history)}"
        payload["history"] = history.as_payload()
    return payload


def scheduled_chat(settings: Settings, appointment: Appointment, link: str) -> dict:
    text = (
        "Your session is confirmed.\n"
        f"When: {_when(settings, appointment)}.\n"
        "You can join from 10 minutes before the start with the button below."
    )
    return _about("scheduled", CLIENT, appointment, text, link)


def day_before_reminder_chat(settings: Settings, appointment: Appointment, link: str) -> dict:
    text = f"Reminder: your session is tomorrow.\nWhen: {_when(settings, appointment)}."
    return _about("reminder_day_before", CLIENT, appointment, text, link)


def join_window_chat(
    settings: Settings, appointment: Appointment, link: str, audience: str = CLIENT
) -> dict:
    text = f"The session room is open now.\nWhen: {_when(settings, appointment)}."
    return _about("join_window", audience, appointment, text, link)


def rejected_chat(appointment: Appointment) -> dict:
    """The reason, if any, stays behind Show details."""
    sent = appointment.created_at
    which = f"your request of {format_date(sent.date())}" if sent else "your appointment request"
    text = (
        f"We are sorry: {which} could not be accepted.\n"
        "You are welcome to send a new request with other dates."
    )
    return _with_details(_about("rejected", CLIENT, appointment, text), DETAILS_REJECTED)


# --- the session's life: cancel, move, proposals, move requests, running late -----------------


def _who(appointment: Appointment) -> str:
    """The client, as a staff message names them: by reference, the name behind Show details."""
    return f"The client ({reference(appointment.id)})"


def cancelled_chat(settings: Settings, appointment: Appointment, audience: str) -> dict:
    """To the side that did not cancel (or the client, when staff cancelled)."""
    by_client = appointment.cancelled_by == Role.CLIENT
    start = appointment.scheduled_datetime
    what = f"the session on {_when(settings, appointment)}" if start else "the appointment request"
    if audience == CLIENT:
        text = f"The practice cancelled {what}.\nYou are welcome to send a new request."
    else:
        text = (
            f"{_who(appointment)} cancelled {what}."
            if by_client
            else f"A colleague cancelled {what} ({reference(appointment.id)})."
        )
        if appointment.late_cancellation:
            text += "\nThis is a late cancellation (inside the cancellation notice)."
    payload = _about("cancelled", audience, appointment, text)
    _with_details(payload, DETAILS_CANCELLED if audience == CLIENT else DETAILS_CLIENT)
    payload["cancelled_by"] = appointment.cancelled_by.value if appointment.cancelled_by else None
    payload["late"] = appointment.late_cancellation
    return payload


def moved_chat(settings: Settings, appointment: Appointment, link: str) -> dict:
    """To the client: the session has a new time (and a new room)."""
    text = (
        "Your session has moved.\n"
        f"New time: {_when(settings, appointment)}.\n"
        "The link of the old time no longer works; use the button below."
    )
    return _about("moved", CLIENT, appointment, text, link)


def proposal_chat(
    settings: Settings, appointment: Appointment, proposals: Sequence[Proposal]
) -> dict:
    """To the client: times to choose from (the bot shows one button per time)."""
    lines = [f"• {format_practice_time(settings, p.start)}" for p in proposals]
    expires = proposals[0].expires_at
    current = appointment.scheduled_datetime
    intro = (
        f"The therapist suggests a new time for your session on {_when(settings, appointment)}:"
        if current
        else "The therapist suggests these times for your session:"
    )
    text = (
        f"{intro}\n"
        + "\n".join(lines)
        + f"\nDuration: {format_duration(proposals[0].duration)}."
        + f"\nPlease choose one by {format_practice_time(settings, expires)}."
    )
    payload = _about("proposal", CLIENT, appointment, text)
    payload["times"] = [iso_utc(p.start) for p in proposals]
    payload["duration"] = proposals[0].duration
    payload["expires_at"] = iso_utc(expires)
    return payload


def proposal_expired_chat(appointment: Appointment) -> dict:
    text = (
        "The times the therapist suggested have expired. "
        "Please write to the practice, or send a new request, to find another time."
    )
    return _about("proposal_expired", CLIENT, appointment, text)


def proposal_accepted_chat(settings: Settings, appointment: Appointment) -> dict:
    """To staff: the client took one of the proposed times."""
    text = f"{_who(appointment)} accepted {_when(settings, appointment)}."
    return _with_details(_about("proposal_accepted", STAFF, appointment, text), DETAILS_CLIENT)


def move_request_chat(
    settings: Settings, appointment: Appointment, request: RescheduleRequest
) -> dict:
    """To staff: the client asks to move; the bot adds Move / Propose times / Keep."""
    dates = ", ".join(format_date(d) for d in request.preferred_dates)
    slots = ", ".join(SLOT_LABELS.get(s, s) for s in request.preferred_time_slots)
    text = (
        f"{_who(appointment)} asks to move the session on {_when(settings, appointment)}.\n"
        f"Preferred dates: {dates}\n"
        f"Preferred times: {slots}"
    )
    if request.late:
        text += "\nAsked inside the minimum notice (late)."
    payload = _with_details(_about("reschedule_request", STAFF, appointment, text), DETAILS_CLIENT)
    payload.update(
        preferred_dates=list(request.preferred_dates),
        preferred_time_slots=list(request.preferred_time_slots),
        late=request.late,
    )
    return payload


def kept_chat(settings: Settings, appointment: Appointment, link: str | None) -> dict:
    """To the client: the session stays where it is."""
    text = (
        "The therapist could not move your session; it stays as booked.\n"
        f"When: {_when(settings, appointment)}."
    )
    return _about("reschedule_kept", CLIENT, appointment, text, link)


def running_late_chat(settings: Settings, appointment: Appointment, minutes: int) -> dict:
    """To the therapist, at once."""
    local = appointment.scheduled_datetime.astimezone(settings.zone)  # type: ignore[union-attr]
    text = f"{_who(appointment)} is running about {minutes} minutes late "
    text += f"for the {local:%H:%M} session."
    payload = _with_details(_about("running_late", STAFF, appointment, text), DETAILS_CLIENT)
    payload["minutes"] = minutes
    return payload
