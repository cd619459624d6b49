"""Weekly series: one request booked every 1-4 weeks, each occurrence an ordinary session.

A series is a `Series` row and the appointments that name it. Every occurrence is booked
by the very transition that books one session (`booking.appointments.schedule_in`: its
own room, link, reminders, `.ics`), and cancelled or moved by `booking.lifecycle` like
any other. Occurrences are counted on the practice's wall clock (`PRACTICE_TIMEZONE`), so
"Tuesdays at 10:00" stays 10:00 local across daylight-saving changes.

- `clean_repeat(value) -> Repeat` (`{"every_weeks": 1..4, "count": 2..52}` or `"until":
  "YYYY-MM-DD"` instead of `count`; InvalidInput under `repeat`)
- `occurrence_starts(settings, start, repeat) -> list[tuple[date, datetime | None]]`
  (practice-local date and UTC start of each; None where the clocks skip the time)
- `await schedule_series(settings, appointment_id, staff, scheduled_datetime, duration,
  repeat, *, override=False, skip_conflicts=False, now=None) -> BookedSeries`: every
  occurrence is checked first (sessions, buffers, blocked days, the daily cap); with
  clashes `SeriesClashes` (a Conflict listing them) unless `skip_conflicts`, which books
  the rest and reports the skipped dates. The first booked occurrence is the request.
- `await get_series_for(user, series_id, *, audit=False) -> tuple[Series, list[Appointment]]`
  (owner or staff; occurrences oldest first; anyone else NotFound; `audit=True`: a staff
  member's read is an `appointment.view` row naming the series)
- `await cancel_series(settings, series_id, actor, from_date=None, reason=None, *, now=None)
  -> list[Appointment]`: the occurrences on or after `from_date` (default: the practice's
  today) that can still be cancelled, each by `booking.lifecycle.cancel_appointment`
- `summarise(settings, every_weeks, occurrences, now) -> SeriesSummary` ("Weekly, Tuesdays 10:00,
  8 of 12 left" and the next session); `await summaries_for(settings, appointments, now)`:
  one per series among a client's list (the bot's /appointments)
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from booking.appointments import (
    clean_duration,
    get_appointment_for,
    parse_scheduled_datetime,
    schedule_in,
)
from booking.audit import APPOINTMENT_VIEW, SERIES_CANCEL, record_staff
from booking.availability import (
    DAY_NAMES,
    find_clashes,
    get_rules,
    localize,
    practice_today,
)
from booking.clashes import describe_clashes
from booking.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from booking.lifecycle import CANCELLABLE, cancel_appointment
from booking.settings import Settings
from booking.transitions import (
    MAX_SCHEDULE_AHEAD,
    claim,
    require_bookable_start,
    require_staff,
)
from models import Appointment, AppointmentStatus, Series, User

EVERY_WEEKS = (1, 2, 3, 4)
MIN_COUNT, MAX_COUNT = 2, 52
COPIED_FIELDS = (
    "user_id",
    "email_index",
    "first_name",
    "last_name",
    "email",
    "phone",
    "reason",
    "preferred_dates",
    "preferred_time_slots",
)
DST_GAP = "The time does not exist that day (the clocks skip it for daylight saving)."


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Repeat:
    every_weeks: int
    count: int | None = None
    until: date | None = None


@dataclass(frozen=True)
class SkippedDate:
    """An occurrence that could not be booked: its week (1 = the first), date and why."""

    week: int
    date: date
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "reason": self.reason}


class SeriesClashes(Conflict):
    """Some occurrences clash; `skipped` lists them (the API's 409 `conflicts`)."""

    def __init__(self, skipped: list[SkippedDate]) -> None:
        weeks = [str(s.week) for s in skipped]
        named = weeks[0] if len(weeks) == 1 else ", ".join(weeks[:-1]) + " and " + weeks[-1]
        plural = "s" if len(weeks) > 1 else ""
        verb = "clash" if len(weeks) > 1 else "clashes"
        super().__init__(
            f"Week{plural} {named} of the series {verb}; send skip_conflicts to book the rest.",
            extra={"conflicts": [s.as_dict() for s in skipped]},
        )
        self.skipped = skipped


@dataclass
class BookedSeries:
    series: Series
    first: Appointment
    occurrences: list[Appointment] = field(default_factory=list)
    skipped: list[SkippedDate] = field(default_factory=list)


def _repeat_error(message: str) -> InvalidInput:
    return InvalidInput({"repeat": [message]})


def clean_repeat(value: Repeat | Mapping[str, Any]) -> Repeat:
    """A series' rhythm and length: every 1-4 weeks, 2-52 times or until a date (inclusive)."""
    if isinstance(value, Repeat):
        value = {"every_weeks": value.every_weeks, "count": value.count, "until": value.until}
    if not isinstance(value, Mapping):
        raise _repeat_error("Give every_weeks and count or until.")
    every = value.get("every_weeks")
    if isinstance(every, bool) or every not in EVERY_WEEKS:
        raise _repeat_error("every_weeks must be 1, 2, 3 or 4.")
    count, until = value.get("count"), value.get("until")
    if (count is None) == (until is None):
        raise _repeat_error("Give either count or until.")
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int):
            raise _repeat_error("count must be a whole number.")
        if not MIN_COUNT <= count <= MAX_COUNT:
            raise _repeat_error(f"count must be between {MIN_COUNT} and {MAX_COUNT}.")
        return Repeat(every, count=count)
    if isinstance(until, str):
        try:
            until = date.fromisoformat(until) if len(until) == 10 else None
        except ValueError:
            until = None
    if not isinstance(until, date) or isinstance(until, datetime):
        raise _repeat_error("until must be a date in YYYY-MM-DD format.")
    return Repeat(every, until=until)


