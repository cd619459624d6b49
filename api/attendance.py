"""`POST /api/meetings/appointments/{id}/attendance/`: staff record whether the client came.

The handler calls `booking.attendance.record_attendance` (the same service as the bot's
Attended / No-show buttons), which holds the rules: staff only, a scheduled session that
has started (409 otherwise); a changed answer replaces the recorded one.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.app_keys import SETTINGS, request_now
from api.appointment_models import AppointmentOut, AppointmentPath
from api.appointments import ONE_APPOINTMENT
from api.auth import Access
from api.lifecycle import _answer
from api.routing import Routes
from booking.attendance import record_attendance
from models import User

routes = Routes()


class AttendanceBody(BaseModel):
    """Whether the client came to the session."""

    model_config = ConfigDict(extra="forbid")
    attendance: Literal["attended", "no_show"] = Field(examples=["no_show"])


@routes.endpoint(
    "POST",
    f"{ONE_APPOINTMENT}/attendance/",
    access=Access.STAFF,
    path_params=AppointmentPath,
    body=AttendanceBody,
    response=AppointmentOut,
    errors={409: "Not a scheduled session, or it has not started yet"},
    tag="appointments",
)
async def record_appointment_attendance(
    request: web.Request, *, user: User, path_params: AppointmentPath, body: AttendanceBody
) -> AppointmentOut:
    """Record whether the client attended a session (staff, from its start on).

    `attendance` is set and shown on the appointment; another answer later replaces it
    (each answer is an event). The prompt queued for the session's staff is withdrawn.
    Counted in `stats/` as `attendance_rate` and `no_show_rate`.
    """
    appointment = await record_attendance(
        request.app[SETTINGS],
        path_params.appointment_id,
        user,
        body.attendance,
        now=request_now(request),
    )
    return await _answer(request, appointment, user)
