"""`/api/meetings/`: appointment requests, scheduling, Jitsi meetings, stats.

The availability routes (rules, blocked dates, the dates and slots on offer) are
`api.availability`'s.

Handlers are thin: each gets its parsed input (the request models of
`api.appointment_models`), calls one service in `booking` and returns a response model;
`api.routing` does the parsing and the serialising, and `api.openapi` publishes the same
declarations.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from api.app_keys import SETTINGS, request_now
from api.appointment_models import (
    MAX_PAGE_SIZE,
    AppointmentOut,
    AppointmentPath,
    AppointmentQuery,
    AppointmentRequest,
    MeetingOut,
    OccurrenceOut,
    Page,
    PageQuery,
    RejectRequest,
    ScheduleRequest,
    SeriesScheduledOut,
    SkippedOut,
    StatsOut,
    render_appointment,
)
from api.auth import Access
from api.client_address import client_ip
from api.routing import Prerendered, Routes, prerender
from api.urls import page_links
from booking import appointments
from booking.errors import NotFound
from booking.freshness import Fresh
from booking.meetings import meeting_info
from booking.proposals import offers_for
from booking.series import schedule_series
from booking.stats import stats
from models import User

routes = Routes()

PREFIX = "/api/meetings"
# Only UUID-shaped ids reach the handlers ("stats" and friends are routes of their own).
APPOINTMENT_ID = "{appointment_id:[0-9a-fA-F-]{32,36}}"


# Rendered list pages by viewer, URL and second, reused within that second (a write
# through this process drops them at once: booking.freshness).
_pages = Fresh()


async def _cached_page(
    request: web.Request,
    viewer: User,
    query: AppointmentQuery | PageQuery,
    *,
    own_only: bool,
) -> Prerendered:
    staff_list = viewer.is_staff and not own_only
    if staff_list:
        # Every staff list read is an audit row, whether or not its page comes from the cache.
        email = query.email if isinstance(query, AppointmentQuery) else None
        await appointments.record_list_read(viewer, status=query.status, email=email)
    key = (viewer.id, own_only, str(request.url), int(request_now(request).timestamp()))

    async def render() -> Prerendered:
        page = await _page(request, viewer, query, own_only=own_only, audit=not staff_list)
        return prerender(Page[AppointmentOut], page)

    return await _pages.get(key, render)


async def _page(
    request: web.Request,
    viewer: User,
    query: AppointmentQuery | PageQuery,
    *,
    own_only: bool,
    audit: bool = True,
) -> Page[AppointmentOut]:
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
        audit=audit,
    )
    if query.page > 1 and not rows:
        raise NotFound("Invalid page.")  # DRF's words
    now = request_now(request)
    offers = await offers_for(rows, now)
    following, preceding = page_links(request, query.page, size, total)
    return Page[AppointmentOut](
        count=total,
        next=following,
        previous=preceding,
        results=[render_appointment(settings, a, viewer, now, offers[a.id]) for a in rows],
    )


# --- handlers ---------------------------------------------------------------------------------

ONE_APPOINTMENT = f"{PREFIX}/appointments/{APPOINTMENT_ID}"
NOT_PENDING = "The request is no longer pending"


@routes.endpoint(
    "POST",
    f"{PREFIX}/appointments/create/",
    access=Access.OPTIONAL,
    body=AppointmentRequest,
    response=AppointmentOut,
    status=201,
    errors={429: "Too many requests from this e-mail address or client (see Retry-After)"},
    tag="appointments",
)
async def create_appointment(
    request: web.Request, *, user: User | None, body: AppointmentRequest
) -> AppointmentOut:
    """Ask for a session; a signed-in client's request is linked to their account.

    Limited to 20 requests an hour per e-mail address and 60 per client IP (429 beyond).
    """
    settings = request.app[SETTINGS]
    now = request_now(request)
    appointment = await appointments.create_appointment(
        settings, **body.model_dump(), user=user, ip=client_ip(request), now=now
    )
    return render_appointment(settings, appointment, user, now)


def _appointment_list(path: str, query: type[BaseModel]):
    return routes.endpoint(
        "GET",
        path,
        access=Access.USER,
        query=query,
        response=Page[AppointmentOut],
        errors={404: "The page is past the end of the list"},
        tag="appointments",
    )


@_appointment_list(f"{PREFIX}/appointments/", AppointmentQuery)
async def list_appointments(
    request: web.Request, *, user: User, query: AppointmentQuery
) -> Prerendered:
    """Staff: every request (filters status, email). Clients: their own requests."""
    return await _cached_page(request, user, query, own_only=False)


@_appointment_list(f"{PREFIX}/user/appointments/", PageQuery)
async def user_appointments(request: web.Request, *, user: User, query: PageQuery) -> Prerendered:
    """The signed-in person's own requests, including those sent with their verified e-mail."""
    return await _cached_page(request, user, query, own_only=True)


