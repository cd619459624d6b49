"""`/api/meetings/appointments/{id}/...`: a session's life after booking.

Cancel (owner or staff), move (staff), propose times (staff) and accept one (owner), ask to
move (owner) and keep (staff), and the reminder buttons "I'll be there" and "Running late"
(owner). Each handler calls one service of `booking.lifecycle` / `booking.proposals`, which
re-check the state (409 on a stale action) and hold the rules; what a route answers is the
appointment as the caller now sees it, open offers included.
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from api.app_keys import SETTINGS, request_now
from api.appointment_models import (
    AppointmentOut,
    AppointmentPath,
    IsoDate,
    Slot,
    render_appointment,
)
from api.appointments import ONE_APPOINTMENT
from api.auth import Access
from api.fields import CancellationReason
from api.routing import Routes
from booking import lifecycle, proposals
from booking.appointments import MAX_DURATION, MIN_DURATION
from booking.person_fields import MAX_PREFERRED_DATES
from booking.proposals import MAX_PROPOSALS, NOTE_MAX_LENGTH
from models import Appointment, User

routes = Routes()

DateTime = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
Minutes = Annotated[StrictInt, Field(ge=MIN_DURATION, le=MAX_DURATION)]
OVERRIDE = Field(
    False,
    description="Staff: go ahead despite a buffer, a blocked day or the daily cap (never over "
    "another session).",
)
STALE = "The appointment is no longer in a state that allows this (409 names it)"


# --- request models -----------------------------------------------------------------------------


class CancelBody(BaseModel):
    """Why (optional; shown to the client when staff cancel, encrypted at rest)."""

    model_config = ConfigDict(extra="forbid")
    reason: CancellationReason | None = None


class MoveBody(BaseModel):
    """Staff give a scheduled session a new time."""

    model_config = ConfigDict(extra="forbid")
    scheduled_datetime: DateTime = Field(
        description="ISO 8601. Without a UTC offset it means the practice's local time.",
        examples=["2026-01-15T10:00:00Z"],
    )
    scheduled_duration: Minutes | None = Field(
        None, description=f"Minutes, {MIN_DURATION}-{MAX_DURATION}; left out: unchanged."
    )
    override: StrictBool = OVERRIDE


class ProposeBody(BaseModel):
    """Staff offer the client times to choose from."""

    model_config = ConfigDict(extra="forbid")
    times: list[DateTime] = Field(
        min_length=1,
        max_length=MAX_PROPOSALS,
        description=f"1-{MAX_PROPOSALS} ISO 8601 date-times, each free (no offset: practice time).",
        examples=[["2026-01-15T10:00:00Z", "2026-01-16T14:00:00Z"]],
    )
    duration: Minutes | None = Field(
        None, description="Minutes; left out: the session's own, or 60 for a request."
    )
    override: StrictBool = OVERRIDE


class AcceptBody(BaseModel):
    """The client takes one of the proposed times."""

    model_config = ConfigDict(extra="forbid")
    time: DateTime = Field(description="One of the `proposals[].time` of the appointment.")


class MoveRequestBody(BaseModel):
    """The client asks to move their scheduled session."""

    model_config = ConfigDict(extra="forbid")
    preferred_dates: list[IsoDate] = Field(
        min_length=1,
        max_length=MAX_PREFERRED_DATES,
        description="Dates from `available-dates/`, YYYY-MM-DD.",
    )
    preferred_time_slots: list[Slot] = Field(min_length=1, max_length=3)
    note: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=NOTE_MAX_LENGTH)] | None
    ) = None


class LateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # booking.lifecycle.LATE_MINUTES
    minutes: Literal[5, 10, 15] = Field(description="About how late: 5, 10 or 15 minutes.")


# --- handlers -------------------------------------------------------------------------------------


async def _answer(request: web.Request, appointment: Appointment, user: User) -> AppointmentOut:
    now = request_now(request)
    offers = await proposals.offers_for([appointment], now)
    return render_appointment(request.app[SETTINGS], appointment, user, now, offers[appointment.id])


def _action(action: str, access: Access, body: type[BaseModel] | None, conflict: str = STALE):
    return routes.endpoint(
        "POST",
        f"{ONE_APPOINTMENT}/{action}/",
        access=access,
        path_params=AppointmentPath,
        body=body,
        response=AppointmentOut,
        errors={409: conflict},
        tag="appointments",
    )


@_action(
    "cancel",
    Access.USER,
    CancelBody,
    "Already cancelled or rejected, or the session has started",
)
async def cancel_appointment(
    request: web.Request, *, user: User, path_params: AppointmentPath, body: CancelBody
) -> AppointmentOut:
    """Cancel a request or a session (its owner, or staff).

    Queued reminders are cancelled; the other side is told; the client's e-mail carries an
    `.ics` with METHOD:CANCEL. A client cancelling a scheduled session less than
    `cancellation_notice_hours` before its start may do so: `late_cancellation` is set.
    """
    appointment = await lifecycle.cancel_appointment(
        request.app[SETTINGS],
        path_params.appointment_id,
        user,
        body.reason,
        now=request_now(request),
    )
    return await _answer(request, appointment, user)


@_action(
    "reschedule",
    Access.STAFF,
    MoveBody,
    "Not a scheduled session, it has started, or the time clashes (`clashes` lists them)",
)
async def reschedule_appointment(
    request: web.Request, *, user: User, path_params: AppointmentPath, body: MoveBody
) -> AppointmentOut:
    """Move a scheduled session to a new time (staff).

    Same clash rules as scheduling (`override` for all but another session). The session
    gets a new room (the old link stops working), its reminders are replaced, and the
    client gets the new time with an updated `.ics` (same UID, higher SEQUENCE).
    """
    appointment = await lifecycle.reschedule_appointment(
        request.app[SETTINGS],
        path_params.appointment_id,
        user,
        body.scheduled_datetime,
        body.scheduled_duration,
        override=body.override,
        now=request_now(request),
    )
    return await _answer(request, appointment, user)


@_action(
    "propose",
    Access.STAFF,
    ProposeBody,
    "Not pending or scheduled, or a time clashes (`clashes` lists them)",
)
async def propose_times(
    request: web.Request, *, user: User, path_params: AppointmentPath, body: ProposeBody
) -> AppointmentOut:
    """Offer the client 1-3 times for a pending request or a scheduled session (staff).

    Each time is checked free. The new times replace any still on offer and lapse after
    `PROPOSAL_EXPIRY_HOURS` (48 by default); the client gets them by e-mail and as
    buttons in the chat, and is told when they lapse.
    """
    appointment = await proposals.propose_times(
        request.app[SETTINGS],
        path_params.appointment_id,
        user,
        body.times,
        body.duration,
        override=body.override,
        now=request_now(request),
    )
    return await _answer(request, appointment, user)


@_action(
    "accept-proposal",
    Access.USER,
    AcceptBody,
    "The time is not (or no longer) on offer, is taken, or is inside the minimum notice",
)
async def accept_proposal(
    request: web.Request, *, user: User, path_params: AppointmentPath, body: AcceptBody
) -> AppointmentOut:
    """Take one of the proposed times (the appointment's owner only).

    The request is scheduled, or the session moved, if the time is still free; otherwise
    409 and the other times stay on offer.
    """
    appointment = await proposals.accept_proposal(
        request.app[SETTINGS], path_params.appointment_id, user, body.time, now=request_now(request)
    )
    return await _answer(request, appointment, user)


@_action(
    "reschedule-request",
    Access.USER,
    MoveRequestBody,
    "Not a scheduled session, or it has started",
)
async def request_reschedule(
    request: web.Request, *, user: User, path_params: AppointmentPath, body: MoveRequestBody
) -> AppointmentOut:
    """Ask to move a scheduled session (its owner).

    The session stays booked until staff move it, propose times or keep it. A request
    inside the minimum notice is accepted and flagged `late`. A new request replaces one
    still open.
    """
    appointment = await proposals.request_reschedule(
        request.app[SETTINGS],
        path_params.appointment_id,
        user,
        body.preferred_dates,
        body.preferred_time_slots,
        body.note,
        now=request_now(request),
    )
    return await _answer(request, appointment, user)


@_action(
    "reschedule-request/keep",
    Access.STAFF,
    None,
    "Not a scheduled session, or no move request is open",
)
async def keep_session(
    request: web.Request, *, user: User, path_params: AppointmentPath
) -> AppointmentOut:
    """Answer the client's move request by keeping the session as booked (staff)."""
    appointment = await proposals.keep_session(
        request.app[SETTINGS], path_params.appointment_id, user, now=request_now(request)
    )
    return await _answer(request, appointment, user)


@_action("confirm", Access.USER, None, "Not a scheduled session, or it is over")
async def confirm_attendance(
    request: web.Request, *, user: User, path_params: AppointmentPath
) -> AppointmentOut:
    """ "I'll be there": record that the client will attend (owner; sets client_confirmed_at)."""
    appointment = await lifecycle.confirm_attendance(
        request.app[SETTINGS], path_params.appointment_id, user, now=request_now(request)
    )
    return await _answer(request, appointment, user)


@_action(
    "running-late",
    Access.USER,
    LateBody,
    "Not a scheduled session, more than two hours before its start, or over",
)
async def running_late(
    request: web.Request, *, user: User, path_params: AppointmentPath, body: LateBody
) -> AppointmentOut:
    """Tell the therapist at once that the client is running 5, 10 or 15 minutes late."""
    appointment = await lifecycle.report_running_late(
        request.app[SETTINGS],
        path_params.appointment_id,
        user,
        body.minutes,
        now=request_now(request),
    )
    return await _answer(request, appointment, user)
