"""GET appointments/stats/: Theo sees how many requests wait, were scheduled or declined."""

from __future__ import annotations

from booking.appointments import reject_appointment, schedule_appointment
from tests.meetings_support import make_cast, make_request, tomorrow_at

URL = "/api/meetings/appointments/stats/"


async def test_an_empty_practice_has_zero_everything(api, db):
    cast = await make_cast(db)
    body = await (await api.get(URL, headers=cast.headers("theo"))).json()
    assert body == {
        "total_requests": 0,
        "pending_review": 0,
        "scheduled": 0,
        "rejected": 0,
        "completion_rate": 0.0,
        "cancelled": 0,
        "late_cancellations": 0,
        "rescheduled": 0,
        "attendance_recorded": 0,
        "attendance_rate": 0.0,
        "no_show_rate": 0.0,
    }


async def test_the_numbers_add_up(api, db):
    cast = await make_cast(db)
    made = [await make_request(db) for _ in range(6)]
    await schedule_appointment(db, made[0].id, cast.theo, tomorrow_at(9, 2))
    await schedule_appointment(db, made[1].id, cast.theo, tomorrow_at(11, 2))
    await reject_appointment(db, made[2].id, cast.theo, "Not the right service")

    response = await api.get(URL, headers=cast.headers("theo"))
    assert response.status == 200
    body = await response.json()
    assert body["total_requests"] == 6
    assert body["pending_review"] == 3
    assert body["scheduled"] == 2
    assert body["rejected"] == 1
    assert body["pending_review"] + body["scheduled"] + body["rejected"] == body["total_requests"]
    assert body["completion_rate"] == 33.33  # 2 of 6, two decimals


async def test_the_rate_is_rounded_to_two_decimals(api, db):
    cast = await make_cast(db)
    made = [await make_request(db) for _ in range(3)]
    for hour, appointment in zip((9, 11), made, strict=False):
        await schedule_appointment(db, appointment.id, cast.theo, tomorrow_at(hour, 2))
    body = await (await api.get(URL, headers=cast.headers("theo"))).json()
    assert body["completion_rate"] == 66.67
