"""What the therapist looks at while deciding: the requests waiting, who decided what, and the
days and start times a request can be given.

Read-only: the decisions themselves are `booking.appointments.schedule_appointment` and
`reject_appointment`, which check everything again under their lock.

- `await waiting_requests(limit, *, viewer=None) -> WaitingRequests` (how many wait; the
  oldest `limit`)
- `await decider_of(appointment) -> User | None` (the staff member who decided it)
- `preferred_days_ahead(appointment, today) -> list[date]` (the client's dates not passed)
- `offered_start_minutes(settings, appointment, day, *, now=None) -> list[int]` (start
  times, minutes after midnight on the practice's wall clock: inside the client's slots on
  a day they asked for, inside any slot on another day, none that has passed)
- `await offered_starts(settings, wishes, day, *, exclude_appointment_id=None, now=None)
  -> list[int]` (the same, as the rules allow: none on a blocked day or a day at its cap,
  none where even the shortest session would touch another session or its buffer; the
  minimum notice binds clients only. `wishes`: anything with `preferred_dates` and
  `preferred_time_slots`, e.g. the request, or a client's move request)
- `await upcoming_sessions(days, *, now=None, viewer=None) -> list[Appointment]` (scheduled
  sessions not yet over that start within the next `days` days, soonest first)

A staff `viewer` is shown the clients' requests: each read is an `appointment.list` audit row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from booking.audit import APPOINTMENT_LIST, record_staff
from booking.availability import SLOT_HOURS, slot_start_minutes, wall_clock_start
from booking.clashes import is_blocked, is_free
from booking.offers import day_is_full, load_openings
from booking.settings import Settings
from models import Appointment, AppointmentStatus, User

# A start is offered when a session this short fits there (booking.appointments.MIN_DURATION);
# a longer one is checked, clashes shown, before it is confirmed.
SHORTEST_SESSION_MINUTES = 15


@dataclass(frozen=True)
class WaitingRequests:
    total: int  # every request waiting for a decision
    oldest: list[Appointment]  # the first of them, oldest first


async def waiting_requests(limit: int, *, viewer: User | None = None) -> WaitingRequests:
    """Requests waiting for a decision: counted in the database, only `limit` loaded."""
    await record_staff(
        viewer, APPOINTMENT_LIST, target=f"status={AppointmentStatus.PENDING_REVIEW.value}"
    )
    waiting = Appointment.filter(status=AppointmentStatus.PENDING_REVIEW)
    oldest = await waiting.order_by("created_at", "id").limit(limit)
    return WaitingRequests(total=await waiting.count(), oldest=list(oldest))


async def decider_of(appointment: Appointment) -> User | None:
    """Who scheduled or rejected the request (None while pending, or if the account is gone)."""
    await appointment.fetch_related("decided_by")
    return appointment.decided_by


def preferred_days_ahead(appointment: Appointment, today: date) -> list[date]:
    days = [date.fromisoformat(d) for d in appointment.preferred_dates]
    return [d for d in days if d >= today]


def offered_start_minutes(
    settings: Settings, appointment: Appointment, day: date, *, now: datetime | None = None
) -> list[int]:
    """Start times a therapist may give the request on `day` (see the module's docstring)."""
    asked = day.isoformat() in appointment.preferred_dates
    minutes = slot_start_minutes(appointment.preferred_time_slots if asked else list(SLOT_HOURS))
    local_now = (now or datetime.now(settings.zone)).astimezone(settings.zone)
    if day == local_now.date():
        minutes = [m for m in minutes if m > local_now.hour * 60 + local_now.minute]
    return minutes


async def offered_starts(
    settings: Settings,
    wishes: Appointment,
    day: date,
    *,
    exclude_appointment_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Start times on `day` as the rules allow (see the module's docstring)."""
    now = now or datetime.now(UTC)
    minutes = offered_start_minutes(settings, wishes, day, now=now)
    if not minutes:
        return []
    openings = await load_openings(
        settings, now, days=(day, day), exclude_appointment_id=exclude_appointment_id
    )
    if is_blocked(day, openings.blocks) or day_is_full(settings, openings, day):
        return []
    shortest = timedelta(minutes=SHORTEST_SESSION_MINUTES)
    buffer = openings.rules.buffer_minutes
    free = []
    for minute in minutes:
        start = wall_clock_start(settings, day, minute)
        if start is not None and is_free(start, start + shortest, openings.busy, buffer):
            free.append(minute)
    return free


# No session runs longer than this (booking.appointments.MAX_DURATION): one that started
# earlier is over.
LONGEST_SESSION = timedelta(minutes=240)


async def upcoming_sessions(
    days: int, *, now: datetime | None = None, viewer: User | None = None
) -> list[Appointment]:
    """Scheduled sessions not yet over that start within the next `days` days."""
    now = now or datetime.now(UTC)
    await record_staff(viewer, APPOINTMENT_LIST, target=f"upcoming={days}d")
    candidates = await Appointment.filter(
        status=AppointmentStatus.SCHEDULED,
        scheduled_datetime__gt=now - LONGEST_SESSION,
        scheduled_datetime__lt=now + timedelta(days=days),
    ).order_by("scheduled_datetime", "id")
    return [
        session
        for session in candidates
        if session.scheduled_datetime + timedelta(minutes=session.scheduled_duration or 60) > now  # type: ignore[operator]
    ]
