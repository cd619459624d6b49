"""POST appointments/<id>/schedule/ with `repeat`: Theo books Alice every Tuesday at 10:00
for 12 weeks; the series keeps 10:00 London time across the clocks going forward, clashes
are reported for exactly the clashing weeks, and nothing is booked until they are answered."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from booking.appointments import schedule_appointment
from models import Appointment, AppointmentStatus, Notification, Series
from tests.lifecycle_support import story
from tests.meetings_support import make_request

ZONE = "Europe/London"  # the clocks go forward on Sunday 31 March 2030
FIRST = "2030-03-05T10:00:00"  # a Tuesday, practice wall clock (GMT: 10:00 UTC)


@pytest.fixture
def settings(make_settings, database_url, smtp_settings):
    return make_settings(DATABASE_URL=database_url, PRACTICE_TIMEZONE=ZONE, **smtp_settings)


@pytest.fixture
async def theo(db, make_client):
    return await story(db, make_client)


def tuesday(week: int) -> date:
    """The date of week `week` (1 = the first) of a weekly series from FIRST."""
    return date(2030, 3, 5) + timedelta(weeks=week - 1)


async def book_series(theo, request, **body):
    return await theo.post(request, "schedule", "theo", {"scheduled_datetime": FIRST, **body})


async def test_a_12_week_series_keeps_10_local_across_the_dst_change(theo):
    request = await theo.request()

    status, body = await book_series(theo, request, repeat={"every_weeks": 1, "count": 12})

    assert status == 200, body
    assert body["id"] == str(request.id)  # the first occurrence is the request
    assert body["status"] == "scheduled" and body["series"] is not None
    assert body["skipped"] == []
    assert len(body["occurrences"]) == 12
    assert body["occurrences"][0]["id"] == str(request.id)
    starts = [datetime.fromisoformat(o["scheduled_datetime"]) for o in body["occurrences"]]
    # 10:00 GMT is 10:00 UTC; from 31 March, 10:00 BST is 09:00 UTC.
    assert [s.hour for s in starts] == [10] * 4 + [9] * 8
    assert [s.date() for s in starts] == [tuesday(w) for w in range(1, 13)]

    response = await theo.api.get(
        f"/api/meetings/series/{body['series']}/", headers=theo.cast.headers("alice")
    )
    series = await response.json()
    assert response.status == 200, series
    assert series["every_weeks"] == 1 and series["id"] == body["series"]
    local = [o["scheduled_datetime_local"] for o in series["occurrences"]]
    assert [value[11:16] for value in local] == ["10:00"] * 12
    assert local[0].endswith("+00:00") and local[-1].endswith("+01:00")
    # Each occurrence is a session of its own: own room, own reminders.
    rooms = {o["jitsi_room_id"] for o in series["occurrences"]}
    assert len(rooms) == 12
    for occurrence in series["occurrences"]:
        assert occurrence["series"] == body["series"]
        kinds = await Notification.filter(appointment_id=occurrence["id"]).values_list(
            "kind", flat=True
        )
        assert {"scheduled", "reminder_day_before", "join_window"} <= set(kinds)


async def test_clashes_are_found_for_exactly_the_clashing_weeks(theo):
    for week in (4, 9):  # Charlie's sessions at 10:30 local on two of the Tuesdays
        other = await make_request(
            theo.settings, user=theo.cast.charlie, email="charlie@example.com"
        )
        at = f"{tuesday(week).isoformat()}T10:30:00"
        await schedule_appointment(theo.settings, other.id, theo.cast.theo, at, now=theo.clock.now)
    request = await theo.request()
    before = await Appointment.all().count()

    status, body = await book_series(theo, request, repeat={"every_weeks": 1, "count": 12})

    assert status == 409, body
    assert "Weeks 4 and 9" in body["detail"]
    assert [c["date"] for c in body["conflicts"]] == [
        tuesday(4).isoformat(),
        tuesday(9).isoformat(),
    ]
    assert all("overlaps the session at 10:30-11:30" in c["reason"] for c in body["conflicts"])
    # Nothing was booked: the request is still pending, no series, no new sessions.
    assert (await Appointment.get(id=request.id)).status == AppointmentStatus.PENDING_REVIEW
    assert await Appointment.all().count() == before
    assert await Series.all().count() == 0

    status, body = await book_series(
        theo, request, repeat={"every_weeks": 1, "count": 12}, skip_conflicts=True
    )

    assert status == 200, body
    assert [s["date"] for s in body["skipped"]] == [tuesday(4).isoformat(), tuesday(9).isoformat()]
    booked = [datetime.fromisoformat(o["scheduled_datetime"]).date() for o in body["occurrences"]]
    assert booked == [tuesday(w) for w in range(1, 13) if w not in (4, 9)]


async def test_every_two_weeks_until_a_date_includes_that_date(theo):
    request = await theo.request()

    repeat = {"every_weeks": 2, "until": tuesday(7).isoformat()}
    status, body = await book_series(theo, request, repeat=repeat)

    assert status == 200, body
    booked = [datetime.fromisoformat(o["scheduled_datetime"]).date() for o in body["occurrences"]]
    assert booked == [tuesday(1), tuesday(3), tuesday(5), tuesday(7)]


@pytest.mark.parametrize(
    "repeat",
    [
        {"every_weeks": 5, "count": 4},
        {"every_weeks": 1, "count": 1},
        {"every_weeks": 1, "count": 53},
        {"every_weeks": 1, "count": 4, "until": "2030-05-01"},
        {"every_weeks": 1},
        {"every_weeks": 1, "until": "2030-03-06"},  # one session only
        {"every_weeks": 1, "until": "someday"},
    ],
)
async def test_a_repeat_that_makes_no_series_is_refused(theo, repeat):
    request = await theo.request()

    status, body = await book_series(theo, request, repeat=repeat)

    assert status == 400, body
    assert "repeat" in body
    assert (await Appointment.get(id=request.id)).status == AppointmentStatus.PENDING_REVIEW


async def test_a_single_session_has_no_series(theo):
    request = await theo.request()

    status, body = await book_series(theo, request)

    assert status == 200, body
    assert body["series"] is None and "occurrences" not in body


async def test_a_series_cannot_be_booked_on_a_request_already_decided(theo):
    request = await theo.request()
    await book_series(theo, request)

    status, body = await book_series(theo, request, repeat={"every_weeks": 1, "count": 4})

    assert status == 409, body
    assert body["detail"] == "This appointment is scheduled."


async def test_moving_one_occurrence_moves_only_that_one(theo):
    request = await theo.request()
    _, body = await book_series(theo, request, repeat={"every_weeks": 1, "count": 3})
    second = await Appointment.get(id=body["occurrences"][1]["id"])

    status, moved = await theo.post(
        second, "reschedule", "theo", {"scheduled_datetime": "2030-03-13T14:00:00"}
    )

    assert status == 200, moved
    assert moved["series"] == body["series"]
    starts = await Appointment.filter(series_id=body["series"]).order_by("scheduled_datetime")
    assert [a.scheduled_datetime.astimezone(UTC).isoformat() for a in starts] == [
        "2030-03-05T10:00:00+00:00",
        "2030-03-13T14:00:00+00:00",
        "2030-03-19T10:00:00+00:00",
    ]
