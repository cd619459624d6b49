"""A session's life after booking: cancel, move, and the client's reminder buttons.

Each service is one transaction under the scheduling lock that re-checks the state
(`booking.transitions.claim`), writes its event row and queues its messages
(`booking.lifecycle_notices`), cancelling those it makes stale. Errors are `booking.errors`.

- `await cancel_appointment(settings, appointment_id, actor, reason=None, *, now=None)
  -> Appointment`: the owner cancels their pending request or scheduled session, staff any.
  Conflict when it is already cancelled or rejected, or the session has started. A client
  cancelling a scheduled session less than `cancellation_notice_hours` before its start
  may do so; it is recorded as `late_cancellation` (`booking.availability`'s rule).
- `await reschedule_appointment(settings, appointment_id, staff, scheduled_datetime,
  scheduled_duration=None, *, override=False, now=None) -> Appointment`: staff move a
  scheduled session (same clash rules as scheduling; staff may act inside the minimum
  notice); the duration stays unless given.
- `await confirm_attendance(settings, appointment_id, client, *, now=None) -> Appointment`
  ("I'll be there": `client_confirmed_at`; pressing again changes nothing)
- `await report_running_late(settings, appointment_id, client, minutes, *, now=None)
  -> Appointment` (5, 10 or 15 minutes, from two hours before the start to its end; the
  therapist is told at once)
- `await move_session(conn, appointment, start, minutes, now)`: what every move does to the
  row (new time, new room, SEQUENCE + 1, counted, confirmation cleared); shared with
  `booking.proposals`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from booking.appointments import (
    clean_duration,
    get_appointment_for,
    parse_scheduled_datetime,
)
from booking.availability import find_clashes, get_rules, is_late_cancellation, require_free
from booking.errors import Conflict, InvalidInput
from booking.lifecycle_notices import (
    queue_cancel_notices,
    queue_move_notices,
    queue_running_late_notices,
)
from booking.meetings import new_room_name
from booking.person_fields import REJECTION_REASON_MAX_LENGTH, FieldErrors, clean_text
from booking.settings import Settings
from booking.transitions import (
    EVENT_CANCELLED,
    EVENT_CONFIRMED,
    EVENT_MOVED,
    EVENT_RUNNING_LATE,
    claim,
    close_offers,
    record_event,
    require_bookable_start,
    require_staff,
    role_of,
)
from booking.waitlist_offers import offer_freed_time
from models import (
    Appointment,
    AppointmentStatus,
    ProposalStatus,
    RescheduleRequestStatus,
    Role,
    User,
)

CANCELLABLE = (AppointmentStatus.PENDING_REVIEW, AppointmentStatus.SCHEDULED)
SCHEDULED = (AppointmentStatus.SCHEDULED,)
CANCELLATION_REASON_MAX_LENGTH = REJECTION_REASON_MAX_LENGTH
LATE_MINUTES = (5, 10, 15)
LATE_REPORTS_FROM = timedelta(hours=2)  # before the start


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _end(appointment: Appointment) -> datetime:
    assert appointment.scheduled_datetime is not None
    return appointment.scheduled_datetime + timedelta(minutes=appointment.scheduled_duration or 60)


def require_not_started(appointment: Appointment, now: datetime, action: str) -> None:
    """A session that has begun can no longer be `action`ed (cancelled, moved, ...)."""
    start = appointment.scheduled_datetime
    if start is not None and start <= now:
        raise Conflict(f"The session has already started, so it can no longer be {action}.")


async def _save(appointment: Appointment, conn: BaseDBAsyncClient, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(appointment, name, value)
    await appointment.save(using_db=conn, update_fields=[*changes, "updated_at"])


# --- cancel -----------------------------------------------------------------------------------


async def cancel_appointment(
    settings: Settings,
    appointment_id: uuid.UUID | str,
    actor: User,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> Appointment:
    """Cancel a request or a session; reminders go, each side is told, calendars updated."""
    now = now or _utcnow()
    errors: FieldErrors = {}
    reason_text = clean_text(reason, "reason", CANCELLATION_REASON_MAX_LENGTH, errors)
    if errors:
        raise InvalidInput(errors)
    visible = await get_appointment_for(actor, appointment_id)  # a stranger's: NotFound
    async with in_transaction() as conn:
        appointment = await claim(conn, visible.id, CANCELLABLE, now)
        require_not_started(appointment, now, "cancelled")
        role = role_of(actor)
        start = appointment.scheduled_datetime
        scheduled = appointment.status == AppointmentStatus.SCHEDULED
        late = False
        if scheduled and role == Role.CLIENT:
            assert start is not None
            late = is_late_cancellation(await get_rules(conn), start, now)
        await _save(
            appointment,
            conn,
            status=AppointmentStatus.CANCELLED,
            cancelled_by=role,
            cancelled_at=now,
            cancellation_reason=reason_text,
            late_cancellation=late,
            # The calendar's CANCEL must outrank the invitation it removes.
            calendar_sequence=appointment.calendar_sequence + (1 if scheduled else 0),
            jitsi_room_id=None,  # the room dies with the session
        )
        await close_offers(conn, appointment, now)
        event = await record_event(conn, appointment, actor, EVENT_CANCELLED, now)
        await queue_cancel_notices(settings, appointment, actor, event, now, conn)
        if scheduled and start is not None:  # the freed time goes to the waitlist
            await offer_freed_time(settings, start, now=now, using_db=conn)
    return appointment


# --- move -------------------------------------------------------------------------------------


async def move_session(
    conn: BaseDBAsyncClient,
    appointment: Appointment,
    start: datetime,
    minutes: int,
    now: datetime,
) -> None:
    """The row of a moved session: new time and room (the old link dies), SEQUENCE + 1."""
    await _save(
        appointment,
        conn,
        scheduled_datetime=start,
        scheduled_duration=minutes,
        jitsi_room_id=new_room_name(),
        calendar_sequence=appointment.calendar_sequence + 1,
        reschedule_count=appointment.reschedule_count + 1,
        # "I'll be there" was said of the old time.
        client_confirmed_at=None,
    )


async def reschedule_appointment(
    settings: Settings,
    appointment_id: uuid.UUID | str,
    staff: User,
    scheduled_datetime: datetime | str,
    scheduled_duration: int | None = None,
    *,
    override: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Staff move a scheduled session; the client gets the new time, link and `.ics`."""
    require_staff(staff)
    now = now or _utcnow()
    start = parse_scheduled_datetime(settings, scheduled_datetime)
    require_bookable_start(start, now)
    minutes = None if scheduled_duration is None else clean_duration(scheduled_duration)
    visible = await get_appointment_for(staff, appointment_id)
    async with in_transaction() as conn:
        appointment = await claim(conn, visible.id, SCHEDULED, now)
        require_not_started(appointment, now, "moved")
        minutes = minutes or appointment.scheduled_duration or 60
        if (start, minutes) == (appointment.scheduled_datetime, appointment.scheduled_duration):
            raise Conflict("The session is already at this time.")
        clashes = await find_clashes(
            settings, start, minutes, exclude_appointment_id=appointment.id, using_db=conn
        )
        require_free(clashes, override=override)
        freed = appointment.scheduled_datetime
        await move_session(conn, appointment, start, minutes, now)
        await close_offers(
            conn,
            appointment,
            now,
            proposals=ProposalStatus.REPLACED,
            request=RescheduleRequestStatus.MOVED,
        )
        event = await record_event(conn, appointment, staff, EVENT_MOVED, now)
        await queue_move_notices(settings, appointment, event, now, conn)
        if freed is not None:  # the old time goes to the waitlist
            await offer_freed_time(settings, freed, now=now, using_db=conn)
    return appointment


