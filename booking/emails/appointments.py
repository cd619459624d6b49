"""E-mails of the booking flow: pure functions from an appointment to an outbox payload.

Each returns the `payload` for `enqueue(channel="email", ...)`; the scheduling e-mail
carries an RFC 5545 `.ics` invitation. Times are shown in the practice's zone, named.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from booking.availability import SLOT_LABELS
from booking.emails import compose
from booking.meetings import JoinWindow, format_duration, format_practice_time
from booking.settings import Settings
from models import Appointment


def format_date(value: date | str) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day:%A} {day.day} {day:%B %Y}"


def describe_preferences(appointment: Appointment) -> list[str]:
    dates = ", ".join(format_date(d) for d in appointment.preferred_dates)
    slots = ", ".join(SLOT_LABELS.get(s, s) for s in appointment.preferred_time_slots)
    return [f"Preferred dates: {dates}.", f"Preferred times: {slots}."]


def _session_end(appointment: Appointment) -> datetime:
    assert appointment.scheduled_datetime is not None
    return appointment.scheduled_datetime + timedelta(minutes=appointment.scheduled_duration or 60)


def _when(settings: Settings, appointment: Appointment) -> list[str]:
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
        greeting=f"Hello {appointment.first_name},",
        paragraphs=[
            "Thank you for your request. The therapist will review it and choose a time "
            "from your preferences; you will get an e-mail with the time and a private "
            "video link as soon as that happens.",
            *describe_preferences(appointment),
            "If you did not make this request, you can ignore this e-mail.",
        ],
    )


def new_request_email(settings: Settings, appointment: Appointment, staff_name: str) -> dict:
    """To each staff member: a request is waiting for review (no reason or phone in e-mail)."""
    return compose(
        settings,
        subject="New appointment request",
        greeting=f"Hello {staff_name}," if staff_name else "Hello,",
        paragraphs=[
            f"{appointment.first_name} {appointment.last_name} asked for an appointment.",
            *describe_preferences(appointment),
            f"Request id: {appointment.id}. Schedule or reject it in the Telegram bot or "
            "through the API; the full request, including the reason, is shown there.",
        ],
    )


def review_reminder_email(settings: Settings, appointment: Appointment, staff_name: str) -> dict:
    """To each staff member a day later, unless the request was answered meanwhile."""
    return compose(
        settings,
        subject="An appointment request is still waiting",
        greeting=f"Hello {staff_name}," if staff_name else "Hello,",
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
        greeting=f"Hello {appointment.first_name},",
        paragraphs=[
            "Your therapy session is confirmed.",
            *_when(settings, appointment),
            "The session takes place in a private video room. You can join from 10 minutes "
            "before the start; the link below is personal, please do not share it.",
            "A calendar invitation is attached.",
        ],
        link=("Join the session", link),
        attachments=[
            {
                "filename": "session.ics",
                "content_type": "text/calendar; charset=utf-8",
                "content": ics_invitation(settings, appointment, link, now),
            }
        ],
    )


def rejected_email(settings: Settings, appointment: Appointment) -> dict:
    """To the client: the request could not be accepted, with the reason when given."""
    reason = appointment.rejection_reason
    return compose(
        settings,
        subject="Your appointment request",
        greeting=f"Hello {appointment.first_name},",
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
        greeting=f"Hello {appointment.first_name},",
        paragraphs=[
            "A reminder of your session.",
            *_when(settings, appointment),
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
        greeting=f"Hello {first}," if first else "Hello,",
        paragraphs=[
            "The video room of the session is open now.",
            *_when(settings, appointment),
        ],
        link=("Join the session", link),
    )


# --- iCalendar (RFC 5545) --------------------------------------------------------------------


def ics_escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def ics_fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    limit = 75
    while encoded:
        cut = min(limit, len(encoded))
        while cut < len(encoded) and (encoded[cut] & 0xC0) == 0x80:
            cut -= 1  # never end a chunk inside a multi-byte character
        parts.append(encoded[:cut].decode("utf-8"))
        encoded = encoded[cut:]
        limit = 74  # continuation lines start with one space
    return "\r\n ".join(parts)


def ics_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_lines(lines: Iterable[str]) -> str:
    return "".join(ics_fold(line) + "\r\n" for line in lines)


def ics_invitation(
    settings: Settings, appointment: Appointment, link: str, now: datetime | None = None
) -> str:
    """A one-event calendar: UTC start and end, the link as location, no personal data."""
    assert appointment.scheduled_datetime is not None
    now = now or datetime.now(UTC)
    domain = urlsplit(settings.base_url).hostname or "localhost"
    window = JoinWindow.around(appointment.scheduled_datetime, appointment.scheduled_duration or 60)
    summary = f"Therapy session — {settings.practice_name}"
    description = (
        f"Your session with {settings.practice_name}.\n"
        f"Join from {format_practice_time(settings, window.opens_at)}: {link}\n"
        "The link is personal; please do not share it."
    )
    return ics_lines(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:-//{ics_escape(settings.practice_name)}//Therapy booking//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "BEGIN:VEVENT",
            f"UID:appointment-{appointment.id}@{domain}",
            f"DTSTAMP:{ics_datetime(now)}",
            f"DTSTART:{ics_datetime(appointment.scheduled_datetime)}",
            f"DTEND:{ics_datetime(_session_end(appointment))}",
            f"SUMMARY:{ics_escape(summary)}",
            f"DESCRIPTION:{ics_escape(description)}",
            f"LOCATION:{ics_escape(link)}",
            f"URL:{link}",
            "STATUS:CONFIRMED",
            "SEQUENCE:0",
            "TRANSP:OPAQUE",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{ics_escape(summary)}",
            "TRIGGER:-PT15M",
            "END:VALARM",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    )