def occurrence_starts(
    settings: Settings, start: datetime, repeat: Repeat
) -> list[tuple[date, datetime | None]]:
    """Each occurrence's practice date and UTC start: the same wall-clock time every week."""
    local = start.astimezone(settings.zone).replace(tzinfo=None)
    found: list[tuple[date, datetime | None]] = []
    step = timedelta(weeks=repeat.every_weeks)
    while len(found) < (repeat.count or MAX_COUNT + 1):
        naive = local + step * len(found)
        if repeat.until is not None and naive.date() > repeat.until:
            break
        try:
            found.append((naive.date(), localize(settings, naive)))
        except InvalidInput:
            found.append((naive.date(), None))
    if len(found) < MIN_COUNT:
        raise _repeat_error("until leaves fewer than two sessions.")
    if len(found) > MAX_COUNT:
        raise _repeat_error(f"A series has at most {MAX_COUNT} sessions.")
    return found


async def schedule_series(
    settings: Settings,
    appointment_id: uuid.UUID | str,
    staff_user: User,
    scheduled_datetime: datetime | str,
    duration: int | None,
    repeat: Repeat | Mapping[str, Any],
    *,
    override: bool = False,
    skip_conflicts: bool = False,
    now: datetime | None = None,
) -> BookedSeries:
    """Book a pending request as a series; nothing is booked while a clash is unanswered."""
    staff = require_staff(staff_user)
    now = now or _utcnow()
    start = parse_scheduled_datetime(settings, scheduled_datetime)
    minutes = clean_duration(duration)
    require_bookable_start(start, now)
    starts = occurrence_starts(settings, start, clean_repeat(repeat))
    if max(s for _, s in starts if s is not None) - now > MAX_SCHEDULE_AHEAD:
        raise _repeat_error("The series must end within a year from now.")
    request = await get_appointment_for(staff, appointment_id)
    async with in_transaction() as conn:
        # Claimed and locked first: a second decision on the request is refused here, and
        # the clash checks below see every committed session.
        await claim(conn, request.id, (AppointmentStatus.PENDING_REVIEW,), now)
        rules = await get_rules(conn)
        free: list[datetime] = []
        skipped: list[SkippedDate] = []
        for week, (day, at) in enumerate(starts, start=1):
            if at is None:
                skipped.append(SkippedDate(week, day, DST_GAP))
                continue
            clashes = await find_clashes(
                settings, at, minutes, exclude_appointment_id=request.id, using_db=conn, rules=rules
            )
            if clashes and not (override and all(c.overridable for c in clashes)):
                skipped.append(SkippedDate(week, day, describe_clashes(clashes)))
            else:
                free.append(at)
        if skipped and not skip_conflicts:
            raise SeriesClashes(skipped)
        if not free:
            raise Conflict(
                "Every occurrence of the series clashes.",
                extra={"conflicts": [s.as_dict() for s in skipped]},
            )
        series = await Series.create(every_weeks=clean_repeat(repeat).every_weeks, using_db=conn)
        await Appointment.filter(id=request.id).using_db(conn).update(series_id=series.id)
        booked = [
            await schedule_in(conn, settings, request.id, staff, free[0], minutes, now, override)
        ]
        copied = {name: getattr(request, name) for name in COPIED_FIELDS}
        for at in free[1:]:
            sibling = await Appointment.create(
                **copied,
                status=AppointmentStatus.PENDING_REVIEW,
                series_id=series.id,
                using_db=conn,
            )
            booked.append(
                await schedule_in(
                    conn,
                    settings,
                    sibling.id,
                    staff,
                    at,
                    minutes,
                    now,
                    override,
                    confirm_in_chat=False,
                )
            )
    return BookedSeries(series, booked[0], booked, skipped)


# --- reading and cancelling -------------------------------------------------------------------


