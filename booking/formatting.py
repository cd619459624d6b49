"""Dates, times and durations as people read them: e-mails, chat messages and the API alike.

Times are shown on the practice's wall clock (`PRACTICE_TIMEZONE`), and the zone is named
once: "Monday 6 May 2030, 10:00 UTC", or with the zone's name after its abbreviation when
they differ ("Monday 28 September 2026, 09:00 NZDT (Pacific/Auckland)"): the abbreviation
tells summer from winter time, the name tells where.

- `format_practice_time(settings, value: datetime) -> str` (as above)
- `format_date(day: date | str) -> str` ("Wednesday 6 March 2030"; ISO strings accepted)
- `format_short_date(day: date) -> str` ("Wed 6 Mar", for buttons and lists)
- `format_clock(minute_of_day: int) -> str` ("09:30")
- `format_utc(value: datetime) -> str` ("2030-03-06 14:30 UTC")
- `format_duration(minutes: int) -> str` ("50 minutes", "90 minutes (1 h 30 min)")
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache

from booking.settings import Settings

# English names, whatever the process's locale (strftime's %A and %B follow it), and about
# ten times faster than strftime: a booking's messages name its dates a score of times.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def format_practice_time(settings: Settings, value: datetime) -> str:
    """'Monday 28 September 2026, 09:00 NZDT (Pacific/Auckland)'; '..., 10:00 UTC' on UTC."""
    return _practice_time(settings.zone, settings.practice_timezone, value)


# A session's messages name its time a dozen times over (the confirmation, each reminder, by
# e-mail and in the chat): the same few values, each written once.
@lru_cache(maxsize=4096)
def _practice_time(zone: tzinfo, name: str, value: datetime) -> str:
    local = value.astimezone(zone)
    abbreviation = local.tzname() or name
    shown = abbreviation if abbreviation == name else f"{abbreviation} ({name})"
    return f"{format_date(local.date())}, {local.hour:02d}:{local.minute:02d} {shown}"


def format_date(day: date | str) -> str:
    """'Wednesday 6 March 2030'."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def format_short_date(day: date) -> str:
    """'Wed 6 Mar'."""
    return f"{WEEKDAYS[day.weekday()][:3]} {day.day} {MONTHS[day.month - 1][:3]}"


def format_clock(minute_of_day: int) -> str:
    """Minutes after midnight as '09:30'."""
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def format_utc(value: datetime) -> str:
    """'2030-03-06 14:30 UTC'."""
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def format_duration(minutes: int) -> str:
    """'50 minutes'; past an hour with a remainder, '90 minutes (1 h 30 min)'."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{minutes} minutes ({hours} h {rest} min)"
    return f"{minutes} minutes"
