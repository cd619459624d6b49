"""Weekly availability, the practice's booking rules, clashes, and what clients are offered.

Days and slots are wall-clock times in `PRACTICE_TIMEZONE`; everything stored is UTC.
Converting through `zoneinfo` on the concrete date keeps slot times right across
daylight-saving changes (09:00 stays 09:00 local, the UTC offset moves).

Services (plain values in and out, `booking.errors` raised):

- `await get_availability(using_db=None) -> Availability` (the single row, made on first use)
- `await set_available_days(days, actor=None) -> Availability` (0=Monday .. 6=Sunday)
- `await update_rules(changes, actor=None) -> Availability` (any of `available_days` and the
  RULE_LIMITS fields; InvalidInput naming each field; staff `actor`: availability.change)
- `await get_rules(using_db=None) -> AvailabilityRules` (plain values; ≤ 1 s old without using_db)
- `await find_clashes(settings, start, duration_minutes, *, exclude_appointment_id=None,
  using_db=None, rules=None) -> list[Clash]` (every reason [start, start + duration) cannot
  be booked: an overlapping session (never overridable), a session's buffer, a blocked day,
  the day's cap; not the minimum notice, which binds clients only)
- `require_free(clashes, *, override) -> None` (Conflict naming the clashes, its `extra`
  carrying them for the API's 409 body, unless `override` and every clash is overridable)
- `inside_notice(rules, start, now)`, `is_late_cancellation(rules, start, now)` (-> bool)
- what clients are offered (available dates and slots): `booking.offers`
- `await busy_query(start, end, exclude=None, using_db=None)` (id, start, duration of the
  sessions starting in [start, end)) and `busy_of(rows)` (their `Busy` periods, by start)
- `await blocked_between(first, last, using_db=None)` (start, end of the blocked periods
  touching those days)
- `day_names(days) -> list[str]`, `practice_today(settings, now=None) -> date`
- `slot_bounds(settings, day, slot)`, `day_bounds(settings, day)` (UTC, DST-correct)
- `slot_start_minutes(slots, step=STEP_MINUTES) -> list[int]` (wall-clock minutes offered)
- `localize(settings, naive) -> datetime` (wall clock -> UTC; InvalidInput in a DST gap)
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise import BaseDBAsyncClient, connections

from booking.audit import AVAILABILITY_CHANGE, record_staff
from booking.clashes import (
    Busy,
    Clash,
    blocked_clash,
    cap_clash,
    describe_clashes,
    session_clashes,
    touches,
)
from booking.db_clients import Statements, uuid_value
from booking.errors import Conflict, InvalidInput
from booking.freshness import Fresh
from booking.settings import Settings
from models import AppointmentStatus, Availability, TimeSlot, User

_rules = Fresh(tables=("availability",))  # the rules (frozen values): see get_rules
BOOKING_HORIZON_DAYS = 30  # the default of `booking_horizon_days`
DEFAULT_DAYS = [0, 1, 2, 3, 4]
DAY_NAMES = list(calendar.day_name)  # Monday .. Sunday, index = weekday number

# The rules' bounds, inclusive; `max_sessions_per_day` may also be None (no cap).
RULE_LIMITS: dict[str, tuple[int, int]] = {
    "minimum_notice_hours": (0, 720),
    "booking_horizon_days": (1, 365),
    "buffer_minutes": (0, 120),
    "max_sessions_per_day": (1, 48),
    "cancellation_notice_hours": (0, 720),
}
NULLABLE_RULES = {"max_sessions_per_day"}

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
# A slot has room when a session of this length fits in it (what clients are offered).
OFFERED_SESSION_MINUTES = 60
# A session without a recorded duration (none in practice) counts as an hour.
DEFAULT_SESSION_MINUTES = 60
# No session lasts a day: sessions starting a day before a time cannot reach it.
LONGEST_REACH = timedelta(days=1)


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


def _clean_rule(field: str, value: object) -> int | None:
    if value is None and field in NULLABLE_RULES:
        return None
    low, high = RULE_LIMITS[field]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput({field: ["A whole number is required."]})
    if not low <= value <= high:
        raise InvalidInput({field: [f"Ensure this value is between {low} and {high}."]})
    return value


async def get_availability(using_db: BaseDBAsyncClient | None = None) -> Availability:
    """The practice's single availability row, created with Monday-Friday on first use."""
    row = await Availability.filter().using_db(using_db).order_by("id").first()
    if row is None:
        row, _ = await Availability.get_or_create(
            id=1, defaults={"available_days": DEFAULT_DAYS}, using_db=using_db
        )
    return row


