"""E-mails of a session's life after booking: cancel, move, proposals, move requests, late.

Pure functions from values to an outbox payload, like `appointment_emails`. The client's
cancellation and move e-mails carry the `.ics` under the appointment's one UID with its
raised `calendar_sequence` (METHOD:CANCEL, or a REQUEST with the new time), so calendars
replace or remove the entry they hold. Staff e-mails leave reasons and notes out: they are
shown in the bot and the API, behind sign-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from booking.availability import SLOT_LABELS
from booking.formatting import format_date, format_duration, format_practice_time
from booking.messages.appointment_emails import when_lines
from booking.messages.calendar import METHOD_CANCEL, invitation
from booking.messages.email import compose, hello
from booking.settings import Settings
from models import Appointment, Proposal, RescheduleRequest, Role


def _who(appointment: Appointment) -> str:
    return f"{appointment.first_name} {appointment.last_name}"


def _what(settings: Settings, appointment: Appointment) -> str:
    start = appointment.scheduled_datetime
    if start is None:
        return "your appointment request"
    return f"your session on {format_practice_time(settings, start)}"


def cancelled_email(settings: Settings, appointment: Appointment, now: datetime) -> dict:
    """To the client, whoever cancelled: what is cancelled, and the calendar's CANCEL."""
    by_client = appointment.cancelled_by == Role.CLIENT
    what = _what(settings, appointment)
    if by_client:
        paragraphs = [f"As you asked, {what} is cancelled."]
        if appointment.late_cancellation:
            paragraphs.append(
                "It was cancelled inside the practice's cancellation notice, so it is "
                "recorded as a late cancellation."
            )
    else:
        paragraphs = [f"We are sorry: the practice had to cancel {what}."]
        reason = appointment.cancellation_reason
        paragraphs.append(f"Reason: {reason}" if reason else "No reason was given.")
    paragraphs.append("You are welcome to send a new request whenever it suits you.")
    attachments = []
    if appointment.scheduled_datetime is not None:
        paragraphs.append("The attached calendar update removes the session from your calendar.")
        attachments.append(
            invitation(
                settings,
                appointment,
                None,
                method=METHOD_CANCEL,
                sequence=appointment.calendar_sequence,
                attendee=appointment.email,
                now=now,
            ).attachment()
        )
    return compose(
        settings,
        subject="Your session is cancelled"
        if appointment.scheduled_datetime
        else "Your appointment request is cancelled",
        greeting=hello(appointment.first_name),
        paragraphs=paragraphs,
        attachments=attachments,
    )


def cancelled_staff_email(settings: Settings, appointment: Appointment, staff_name: str) -> dict:
    """To the session's staff (but whoever cancelled it): who cancelled what, and if late."""
    start = appointment.scheduled_datetime
    what = f"the session on {format_practice_time(settings, start)}" if start else "the request"
    if appointment.cancelled_by == Role.CLIENT:
        paragraphs = [f"{_who(appointment)} cancelled {what}."]
    else:
        paragraphs = [f"A colleague cancelled {what} of {_who(appointment)}."]
    if appointment.late_cancellation:
        paragraphs.append("This is a late cancellation (inside the cancellation notice).")
    paragraphs.append(f"Appointment id: {appointment.id}.")
    return compose(
        settings,
        subject="A session was cancelled",
        greeting=hello(staff_name),
        paragraphs=paragraphs,
    )


def moved_email(settings: Settings, appointment: Appointment, link: str, now: datetime) -> dict:
    """To the client: the new time, the new link, and the calendar update."""
    return compose(
        settings,
        subject="Your session has moved",
        greeting=hello(appointment.first_name),
        paragraphs=[
            "Your therapy session has a new time.",
            *when_lines(settings, appointment),
            "The session has a new video room: the link of the old time no longer works. "
            "You can join from 10 minutes before the start; the link below is personal.",
            "The attached calendar update moves the entry in your calendar.",
        ],
        link=("Join the session", link),
        attachments=[
            invitation(
                settings,
                appointment,
                link,
                sequence=appointment.calendar_sequence,
                attendee=appointment.email,
                now=now,
            ).attachment()
        ],
    )


def proposal_email(
    settings: Settings, appointment: Appointment, proposals: Sequence[Proposal]
) -> dict:
    """To the client: the times on offer, and how to take one."""
    current = appointment.scheduled_datetime
    intro = (
        f"The therapist suggests moving your session on {format_practice_time(settings, current)} "
        "to one of these times:"
        if current
        else "The therapist suggests these times for your session:"
    )
    times = [f"• {format_practice_time(settings, p.start)}" for p in proposals]
    return compose(
        settings,
        subject="New times for your session",
        greeting=hello(appointment.first_name),
        paragraphs=[
            intro,
            "\n".join(times),
            f"Duration: {format_duration(proposals[0].duration)}.",
            "Choose one in the Telegram chat, or on the website (appointment "
            f"{appointment.id}), by {format_practice_time(settings, proposals[0].expires_at)}. "
            "The first of these times someone takes is gone for everyone else.",
        ],
    )


def proposal_expired_email(settings: Settings, appointment: Appointment) -> dict:
    return compose(
        settings,
        subject="The suggested times have expired",
        greeting=hello(appointment.first_name),
        paragraphs=[
            "The times the therapist suggested for your session have expired.",
            "Please write to the practice, or send a new request, to find another time.",
        ],
    )


def proposal_accepted_email(settings: Settings, appointment: Appointment, staff_name: str) -> dict:
    return compose(
        settings,
        subject="A suggested time was accepted",
        greeting=hello(staff_name),
        paragraphs=[
            f"{_who(appointment)} accepted one of the times you suggested.",
            *when_lines(settings, appointment),
            f"Appointment id: {appointment.id}.",
        ],
    )


def move_request_email(
    settings: Settings, appointment: Appointment, request: RescheduleRequest, staff_name: str
) -> dict:
    """To the therapist: the client asks to move (their note is shown in the bot and API)."""
    dates = ", ".join(format_date(d) for d in request.preferred_dates)
    slots = ", ".join(SLOT_LABELS.get(s, s) for s in request.preferred_time_slots)
    assert appointment.scheduled_datetime is not None
    when = format_practice_time(settings, appointment.scheduled_datetime)
    paragraphs = [
        f"{_who(appointment)} asks to move the session on {when}.",
        f"Preferred dates: {dates}.",
        f"Preferred times: {slots}.",
    ]
    if request.late:
        paragraphs.append("The request came inside the minimum notice (late).")
    paragraphs.append(
        f"Appointment id: {appointment.id}. Move it, propose times or keep it in the Telegram "
        "bot or through the API; the session stays booked until then."
    )
    return compose(
        settings,
        subject="A client asks to move a session",
        greeting=hello(staff_name),
        paragraphs=paragraphs,
    )


def kept_email(settings: Settings, appointment: Appointment, link: str | None) -> dict:
    return compose(
        settings,
        subject="Your session stays as booked",
        greeting=hello(appointment.first_name),
        paragraphs=[
            "The therapist could not move your session; it stays as booked.",
            *when_lines(settings, appointment),
        ],
        link=("Join the session", link) if link else None,
    )


def running_late_email(
    settings: Settings, appointment: Appointment, minutes: int, staff_name: str
) -> dict:
    local = appointment.scheduled_datetime.astimezone(settings.zone)  # type: ignore[union-attr]
    return compose(
        settings,
        subject="A client is running late",  # no name in a subject line (lock screens)
        greeting=hello(staff_name),
        paragraphs=[
            f"{_who(appointment)} is running about {minutes} minutes late for the "
            f"{local:%H:%M} session."
        ],
    )