def _parse_series_id(series_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return series_id if isinstance(series_id, uuid.UUID) else uuid.UUID(str(series_id))
    except ValueError:
        raise NotFound("Series not found.") from None


async def get_series_for(
    user: User | None, series_id: uuid.UUID | str, *, audit: bool = False
) -> tuple[Series, list[Appointment]]:
    """The series and its occurrences, oldest first, for its client or staff; else NotFound."""
    if user is None:
        raise NotAuthenticated("Authentication credentials were not provided.")
    series = await Series.get_or_none(id=_parse_series_id(series_id))
    if series is None:
        raise NotFound("Series not found.")
    occurrences = list(
        await Appointment.filter(series_id=series.id).order_by("scheduled_datetime", "created_at")
    )
    if not occurrences:
        raise NotFound("Series not found.")
    # Owning one occurrence is owning the series: they are copies of one request.
    first = await get_appointment_for(user, occurrences[0].id)
    if audit:
        subject = first.user_id  # type: ignore[attr-defined]
        await record_staff(user, APPOINTMENT_VIEW, target=series.id, subject=subject)
    return series, occurrences


async def cancellable_occurrences(
    settings: Settings,
    series_id: uuid.UUID | str,
    actor: User,
    from_date: date | None = None,
    *,
    now: datetime,
) -> list[Appointment]:
    """The occurrences "this and following" would cancel: ahead, open, from `from_date` (a
    practice-local date, default today) on; NotFound unless `actor` is the client or staff."""
    _, occurrences = await get_series_for(actor, series_id)
    first_day = from_date or practice_today(settings, now)
    return [
        a
        for a in occurrences
        if a.status in CANCELLABLE
        and a.scheduled_datetime is not None
        and a.scheduled_datetime > now
        and a.scheduled_datetime.astimezone(settings.zone).date() >= first_day
    ]


async def cancel_series(
    settings: Settings,
    series_id: uuid.UUID | str,
    actor: User,
    from_date: date | None = None,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> list[Appointment]:
    """Cancel the occurrences from `from_date` on ("this and following"), each by the rules."""
    now = now or _utcnow()
    wanted = await cancellable_occurrences(settings, series_id, actor, from_date, now=now)
    if not wanted:
        raise Conflict("No occurrence of the series from that date can be cancelled.")
    cancelled = []
    for appointment in wanted:
        try:
            cancelled.append(
                await cancel_appointment(settings, appointment.id, actor, reason, now=now)
            )
        except Conflict:
            continue  # cancelled or started meanwhile: the rest still go
    # Each occurrence's cancel is its own audit row (booking.transitions); this one says
    # a staff member cancelled the series as a whole.
    subject = wanted[0].user_id  # type: ignore[attr-defined]
    await record_staff(actor, SERIES_CANCEL, target=str(series_id), subject=subject)
    return cancelled


# --- how a series is shown --------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesSummary:
    text: str  # "Weekly, Tuesdays 10:00, 8 of 12 left"
    left: int
    total: int
    next: Appointment | None


RHYTHM = {1: "Weekly", 2: "Every 2 weeks", 3: "Every 3 weeks", 4: "Every 4 weeks"}


def summarise(
    settings: Settings, every_weeks: int, occurrences: list[Appointment], now: datetime
) -> SeriesSummary:
    """One line for a series: rhythm, weekday and time, sessions left of those booked."""
    booked = [
        a
        for a in occurrences
        if a.scheduled_datetime is not None and a.status != AppointmentStatus.REJECTED
    ]
    ahead = [
        a
        for a in booked
        if a.status == AppointmentStatus.SCHEDULED
        and a.scheduled_datetime is not None
        and a.scheduled_datetime + timedelta(minutes=a.scheduled_duration or 60) > now
    ]
    ahead.sort(key=lambda a: a.scheduled_datetime or now)
    shown = ahead[0] if ahead else (booked[-1] if booked else None)
    when = ""
    if shown is not None and shown.scheduled_datetime is not None:
        local = shown.scheduled_datetime.astimezone(settings.zone)
        when = f", {DAY_NAMES[local.weekday()]}s {local:%H:%M}"
    text = f"{RHYTHM.get(every_weeks, 'Repeating')}{when}, {len(ahead)} of {len(booked)} left"
    return SeriesSummary(text, len(ahead), len(booked), ahead[0] if ahead else None)


async def summaries_for(
    settings: Settings, appointments: list[Appointment], now: datetime | None = None
) -> dict[uuid.UUID, SeriesSummary]:
    """The summary of every series among `appointments`, counting all its occurrences."""
    ids = {a.series_id for a in appointments if a.series_id is not None}  # type: ignore[attr-defined]
    if not ids:
        return {}
    rhythms = dict(await Series.filter(id__in=ids).values_list("id", "every_weeks"))
    occurrences: dict[uuid.UUID, list[Appointment]] = {series_id: [] for series_id in ids}
    for appointment in await Appointment.filter(series_id__in=ids):
        occurrences[appointment.series_id].append(appointment)  # type: ignore[attr-defined]
    now = now or _utcnow()
    return {
        series_id: summarise(settings, rhythms.get(series_id, 1), found, now)
        for series_id, found in occurrences.items()
    }