async def update_rules(changes: Mapping[str, object], actor: User | None = None) -> Availability:
    """Change the given fields (`available_days` and the rules); every field checked first."""
    cleaned: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    for field, value in changes.items():
        try:
            if field == "available_days":
                if not isinstance(value, list | tuple):
                    raise InvalidInput({field: ["A list of weekday numbers is required."]})
                cleaned[field] = clean_days(value)
            elif field in RULE_LIMITS:
                cleaned[field] = _clean_rule(field, value)
            else:
                raise InvalidInput({field: ["Unknown field."]})
        except InvalidInput as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    row = await get_availability()
    if cleaned:
        for field, value in cleaned.items():
            setattr(row, field, value)
        await row.save(update_fields=[*cleaned, "updated_at"])
        await record_staff(actor, AVAILABILITY_CHANGE, target=",".join(cleaned))
    return row


async def set_available_days(days: Iterable[object], actor: User | None = None) -> Availability:
    """Replace the open weekdays."""
    return await update_rules({"available_days": list(days)}, actor)


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
        return cls.from_values({name: getattr(row, name) for name in RULE_FIELDS})

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> AvailabilityRules:
        """From the row's values by field name (`RULE_FIELDS`), the weekdays as a list."""
        return cls(**{**values, "available_days": tuple(values["available_days"])})


RULE_FIELDS = tuple(field.name for field in fields(AvailabilityRules))


async def get_rules(using_db: BaseDBAsyncClient | None = None) -> AvailabilityRules:
    """The practice's rules: read inside the caller's transaction when one is given (a
    decision under the lock), else reused for up to a second (`booking.freshness`)."""
    if using_db is not None:
        rows = await using_db.execute_query_dict(_SQL.sql(using_db, "rules"), [])
        if not rows:  # the row is made on first use
            return AvailabilityRules.of(await get_availability(using_db))
        days = Availability._meta.fields_map["available_days"].to_python_value
        return AvailabilityRules.from_values(
            {**rows[0], "available_days": days(rows[0]["available_days"])}
        )
    return await _rules.get("rules", _read_rules)


async def _read_rules() -> AvailabilityRules:
    return AvailabilityRules.of(await get_availability())


def inside_notice(rules: AvailabilityRules, start: datetime, now: datetime) -> bool:
    """True when `start` is closer than the minimum notice: clients may not take it."""
    return start < now + timedelta(hours=rules.minimum_notice_hours)


def is_late_cancellation(rules: AvailabilityRules, start: datetime, now: datetime) -> bool:
    """True when a client cancelling now, for a session at `start`, cancels late."""
    return start < now + timedelta(hours=rules.cancellation_notice_hours)


# --- the practice's clock -------------------------------------------------------------------


def practice_today(settings: Settings, now: datetime | None = None) -> date:
    return (now or _utcnow()).astimezone(settings.zone).date()


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


def slot_bounds(settings: Settings, day: date, slot: str) -> tuple[datetime, datetime]:
    """Start and end of a slot on a practice date, in UTC."""
    if slot not in SLOT_HOURS:
        raise InvalidInput({"preferred_time_slots": [f"{slot!r} is not a time slot."]})
    start_hour, end_hour = SLOT_HOURS[slot]
    start = localize(settings, datetime.combine(day, time(start_hour)))
    end = localize(settings, datetime.combine(day, time(end_hour)))
    return start, end


def day_bounds(settings: Settings, day: date) -> tuple[datetime, datetime]:
    """The practice-local day as [start, end) in UTC (23 or 25 hours on DST days)."""
    start = localize(settings, datetime.combine(day, time()))
    return start, localize(settings, datetime.combine(day + timedelta(days=1), time()))


def slot_start_minutes(slots: Iterable[str], step: int = STEP_MINUTES) -> list[int]:
    """Start times (minutes after midnight, practice wall clock) inside the given slots."""
    chosen = set(slots)
    minutes: list[int] = []
    for slot, (start, end) in SLOT_HOURS.items():
        if slot in chosen:
            minutes += range(start * 60, end * 60, step)
    return minutes


