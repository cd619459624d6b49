"""The calendar invitation (RFC 5545 / iTIP, RFC 5546) attached to a session's e-mail.

Built with `icalendar`, which does the escaping and line folding. One event per
appointment, under a UID that never changes for that appointment, so a calendar updates
the entry it already holds: the first invitation is `METHOD:REQUEST` with `SEQUENCE:0`; a
changed time is another REQUEST with a higher sequence, a cancellation `METHOD:CANCEL`.

- `invitation(settings, appointment, link, *, method="REQUEST", sequence=0,
  attendee=None, now=None) -> Invitation` (`.text` is the `.ics`; `.attachment()` the
  e-mail payload's attachment, its content type naming the method as iTIP asks; a CANCEL
  needs no link: the room is gone). The sequence is the appointment's
  `calendar_sequence`, raised by every move and by the cancellation.

Start and end are in UTC. The summary names the practice only; the link is the
recipient's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from booking.formatting import format_practice_time
from booking.meetings import JoinWindow
from booking.settings import Settings
from models import Appointment

METHOD_REQUEST = "REQUEST"
METHOD_CANCEL = "CANCEL"
ALARM_BEFORE = timedelta(minutes=15)


def uid(settings: Settings, appointment: Appointment) -> str:
    """The appointment's event id: stable, so updates and cancellations replace the entry."""
    domain = urlsplit(settings.base_url).hostname or "localhost"
    return f"appointment-{appointment.id}@{domain}"


@dataclass(frozen=True)
class Invitation:
    method: str
    text: str

    def attachment(self) -> dict[str, str]:
        return {
            "filename": "session.ics",
            "content_type": f"text/calendar; charset=utf-8; method={self.method}",
            "content": self.text,
        }


def invitation(
    settings: Settings,
    appointment: Appointment,
    link: str | None,
    *,
    method: str = METHOD_REQUEST,
    sequence: int = 0,
    attendee: str | None = None,
    now: datetime | None = None,
) -> Invitation:
    """One event: UTC start and end, the link as location, no personal data in the summary."""
    assert appointment.scheduled_datetime is not None
    start = appointment.scheduled_datetime.astimezone(UTC)
    duration = appointment.scheduled_duration or 60
    window = JoinWindow.around(start, duration)
    # A calendar's alarm shows the summary on a lock screen: "therapy" only through the name.
    summary = f"Session — {settings.practice_name}"

    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.practice_name}//Therapy booking//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    event = Event()
    event.add("uid", uid(settings, appointment))
    event.add("sequence", sequence)
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=duration))
    event.add("summary", summary)
    if method == METHOD_CANCEL or not link:
        event.add("description", f"Your session with {settings.practice_name} is cancelled.")
    else:
        event.add(
            "description",
            f"Your session with {settings.practice_name}.\n"
            f"Join from {format_practice_time(settings, window.opens_at)}: {link}\n"
            "The link is personal; please do not share it.",
        )
        event.add("location", link)
        event.add("url", link)
    event.add("status", "CANCELLED" if method == METHOD_CANCEL else "CONFIRMED")
    event.add("transp", "OPAQUE")
    # iTIP wants an organizer (and the attendee) on a REQUEST; the practice decided the
    # time, so no reply is asked for.
    organizer = vCalAddress(f"mailto:{settings.email_from}")
    organizer.params["cn"] = vText(settings.practice_name)
    event.add("organizer", organizer)
    if attendee:
        guest = vCalAddress(f"mailto:{attendee}")
        guest.params.update({"role": "REQ-PARTICIPANT", "partstat": "ACCEPTED", "rsvp": "FALSE"})
        event.add("attendee", guest)
    if method != METHOD_CANCEL:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
    calendar.add_component(event)
    return Invitation(method, calendar.to_ical().decode("utf-8"))
