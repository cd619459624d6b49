"""`/api/meetings/`: availability, appointment requests, scheduling, Jitsi meetings, stats.

Handlers are thin: parse (pydantic models below, which the OpenAPI document is generated
from) -> one service call in `booking` -> render (the response models below).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from api.auth import current_user, require_staff, require_user
from api.index import absolute_url
from api.keys import SETTINGS
from api.openapi import documented
from api.schemas import parse_body, parse_query
from booking import appointments, availability
from booking.meetings import Participant, can_join, meeting_info, meeting_status, meeting_url
from booking.settings import Settings
from models import Appointment, AppointmentStatus, User

routes = web.RouteTableDef()

# Tests may set a fixed clock before the app starts; production always reads the real time.
CLOCK = web.AppKey("meetings_clock", Callable[[], datetime])

PREFIX = "/api/meetings"
# Only UUID-shaped ids reach the handlers ("stats" and friends are routes of their own).
APPOINTMENT_ID = "{appointment_id:[0-9a-fA-F-]{32,36}}"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
IsoDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Slot = Literal["morning", "afternoon", "evening"]
Weekday = Annotated[StrictInt, Field(ge=0, le=6)]


def _now(request: web.Request) -> datetime:
    clock = request.app.get(CLOCK)
    return clock() if clock is not None else datetime.now(UTC)


# --- request models ---------------------------------------------------------------------------


class AvailabilityUpdate(BaseModel):
    """PUT: the whole weekly availability."""

    model_config = ConfigDict(extra="forbid")
    available_days: list[Weekday] = Field(
        description="Weekday numbers when requests are accepted: 0=Monday .. 6=Sunday.",
        examples=[[0, 1, 2, 3, 4]],
        max_length=7,
    )


class AvailabilityPatch(BaseModel):
    """PATCH: the fields given are changed."""

    model_config = ConfigDict(extra="forbid")
    available_days: list[Weekday] | None = Field(
        None, description="Weekday numbers 0=Monday .. 6=Sunday.", max_length=7
    )


class AppointmentRequest(BaseModel):
    """A client's request for a session."""

    first_name: Name
    last_name: Name
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] = Field(
        json_schema_extra={"format": "email"}
    )
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    preferred_dates: list[IsoDate] = Field(
        min_length=1,
        max_length=30,
        description="Dates from `available-dates/`, YYYY-MM-DD.",
        examples=[["2026-01-15", "2026-01-16"]],
    )
    preferred_time_slots: list[Slot] = Field(
        min_length=1,
        max_length=3,
        description="morning 09-12, afternoon 13-17, evening 18-21 (practice time).",
    )


class ScheduleRequest(BaseModel):
    """Staff pick the time of a pending request."""

    scheduled_datetime: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = (
        Field(
            description="ISO 8601. Without a UTC offset it means the practice's local time.",
            examples=["2026-01-15T10:00:00Z"],
        )
    )
    scheduled_duration: Annotated[StrictInt, Field(ge=15, le=240)] = Field(
        60, description="Minutes, 15-240."
    )


class RejectRequest(BaseModel):
    """Staff decline a pending request."""

    rejection_reason: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None
    ) = None


class AppointmentQuery(BaseModel):
    """Filters and pagination of appointment lists."""

    status: Literal["pending_review", "scheduled", "rejected", "cancelled"] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = Field(
        None, description="Staff: requests made with this e-mail (matched by blind index)."
    )
    page: Annotated[int, Field(ge=1)] = 1
    page_size: Annotated[int, Field(ge=1)] = Field(
        DEFAULT_PAGE_SIZE, description=f"At most {MAX_PAGE_SIZE}."
    )


class PageQuery(BaseModel):
    """Pagination of a client's own list."""

    status: Literal["pending_review", "scheduled", "rejected", "cancelled"] | None = None
    page: Annotated[int, Field(ge=1)] = 1
    page_size: Annotated[int, Field(ge=1)] = DEFAULT_PAGE_SIZE


# --- response models --------------------------------------------------------------------------


class AvailabilityOut(BaseModel):
    available_days: list[int]
    available_days_display: list[str]
    updated_at: datetime | None = None


class AppointmentOut(BaseModel):
    id: str
    user: str | None
    first_name: str
    last_name: str
    email: str
    phone: str | None
    reason: str | None
    preferred_dates: list[str]
    preferred_time_slots: list[str]
    status: str
    status_display: str
    scheduled_datetime: datetime | None = Field(description="UTC.")
    scheduled_datetime_local: str | None = Field(
        description="The same instant in the practice's time zone, ISO 8601 with offset."
    )
    scheduled_duration: int | None
    rejection_reason: str | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime
    jitsi_meet_url: str | None = Field(description="The viewer's own link (scheduled only).")
    jitsi_room_id: str | None
    has_jitsi_meeting: bool
    can_join_meeting: bool
    meeting_status: Literal["pending", "scheduled", "active", "completed"]


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    count: int
    next: str | None
    previous: str | None
    results: list[T]