def wall_clock_start(settings: Settings, day: date, minute: int) -> datetime | None:
    """`minute` after midnight on `day` as aware UTC; None when a DST jump skips it."""
    try:
        return localize(settings, datetime.combine(day, time(minute // 60, minute % 60)))
    except InvalidInput:
        return None


# --- clashes --------------------------------------------------------------------------------


# The sessions and blocked days a clash check or an offer reads, as SQL written once per
# dialect: the ORM built these queries anew on every check and parsed each row's datetime
# with iso8601 (with a busy day, a third of what `schedule/` cost). SQLite holds datetimes as
# ISO text (Tortoise's adapter writes `isoformat(" ")`; the service stores UTC, and the bounds
# here are given in UTC, so text compares as time does), dates as ISO text and UUIDs as
# text; asyncpg gives the values themselves.
_BUSY = (
    "SELECT id, scheduled_datetime, scheduled_duration FROM appointments "
    "WHERE status = {1} AND scheduled_datetime >= {2} AND scheduled_datetime < {3}"
)
_SQL = Statements(
    busy=_BUSY,
    busy_but=_BUSY + " AND id <> {4}",
    blocks="SELECT start_date, end_date FROM blocked_dates "
    "WHERE start_date <= {1} AND end_date >= {2} ORDER BY start_date, id",
    rules=f"SELECT {', '.join(RULE_FIELDS)} FROM availability ORDER BY id LIMIT 1",  # noqa: S608
)


async def busy_query(
    start: datetime,
    end: datetime,
    exclude: uuid.UUID | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> list[tuple[uuid.UUID | str, datetime, int | None]]:
    """(id, start, duration) of the sessions scheduled to start in [start, end): no decrypting.

    The id as the driver gives it (text on SQLite): `busy_of` makes the UUIDs, of the rows
    kept only (a clash check keeps the few near its time of a day's or two's).
    """
    conn = using_db or connections.get("default")
    sqlite = conn.capabilities.dialect == "sqlite"
    values: list[Any] = [AppointmentStatus.SCHEDULED.value, start.astimezone(UTC)]
    values.append(end.astimezone(UTC))
    if exclude is not None:
        values.append(uuid_value(conn, exclude))
    query = _SQL.sql(conn, "busy" if exclude is None else "busy_but")
    _, rows = await conn.execute_query(query, values)
    if not sqlite:
        return [(row[0], row[1], row[2]) for row in rows]
    return [(i, datetime.fromisoformat(at), minutes) for i, at, minutes in rows]


async def blocked_between(
    first: date, last: date, using_db: BaseDBAsyncClient | None = None
) -> list[tuple[date, date]]:
    """(start, end) of the blocked periods touching the days first..last, in order."""
    conn = using_db or connections.get("default")
    _, rows = await conn.execute_query(_SQL.sql(conn, "blocks"), [last, first])
    if conn.capabilities.dialect != "sqlite":
        return [(row[0], row[1]) for row in rows]
    return [(date.fromisoformat(start), date.fromisoformat(end)) for start, end in rows]


def busy_of(rows: Iterable[tuple]) -> tuple[Busy, ...]:
    found = []
    for appointment_id, start, minutes in rows:
        length = timedelta(minutes=minutes or DEFAULT_SESSION_MINUTES)
        at = start.astimezone(UTC)
        if isinstance(appointment_id, str):
            appointment_id = uuid.UUID(appointment_id)
        found.append(Busy(at, at + length, appointment_id))
    return tuple(sorted(found, key=lambda b: b.start))


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
    rows = await busy_query(
        min(day_start, start - buffer - LONGEST_REACH),
        max(day_end, end + buffer),
        exclude_appointment_id,
        using_db,
    )
    # The day's sessions are counted (the cap); only those that touch the time are kept.
    that_day = 0
    near = []
    for row in rows:
        at = row[1]
        if day_start <= at < day_end:
            that_day += 1
        length = timedelta(minutes=row[2] or DEFAULT_SESSION_MINUTES)
        if touches(start, end, at, at + length, buffer):
            near.append(row)
    clashes = session_clashes(settings, rules.buffer_minutes, start, end, busy_of(near))
    last_day = (end - timedelta(microseconds=1)).astimezone(settings.zone).date()
    blocks = await blocked_between(day, last_day, using_db)
    days = [day + timedelta(days=n) for n in range((last_day - day).days + 1)]
    blocked = next((c for d in days if (c := blocked_clash(d, blocks)) is not None), None)
    capped = cap_clash(rules.max_sessions_per_day, day, that_day)
    return clashes + [c for c in (blocked, capped) if c is not None]


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
