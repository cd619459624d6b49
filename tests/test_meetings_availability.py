"""Theo sets the weekly availability; everyone sees the dates it opens for the next 30 days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from booking.availability import set_available_days, update_rules
from tests.meetings_support import Clock, clocked_api, make_cast

URL = "/api/meetings/admin/availability/"
DATES = "/api/meetings/appointments/available-dates/"


async def test_theo_starts_with_weekdays_open(api, db):
    cast = await make_cast(db)
    response = await api.get(URL, headers=cast.headers("theo"))
    assert response.status == 200
    body = await response.json()
    assert body["available_days"] == [0, 1, 2, 3, 4]
    assert body["available_days_display"] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
    ]


async def test_theo_replaces_the_week_with_put_and_reads_it_back(api, db):
    cast = await make_cast(db)
    response = await api.put(URL, json={"available_days": [4, 0, 2]}, headers=cast.headers("theo"))
    assert response.status == 200
    assert (await response.json())["available_days"] == [0, 2, 4]
    body = await (await api.get(URL, headers=cast.headers("theo"))).json()
    assert body["available_days"] == [0, 2, 4]
    assert body["available_days_display"] == ["Monday", "Wednesday", "Friday"]


async def test_theo_patches_the_week_and_an_empty_patch_changes_nothing(api, db):
    cast = await make_cast(db)
    response = await api.patch(URL, json={"available_days": [5, 6]}, headers=cast.headers("theo"))
    assert (await response.json())["available_days_display"] == ["Saturday", "Sunday"]
    response = await api.patch(URL, json={}, headers=cast.headers("theo"))
    assert response.status == 200
    assert (await response.json())["available_days"] == [5, 6]


async def test_theo_may_close_the_practice_entirely(api, db):
    cast = await make_cast(db)
    response = await api.put(URL, json={"available_days": []}, headers=cast.headers("theo"))
    assert response.status == 200
    assert await (await api.get(DATES)).json() == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"available_days": None},
        {"available_days": 3},
        {"available_days": [7]},
        {"available_days": [-1]},
        {"available_days": ["1"]},
        {"available_days": [1.5]},
        {"available_days": [True]},
        {"available_days": [1, 1]},
        {"available_days": [0, 1, 2, 3, 4, 5, 6, 0]},
        {"available_days": [1], "hours": "9-5"},
    ],
)
async def test_anything_but_a_list_of_distinct_weekday_numbers_is_refused(api, db, body):
    cast = await make_cast(db)
    response = await api.put(URL, json=body, headers=cast.headers("theo"))
    assert response.status == 400, body
    errors = await response.json()
    assert set(errors) <= {"available_days", "hours"} and errors
    current = await (await api.get(URL, headers=cast.headers("theo"))).json()
    assert current["available_days"] == [0, 1, 2, 3, 4]


async def test_a_body_that_is_not_json_is_refused(api, db):
    cast = await make_cast(db)
    response = await api.put(
        URL,
        data=b"available_days=1",
        headers={**cast.headers("theo"), "Content-Type": "application/json"},
    )
    assert response.status == 400


async def test_available_dates_are_the_open_weekdays_of_the_next_30_days(db, make_client):
    cast = await make_cast(db)
    # Monday 2 March 2026, 10:00 UTC (the practice runs on UTC here).
    clock = Clock(datetime(2026, 3, 2, 10, tzinfo=UTC))
    api = await clocked_api(db, make_client, clock)
    await api.put(URL, json={"available_days": [0, 3]}, headers=cast.headers("theo"))

    dates = await (await api.get(DATES)).json()

    expected = [
        (date(2026, 3, 3) + timedelta(days=n)).isoformat()
        for n in range(30)
        if (date(2026, 3, 3) + timedelta(days=n)).weekday() in (0, 3)
    ]
    assert dates == expected
    assert dates[0] == "2026-03-05"  # today (a Monday) is never offered
    assert dates[-1] == "2026-03-30"  # 1 April (day 30, a Wednesday) is closed
    assert "2026-04-02" not in dates  # day 31 is beyond the horizon


async def test_the_last_date_offered_is_30_days_after_today(db, make_client):
    await make_cast(db)
    clock = Clock(datetime(2026, 3, 2, 23, 59, 59, tzinfo=UTC))
    api = await clocked_api(db, make_client, clock)
    await set_available_days([0, 1, 2, 3, 4, 5, 6])
    # Without a minimum notice (24 hours would rule out tomorrow, a second before midnight).
    await update_rules({"minimum_notice_hours": 0})
    dates = await (await api.get(DATES)).json()
    assert len(dates) == 30
    assert dates[0] == "2026-03-03" and dates[-1] == "2026-04-01"
