"""The booking flow's e-mails, delivered by the real dispatcher over SMTP to aiosmtpd:
Alice's receipt, Theo's notice, the confirmation with link and .ics, the rejection, and the
reminders when they fall due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

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
            content = part.get_content()
            return content.decode() if isinstance(content, bytes) else content
    raise AssertionError("no text/calendar attachment")


def unfold(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").split("\r\n")


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

    lines = unfold(ics_of(mail))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "VERSION:2.0" in lines and "BEGIN:VEVENT" in lines and "END:VEVENT" in lines
    assert f"UID:appointment-{appointment_id}@127.0.0.1" in lines
    assert f"DTSTART:{START:%Y%m%dT%H%M%SZ}" in lines
    assert f"DTEND:{START + timedelta(minutes=50):%Y%m%dT%H%M%SZ}" in lines
    assert "SUMMARY:Therapy session — Quiet Harbour Therapy" in lines
    assert f"LOCATION:https://meet.jit.si/{room}" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:Your session"))
    # TEXT values are escaped: newlines, commas and semicolons.
    assert "\\n" in description and "\n" not in description
    assert "6 March 2030\\, 15:20 CET" in description
    assert "personal\\; please" in description
    assert "DESCRIPTION:Therapy session — Quiet Harbour Therapy" in lines
    # Folded at 75 octets.
    assert all(len(line.encode()) <= 75 for line in ics_of(mail).split("\r\n"))


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
