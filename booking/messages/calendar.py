"""The calendar invitation (RFC 5545 / iTIP, RFC 5546) attached to a session's e-mail.

Written here, escaping and folding as RFC 5545 asks (`_text`, `_param`, `_fold`): building it
with `icalendar` took a tenth of what scheduling a session cost. One event per
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

from booking.formatting import format_practice_time
from booking.meetings import JoinWindow
from booking.settings import Settings
from models import Appointment

METHOD_REQUEST = "REQUEST"
METHOD_CANCEL = "CANCEL"
ALARM_BEFORE = timedelta(minutes=15)
FOLD_AT = 75  # octets a content line may hold, its CRLF not counted


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

    if method == METHOD_CANCEL or not link:
        description = f"Your session with {settings.practice_name} is cancelled."
    else:
        description = (
            f"Your session with {settings.practice_name}.\n"
            f"Join from {format_practice_time(settings, window.opens_at)}: {link}\n"
            "The link is personal; please do not share it."
        )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_text(f'-//{settings.practice_name}//Therapy booking//EN')}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{_text(uid(settings, appointment))}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{_utc(now or datetime.now(UTC))}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(start + timedelta(minutes=duration))}",
        f"SUMMARY:{_text(summary)}",
        f"DESCRIPTION:{_text(description)}",
    ]
    if method != METHOD_CANCEL and link:
        lines += [f"LOCATION:{_text(link)}", f"URL:{link}"]
    lines += [
        f"STATUS:{'CANCELLED' if method == METHOD_CANCEL else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        # iTIP wants an organizer (and the attendee) on a REQUEST; the practice decided the
        # time, so no reply is asked for.
        f"ORGANIZER;CN={_param(settings.practice_name)}:mailto:{settings.email_from}",
    ]
    if attendee:
        lines.append(
            f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:{attendee}"
        )
    if method != METHOD_CANCEL:
        minutes = int(ALARM_BEFORE.total_seconds() // 60)
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_text(summary)}",
            f"TRIGGER:-PT{minutes}M",
            "END:VALARM",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return Invitation(method, "".join(_fold(line) + "\r\n" for line in lines))


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _param(value: str) -> str:
    """A parameter value, quoted; a caret, double quote or line break as RFC 6868 writes it."""
    value = value.replace("^", "^^").replace('"', "^'")
    return '"' + value.replace("\r\n", "^n").replace("\n", "^n").replace("\r", "^n") + '"'


def _fold(line: str) -> str:
    """Lines of at most 75 octets, a longer one continued on lines that start with a space
    (RFC 5545 3.1), never inside a character's UTF-8 bytes nor an escape's two characters."""
    return _fold_ascii(line) if line.isascii() else _fold_chars(line)


def _fold_chars(line: str) -> str:
    """`_fold` character by character, each counted by its UTF-8 octets."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > FOLD_AT:
            carried = current.pop() if len(current) > 1 and current[-1] in "\\^" else ""
            pieces.append("".join(current))
            current = [carried] if carried else []
            size = 1 + len(carried)  # the continuation's leading space
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _fold_ascii(line: str) -> str:
    """`_fold` of a line of one-octet characters, by slices (what the links' lines are)."""
    if len(line) <= FOLD_AT:
        return line
    pieces: list[str] = []
    start, room = 0, FOLD_AT
    while len(line) - start > room:
        end = start + room
        if line[end - 1] in "\\^" and end - start > 1:
            end -= 1  # an escape's first character goes on with its second
        pieces.append(line[start:end])
        start, room = end, FOLD_AT - 1  # the continuation's leading space
    pieces.append(line[start:])
    return "\r\n ".join(pieces)
