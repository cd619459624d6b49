"""Request and response models of `/api/meetings/`, and how an appointment is rendered.

The limits of a person's fields come from `booking.person_fields` (via `api.fields`) and
the durations from `booking.appointments`, so the published schema and the services'
rules are one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from api.fields import Email, Name, Phone, Reason, RejectionReason
from booking.appointments import DEFAULT_DURATION, MAX_DURATION, MIN_DURATION
from booking.meetings import Participant, can_join, meeting_status, meeting_url
from booking.person_fields import EMAIL_MAX_LENGTH, MAX_PREFERRED_DATES
from booking.proposals import Offers
from booking.series import MAX_COUNT, MIN_COUNT
from booking.settings import Settings
from models import Appointment, AppointmentStatus, User

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

IsoDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Slot = Literal["morning", "afternoon", "evening"]
StatusName = Literal["pending_review", "scheduled", "rejected", "cancelled"]
MeetingStatus = Literal["pending", "scheduled", "active", "completed"]


# --- request models ---------------------------------------------------------------------------


class AppointmentRequest(BaseModel):
    """A client's request for a session."""

    first_name: Name
    last_name: Name
    email: Email
    phone: Phone | None = None
    reason: Reason | None = None
    preferred_dates: list[IsoDate] = Field(
        min_length=1,
        max_length=MAX_PREFERRED_DATES,
        description="Dates from `available-dates/`, YYYY-MM-DD.",
        examples=[["2026-01-15", "2026-01-16"]],
    )
    preferred_time_slots: list[Slot] = Field(
        min_length=1,
        max_length=3,
        description="morning 09-12, afternoon 13-17, evening 18-21 (practice time).",
    )


class RepeatIn(BaseModel):
    """A series' rhythm and length: `count` or `until` (inclusive), not both."""

    model_config = ConfigDict(extra="forbid")
    every_weeks: Literal[1, 2, 3, 4]
    count: Annotated[StrictInt, Field(ge=MIN_COUNT, le=MAX_COUNT)] | None = None
    until: IsoDate | None = Field(None, description="The last possible date, YYYY-MM-DD.")

    @model_validator(mode="after")
    def _count_or_until(self) -> RepeatIn:
        if (self.count is None) == (self.until is None):
            raise ValueError("Give either count or until.")
        return self


class ScheduleRequest(BaseModel):
    """Staff pick the time of a pending request."""

    scheduled_datetime: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = (
        Field(
            description="ISO 8601. Without a UTC offset it means the practice's local time.",
            examples=["2026-01-15T10:00:00Z"],
        )
    )
    scheduled_duration: Annotated[StrictInt, Field(ge=MIN_DURATION, le=MAX_DURATION)] = Field(
        DEFAULT_DURATION, description=f"Minutes, {MIN_DURATION}-{MAX_DURATION}."
    )
    override: StrictBool = Field(
        False,
        description="Book despite a buffer, a blocked day or the daily cap (never over "
        "another session).",
    )
    repeat: RepeatIn | None = Field(
        None, description="Book a series: the same practice-local time every N weeks."
    )
    skip_conflicts: StrictBool = Field(
        False, description="With `repeat`: book the occurrences that do not clash, skip the rest."
    )


class RejectRequest(BaseModel):
    """Staff decline a pending request."""

    rejection_reason: RejectionReason | None = None


class PageQuery(BaseModel):
    """Pagination of a client's own list."""

    status: StatusName | None = None
    page: Annotated[int, Field(ge=1)] = 1
    page_size: Annotated[int, Field(ge=1)] = DEFAULT_PAGE_SIZE


class AppointmentQuery(BaseModel):
    """Filters and pagination of appointment lists."""

    status: StatusName | None = None
    email: Annotated[str, StringConstraints(max_length=EMAIL_MAX_LENGTH)] | None = Field(
        None, description="Staff: requests made with this e-mail (matched by blind index)."
    )
    page: Annotated[int, Field(ge=1)] = 1
    page_size: Annotated[int, Field(ge=1)] = Field(
        DEFAULT_PAGE_SIZE, description=f"At most {MAX_PAGE_SIZE}."
    )


class AppointmentPath(BaseModel):
    appointment_id: uuid.UUID


# --- response models --------------------------------------------------------------------------


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
    status: StatusName
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
    meeting_status: MeetingStatus
    cancelled_by: Literal["client", "staff"] | None
    cancelled_at: datetime | None
    cancellation_reason: str | None
    late_cancellation: bool = Field(
        description="A client cancelled the session inside the cancellation notice."
    )
    client_confirmed_at: datetime | None = Field(
        description="When the client said they will be there (cleared by a move)."
    )
    reschedule_count: int = Field(description="How often the session was moved.")
    attendance: Literal["attended", "no_show"] | None = Field(
        None, description="Whether the client came, as staff recorded it (null until then)."
    )
    proposals: list[ProposalOut] = Field(
        description="Times on offer (`accept-proposal/`), earliest first; [] when none."
    )
    reschedule_request: MoveRequestOut | None = Field(
        description="The client's open request to move the session (null when none)."
    )
    series: str | None = Field(None, description="The series id, or null (a single session).")


