"""Weekly availability, the practice's booking rules, clashes, and the time slots of a day.

Days and slots are wall-clock times in `PRACTICE_TIMEZONE`; everything stored is UTC.
Converting through `zoneinfo` on the concrete date keeps slot times right across
daylight-saving changes (09:00 stays 09:00 local, the UTC offset moves).

Services (plain values in and out, `booking.errors` raised):

- `await get_availability(using_db=None) -> Availability` (the single row; Monday-Friday
  and the default rules until set)
- `await set_available_days(days: Iterable[int]) -> Availability` (0=Monday .. 6=Sunday)
- `await get_rules(using_db=None) -> AvailabilityRules` (the row's rules as plain values)
- `await find_clashes(settings, start, duration_minutes, *, exclude_appointment_id=None,
  using_db=None, rules=None) -> list[Clash]` (every reason [start, start + duration) cannot
  be booked: an overlapping session (never overridable), a session's buffer, a blocked day,
  the day's cap; not the minimum notice, which binds clients only)
- `require_free(clashes, *, override) -> None` (Conflict naming the clashes, its `extra`
  carrying them for the API's 409 body, unless `override` and every clash is overridable)
- `inside_notice(rules, start, now) -> bool` (start < now + minimum_notice_hours)
- `is_late_cancellation(rules, start, now) -> bool` (start < now + cancellation_notice_hours)
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
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tortoise import BaseDBAsyncClient

from booking.errors import Conflict, InvalidInput
from booking.settings import Settings
from models import Appointment, AppointmentStatus, Availability, BlockedDate, TimeSlot

BOOKING_HORIZON_DAYS = 30  # the default of `booking_horizon_days`
DEFAULT_DAYS = [0, 1, 2, 3, 4]
# A session without a recorded duration (none in practice) counts as the default hour.
DEFAULT_SESSION_MINUTES = 60
# No session lasts a day: sessions starting a day before `start` cannot reach it.
LONGEST_REACH = timedelta(days=1)
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


async def get_availability(using_db: BaseDBAsyncClient | None = None) -> Availability:
    """The practice's single availability row, created with Monday-Friday on first use."""
    row = await Availability.filter().using_db(using_db).order_by("id").first()
    if row is None:
        row, _ = await Availability.get_or_create(
            id=1, defaults={"available_days": DEFAULT_DAYS}, using_db=using_db
        )
    return row


async def set_available_days(days: Iterable[object]) -> Availability:
    """Replace the open weekdays."""
    cleaned = clean_days(days)
    row = await get_availability()
    row.available_days = cleaned
    await row.save(update_fields=["available_days", "updated_at"])
    return row


# --- the rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AvailabilityRules:
    """The practice's booking rules as plain values (the Availability row's fields)."""

    available_days: tuple[int, ...] = tuple(DEFAULT_DAYS)
    minimum_notice_hours: int = 24
    booking_horizon_days: int = BOOKING_HORIZON_DAYS
    buffer_minutes: int = 0
    max_sessions_per_day: int | None = None  # None: no cap
    cancellation_notice_hours: int = 24

    @classmethod
    def of(cls, row: Availability) -> AvailabilityRules:
        return cls(
            available_days=tuple(row.available_days),
            minimum_notice_hours=row.minimum_notice_hours,
            booking_horizon_days=row.booking_horizon_days,
            buffer_minutes=row.buffer_minutes,
            max_sessions_per_day=row.max_sessions_per_day,
            cancellation_notice_hours=row.cancellation_notice_hours,
        )


async def get_rules(using_db: BaseDBAsyncClient | None = None) -> AvailabilityRules:
    """The practice's rules (one query once the row exists)."""
    return AvailabilityRules.of(await get_availability(using_db))


def inside_notice(rules: AvailabilityRules, start: datetime, now: datetime) -> bool:
    """True when `start` is closer than the minimum notice: clients may not take it."""
    return start < now + timedelta(hours=rules.minimum_notice_hours)


def is_late_cancellation(rules: AvailabilityRules, start: datetime, now: datetime) -> bool:
    """True when a client cancelling now, for a session at `start`, cancels late."""
    return start < now + timedelta(hours=rules.cancellation_notice_hours)


# --- clashes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clash:
    """One reason a time cannot be booked."""

    kind: str  # "session" | "buffer" | "blocked_day" | "daily_cap" | "closed_day" | "notice"
    detail: str  # names the clash: "overlaps the session at 10:00-11:00"
    appointment_id: uuid.UUID | None = None
    # Two sessions never overlap; a buffer, a blocked day or a full day staff may override.
    overridable: bool = True

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "detail": self.detail}


def _session_end(session: Appointment) -> datetime:
    minutes = session.scheduled_duration or DEFAULT_SESSION_MINUTES
    return session.scheduled_datetime + timedelta(minutes=minutes)  # type: ignore[operator]


