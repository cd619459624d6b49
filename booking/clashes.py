"""Why a time cannot be booked: the clashes, found from plain values (no queries here).

`booking.availability.find_clashes` loads what these need and calls them; the offers of
`booking.availability` (available dates and slots) use `is_free` on the same values, so
what a client is offered and what staff are refused follow one rule.

- `Clash(kind, detail, appointment_id=None, overridable=True)`
- `Busy(start, end, appointment_id)` (a scheduled session's time, UTC)
- `session_clashes(settings, buffer_minutes, start, end, busy) -> list[Clash]`
- `is_free(start, end, busy, buffer_minutes) -> bool`
- `touches(start, end, other_start, other_end, buffer) -> bool` (the one overlap rule: a
  session, its buffer counted on both sides, meets [start, end))
- `blocked_clash(day, blocks) -> Clash | None` (`blocks`: (start_date, end_date) pairs)
- `cap_clash(cap, day, sessions_that_day) -> Clash | None`
- `describe_clashes(clashes) -> str`
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from booking.settings import Settings

# Kinds of clash. A session's own time is never overridable: two sessions never overlap.
SESSION = "session"
BUFFER = "buffer"
BLOCKED_DAY = "blocked_day"
DAILY_CAP = "daily_cap"
CLOSED_DAY = "closed_day"
NOTICE = "notice"

Block = tuple[date, date]  # a blocked period, both dates included


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


@dataclass(frozen=True)
class Busy:
    """A scheduled session's time, [start, end) in UTC."""

    start: datetime
    end: datetime
    appointment_id: uuid.UUID | None = None


def _span(settings: Settings, busy: Busy) -> str:
    """'10:00-11:00' on the practice's wall clock."""
    zone = settings.zone
    return f"{busy.start.astimezone(zone):%H:%M}-{busy.end.astimezone(zone):%H:%M}"


def session_clashes(
    settings: Settings, buffer_minutes: int, start: datetime, end: datetime, busy: Iterable[Busy]
) -> list[Clash]:
    """Overlaps with scheduled sessions (never overridable) and with their buffers."""
    buffer = timedelta(minutes=buffer_minutes)
    clashes: list[Clash] = []
    for other in busy:
        if other.start < end and start < other.end:
            detail = f"overlaps the session at {_span(settings, other)}"
            clashes.append(Clash(SESSION, detail, other.appointment_id, overridable=False))
        elif buffer and touches(start, end, other.start, other.end, buffer):
            detail = (
                f"is within the {buffer_minutes}-minute buffer around the session at "
                f"{_span(settings, other)}"
            )
            clashes.append(Clash(BUFFER, detail, other.appointment_id))
    return clashes


def is_free(start: datetime, end: datetime, busy: Iterable[Busy], buffer_minutes: int) -> bool:
    """No session, buffers counted, touches [start, end)."""
    buffer = timedelta(minutes=buffer_minutes)
    return not any(touches(start, end, other.start, other.end, buffer) for other in busy)


def touches(
    start: datetime, end: datetime, other_start: datetime, other_end: datetime, buffer: timedelta
) -> bool:
    """Whether [other_start, other_end), widened by `buffer` on both sides, meets [start, end)."""
    return other_start - buffer < end and start < other_end + buffer


def blocked_clash(day: date, blocks: Iterable[Block]) -> Clash | None:
    for first, last in blocks:
        if first <= day <= last:
            span = first.isoformat() if first == last else f"{first.isoformat()} to {last}"
            return Clash(BLOCKED_DAY, f"falls on a blocked day (away {span})")
    return None


def is_blocked(day: date, blocks: Iterable[Block]) -> bool:
    return any(first <= day <= last for first, last in blocks)


def cap_clash(cap: int | None, day: date, sessions_that_day: int) -> Clash | None:
    if cap is None or sessions_that_day < cap:
        return None
    return Clash(
        DAILY_CAP,
        f"would pass the cap of {cap} sessions a day ({day.isoformat()} has {sessions_that_day})",
    )


def describe_clashes(clashes: Iterable[Clash]) -> str:
    """'The time overlaps the session at 10:00-11:00; falls on a blocked day (...).'"""
    return "The time " + "; ".join(c.detail for c in clashes) + "."
