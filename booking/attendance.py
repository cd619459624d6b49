"""Who came: staff record whether the client attended a session that has started.

- `await record_attendance(settings, appointment_id, staff, attendance, *, now=None)
  -> Appointment`: staff only; `attendance` is `"attended"` or `"no_show"`. Conflict before
  the session's start and for anything but a scheduled session. Recording the same answer
  again changes nothing; another answer replaces it (staff correct a mistaken press), and
  each answer given is an event row (`marked_attended` / `marked_no_show`). The prompt still
  queued for the session (`attendance_prompt`, see `booking.appointment_notices`) is
  cancelled: the question is answered.

The API's `attendance/` route and the bot's Attended / No-show buttons both call it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from booking.appointment_notices import RECORD_ATTENDANCE, Outbox
from booking.appointments import get_appointment_for
from booking.errors import Conflict, InvalidInput
from booking.settings import Settings
from booking.transitions import claim, record_event, require_staff
from models import Appointment, AppointmentStatus, Attendance, User

EVENT_MARKED = {
    Attendance.ATTENDED: "marked_attended",
    Attendance.NO_SHOW: "marked_no_show",
}
CHOICES = ", ".join(f'"{a.value}"' for a in Attendance)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def parse_attendance(value: object) -> Attendance:
    try:
        return Attendance(value)
    except ValueError:
        raise InvalidInput({"attendance": [f"Choose one of {CHOICES}."]}) from None


def require_started(appointment: Appointment, now: datetime) -> None:
    start = appointment.scheduled_datetime
    if start is None or now < start:
        raise Conflict("The session has not started yet: attendance is recorded after the start.")


async def record_attendance(
    settings: Settings,
    appointment_id: uuid.UUID | str,
    staff: User,
    attendance: Attendance | str,
    *,
    now: datetime | None = None,
) -> Appointment:
    """Record (or correct) whether the client came; the open prompt is withdrawn."""
    require_staff(staff)
    answer = parse_attendance(attendance)
    now = now or _utcnow()
    visible = await get_appointment_for(staff, appointment_id)
    async with in_transaction() as conn:
        appointment = await claim(conn, visible.id, (AppointmentStatus.SCHEDULED,), now)
        require_started(appointment, now)
        if appointment.attendance == answer:
            return appointment  # pressed again (or a colleague agreed): nothing new
        appointment.attendance = answer
        appointment.attendance_recorded_at = now
        await appointment.save(
            using_db=conn, update_fields=["attendance", "attendance_recorded_at", "updated_at"]
        )
        await record_event(conn, appointment, staff, EVENT_MARKED[answer], now)
        await Outbox(appointment, conn).cancel_stale(RECORD_ATTENDANCE)
    return appointment
