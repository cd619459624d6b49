"""E-mails of the booking flow: pure functions from an appointment to an outbox payload.

Each returns the `payload` for `enqueue(channel="email", ...)`; the scheduling e-mail
carries the `.ics` invitation of `booking.messages.calendar`. Times are shown in the
practice's zone, named (`booking.formatting`). Staff e-mails leave the reason and the
phone out: the full request is shown in the bot and the API, behind sign-in.
"""

from __future__ import annotations

from datetime import datetime

from booking.availability import SLOT_LABELS
from booking.client_history import ClientHistory, history_line
from booking.formatting import format_date, format_duration, format_practice_time
from booking.messages.calendar import invitation
from booking.messages.email import compose, hello
from booking.settings import Settings
from models import Appointment


def describe_preferences(appointment: Appointment) -> list[str]:
    dates = ", ".join(format_date(d) for d in appointment.preferred_dates)
    slots = ", ".join(SLOT_LABELS.get(s, s) for s in appointment.preferred_time_slots)
    return [f"Preferred dates: {dates}.", f"Preferred times: {slots}."]


def when_lines(settings: Settings, appointment: Appointment) -> list[str]:
    assert appointment.scheduled_datetime is not None
    return [
        f"When: {format_practice_time(settings, appointment.scheduled_datetime)}.",
        f"Duration: {format_duration(appointment.scheduled_duration or 60)}.",
    ]


def request_received_email(settings: Settings, appointment: Appointment) -> dict:
    """To the client: we have the request and will write when a time is chosen."""
    return compose(
        settings,
        subject="We received your appointment request",
        greeting=hello(appointment.first_name),
        paragraphs=[
            "Thank you for your request. The therapist will review it and choose a time "
            "from your preferences; you will get an e-mail with the time and a private "
            "video link as soon as that happens.",
            *describe_preferences(appointment),
            "If you did not make this request, you can ignore this e-mail.",
            *safety_lines(settings),
        ],
    )


NOT_AN_EMERGENCY_SERVICE = (
    "This booking service is not monitored for emergencies: messages and requests are read "
    "in office hours."
)


def safety_lines(settings: Settings) -> list[str]:
    """CRISIS_MESSAGE (when set) and that this service is not an emergency channel."""
    crisis = (settings.crisis_message or "").strip()
    return [crisis, NOT_AN_EMERGENCY_SERVICE] if crisis else [NOT_AN_EMERGENCY_SERVICE]


def new_request_email(
    settings: Settings,
    appointment: Appointment,
    staff_name: str,
    history: ClientHistory | None = None,
) -> dict:
    """To each staff member: a request is waiting for review (no reason or phone in e-mail)."""
    return compose(
        settings,
        subject="New appointment request",
        greeting=hello(staff_name),
        paragraphs=[
            f"{appointment.first_name} {appointment.last_name} asked for an appointment.",
            *describe_preferences(appointment),
            *([f"History: {history_line(history)}."] if history is not None else []),
            f"Request id: {appointment.id}. Schedule or reject it in the Telegram bot or "
            "through the API; the full request, including the reason, is shown there.",
        ],
    )


def review_reminder_email(settings: Settings, appointment: Appointment, staff_name: str) -> dict:
    """To each staff member a day later, unless the request was answered meanwhile."""
    return compose(
        settings,
        subject="An appointment request is still waiting",
        greeting=hello(staff_name),
        paragraphs=[
            f"The request of {appointment.first_name} {appointment.last_name} has been "
            "waiting for a day.",
            *describe_preferences(appointment),
            f"Request id: {appointment.id}.",
        ],
    )


def scheduled_email(
    settings: Settings, appointment: Appointment, link: str, now: datetime | None = None
) -> dict:
    """To the client: time, duration, private link and a calendar invitation."""
    return compose(
        settings,
        subject="Your session is scheduled",
        greeting=hello(appointment.first_name),
        paragraphs=[
            "Your therapy session is confirmed.",
            *when_lines(settings, appointment),
            "The session takes place in a private video room. You can join from 10 minutes "
            "before the start; the link below is personal, please do not share it.",
            "A calendar invitation is attached.",
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


def rejected_email(settings: Settings, appointment: Appointment) -> dict:
    """To the client: the request could not be accepted, with the reason when given."""
    reason = appointment.rejection_reason
    return compose(
        settings,
        subject="Your appointment request",
        greeting=hello(appointment.first_name),
        paragraphs=[
            "We are sorry: the therapist could not accept your appointment request.",
            f"Reason: {reason}" if reason else "No reason was given.",
            "You are welcome to send a new request with other dates.",
        ],
    )


def day_before_reminder_email(settings: Settings, appointment: Appointment, link: str) -> dict:
    return compose(
        settings,
        subject="Reminder: your session is tomorrow",
        greeting=hello(appointment.first_name),
        paragraphs=[
            "A reminder of your session.",
            *when_lines(settings, appointment),
            "You can join from 10 minutes before the start.",
        ],
        link=("Join the session", link),
    )


def join_window_email(
    settings: Settings, appointment: Appointment, link: str, name: str = ""
) -> dict:
    """When the room opens (10 minutes before the start), to client or staff."""
    first = name or appointment.first_name
    return compose(
        settings,
        subject="Your session room is open",
        greeting=hello(first),
        paragraphs=[
            "The video room of the session is open now.",
            *when_lines(settings, appointment),
        ],
        link=("Join the session", link),
    )