class OccurrenceOut(BaseModel):
    id: str
    scheduled_datetime: datetime = Field(description="UTC.")


class SkippedOut(BaseModel):
    date: str = Field(description="Practice-local date, YYYY-MM-DD.")
    reason: str


class SeriesScheduledOut(AppointmentOut):
    """The first occurrence, with every session the series booked and the dates it skipped."""

    occurrences: list[OccurrenceOut]
    skipped: list[SkippedOut]


class ProposalOut(BaseModel):
    time: datetime = Field(description="UTC; send it back as `time` to accept.")
    time_local: str = Field(description="The same instant in the practice's time zone.")
    duration: int = Field(description="Minutes.")
    expires_at: datetime


class MoveRequestOut(BaseModel):
    preferred_dates: list[str]
    preferred_time_slots: list[str]
    note: str | None
    requested_at: datetime
    late: bool = Field(description="Asked inside the minimum notice before the session.")


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    count: int
    next: str | None
    previous: str | None
    results: list[T]


class MeetingOut(BaseModel):
    # Validated from the attributes of booking.meetings.MeetingInfo.
    model_config = ConfigDict(from_attributes=True)
    meeting_url: str
    room_id: str
    scheduled_time: str = Field(description="In the practice's time zone, named.")
    scheduled_datetime: datetime
    duration: str
    duration_minutes: int
    can_join: bool
    meeting_status: MeetingStatus
    join_window_opens_at: datetime
    join_window_closes_at: datetime
    join_instructions: str


class StatsOut(BaseModel):
    # Validated from the attributes of booking.stats.AppointmentStats.
    model_config = ConfigDict(from_attributes=True)
    total_requests: int
    pending_review: int
    scheduled: int
    rejected: int
    completion_rate: float = Field(description="Percent of requests scheduled, two decimals.")
    cancelled: int
    late_cancellations: int = Field(
        description="Sessions a client cancelled inside the cancellation notice."
    )
    rescheduled: int = Field(description="Sessions moved at least once.")
    attendance_recorded: int = Field(description="Sessions whose attendance staff recorded.")
    attendance_rate: float = Field(
        description="Percent of the recorded sessions the client attended, two decimals "
        "(0.0 when none is recorded)."
    )
    no_show_rate: float = Field(
        description="Percent of the recorded sessions the client missed, two decimals."
    )


# --- rendering --------------------------------------------------------------------------------

STATUS_DISPLAY = {
    AppointmentStatus.PENDING_REVIEW: "Pending review",
    AppointmentStatus.SCHEDULED: "Scheduled",
    AppointmentStatus.REJECTED: "Rejected",
    AppointmentStatus.CANCELLED: "Cancelled",
}


def render_appointment(
    settings: Settings,
    appointment: Appointment,
    viewer: User | None,
    now: datetime,
    offers: Offers | None = None,
) -> AppointmentOut:
    """The appointment as `viewer` sees it; `offers` (`booking.proposals.offers_for`) adds the
    open proposals and move request."""
    start = appointment.scheduled_datetime
    offers = offers or Offers()
    request = offers.move_request
    cancelled_by = appointment.cancelled_by
    participant = Participant.for_user(viewer) if viewer is not None else None
    link = meeting_url(settings, appointment, participant, now)
    user_id = appointment.user_id  # type: ignore[attr-defined]
    return AppointmentOut(
        id=str(appointment.id),
        user=str(user_id) if user_id else None,
        first_name=appointment.first_name,
        last_name=appointment.last_name,
        email=appointment.email,
        phone=appointment.phone,
        reason=appointment.reason,
        preferred_dates=list(appointment.preferred_dates),
        preferred_time_slots=list(appointment.preferred_time_slots),
        status=appointment.status.value,  # type: ignore[arg-type]
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
        cancelled_by=cancelled_by.value if cancelled_by else None,  # type: ignore[arg-type]
        cancelled_at=appointment.cancelled_at,
        cancellation_reason=appointment.cancellation_reason,
        late_cancellation=appointment.late_cancellation,
        client_confirmed_at=appointment.client_confirmed_at,
        reschedule_count=appointment.reschedule_count,
        attendance=appointment.attendance.value if appointment.attendance else None,  # type: ignore[arg-type]
        proposals=[
            ProposalOut(
                time=p.start,
                time_local=p.start.astimezone(settings.zone).isoformat(),
                duration=p.duration,
                expires_at=p.expires_at,
            )
            for p in offers.proposals
        ],
        reschedule_request=MoveRequestOut(
            preferred_dates=list(request.preferred_dates),
            preferred_time_slots=list(request.preferred_time_slots),
            note=request.note,
            requested_at=request.requested_at,
            late=request.late,
        )
        if request is not None
        else None,
        series=str(series_id) if (series_id := appointment.series_id) else None,  # type: ignore[attr-defined]
    )