# --- the reminder buttons ----------------------------------------------------------------------


async def confirm_attendance(
    settings: Settings,
    appointment_id: uuid.UUID | str,
    client: User,
    *,
    now: datetime | None = None,
) -> Appointment:
    """ "I'll be there": recorded once (staff see it on the session and in /today)."""
    now = now or _utcnow()
    own = await get_appointment_for(client, appointment_id, own_only=True)
    async with in_transaction() as conn:
        appointment = await claim(conn, own.id, SCHEDULED, now)
        if now > _end(appointment):
            raise Conflict("The session is over.")
        if appointment.client_confirmed_at is None:
            await _save(appointment, conn, client_confirmed_at=now)
            await record_event(conn, appointment, client, EVENT_CONFIRMED, now)
    return appointment


async def report_running_late(
    settings: Settings,
    appointment_id: uuid.UUID | str,
    client: User,
    minutes: int,
    *,
    now: datetime | None = None,
) -> Appointment:
    """ "Running late": the therapist hears at once how late (5, 10 or 15 minutes)."""
    now = now or _utcnow()
    if isinstance(minutes, bool) or minutes not in LATE_MINUTES:
        raise InvalidInput({"minutes": ["Choose 5, 10 or 15 minutes."]})
    own = await get_appointment_for(client, appointment_id, own_only=True)
    async with in_transaction() as conn:
        appointment = await claim(conn, own.id, SCHEDULED, now)
        start = appointment.scheduled_datetime
        assert start is not None
        if now > _end(appointment):
            raise Conflict("The session is over.")
        if now < start - LATE_REPORTS_FROM:
            raise Conflict("Running late can be reported from two hours before the start.")
        event = await record_event(conn, appointment, client, EVENT_RUNNING_LATE, now)
        await queue_running_late_notices(settings, appointment, minutes, event, conn)
    return appointment
