"""A practice in Pacific/Auckland across the start of daylight saving (27 September 2026,
02:00 NZST -> 03:00 NZDT): days and slot times stay right on the practice's wall clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from booking.appointments import sessions_on
from booking.availability import set_available_days, slot_bounds
from models import Notification
from tests.meetings_support import Clock, clocked_api, make_cast, request_body

ZONE = "Pacific/Auckland"
# Sunday 20 Sept 2026 12:30 UTC is already Monday 21 Sept 00:30 in Auckland (NZST, +12).
NOW = datetime(2026, 9, 20, 12, 30, tzinfo=UTC)


@pytest.fixture
def settings(make_settings, database_url):
    return make_settings(DATABASE_URL=database_url, PRACTICE_TIMEZONE=ZONE)


@pytest.fixture
async def auckland(db, make_client):
    cast = await make_cast(db)
    await set_available_days([0, 1, 2, 3, 4, 5, 6])
    return cast, await clocked_api(db, make_client, Clock(NOW))


async def test_available_dates_count_from_tomorrow_in_auckland_not_in_utc(auckland):
    _, api = auckland
    dates = await (await api.get("/api/meetings/appointments/available-dates/")).json()
    # Tomorrow in Auckland is 22 September (in UTC it would be the 21st).
    assert dates[0] == "2026-09-22"
    assert dates[-1] == "2026-10-21"
    assert len(dates) == 30
    assert "2026-09-27" in dates  # the day the clocks go forward is a normal day


def test_slot_times_keep_the_wall_clock_across_the_change(settings):
    before = slot_bounds(settings, date(2026, 9, 26), "morning")
    after = slot_bounds(settings, date(2026, 9, 28), "morning")
    assert before == (
        datetime(2026, 9, 25, 21, tzinfo=UTC),  # 09:00 NZST = 21:00 UTC the day before
        datetime(2026, 9, 26, 0, tzinfo=UTC),
    )
    assert after == (
        datetime(2026, 9, 27, 20, tzinfo=UTC),  # 09:00 NZDT = 20:00 UTC
        datetime(2026, 9, 27, 23, tzinfo=UTC),
    )
    evening = slot_bounds(settings, date(2026, 9, 27), "evening")
    assert evening == (datetime(2026, 9, 27, 5, tzinfo=UTC), datetime(2026, 9, 27, 8, tzinfo=UTC))


async def _request(api, cast, dates):
    response = await api.post(
        "/api/meetings/appointments/create/",
        json=request_body(dates),
        headers=cast.headers("alice"),
    )
    assert response.status == 201, await response.text()
    return (await response.json())["id"]


async def test_theo_schedules_in_practice_time_on_both_sides_of_the_change(auckland):
    cast, api = auckland
    first = await _request(api, cast, ["2026-09-26"])
    second = await _request(api, cast, ["2026-09-28"])

    for appointment_id, local, utc, offset in (
        (first, "2026-09-26T09:00:00", "2026-09-25T21:00:00Z", "+12:00"),
        (second, "2026-09-28T09:00:00", "2026-09-27T20:00:00Z", "+13:00"),
    ):
        response = await api.post(
            f"/api/meetings/appointments/{appointment_id}/schedule/",
            json={"scheduled_datetime": local},
            headers=cast.headers("theo"),
        )
        assert response.status == 200, await response.text()
        body = await response.json()
        assert body["scheduled_datetime"] == utc
        assert body["scheduled_datetime_local"] == local + offset

    # The client's e-mail names the zone and the abbreviation in force on that day.
    scheduled = await Notification.filter(kind="scheduled", channel="email").order_by("id")
    assert "09:00 NZST (Pacific/Auckland)" in scheduled[0].payload["text"]
    assert "09:00 NZDT (Pacific/Auckland)" in scheduled[1].payload["text"]


async def test_a_time_the_clocks_skip_is_refused(auckland):
    cast, api = auckland
    appointment_id = await _request(api, cast, ["2026-09-27"])
    response = await api.post(
        f"/api/meetings/appointments/{appointment_id}/schedule/",
        json={"scheduled_datetime": "2026-09-27T02:30:00"},
        headers=cast.headers("theo"),
    )
    assert response.status == 400
    assert "daylight saving" in (await response.json())["scheduled_datetime"][0]


async def test_the_short_day_of_the_change_holds_its_own_sessions_only(auckland, settings):
    cast, api = auckland
    ids = [await _request(api, cast, ["2026-09-27"]) for _ in range(3)]
    # 23:30 NZDT on the 27th is 10:30 UTC; 00:30 NZDT on the 28th is 11:30 UTC;
    # 00:30 NZST on the 27th is 12:30 UTC on the 26th.
    times = ["2026-09-27T23:30:00", "2026-09-28T00:30:00", "2026-09-27T00:30:00"]
    for appointment_id, when in zip(ids, times, strict=True):
        response = await api.post(
            f"/api/meetings/appointments/{appointment_id}/schedule/",
            json={"scheduled_datetime": when, "scheduled_duration": 30},
            headers=cast.headers("theo"),
        )
        assert response.status == 200, await response.text()
    on_the_day = await sessions_on(settings, date(2026, 9, 27))
    assert [str(a.id) for a in on_the_day] == [ids[2], ids[0]]
