"""The booking flow's e-mails, delivered by the real dispatcher over SMTP to aiosmtpd:
Alice's receipt, Theo's notice, the confirmation with link and .ics, the rejection, and the
reminders when they fall due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from booking.availability import set_available_days
from booking.mailer import SmtpEmailSender
from booking.notifications import Dispatcher
from models import NotificationChannel
from tests.meetings_support import Clock, clocked_api, iso, make_cast, request_body
from tests.smtp_sink import body_text

NOW = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)  # a Monday
START = datetime(2030, 3, 6, 14, 30, tzinfo=UTC)


@pytest.fixture
def settings(make_settings, database_url, smtp_settings):
    return make_settings(
        DATABASE_URL=database_url,
        PRACTICE_TIMEZONE="Europe/Berlin",
        PRACTICE_NAME="Quiet Harbour Therapy",
        **smtp_settings,
    )


@pytest.fixture
async def flow(db, make_client):
    cast = await make_cast(db)
    await set_available_days([0, 1, 2, 3, 4])
    clock = Clock(NOW)
    api = await clocked_api(db, make_client, clock)
    dispatcher = Dispatcher({NotificationChannel.EMAIL: SmtpEmailSender(db)}, clock=clock)
    return cast, api, dispatcher, clock


async def ask(api, cast, **overrides):
    response = await api.post(
        "/api/meetings/appointments/create/",
        json=request_body(["2030-03-06"], **overrides),
        headers=cast.headers("alice"),
    )
    assert response.status == 201, await response.text()
    return (await response.json())["id"]


def ics_of(message) -> str:
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            assert part.get_param("method") == "REQUEST"
            content = part.get_content()
            return content.decode() if isinstance(content, bytes) else content
    raise AssertionError("no text/calendar attachment")


async def test_alice_and_theo_hear_of_a_new_request(flow, inbox):
    cast, api, dispatcher, _ = flow
    await ask(api, cast)
    await dispatcher.dispatch_due()

    receipt = await inbox.wait_for(lambda m: "alice@example.com" in m["To"])
    assert "We received your appointment request" in receipt["Subject"]
    assert "Wednesday 6 March 2030" in body_text(receipt)
    notice = await inbox.wait_for(lambda m: "theo@practice.example" in m["To"])
    assert "New appointment request" in notice["Subject"]
    assert "Alice Archer" in body_text(notice)
    assert "Trouble sleeping" not in body_text(notice)
    assert len(inbox.messages) == 2  # the review nudge waits a day


async def test_the_confirmation_carries_time_link_and_a_calendar_invitation(flow, inbox):
    cast, api, dispatcher, _ = flow
    appointment_id = await ask(api, cast)
    response = await api.post(
        f"/api/meetings/appointments/{appointment_id}/schedule/",
        json={"scheduled_datetime": "2030-03-06T15:30:00", "scheduled_duration": 50},
        headers=cast.headers("theo"),
    )
    assert response.status == 200
    room = (await response.json())["jitsi_room_id"]
    await dispatcher.dispatch_due()

    mail = await inbox.wait_for(lambda m: "scheduled" in m["Subject"])
    assert "alice@example.com" in mail["To"]
    assert mail["Subject"] == "Your session is scheduled — Quiet Harbour Therapy"
    text = body_text(mail)
    # 15:30 in Berlin (CET, +01:00) is 14:30 UTC.
    assert "Wednesday 6 March 2030, 15:30 CET (Europe/Berlin)" in text
    assert "50 minutes" in text
    assert f"https://meet.jit.si/{room}" in text

    ics = ics_of(mail)
    calendar = Calendar.from_ical(ics)
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    [event] = calendar.walk("VEVENT")
    assert event["UID"] == f"appointment-{appointment_id}@127.0.0.1"
    assert event["SEQUENCE"] == 0
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == START and start.utcoffset() == timedelta(0)
    assert end == START + timedelta(minutes=50)
    assert f"DTSTART:{START:%Y%m%dT%H%M%SZ}" in ics.split("\r\n")  # UTC, no zone table
    # The summary names the practice, never the client or the reason.
    assert event["SUMMARY"] == "Session — Quiet Harbour Therapy"
    assert event["LOCATION"] == f"https://meet.jit.si/{room}"
    assert event["ATTENDEE"] == "mailto:alice@example.com"
    description = event["DESCRIPTION"]
    assert f"https://meet.jit.si/{room}" in description
    assert "Wednesday 6 March 2030, 15:20 CET (Europe/Berlin)" in description
    assert "Trouble sleeping" not in ics
    [alarm] = event.walk("VALARM")
    assert alarm["DESCRIPTION"] == "Session — Quiet Harbour Therapy"
    # Escaped and folded at 75 octets, so it reads back exactly.
    assert "\\, 15:20 CET" in ics.replace("\r\n ", "")
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))


async def test_the_rejection_gives_the_reason(flow, inbox):
    cast, api, dispatcher, _ = flow
    appointment_id = await ask(api, cast)
    await api.post(
        f"/api/meetings/appointments/{appointment_id}/reject/",
        json={"rejection_reason": "I am away that week, sorry."},
        headers=cast.headers("theo"),
    )
    await dispatcher.dispatch_due()
    mail = await inbox.wait_for(lambda m: m["Subject"].startswith("Your appointment request"))
    assert "alice@example.com" in mail["To"]
    assert "Reason: I am away that week, sorry." in body_text(mail)


async def test_reminders_leave_when_they_fall_due_and_not_before(flow, inbox):
    cast, api, dispatcher, clock = flow
    appointment_id = await ask(api, cast)
    await api.post(
        f"/api/meetings/appointments/{appointment_id}/schedule/",
        json={"scheduled_datetime": iso(START)},
        headers=cast.headers("theo"),
    )
    await dispatcher.dispatch_due()
    assert sorted(inbox.subjects()) == sorted(
        [
            "We received your appointment request — Quiet Harbour Therapy",
            "New appointment request — Quiet Harbour Therapy",
            "Your session is scheduled — Quiet Harbour Therapy",
        ]
    )

    clock.now = START - timedelta(days=1, seconds=1)
    assert await dispatcher.dispatch_due() == 0
    clock.now = START - timedelta(days=1)
    assert await dispatcher.dispatch_due() == 1
    tomorrow = await inbox.wait_for(lambda m: "tomorrow" in m["Subject"])
    assert "alice@example.com" in tomorrow["To"]

    clock.now = START - timedelta(minutes=10)
    assert await dispatcher.dispatch_due() == 2  # Alice and Theo
    opened = [m for m in inbox.messages if "room is open" in m["Subject"]]
    assert sorted(str(m["To"]) for m in opened) == sorted(
        ["alice@example.com", "theo@practice.example"]
    )
