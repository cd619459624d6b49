"""Weekly availability, the dates a client may ask for, and the time slots of a day.

Days and slots are wall-clock times in `PRACTICE_TIMEZONE`; everything stored is UTC.
Converting through `zoneinfo` on the concrete date keeps slot times right across
daylight-saving changes (09:00 stays 09:00 local, the UTC offset moves).

Services (plain values in and out, `booking.errors` raised):

- `await get_availability() -> Availability` (the single row; Monday-Friday until set)
- `await set_available_days(days: Iterable[int]) -> Availability` (0=Monday .. 6=Sunday)
- `day_names(days) -> list[str]`
- `practice_today(settings, now=None) -> date`
- `await available_dates(settings, today=None, *, now=None) -> list[date]`
  (the next 30 days from tomorrow whose weekday is open)
- `slot_bounds(settings, day, slot) -> tuple[datetime, datetime]` (UTC, DST-correct)
- `slot_start_minutes(slots, step=STEP_MINUTES) -> list[int]` (the start times offered
  inside the given slots, as minutes after midnight on the practice's wall clock)
- `to_practice_time(settings, value: datetime) -> datetime` (aware, in the practice zone)
- `localize(settings, naive: datetime) -> datetime` (practice wall clock -> aware UTC;
  InvalidInput for a time that does not exist because of a daylight-saving jump)
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from booking.errors import InvalidInput
from booking.settings import Settings
from models import Availability, TimeSlot

BOOKING_HORIZON_DAYS = 30
DEFAULT_DAYS = [0, 1, 2, 3, 4]
DAY_NAMES = list(calendar.day_name)  # Monday .. Sunday, index = weekday number

# (start hour, end hour) of each slot, practice wall clock.
SLOT_HOURS: dict[str, tuple[int, int]] = {
    TimeSlot.MORNING.value: (9, 12),
    TimeSlot.AFTERNOON.value: (13, 17),
    TimeSlot.EVENING.value: (18, 21),
}
SLOT_LABELS: dict[str, str] = {
    TimeSlot.MORNING.value: "Morning (09:00-12:00)",
    TimeSlot.AFTERNOON.value: "Afternoon (13:00-17:00)",
    TimeSlot.EVENING.value: "Evening (18:00-21:00)",
}
# Sessions are offered to start on the half hour inside the chosen slots.
STEP_MINUTES = 30


def _utcnow() -> datetime:
    return datetime.now(UTC)


def day_names(days: Iterable[int]) -> list[str]:
    return [DAY_NAMES[d] for d in days]


def clean_days(days: Iterable[object], field: str = "available_days") -> list[int]:
    """Sorted weekday numbers 0..6; InvalidInput for anything else or a repeated day."""
    cleaned: list[int] = []
    errors: list[str] = []
    for value in days:
        # bool is an int subclass; `true` is not a weekday.
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
            errors.append(f"{value!r} is not a weekday number (0=Monday .. 6=Sunday).")
        elif value in cleaned:
            errors.append(f"Day {value} is listed twice.")
        else:
            cleaned.append(value)
    if errors:
        raise InvalidInput({field: errors})
    return sorted(cleaned)


async def get_availability() -> Availability:
    """The practice's single availability row, created with Monday-Friday on first use."""
    row = await Availability.filter().order_by("id").first()
    if row is None:
        row, _ = await Availability.get_or_create(id=1, defaults={"available_days": DEFAULT_DAYS})
    return row


async def set_available_days(days: Iterable[object]) -> Availability:
    """Replace the open weekdays."""
    cleaned = clean_days(days)
    row = await get_availability()
    row.available_days = cleaned
    await row.save(update_fields=["available_days", "updated_at"])
    return row


def practice_today(settings: Settings, now: datetime | None = None) -> date:
    return (now or _utcnow()).astimezone(settings.zone).date()


def open_dates(days: Iterable[int], today: date) -> list[date]:
    """The dates of the next BOOKING_HORIZON_DAYS from tomorrow whose weekday is in `days`."""
    open_days = set(days)
    candidates = (today + timedelta(days=n) for n in range(1, BOOKING_HORIZON_DAYS + 1))
    return [d for d in candidates if d.weekday() in open_days]


async def available_dates(
    settings: Settings, today: date | None = None, *, now: datetime | None = None
) -> list[date]:
    """The dates a client may ask for, counted from `today` in the practice's zone."""
    today = today or practice_today(settings, now)
    availability = await get_availability()
    return open_dates(availability.available_days, today)


def localize(settings: Settings, naive: datetime) -> datetime:
    """Practice wall-clock time -> aware UTC; a time skipped by a DST jump is refused.

    For a repeated hour (clocks going back) the first occurrence is meant.
    """
    zone = settings.zone
    local = naive.replace(tzinfo=zone, fold=0)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != naive:
        raise InvalidInput(
            {
                "scheduled_datetime": [
                    f"{naive:%Y-%m-%d %H:%M} does not exist in {settings.practice_timezone} "
                    "(the clocks skip it for daylight saving)."
                ]
            }
        )
    return as_utc


def to_practice_time(settings: Settings, value: datetime) -> datetime:
    return value.astimezone(settings.zone)


def slot_bounds(settings: Settings, day: date, slot: str) -> tuple[datetime, datetime]:
    """Start and end of a slot on a practice date, in UTC."""
    if slot not in SLOT_HOURS:
        raise InvalidInput({"preferred_time_slots": [f"{slot!r} is not a time slot."]})
    start_hour, end_hour = SLOT_HOURS[slot]
    start = localize(settings, datetime.combine(day, time(start_hour)))
    end = localize(settings, datetime.combine(day, time(end_hour)))
    return start, end


def slot_start_minutes(slots: Iterable[str], step: int = STEP_MINUTES) -> list[int]:
    """Start times (minutes after midnight, practice wall clock) inside the given slots."""
    chosen = set(slots)
    minutes: list[int] = []
    for slot, (start, end) in SLOT_HOURS.items():
        if slot in chosen:
            minutes += range(start * 60, end * 60, step)
    return minutes
