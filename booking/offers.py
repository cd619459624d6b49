"""What clients are offered: the dates and slots with room, from the rules and the bookings.

- `await available_dates(settings, *, now=None) -> list[date]` (from tomorrow to the
  horizon: open weekdays, not blocked, not at the cap, with a slot that has room; the same
  answer for every caller within the same second, `booking.freshness`)
- `await dates_on_offer(settings, days, *, now=None) -> set[date]` (which of `days` are
  offered: the cached answer while it stands, else only those days are worked out)
- `OFFER_TABLES`: the tables the offers read, for a cache of anything made from them (a new
  request, counted apart by `booking.db_clients.counted_as`, retires none of them)
- `await load_openings(settings, now, *, days=None, exclude_appointment_id=None)` and the
  pure `offered_dates(settings, openings, now)`, `open_slots(settings, openings, day, now)`
  behind them (and `booking.slots`): three queries whatever the horizon, a value to key on
- `day_is_full(settings, openings, day)`, `slot_has_room(...)`, `horizon(settings, rules, now)`
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from booking.availability import (
    LONGEST_REACH,
    OFFERED_SESSION_MINUTES,
    SLOT_HOURS,
    STEP_MINUTES,
    AvailabilityRules,
    blocked_between,
    busy_of,
    busy_query,
    day_bounds,
    get_rules,
    practice_today,
    wall_clock_start,
)
from booking.clashes import Block, Busy, is_blocked, is_free
from booking.freshness import Fresh
from booking.settings import Settings

# What the offers read: the rules, the blocked dates and the scheduled sessions. A new
# request is counted apart (`booking.db_clients.counted_as`): a pending row takes no time.
OFFER_TABLES = ("appointments", "availability", "blocked_dates")
_offers = Fresh(tables=OFFER_TABLES)  # the offered dates, reused within a second
_spans = Fresh(tables=OFFER_TABLES)  # dates_on_offer's answers for the days it was asked


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Openings:
    """Everything the offers depend on besides the clock: hashable, so a cache may key on it."""

    rules: AvailabilityRules
    blocks: tuple[Block, ...]  # blocked periods reaching into the horizon
    busy: tuple[Busy, ...]  # scheduled sessions around the horizon, by start


def horizon(settings: Settings, rules: AvailabilityRules, now: datetime) -> tuple[date, date]:
    """The first and the last date a client may be offered (tomorrow .. today + horizon)."""
    today = practice_today(settings, now)
    return today + timedelta(days=1), today + timedelta(days=rules.booking_horizon_days)


async def load_openings(
    settings: Settings,
    now: datetime,
    *,
    days: tuple[date, date] | None = None,
    exclude_appointment_id: uuid.UUID | None = None,
) -> Openings:
    """The rules, the blocked dates and the booked sessions of `days` (first, last; by
    default today to the horizon), the session `exclude_appointment_id` left out: three
    queries."""
    rules = await get_rules()
    today = practice_today(settings, now)
    first, last = days or (today, today + timedelta(days=rules.booking_horizon_days))
    reach = LONGEST_REACH + timedelta(minutes=rules.buffer_minutes)
    start, end = day_bounds(settings, first)[0], day_bounds(settings, last)[1]
    rows = await busy_query(start - reach, end + reach, exclude_appointment_id)
    blocks = await blocked_between(first, last)
    return Openings(rules=rules, blocks=tuple(sorted(blocks)), busy=busy_of(rows))


def day_is_full(settings: Settings, openings: Openings, day: date) -> bool:
    """The day has reached the daily cap."""
    return _at_cap(openings, *day_bounds(settings, day))


def _at_cap(openings: Openings, day_start: datetime, day_end: datetime) -> bool:
    cap = openings.rules.max_sessions_per_day
    if cap is None:
        return False
    return sum(1 for b in openings.busy if day_start <= b.start < day_end) >= cap


def open_slots(settings: Settings, openings: Openings, day: date, now: datetime) -> list[str]:
    """The slots of `day` with room for a session (see `slot_has_room`); [] for a day not
    offered: before tomorrow, past the horizon, closed, blocked or at its cap."""
    return list(_slots_with_room(settings, openings, day, now))


def _slots_with_room(
    settings: Settings, openings: Openings, day: date, now: datetime
) -> Iterator[str]:
    rules = openings.rules
    first, last = horizon(settings, rules, now)
    if not first <= day <= last or day.weekday() not in rules.available_days:
        return
    if is_blocked(day, openings.blocks):
        return
    day_start, day_end = day_bounds(settings, day)
    if _at_cap(openings, day_start, day_end):
        return
    reach = LONGEST_REACH + timedelta(minutes=rules.buffer_minutes)
    near = [b for b in openings.busy if day_start - reach < b.start < day_end + reach]
    yield from (s for s in SLOT_HOURS if slot_has_room(settings, rules, near, day, s, now))


def slot_has_room(
    settings: Settings,
    rules: AvailabilityRules,
    busy: Iterable[Busy],
    day: date,
    slot: str,
    now: datetime,
) -> bool:
    """Some 60-minute session starting on a whole or half hour inside the slot, ending by
    its end, starts after the minimum notice and touches no session, buffers counted."""
    first, end = SLOT_HOURS[slot]
    length = timedelta(minutes=OFFERED_SESSION_MINUTES)
    buffer = timedelta(minutes=rules.buffer_minutes)
    earliest = now + timedelta(hours=rules.minimum_notice_hours)
    starts = _slot_starts(settings, day, first, end)
    if not starts or starts[-1] < earliest:
        return False
    # Only the sessions that reach into the slot, buffers counted, can stand in the way.
    opens, closes = starts[0], starts[-1] + length
    near = [b for b in busy if b.start - buffer < closes and opens < b.end + buffer]
    return any(
        is_free(start, start + length, near, rules.buffer_minutes)
        for start in starts
        if start >= earliest
    )


def _slot_starts(settings: Settings, day: date, first: int, end: int) -> list[datetime]:
    """The UTC starts of an offered session in a slot, one each STEP_MINUTES."""
    minutes = range(first * 60, end * 60 - OFFERED_SESSION_MINUTES + 1, STEP_MINUTES)
    opens = wall_clock_start(settings, day, minutes[0])
    closes = wall_clock_start(settings, day, minutes[-1])
    if (
        opens is not None
        and closes is not None
        and closes - opens == timedelta(minutes=minutes[-1] - minutes[0])
    ):
        # No clock change inside the slot (the usual case): the starts are evenly spaced.
        return [opens + timedelta(minutes=m - minutes[0]) for m in minutes]
    found = (wall_clock_start(settings, day, m) for m in minutes)
    return [start for start in found if start is not None]


def offered_dates(settings: Settings, openings: Openings, now: datetime) -> list[date]:
    """The dates with a slot that has room, from tomorrow to the horizon."""
    first, last = horizon(settings, openings.rules, now)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    # A day is offered once one slot has room: the others need not be looked at.
    return [day for day in days if next(_slots_with_room(settings, openings, day, now), None)]


async def available_dates(settings: Settings, *, now: datetime | None = None) -> list[date]:
    """The dates a client may ask for, counted from today in the practice's zone: the same
    answer for every caller within the same second (`booking.freshness`)."""
    now = now or _utcnow()
    return list(await _offers.get(_key(settings, now), lambda: _compute_dates(settings, now)))


def _key(settings: Settings, now: datetime) -> tuple:
    return (id(settings), settings.practice_timezone, int(now.timestamp()))


async def dates_on_offer(
    settings: Settings, days: Iterable[date], *, now: datetime | None = None
) -> set[date]:
    """Which of `days` a client may ask for, as `available_dates` would say.

    Its answer while it stands; else only the span of `days` is loaded and only they are
    worked out (and that answer reused within the second for the same days, as long as
    nothing it reads changes). A request names one to three dates: recomputing the whole
    horizon for each, after a decision retired it, cost a third of the request.
    """
    now = now or _utcnow()
    wanted = set(days)
    key = _key(settings, now)
    cached = _offers.peek(key)
    if cached is not None:
        return wanted.intersection(cached)
    first, last = horizon(settings, await get_rules(), now)
    inside = tuple(sorted(day for day in wanted if first <= day <= last))
    if not inside:
        return set()

    async def compute() -> frozenset[date]:
        openings = await load_openings(settings, now, days=(inside[0], inside[-1]))
        return frozenset(
            day for day in inside if next(_slots_with_room(settings, openings, day, now), None)
        )

    return set(await _spans.get((key, inside), compute))


async def _compute_dates(settings: Settings, now: datetime) -> list[date]:
    return offered_dates(settings, await load_openings(settings, now), now)
