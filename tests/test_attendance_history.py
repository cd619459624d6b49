"""The new-request message to staff shows the client's history: "3 sessions, 1 no-show in the
last 6 months" (by account or by e-mail), "First request" for a newcomer; in the chat payload
(text and figures) and in the e-mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.appointments import schedule_appointment
from booking.attendance import record_attendance
from booking.client_history import ClientHistory, history_line
from booking.lifecycle import cancel_appointment
from models import Notification, NotificationChannel
from tests.meetings_support import make_cast, make_request


@pytest.mark.parametrize(
    ("history", "line"),
    [
        (ClientHistory(0, 0, 0, 0), "First request"),
        (ClientHistory(3, 1, 0, 4), "3 sessions, 1 no-show in the last 6 months"),
        (ClientHistory(1, 0, 0, 1), "1 session, 0 no-shows in the last 6 months"),
        (ClientHistory(0, 0, 0, 2), "0 sessions, 0 no-shows in the last 6 months"),
        (
            ClientHistory(2, 2, 1, 3),
            "2 sessions, 2 no-shows, 1 late cancellation in the last 6 months",
        ),
    ],
)
def test_the_history_line(history, line):
    assert history_line(history) == line


async def new_request_rows(request) -> dict[NotificationChannel, Notification]:
    found = await Notification.filter(appointment_id=request.id, kind="new_request")
    return {row.channel: row for row in found}


async def past_session(db, theo, *, days_ago: int, attendance: str | None, email: str, user=None):
    """A session of Alice's `days_ago` days back, with Theo's answer (if any)."""
    now = datetime.now(UTC)
    start = now - timedelta(days=days_ago)
    request = await make_request(db, user=user, email=email)
    await schedule_appointment(
        db, request.id, theo, start, 60, override=True, now=start - timedelta(days=1)
    )
    if attendance:
        await record_attendance(db, request.id, theo, attendance, now=start + timedelta(hours=1))
    return request


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_theo_sees_alices_sessions_and_no_shows_of_the_last_six_months(db):
    cast = await make_cast(db)
    cast.theo.telegram_user_id = 2001
    await cast.theo.save()
    alice = cast.alice
    await past_session(
        db, cast.theo, days_ago=100, attendance="attended", email=alice.email, user=alice
    )
    await past_session(
        db, cast.theo, days_ago=60, attendance="no_show", email=alice.email, user=alice
    )
    # Made without signing in: found by the address's blind index all the same.
    await past_session(db, cast.theo, days_ago=30, attendance=None, email=alice.email)
    # Longer ago than six months: not counted.
    await past_session(
        db, cast.theo, days_ago=250, attendance="no_show", email=alice.email, user=alice
    )
    # Someone else's no-show is not Alice's.
    await past_session(db, cast.theo, days_ago=20, attendance="no_show", email=cast.charlie.email)
    # A request that never became a session is no session.
    cancelled = await make_request(db, user=alice, email=alice.email)
    await cancel_appointment(db, cancelled.id, alice)
    # A session Alice cancelled two hours before it: a late cancellation.
    soon = datetime.now(UTC) + timedelta(hours=2)
    late = await make_request(db, user=alice, email=alice.email)
    await schedule_appointment(db, late.id, cast.theo, soon, 60, override=True)
    await cancel_appointment(db, late.id, alice)

    request = await make_request(db, user=alice, email=alice.email)

    rows = await new_request_rows(request)
    chat = rows[NotificationChannel.TELEGRAM].payload
    line = "3 sessions, 1 no-show, 1 late cancellation in the last 6 months"
    assert f"History: {line}" in chat["text"]
    assert chat["history"] == {
        "sessions": 3,
        "no_shows": 1,
        "late_cancellations": 1,
        "earlier_requests": 6,
        "months": 6,
        "line": line,
    }
    email = rows[NotificationChannel.EMAIL].payload
    assert f"History: {line}." in email["text"]


async def test_a_newcomers_request_says_first_request(db):
    cast = await make_cast(db)
    cast.theo.telegram_user_id = 2001
    await cast.theo.save()
    # Charlie's history is his own.
    await past_session(db, cast.theo, days_ago=10, attendance="no_show", email=cast.charlie.email)

    request = await make_request(db, user=cast.alice, email=cast.alice.email)

    rows = await new_request_rows(request)
    assert "History: First request" in rows[NotificationChannel.TELEGRAM].payload["text"]
    assert rows[NotificationChannel.TELEGRAM].payload["history"]["earlier_requests"] == 0
    assert "History: First request." in rows[NotificationChannel.EMAIL].payload["text"]