class MeetingOut(BaseModel):
    meeting_url: str
    room_id: str
    scheduled_time: str = Field(description="In the practice's time zone, named.")
    scheduled_datetime: datetime
    duration: str
    duration_minutes: int
    can_join: bool
    meeting_status: Literal["pending", "scheduled", "active", "completed"]
    join_window_opens_at: datetime
    join_window_closes_at: datetime
    join_instructions: str


class StatsOut(BaseModel):
    total_requests: int
    pending_review: int
    scheduled: int
    rejected: int
    completion_rate: float = Field(description="Percent of requests scheduled, two decimals.")


# --- rendering --------------------------------------------------------------------------------

STATUS_DISPLAY = {
    AppointmentStatus.PENDING_REVIEW: "Pending review",
    AppointmentStatus.SCHEDULED: "Scheduled",
    AppointmentStatus.REJECTED: "Rejected",
    AppointmentStatus.CANCELLED: "Cancelled",
}


def render_appointment(
    settings: Settings, appointment: Appointment, viewer: User | None, now: datetime
) -> dict[str, Any]:
    start = appointment.scheduled_datetime
    participant = Participant.for_user(viewer) if viewer is not None else None
    link = meeting_url(settings, appointment, participant, now)
    user_id = appointment.user_id  # type: ignore[attr-defined]
    out = AppointmentOut(
        id=str(appointment.id),
        user=str(user_id) if user_id else None,
        first_name=appointment.first_name,
        last_name=appointment.last_name,
        email=appointment.email,
        phone=appointment.phone,
        reason=appointment.reason,
        preferred_dates=list(appointment.preferred_dates),
        preferred_time_slots=list(appointment.preferred_time_slots),
        status=appointment.status.value,
        status_display=STATUS_DISPLAY[appointment.status],
        scheduled_datetime=start,
        scheduled_datetime_local=start.astimezone(settings.zone).isoformat() if start else None,
        scheduled_duration=appointment.scheduled_duration,
        rejection_reason=appointment.rejection_reason,
        decided_at=appointment.decided_at,
        created_at=appointment.created_at,
        updated_at=appointment.updated_at,
        jitsi_meet_url=link,
        jitsi_room_id=appointment.jitsi_room_id,
        has_jitsi_meeting=link is not None,
        can_join_meeting=can_join(appointment, now),
        meeting_status=meeting_status(appointment, now),  # type: ignore[arg-type]
    )
    return out.model_dump(mode="json")


def render_availability(row: Any) -> dict[str, Any]:
    days = list(row.available_days)
    return AvailabilityOut(
        available_days=days,
        available_days_display=availability.day_names(days),
        updated_at=row.updated_at,
    ).model_dump(mode="json")


async def _page(
    request: web.Request,
    viewer: User,
    query: AppointmentQuery | PageQuery,
    *,
    own_only: bool,
) -> web.Response:
    """A DRF-style page: count, next, previous, results; a page past the end is a 404."""
    settings = request.app[SETTINGS]
    size = min(query.page_size, MAX_PAGE_SIZE)
    email = query.email if isinstance(query, AppointmentQuery) else None
    total, rows = await appointments.list_appointments(
        viewer,
        status=query.status,
        email=email,
        own_only=own_only,
        offset=(query.page - 1) * size,
        limit=size,
    )
    if query.page > 1 and not rows:
        raise web.HTTPNotFound()
    now = _now(request)

    def link(page: int) -> str:
        return absolute_url(request, str(request.rel_url.update_query(page=page)))

    return web.json_response(
        {
            "count": total,
            "next": link(query.page + 1) if query.page * size < total else None,
            "previous": link(query.page - 1) if query.page > 1 else None,
            "results": [render_appointment(settings, a, viewer, now) for a in rows],
        }
    )


# --- handlers ---------------------------------------------------------------------------------


@routes.get(f"{PREFIX}/admin/availability/")
@documented(response=AvailabilityOut, tag="availability")
async def get_availability(request: web.Request) -> web.Response:
    """Weekly availability (staff)."""
    require_staff(request)
    return web.json_response(render_availability(await availability.get_availability()))


@routes.put(f"{PREFIX}/admin/availability/")
@documented(response=AvailabilityOut, tag="availability")
async def put_availability(request: web.Request) -> web.Response:
    """Replace the weekly availability (staff)."""
    require_staff(request)
    body = await parse_body(request, AvailabilityUpdate)
    row = await availability.set_available_days(body.available_days)
    return web.json_response(render_availability(row))


@routes.patch(f"{PREFIX}/admin/availability/")
@documented(response=AvailabilityOut, tag="availability")
async def patch_availability(request: web.Request) -> web.Response:
    """Change the given availability fields (staff)."""
    require_staff(request)
    body = await parse_body(request, AvailabilityPatch)
    if body.available_days is None:
        row = await availability.get_availability()
    else:
        row = await availability.set_available_days(body.available_days)
    return web.json_response(render_availability(row))


@routes.get(f"{PREFIX}/appointments/available-dates/")
@documented(response=list[date], tag="appointments", auth="none")
async def get_available_dates(request: web.Request) -> web.Response:
    """Open dates of the next 30 days from tomorrow (practice time zone), YYYY-MM-DD."""
    dates = await availability.available_dates(request.app[SETTINGS], now=_now(request))
    return web.json_response([d.isoformat() for d in dates])


