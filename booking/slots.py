"""What a client is offered within a day: the slots of one date (the API's available-slots)
and the slots of the dates they picked (the bot's slot picker).

Both read `booking.offers.load_openings` once and apply its pure `open_slots`, so a
slot is offered here exactly when the dates on offer count its day.

- `await available_slots(settings, day, *, now=None) -> tuple[date, list[str]]` (`day` as
  YYYY-MM-DD; InvalidInput on `date` when malformed or outside today..horizon; a closed,
  blocked or full day, and today, have no slots)
- `await offered_slots(settings, days, *, now=None) -> list[str]` (slots with room on any)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from booking.availability import SLOT_HOURS, practice_today
from booking.errors import InvalidInput
from booking.offers import load_openings, open_slots
from booking.person_fields import parse_day
from booking.settings import Settings


def parse_offered_day(settings: Settings, value: str, now: datetime, horizon_days: int) -> date:
    """A `YYYY-MM-DD` between today and the horizon; InvalidInput on `date` otherwise."""
    day = parse_day(value)
    if day is None:
        raise InvalidInput({"date": ["Enter a date in YYYY-MM-DD format."]})
    today = practice_today(settings, now)
    if not today <= day <= today + timedelta(days=horizon_days):
        raise InvalidInput({"date": [f"Choose a date from today to {horizon_days} days ahead."]})
    return day


async def available_slots(
    settings: Settings, day: str | date, *, now: datetime | None = None
) -> tuple[date, list[str]]:
    """The day asked for and its slots with room (see `booking.offers.open_slots`)."""
    now = now or datetime.now(UTC)
    openings = await load_openings(settings, now)
    if not isinstance(day, date):
        day = parse_offered_day(settings, day, now, openings.rules.booking_horizon_days)
    return day, open_slots(settings, openings, day, now)


async def offered_slots(
    settings: Settings, days: Iterable[date], *, now: datetime | None = None
) -> list[str]:
    """The slots with room on any of `days` (what a client choosing those days is offered)."""
    now = now or datetime.now(UTC)
    openings = await load_openings(settings, now)
    found = {slot for day in days for slot in open_slots(settings, openings, day, now)}
    return [slot for slot in SLOT_HOURS if slot in found]
