"""`/api/meetings/`: the practice's availability, its rules, days away, and what clients see.

Staff edit the weekly days and the booking rules (`admin/availability/`) and the blocked
dates (`admin/blocked-dates/`); anyone reads the dates and slots on offer. The rules and
their bounds are `booking.availability`'s; handlers only parse, call and render.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from api.app_keys import SETTINGS, request_now
from api.auth import Access
from api.routing import Prerendered, Routes, prerender
from booking import availability, blocked_dates, offers, slots
from booking.availability import RULE_LIMITS
from booking.freshness import Fresh
from booking.person_fields import BLOCKED_DATE_NOTE_MAX_LENGTH
from models import Availability, BlockedDate, User

routes = Routes()

PREFIX = "/api/meetings"
AVAILABILITY = f"{PREFIX}/admin/availability/"
BLOCKED_DATES = f"{PREFIX}/admin/blocked-dates/"

IsoDate = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{4}-\d{2}-\d{2}$")]
Weekday = Annotated[StrictInt, Field(ge=0, le=6)]
Note = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=BLOCKED_DATE_NOTE_MAX_LENGTH)
]


def _limits(name: str) -> Any:
    low, high = RULE_LIMITS[name]
    return Field(ge=low, le=high)


NoticeHours = Annotated[StrictInt, _limits("minimum_notice_hours")]
HorizonDays = Annotated[StrictInt, _limits("booking_horizon_days")]
BufferMinutes = Annotated[StrictInt, _limits("buffer_minutes")]
DailyCap = Annotated[StrictInt, _limits("max_sessions_per_day")]
CancellationHours = Annotated[StrictInt, _limits("cancellation_notice_hours")]


# --- models ---------------------------------------------------------------------------------


def _kept(description: str) -> Any:
    """A rule that keeps its value when left out (so the schema names no default)."""
    return Field(default_factory=lambda: None, description=description)


class Rules(BaseModel):
    """The booking rules; a rule left out keeps its value."""

    model_config = ConfigDict(extra="forbid")
    minimum_notice_hours: NoticeHours = _kept(
        "Clients are offered, and may take, only times at least this far ahead (default 24)."
    )
    booking_horizon_days: HorizonDays = _kept(
        "How many days ahead of today dates are offered (default 30)."
    )
    buffer_minutes: BufferMinutes = _kept("Free minutes kept before and after every session.")
    max_sessions_per_day: DailyCap | None = _kept("At most this many sessions a day; null: no cap.")
    cancellation_notice_hours: CancellationHours = _kept(
        "A client cancelling later than this before the start cancels late (default 24)."
    )

    def changes(self) -> dict[str, object]:
        """The rules sent (an explicit null cap included)."""
        return self.model_dump(include=self.model_fields_set & set(RULE_LIMITS))


class AvailabilityUpdate(Rules):
    """PUT: the weekly days, and any of the rules."""

    available_days: list[Weekday] = Field(
        description="Weekday numbers when requests are accepted: 0=Monday .. 6=Sunday.",
        examples=[[0, 1, 2, 3, 4]],
        max_length=7,
    )


class AvailabilityPatch(Rules):
    """PATCH: the fields given are changed."""

    available_days: list[Weekday] | None = Field(
        None, description="Weekday numbers 0=Monday .. 6=Sunday.", max_length=7
    )


class AvailabilityOut(BaseModel):
    available_days: list[int]
    available_days_display: list[str]
    minimum_notice_hours: int
    booking_horizon_days: int
    buffer_minutes: int
    max_sessions_per_day: int | None = Field(description="null: no cap.")
    cancellation_notice_hours: int
    updated_at: datetime | None = None

    @classmethod
    def of(cls, row: Availability) -> AvailabilityOut:
        days = list(row.available_days)
        return cls(
            available_days=days,
            available_days_display=availability.day_names(days),
            minimum_notice_hours=row.minimum_notice_hours,
            booking_horizon_days=row.booking_horizon_days,
            buffer_minutes=row.buffer_minutes,
            max_sessions_per_day=row.max_sessions_per_day,
            cancellation_notice_hours=row.cancellation_notice_hours,
            updated_at=row.updated_at,
        )


class BlockedDateIn(BaseModel):
    """Days away: `start_date` to `end_date`, both included (one day without `end_date`)."""

    model_config = ConfigDict(extra="forbid")
    start_date: IsoDate = Field(examples=["2026-08-03"])
    end_date: IsoDate | None = Field(None, examples=["2026-08-14"])
    note: Note | None = Field(None, description="Private to staff; stored encrypted.")


class BlockedDateOut(BaseModel):
    id: int
    start_date: date
    end_date: date
    note: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: BlockedDate) -> BlockedDateOut:
        return cls(
            id=row.id,
            start_date=row.start_date,
            end_date=row.end_date,
            note=row.note,
            created_at=row.created_at,
        )


class BlockedDateQuery(BaseModel):
    include_past: bool = Field(
        False, description="Also list periods that have ended (default: from today on)."
    )


class BlockedDatePath(BaseModel):
    block_id: int


class SlotsQuery(BaseModel):
    date: IsoDate = Field(description="YYYY-MM-DD, from today to the booking horizon.")


class SlotsOut(BaseModel):
    date: date
    slots: list[str] = Field(
        description="morning, afternoon, evening: those with room for a 60-minute session."
    )


# --- handlers -------------------------------------------------------------------------------


def _staff_availability(method: str, body: type[BaseModel] | None = None):
    return routes.endpoint(
        method,
        AVAILABILITY,
        access=Access.STAFF,
        body=body,
        response=AvailabilityOut,
        tag="availability",
    )


@_staff_availability("GET")
async def get_availability(request: web.Request, *, user: User) -> AvailabilityOut:
    """Weekly availability and the booking rules (staff)."""
    return AvailabilityOut.of(await availability.get_availability())


@_staff_availability("PUT", AvailabilityUpdate)
async def put_availability(
    request: web.Request, *, user: User, body: AvailabilityUpdate
) -> AvailabilityOut:
    """Replace the weekly days; change any of the rules sent (staff)."""
    changes = {**body.changes(), "available_days": body.available_days}
    return AvailabilityOut.of(await availability.update_rules(changes, user))


@_staff_availability("PATCH", AvailabilityPatch)
async def patch_availability(
    request: web.Request, *, user: User, body: AvailabilityPatch
) -> AvailabilityOut:
    """Change the given fields: weekly days and rules (staff)."""
    changes = body.changes()
    if body.available_days is not None:
        changes["available_days"] = body.available_days
    return AvailabilityOut.of(await availability.update_rules(changes, user))


@routes.endpoint(
    "GET",
    BLOCKED_DATES,
    access=Access.STAFF,
    query=BlockedDateQuery,
    response=list[BlockedDateOut],
    tag="availability",
)
async def list_blocked_dates(
    request: web.Request, *, user: User, query: BlockedDateQuery
) -> list[BlockedDateOut]:
    """Days away, earliest first; those already over only with `include_past` (staff)."""
    today = availability.practice_today(request.app[SETTINGS], request_now(request))
    rows = await blocked_dates.list_blocked_dates(ending_from=None if query.include_past else today)
    return [BlockedDateOut.of(row) for row in rows]


@routes.endpoint(
    "POST",
    BLOCKED_DATES,
    access=Access.STAFF,
    body=BlockedDateIn,
    response=BlockedDateOut,
    status=201,
    tag="availability",
)
async def add_blocked_dates(
    request: web.Request, *, user: User, body: BlockedDateIn
) -> BlockedDateOut:
    """Block days (staff): never offered to clients; booking on them needs `override`."""
    row = await blocked_dates.add_blocked_dates(
        body.start_date, body.end_date, body.note, actor=user
    )
    return BlockedDateOut.of(row)


@routes.endpoint(
    "DELETE",
    f"{BLOCKED_DATES}{{block_id:[0-9]{{1,9}}}}/",
    access=Access.STAFF,
    path_params=BlockedDatePath,
    response=BlockedDateOut,
    tag="availability",
)
async def remove_blocked_dates(
    request: web.Request, *, user: User, path_params: BlockedDatePath
) -> BlockedDateOut:
    """Unblock a period (staff); answers the period removed."""
    row = await blocked_dates.remove_blocked_dates(
        path_params.block_id, request.app[SETTINGS], actor=user
    )
    return BlockedDateOut.of(row)


@routes.endpoint(
    "GET",
    f"{PREFIX}/appointments/available-dates/",
    access=Access.PUBLIC,
    response=list[date],
    tag="appointments",
)
async def get_available_dates(request: web.Request) -> Prerendered:
    """Dates on offer, YYYY-MM-DD (practice time zone).

    From tomorrow to the booking horizon: open weekdays that are not blocked, not at the
    daily cap, and have a slot with room past the minimum notice.
    """
    settings, now = request.app[SETTINGS], request_now(request)

    async def render() -> Prerendered:
        return prerender(list[date], await offers.available_dates(settings, now=now))

    # The body rendered once per second, as the dates are computed (booking.freshness), and
    # retired by what retires them (a new request does not).
    return await _dates_bodies.get(
        (id(settings), settings.practice_timezone, int(now.timestamp())), render
    )


_dates_bodies = Fresh(tables=offers.OFFER_TABLES)


@routes.endpoint(
    "GET",
    f"{PREFIX}/appointments/available-slots/",
    access=Access.PUBLIC,
    query=SlotsQuery,
    response=SlotsOut,
    tag="appointments",
)
async def get_available_slots(request: web.Request, *, query: SlotsQuery) -> SlotsOut:
    """The time slots of a day with room for a 60-minute session.

    A slot has room when a session starting on a whole or half hour inside it, ending by
    its end, starts after the minimum notice and touches no session (buffers counted). A
    closed, blocked or full day, and today, give `[]`; a date outside today..horizon: 400.
    """
    settings = request.app[SETTINGS]
    day, offered = await slots.available_slots(settings, query.date, now=request_now(request))
    return SlotsOut(date=day, slots=offered)
