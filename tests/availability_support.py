"""The availability stories' clock, calendar and helpers (not a test module itself).

The practice runs on UTC; "now" is Monday 2 March 2026, 10:00, so day offsets read as the
week: +1 Tuesday, +2 Wednesday, +5 Saturday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from booking.appointments import schedule_appointment
from booking.settings import Settings
from models import Appointment, User, blind_index
from tests.meetings_support import Cast, Clock, clocked_api, make_cast

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)
TODAY = NOW.date()
RULES = "/api/meetings/admin/availability/"
BLOCKED = "/api/meetings/admin/blocked-dates/"
DATES = "/api/meetings/appointments/available-dates/"
SLOTS = "/api/meetings/appointments/available-slots/"


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def at(offset: int, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` (UTC, the practice's zone) `offset` days from today."""
    return datetime.combine(day(offset), datetime.min.time(), UTC).replace(hour=hour, minute=minute)


async def clocked(settings: Settings, make_client: Any) -> tuple[Cast, Any]:
    """The cast, and the API reading its time from the fixed clock."""
    cast = await make_cast(settings)
    return cast, await clocked_api(settings, make_client, Clock(NOW))


async def a_request(name: str = "Alice") -> Appointment:
    """A pending request (made directly: the rules of what clients may ask do not matter)."""
    email = f"{name.lower()}-{datetime.now(UTC).timestamp()}@example.com"
    return await Appointment.create(
        email_index=blind_index(email),
        first_name=name,
        last_name="Archer",
        email=email,
        preferred_dates=[day(2).isoformat()],
        preferred_time_slots=["morning"],
    )


async def a_session(settings: Settings, staff: User, start: datetime, minutes: int = 60):
    """A scheduled session at `start` (Theo overrides any rule but another session)."""
    request = await a_request()
    return await schedule_appointment(
        settings, request.id, staff, start, minutes, override=True, now=NOW
    )


async def dates_offered(api: Any) -> list[str]:
    response = await api.get(DATES)
    assert response.status == 200
    return await response.json()


async def slots_of(api: Any, offset: int) -> list[str]:
    response = await api.get(SLOTS, params={"date": day(offset).isoformat()})
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["date"] == day(offset).isoformat()
    return body["slots"]