def _span(settings: Settings, start: datetime, end: datetime) -> str:
    """'10:00-11:00' on the practice's wall clock."""
    return f"{start.astimezone(settings.zone):%H:%M}-{end.astimezone(settings.zone):%H:%M}"


def day_bounds(settings: Settings, day: date) -> tuple[datetime, datetime]:
    """The practice-local day as [start, end) in UTC (23 or 25 hours on DST days)."""
    start = localize(settings, datetime.combine(day, time()))
    return start, localize(settings, datetime.combine(day + timedelta(days=1), time()))


def session_clashes(
    settings: Settings,
    rules: AvailabilityRules,
    start: datetime,
    end: datetime,
    sessions: Iterable[Appointment],
) -> list[Clash]:
    """Overlaps with `sessions` (never overridable) and with their buffers."""
    buffer = timedelta(minutes=rules.buffer_minutes)
    clashes: list[Clash] = []
    for other in sessions:
        other_start, other_end = other.scheduled_datetime, _session_end(other)
        if other_start is None:
            continue
        span = _span(settings, other_start, other_end)
        if other_start < end and start < other_end:
            clashes.append(Clash("session", f"overlaps the session at {span}", other.id, False))
        elif buffer and other_start - buffer < end and start < other_end + buffer:
            clashes.append(
                Clash(
                    "buffer",
                    f"is within the {rules.buffer_minutes}-minute buffer "
                    f"around the session at {span}",
                    other.id,
                )
            )
    return clashes


def cap_clash(rules: AvailabilityRules, day: date, sessions_that_day: int) -> Clash | None:
    cap = rules.max_sessions_per_day
    if cap is None or sessions_that_day < cap:
        return None
    return Clash(
        "daily_cap",
        f"would pass the cap of {cap} sessions a day ({day.isoformat()} has {sessions_that_day})",
    )


def blocked_clash(day: date, blocks: Iterable[BlockedDate]) -> Clash | None:
    for block in blocks:
        if block.start_date <= day <= block.end_date:
            span = block.start_date.isoformat()
            if block.end_date != block.start_date:
                span += f" to {block.end_date.isoformat()}"
            return Clash("blocked_day", f"falls on a blocked day (away {span})")
    return None


async def find_clashes(
    settings: Settings,
    start: datetime,
    duration_minutes: int,
    *,
    exclude_appointment_id: uuid.UUID | None = None,
    using_db: BaseDBAsyncClient | None = None,
    rules: AvailabilityRules | None = None,
) -> list[Clash]:
    """Every reason [start, start + duration) cannot be booked (see the module's docstring).

    Three queries at most: the rules (unless given), the scheduled sessions around the
    start's day, the blocked dates covering it.
    """
    if start.tzinfo is None:
        raise ValueError("find_clashes needs an aware datetime")
    rules = rules or await get_rules(using_db)
    end = start + timedelta(minutes=duration_minutes)
    buffer = timedelta(minutes=rules.buffer_minutes)
    day = start.astimezone(settings.zone).date()
    day_start, day_end = day_bounds(settings, day)
    query = Appointment.filter(
        status=AppointmentStatus.SCHEDULED,
        scheduled_datetime__gte=min(day_start, start - buffer - LONGEST_REACH),
        scheduled_datetime__lt=max(day_end, end + buffer),
    )
    if exclude_appointment_id is not None:
        query = query.exclude(id=exclude_appointment_id)
    sessions = list(await query.using_db(using_db).order_by("scheduled_datetime"))
    clashes = session_clashes(settings, rules, start, end, sessions)
    last_day = (end - timedelta(microseconds=1)).astimezone(settings.zone).date()
    blocks = await BlockedDate.filter(start_date__lte=last_day, end_date__gte=day).using_db(
        using_db
    )
    days = [day + timedelta(days=n) for n in range((last_day - day).days + 1)]
    blocked = next((c for d in days if (c := blocked_clash(d, blocks)) is not None), None)
    if blocked is not None:
        clashes.append(blocked)
    that_day = sum(1 for s in sessions if day_start <= s.scheduled_datetime < day_end)  # type: ignore[operator]
    if (capped := cap_clash(rules, day, that_day)) is not None:
        clashes.append(capped)
    return clashes


def describe_clashes(clashes: Iterable[Clash]) -> str:
    """'The time overlaps the session at 10:00-11:00; is within ...'."""
    return "The time " + "; ".join(c.detail for c in clashes) + "."


def require_free(clashes: list[Clash], *, override: bool) -> None:
    """Conflict naming `clashes`, unless there are none or staff override overridable ones."""
    if not clashes:
        return
    if override and all(c.overridable for c in clashes):
        return
    detail = describe_clashes(clashes)
    if override:
        detail += " Another session's own time cannot be overridden."
    raise Conflict(detail, extra={"clashes": [c.as_dict() for c in clashes]})


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