@routes.endpoint(
    "GET",
    f"{PREFIX}/appointments/stats/",
    access=Access.STAFF,
    response=StatsOut,
    tag="appointments",
)
async def appointment_stats(request: web.Request, *, user: User) -> StatsOut:
    """Counts by status and the share of requests scheduled (staff)."""
    return StatsOut.model_validate(await stats())


@routes.endpoint(
    "GET",
    f"{ONE_APPOINTMENT}/",
    access=Access.USER,
    path_params=AppointmentPath,
    response=AppointmentOut,
    tag="appointments",
)
async def appointment_detail(
    request: web.Request, *, user: User, path_params: AppointmentPath
) -> AppointmentOut:
    """One request (its owner or staff; anyone else gets 404), with its open offers."""
    appointment = await appointments.get_appointment_for(
        user, path_params.appointment_id, audit=True
    )
    now = request_now(request)
    offers = await offers_for([appointment], now)
    return render_appointment(request.app[SETTINGS], appointment, user, now, offers[appointment.id])


def _staff_decision(action: str, body: type[BaseModel], conflict: str):
    """A staff decision on one pending request; 409 when it is no longer possible."""
    return routes.endpoint(
        "POST",
        f"{ONE_APPOINTMENT}/{action}/",
        access=Access.STAFF,
        path_params=AppointmentPath,
        body=body,
        response=AppointmentOut,
        errors={409: conflict},
        tag="appointments",
    )


@routes.endpoint(
    "POST",
    f"{ONE_APPOINTMENT}/schedule/",
    access=Access.STAFF,
    path_params=AppointmentPath,
    body=ScheduleRequest,
    response=SeriesScheduledOut | AppointmentOut,
    errors={
        409: f"{NOT_PENDING}, or the time clashes (another session, its buffer, a blocked "
        "day, the daily cap; `clashes` lists them); with `repeat`, `conflicts` lists the "
        "clashing dates"
    },
    tag="appointments",
)
async def schedule_appointment(
    request: web.Request, *, user: User, path_params: AppointmentPath, body: ScheduleRequest
) -> AppointmentOut:
    """Give a pending request its time and a private Jitsi room (staff).

    409 when the request is no longer pending or the time clashes: another session, a
    session's buffer, a blocked day, the daily cap. Staff may send `"override": true` to
    book over all but another session. With `repeat` the request becomes a series (one
    session every `every_weeks` weeks at the same practice-local time, `count` times or
    until `until`): every occurrence is checked before any is booked; 409 lists the
    clashing dates in `conflicts` unless `"skip_conflicts": true` books the rest.
    """
    settings = request.app[SETTINGS]
    now = request_now(request)
    if body.repeat is not None:
        booked = await schedule_series(
            settings,
            path_params.appointment_id,
            user,
            body.scheduled_datetime,
            body.scheduled_duration,
            body.repeat.model_dump(),
            override=body.override,
            skip_conflicts=body.skip_conflicts,
            now=now,
        )
        first = render_appointment(settings, booked.first, user, now)
        return SeriesScheduledOut(
            **first.model_dump(),
            occurrences=[
                OccurrenceOut(id=str(a.id), scheduled_datetime=a.scheduled_datetime)
                for a in booked.occurrences
            ],
            skipped=[SkippedOut.model_validate(s.as_dict()) for s in booked.skipped],
        )
    appointment = await appointments.schedule_appointment(
        settings,
        path_params.appointment_id,
        user,
        body.scheduled_datetime,
        body.scheduled_duration,
        override=body.override,
        now=now,
    )
    return render_appointment(settings, appointment, user, now)


@_staff_decision("reject", RejectRequest, NOT_PENDING)
async def reject_appointment(
    request: web.Request, *, user: User, path_params: AppointmentPath, body: RejectRequest
) -> AppointmentOut:
    """Decline a pending request with an optional reason (staff); 409 when not pending."""
    settings = request.app[SETTINGS]
    now = request_now(request)
    appointment = await appointments.reject_appointment(
        settings, path_params.appointment_id, user, body.rejection_reason, now=now
    )
    return render_appointment(settings, appointment, user, now)


@routes.endpoint(
    "GET",
    f"{ONE_APPOINTMENT}/jitsi-meeting/",
    access=Access.USER,
    path_params=AppointmentPath,
    response=MeetingOut,
    errors={400: "The appointment is not scheduled, so it has no meeting"},
    tag="appointments",
)
async def jitsi_meeting(
    request: web.Request, *, user: User, path_params: AppointmentPath
) -> MeetingOut:
    """The video meeting of a scheduled session, with the viewer's own link (owner or staff)."""
    appointment = await appointments.get_appointment_for(
        user, path_params.appointment_id, audit=True
    )
    info = meeting_info(request.app[SETTINGS], appointment, user, request_now(request))
    return MeetingOut.model_validate(info)
