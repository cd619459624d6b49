"""The .ics invitation is written by hand (booking/messages/calendar.py): whatever the
practice's name holds, a calendar reads back exactly the values meant, and no line is
longer than RFC 5545 allows."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from booking.messages.calendar import METHOD_CANCEL, _fold_ascii, _fold_chars, invitation
from models import Appointment

AWKWARD = 'Zoë\'s Praxis; Therapie, "Ruhe" \\ Beratung — ein langer Name, über 75 Oktette hinaus'
LINK = "https://meet.example/room-abc?jwt=" + "x" * 150
START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 9, 30, 12, tzinfo=UTC)


def _session() -> Appointment:
    return Appointment(id=uuid.uuid4(), scheduled_datetime=START, scheduled_duration=50)


def _escaped(value: str) -> str:
    """RFC 5545's TEXT escaping, written out."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")


def _event(text: str):
    assert text.endswith("\r\n")
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75, line
    return Calendar.from_ical(text).walk("VEVENT")[0]


@pytest.mark.parametrize("name", ["Calm Rooms", AWKWARD])
def test_a_request_reads_back_every_value(make_settings, name):
    settings = make_settings(PRACTICE_NAME=name, EMAIL_FROM="praxis@example.com")
    session = _session()
    text = invitation(settings, session, LINK, sequence=2, attendee="ana@example.com", now=NOW).text
    event = _event(text)
    assert Calendar.from_ical(text)["METHOD"] == "REQUEST"
    assert str(Calendar.from_ical(text)["PRODID"]) == f"-//{name}//Therapy booking//EN"
    assert str(event["SUMMARY"]) == f"Session — {name}"
    # Escaped as the RFC says, not only as a lenient reader takes it.
    unfolded = text.replace("\r\n ", "").split("\r\n")
    assert f"SUMMARY:Session — {_escaped(name)}" in unfolded
    assert str(event["DESCRIPTION"]).startswith(f"Your session with {name}.\nJoin from ")
    assert LINK in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == LINK and str(event["URL"]) == LINK
    assert event["DTSTART"].dt == START and event["DTEND"].dt == START.replace(minute=50)
    assert event["DTSTAMP"].dt == NOW and event["SEQUENCE"] == 2
    assert str(event["UID"]).startswith(f"appointment-{session.id}@")
    assert event["ORGANIZER"].params["CN"] == name
    assert str(event["ORGANIZER"]) == "mailto:praxis@example.com"
    assert str(event["ATTENDEE"]) == "mailto:ana@example.com"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    alarm = event.walk("VALARM")[0]
    assert str(alarm["DESCRIPTION"]) == f"Session — {name}"
    assert alarm["TRIGGER"].dt.total_seconds() == -15 * 60


def test_a_cancellation_has_no_link_and_no_alarm(make_settings):
    settings = make_settings(PRACTICE_NAME=AWKWARD)
    text = invitation(settings, _session(), None, method=METHOD_CANCEL, sequence=3, now=NOW).text
    event = _event(text)
    assert Calendar.from_ical(text)["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["DESCRIPTION"]) == f"Your session with {AWKWARD} is cancelled."
    assert "LOCATION" not in event and "URL" not in event and not event.walk("VALARM")


def test_ascii_lines_fold_by_slices_exactly_as_character_by_character():
    """The fast path of the links' lines: same pieces, escapes never split, octets <= 75."""
    rng = random.Random(7)
    alphabet = "ab\\^;,: x"
    for _ in range(3000):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        folded = _fold_ascii(line)
        assert folded == _fold_chars(line)
        assert folded.replace("\r\n ", "") == line
        assert all(len(piece) <= 75 for piece in folded.split("\r\n"))
