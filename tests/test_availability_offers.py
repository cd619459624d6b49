"""available-dates and available-slots: what clients are offered under the practice's rules
(horizon, minimum notice, daily cap, buffers, room left), and the slots contract."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from tortoise import Tortoise

from booking import offers
from booking.appointments import create_appointment, schedule_appointment
from booking.availability import update_rules
from booking.db import close_database, open_database
from booking.slots import available_slots
from models import BlockedDate
from tests.availability_support import (
    NOW,
    SLOTS,
    a_request,
    a_session,
    at,
    clocked,
    dates_offered,
    day,
    slots_of,
)
from tests.meetings_support import make_cast, request_body

EVERY_SLOT = ["morning", "afternoon", "evening"]


async def test_dates_end_at_the_booking_horizon(db, make_client):
    _cast, api = await clocked(db, make_client)
    await update_rules({"available_days": list(range(7)), "booking_horizon_days": 7})
    assert await dates_offered(api) == [day(n).isoformat() for n in range(1, 8)]
    assert await slots_of(api, 7) == EVERY_SLOT
    response = await api.get(SLOTS, params={"date": day(8).isoformat()})
    assert response.status == 400
    assert "7 days" in (await response.json())["date"][0]


async def test_a_day_wholly_inside_the_minimum_notice_is_not_offered(db, make_client):
    _cast, api = await clocked(db, make_client)  # Monday 10:00
    # 36 hours: Tuesday's last start (20:00) is 34 hours away.
    await update_rules({"minimum_notice_hours": 36})
    offered = await dates_offered(api)
    assert offered[0] == day(2).isoformat()
    assert await slots_of(api, 1) == []
    assert await slots_of(api, 2) == EVERY_SLOT


@pytest.mark.parametrize(
    ("notice", "slots"),
    [
        (0, EVERY_SLOT),
        (24, EVERY_SLOT),  # Tuesday 10:00 may start: exactly the notice
        (25, EVERY_SLOT),  # 11:00-12:00 still fits the morning
        (26, ["afternoon", "evening"]),  # 11:30 would end after 12:00
        (30, ["afternoon", "evening"]),  # Tuesday 16:00-17:00 is the last afternoon hour
        (31, ["evening"]),
        (34, ["evening"]),  # 20:00-21:00
        (35, []),
    ],
)
async def test_a_slot_is_offered_while_one_start_in_it_is_past_the_notice(
    db, make_client, notice, slots
):
    _cast, api = await clocked(db, make_client)
    await update_rules({"minimum_notice_hours": notice})
    assert await slots_of(api, 1) == slots
    assert (day(1).isoformat() in await dates_offered(api)) == bool(slots)


async def test_a_day_at_its_cap_is_not_offered(db, make_client):
    cast, api = await clocked(db, make_client)
    await update_rules({"max_sessions_per_day": 2})
    await a_session(db, cast.theo, at(2, 9))
    assert day(2).isoformat() in await dates_offered(api)
    await a_session(db, cast.theo, at(2, 18))
    assert day(2).isoformat() not in await dates_offered(api)
    assert await slots_of(api, 2) == []
    await update_rules({"max_sessions_per_day": None})
    assert await slots_of(api, 2) == EVERY_SLOT


@pytest.mark.parametrize(
    ("session", "minutes", "buffer", "morning"),
    [
        ((9, 0), 60, 0, True),  # 10:00-11:00 is free
        ((9, 0), 120, 0, True),  # 11:00-12:00 ends by the slot's end
        ((9, 0), 150, 0, False),  # from 11:30 a session would run past 12:00
        ((10, 0), 60, 0, True),  # 09:00-10:00 and 11:00-12:00
        ((10, 0), 60, 30, False),  # 09:00 touches 09:30; 11:00 touches 11:30
        ((10, 30), 60, 30, True),  # 09:00-10:00 leaves the 30 minutes before 10:30 free
        ((10, 30), 60, 45, False),  # busy 09:45-12:15
        ((10, 0), 30, 30, True),  # busy 09:30-11:00: 11:00-12:00 fits
        ((11, 0), 60, 0, True),  # 09:00-10:00, 09:30-10:30, 10:00-11:00
        ((8, 0), 60, 60, True),  # a session before the slot keeps its buffer, 10:00 fits
    ],
)
async def test_a_slot_has_room_when_an_hour_on_the_half_hour_fits_with_buffers(
    db, make_client, session, minutes, buffer, morning
):
    cast, api = await clocked(db, make_client)
    await update_rules({"buffer_minutes": buffer})
    await a_session(db, cast.theo, at(2, *session), minutes)
    assert ("morning" in await slots_of(api, 2)) is morning


async def test_a_day_with_no_room_left_is_not_offered(db, make_client):
    cast, api = await clocked(db, make_client)
    await update_rules({"buffer_minutes": 120})
    for hour in (10, 14, 19):
        await a_session(db, cast.theo, at(2, hour))
    assert await slots_of(api, 2) == []
    assert day(2).isoformat() not in await dates_offered(api)
    await update_rules({"buffer_minutes": 0})
    assert await slots_of(api, 2) == EVERY_SLOT


async def test_closed_days_and_today_have_no_slots(db, make_client):
    _cast, api = await clocked(db, make_client)
    await update_rules({"minimum_notice_hours": 0})
    assert await slots_of(api, 5) == []  # Saturday: closed
    assert await slots_of(api, 0) == []  # today: dates start tomorrow
    assert day(0).isoformat() not in await dates_offered(api)


@pytest.mark.parametrize("value", ["2026-3-4", "tomorrow", "2026-02-30", "", "2026-03-04T10:00"])
async def test_a_malformed_date_is_a_400_on_date(db, make_client, value):
    _cast, api = await clocked(db, make_client)
    response = await api.get(SLOTS, params={"date": value})
    assert response.status == 400
    assert list(await response.json()) == ["date"]


async def test_a_date_before_today_or_a_missing_one_is_a_400(db, make_client):
    _cast, api = await clocked(db, make_client)
    response = await api.get(SLOTS, params={"date": day(-1).isoformat()})
    assert response.status == 400 and list(await response.json()) == ["date"]
    response = await api.get(SLOTS)
    assert response.status == 400 and list(await response.json()) == ["date"]


async def a_busy_fortnight(db, cast) -> None:
    """Rules of every kind at once: closed Saturdays, a 30-hour notice, 15-minute buffers, a
    cap of three a day, a 12-day horizon, days 8-9 away, and seven sessions on days 2-4."""
    await update_rules(
        {
            "available_days": [0, 1, 2, 3, 4, 6],
            "minimum_notice_hours": 30,
            "buffer_minutes": 15,
            "max_sessions_per_day": 3,
            "booking_horizon_days": 12,
        }
    )
    await BlockedDate.create(start_date=day(8), end_date=day(9))
    for offset, hour in ((2, 9), (2, 13), (2, 18), (3, 9), (3, 10), (3, 11), (4, 14)):
        await a_session(db, cast.theo, at(offset, hour))


async def test_the_slots_of_a_day_are_offered_exactly_when_the_day_is(db, make_client):
    cast, api = await clocked(db, make_client)
    await a_busy_fortnight(db, cast)
    offered = await dates_offered(api)
    for offset in range(13):
        slots = await slots_of(api, offset)
        assert (day(offset).isoformat() in offered) == bool(slots), offset
    # Wednesday and Thursday are at the cap, Saturdays closed, days 8-9 blocked.
    assert offered == [day(n).isoformat() for n in (1, 4, 6, 7, 10, 11)]
    assert await slots_of(api, 1) == ["afternoon", "evening"]  # the notice ends at 16:00
    assert await slots_of(api, 4) == EVERY_SLOT  # 15:30-16:30 clears 14:00-15:00 + 15 min


async def test_a_request_checks_its_dates_as_the_calendar_offers_them(db, make_client):
    """`dates_on_offer` (what a request's dates are checked against) works out only the days
    it is given when no cached calendar stands: it must agree with the whole calendar."""
    cast, api = await clocked(db, make_client)
    await a_busy_fortnight(db, cast)
    calendar = {date.fromisoformat(d) for d in await dates_offered(api)}
    assert calendar == {day(n) for n in (1, 4, 6, 7, 10, 11)}
    days = [day(n) for n in range(-1, 15)]
    for first in days:
        for second in (first, first + timedelta(days=1), first + timedelta(days=5)):
            offers._offers.clear()  # nothing cached: only these days are worked out
            offers._spans.clear()
            wanted = {first, second}
            assert await offers.dates_on_offer(db, wanted, now=NOW) == calendar & wanted
    # With the calendar cached (nothing written since), its answer is used as it is.
    assert set(await offers.available_dates(db, now=NOW)) == calendar
    assert await offers.dates_on_offer(db, days, now=NOW) == calendar


async def test_slots_keep_the_wall_clock_on_the_day_the_clocks_go_forward(
    make_settings, database_url
):
    settings = make_settings(DATABASE_URL=database_url, PRACTICE_TIMEZONE="Europe/London")
    await open_database(settings)
    await Tortoise.generate_schemas()
    try:
        cast = await make_cast(settings)
        now = datetime(2026, 3, 25, 10, tzinfo=UTC)
        sunday = date(2026, 3, 29)  # 01:00 GMT becomes 02:00 BST
        await update_rules({"available_days": list(range(7)), "buffer_minutes": 60})
        request = await a_request()
        # 10:00 BST is 09:00 UTC: with the hour's buffer the whole morning is taken (read as
        # 10:00 GMT, 11:00-12:00 would look free).
        await schedule_appointment(
            settings, request.id, cast.theo, "2026-03-29T10:00:00", 60, now=now
        )
        offered = await available_slots(settings, sunday, now=now)
        assert offered == (sunday, ["afternoon", "evening"])
    finally:
        await close_database()


async def test_a_new_request_leaves_the_offers_standing_and_a_decision_retires_them(
    db, make_client
):
    """A pending request takes no time: the offered dates (and the body served for them)
    outlive it, while scheduling it changes them at once (here: day 2 reaches its cap)."""
    cast, api = await clocked(db, make_client)
    await update_rules({"max_sessions_per_day": 1})
    assert day(2).isoformat() in await dates_offered(api)
    key = offers._key(db, NOW)
    body = request_body([day(2).isoformat()])
    body.pop("phone")
    request = await create_appointment(db, **body, now=NOW)
    assert offers._offers.peek(key) is not None  # kept
    assert await offers.dates_on_offer(db, [day(2)], now=NOW) == {day(2)}
    await schedule_appointment(db, request.id, cast.theo, at(2, 9), now=NOW)
    assert offers._offers.peek(key) is None  # retired by the decision
    assert await offers.dates_on_offer(db, [day(2)], now=NOW) == set()
    assert day(2).isoformat() not in await dates_offered(api)