@routes.post(f"{PREFIX}/appointments/create/")
@documented(response=AppointmentOut, status=201, tag="appointments", auth="optional", errors=(429,))
async def create_appointment(request: web.Request) -> web.Response:
    """Ask for a session; a signed-in client's request is linked to their account.

    Limited to 20 requests an hour per e-mail address and 60 per client IP (429 beyond).
    """
    settings = request.app[SETTINGS]
    body = await parse_body(request, AppointmentRequest)
    viewer = current_user(request)
    now = _now(request)
    appointment = await appointments.create_appointment(
        settings, **body.model_dump(), user=viewer, ip=request.remote, now=now
    )
    return web.json_response(render_appointment(settings, appointment, viewer, now), status=201)


@routes.get(f"{PREFIX}/appointments/")
@documented(response=Page[AppointmentOut], tag="appointments")
async def list_appointments(request: web.Request) -> web.Response:
    """Staff: every request (filters status, email). Clients: their own requests."""
    viewer = require_user(request)
    query = parse_query(request, AppointmentQuery)
    return await _page(request, viewer, query, own_only=False)


@routes.get(f"{PREFIX}/user/appointments/")
@documented(response=Page[AppointmentOut], tag="appointments")
async def user_appointments(request: web.Request) -> web.Response:
    """The signed-in person's own requests, including those sent with their verified e-mail."""
    viewer = require_user(request)
    query = parse_query(request, PageQuery)
    return await _page(request, viewer, query, own_only=True)


@routes.get(f"{PREFIX}/appointments/stats/")
@documented(response=StatsOut, tag="appointments")
async def appointment_stats(request: web.Request) -> web.Response:
    """Counts by status and the share of requests scheduled (staff)."""
    require_staff(request)
    result = await appointments.stats()
    return web.json_response(StatsOut(**result.as_dict()).model_dump(mode="json"))


@routes.get(f"{PREFIX}/appointments/{APPOINTMENT_ID}/")
@documented(response=AppointmentOut, tag="appointments")
async def appointment_detail(request: web.Request) -> web.Response:
    """One request (its owner or staff; anyone else gets 404)."""
    viewer = require_user(request)
    appointment = await appointments.get_appointment_for(
        viewer, request.match_info["appointment_id"]
    )
    settings = request.app[SETTINGS]
    return web.json_response(render_appointment(settings, appointment, viewer, _now(request)))


@routes.post(f"{PREFIX}/appointments/{APPOINTMENT_ID}/schedule/")
@documented(response=AppointmentOut, tag="appointments", errors=(409,))
async def schedule_appointment(request: web.Request) -> web.Response:
    """Give a pending request its time and a private Jitsi room (staff).

    409 when the request is no longer pending or the time overlaps another session.
    """
    staff = require_staff(request)
    body = await parse_body(request, ScheduleRequest)
    settings = request.app[SETTINGS]
    now = _now(request)
    appointment = await appointments.schedule_appointment(
        settings,
        request.match_info["appointment_id"],
        staff,
        body.scheduled_datetime,
        body.scheduled_duration,
        now=now,
    )
    return web.json_response(render_appointment(settings, appointment, staff, now))


@routes.post(f"{PREFIX}/appointments/{APPOINTMENT_ID}/reject/")
@documented(response=AppointmentOut, tag="appointments", errors=(409,))
async def reject_appointment(request: web.Request) -> web.Response:
    """Decline a pending request with an optional reason (staff); 409 when not pending."""
    staff = require_staff(request)
    body = await parse_body(request, RejectRequest)
    settings = request.app[SETTINGS]
    now = _now(request)
    appointment = await appointments.reject_appointment(
        settings, request.match_info["appointment_id"], staff, body.rejection_reason, now=now
    )
    return web.json_response(render_appointment(settings, appointment, staff, now))


@routes.get(f"{PREFIX}/appointments/{APPOINTMENT_ID}/jitsi-meeting/")
@documented(response=MeetingOut, tag="appointments")
async def jitsi_meeting(request: web.Request) -> web.Response:
    """The video meeting of a scheduled session, with the viewer's own link (owner or staff)."""
    viewer = require_user(request)
    appointment = await appointments.get_appointment_for(
        viewer, request.match_info["appointment_id"]
    )
    info = meeting_info(request.app[SETTINGS], appointment, viewer, _now(request))
    return web.json_response(
        MeetingOut(
            meeting_url=info.meeting_url,
            room_id=info.room_id,
            scheduled_time=info.scheduled_time,
            scheduled_datetime=info.scheduled_datetime,
            duration=info.duration,
            duration_minutes=info.duration_minutes,
            can_join=info.can_join,
            meeting_status=info.meeting_status,  # type: ignore[arg-type]
            join_window_opens_at=info.join_window_opens_at,
            join_window_closes_at=info.join_window_closes_at,
            join_instructions=info.join_instructions,
        ).model_dump(mode="json")
    )
