"""Offers to change a session's time: times staff propose, and a client's wish to move.

Each service is one transaction under the scheduling lock that re-checks the state
(`booking.transitions.claim`), writes its event row and queues its messages
(`booking.lifecycle_notices`). Errors are `booking.errors`.

- `await propose_times(settings, appointment_id, staff, times, duration=None, *,
  override=False, now=None) -> Appointment`: 1-3 times, each checked free (staff may
  `override` a buffer, blocked day or cap, and act inside the minimum notice), for a pending
  request or a scheduled session; they replace the open round and lapse after
  `PROPOSAL_EXPIRY_HOURS` (48 by default), when the client is told
- `await accept_proposal(settings, appointment_id, client, time, *, now=None)
  -> Appointment`: the owner takes one time of the open round: the request is scheduled or
  the session moved, if that time is still free and outside the minimum notice; else
  Conflict, and the round stays on offer
- `await request_reschedule(settings, appointment_id, client, preferred_dates,
  preferred_time_slots, note=None, *, now=None) -> Appointment`: the owner asks to move a
  scheduled session (which stays booked until staff decide; flagged `late` inside the
  minimum notice; a new request replaces an open one)
- `await keep_session(settings, appointment_id, staff, *, now=None) -> Appointment`: staff
  answer a move request by keeping the session where it is
- `await open_proposals(appointment, now=None) -> list[Proposal]` (the open round)
- `await offers_for(appointments, now=None) -> dict[id, Offers]` (open proposals and move
  request of many appointments, in two queries)
- `await expire_proposals(now=None) -> int` (housekeeping: lapsed rounds marked `expired`;
  a lapsed proposal is refused whether or not this has run)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from booking.appointment_notices import active_staff, event_tag, queue_schedule_notices
from booking.appointments import (
    DEFAULT_DURATION,
    clean_duration,
    clean_preferred_dates,
    clean_preferred_slots,
    get_appointment_for,
    offered_among,
    parse_scheduled_datetime,
)
from booking.availability import find_clashes, get_rules, inside_notice, require_free
from booking.errors import Conflict, InvalidInput
from booking.formatting import format_practice_time
from booking.lifecycle import move_session, require_not_started
from booking.lifecycle_notices import (
    queue_accepted_notices,
    queue_kept_notices,
    queue_move_notices,
    queue_move_request_notices,
    queue_proposal_notices,
)
from booking.meetings import new_room_name
from booking.person_fields import REASON_MAX_LENGTH, FieldErrors, clean_text
from booking.settings import Settings
from booking.transitions import (
    EVENT_KEPT,
    EVENT_MOVE_REQUESTED,
    EVENT_PROPOSAL_ACCEPTED,
    EVENT_PROPOSED,
    claim,
    close_offers,
    field_named,
    record_event,
    require_bookable_start,
    require_staff,
)
from booking.waitlist_offers import offer_freed_time
from models import (
    Appointment,
    AppointmentStatus,
    Proposal,
    ProposalStatus,
    RescheduleRequest,
    RescheduleRequestStatus,
    User,
)

MAX_PROPOSALS = 3
NOTE_MAX_LENGTH = REASON_MAX_LENGTH
OFFERABLE = (AppointmentStatus.PENDING_REVIEW, AppointmentStatus.SCHEDULED)
SCHEDULED = (AppointmentStatus.SCHEDULED,)


def _utcnow() -> datetime:
    return datetime.now(UTC)


# --- staff propose ------------------------------------------------------------------------------


def _clean_times(settings: Settings, times: Any, now: datetime) -> list[datetime]:
    """1-3 distinct future times (ISO 8601; without an offset, practice time), earliest first."""
    if isinstance(times, str | bytes) or not isinstance(times, Iterable):
        raise InvalidInput({"times": ["Give a list of 1 to 3 date-times."]})
    starts: list[datetime] = []
    with field_named("times"):
        for value in times:
            start = parse_scheduled_datetime(settings, value)
            require_bookable_start(start, now)
            if start not in starts:
                starts.append(start)
    if not 1 <= len(starts) <= MAX_PROPOSALS:
        raise InvalidInput({"times": [f"Give 1 to {MAX_PROPOSALS} different date-times."]})
    return sorted(starts)


async def _require_all_free(
    settings: Settings,
    conn: BaseDBAsyncClient,
    appointment: Appointment,
    starts: Sequence[datetime],
    minutes: int,
    override: bool,
) -> None:
    for start in starts:
        clashes = await find_clashes(
            settings, start, minutes, exclude_appointment_id=appointment.id, using_db=conn
        )
        try:
            require_free(clashes, override=override)
        except Conflict as exc:
            when = format_practice_time(settings, start)
            raise Conflict(f"{when}: {exc.detail}", extra=exc.extra) from None


async def propose_times(
    settings: Settings,
    appointment_id: uuid.UUID | str,
    staff: User,
    times: Sequence[datetime | str],
    duration: int | None = None,
    *,
    override: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Offer the client 1-3 times (replacing the open round); they lapse after a while."""
    require_staff(staff)
    now = now or _utcnow()
    starts = _clean_times(settings, times, now)
    minutes = None
    if duration is not None:
        with field_named("duration"):
            minutes = clean_duration(duration)
    visible = await get_appointment_for(staff, appointment_id)
    async with in_transaction() as conn:
        appointment = await claim(conn, visible.id, OFFERABLE, now)
        require_not_started(appointment, now, "moved")
        minutes = minutes or appointment.scheduled_duration or DEFAULT_DURATION
        if appointment.scheduled_datetime in starts:
            raise InvalidInput({"times": ["One of the times is the session's current time."]})
        await _require_all_free(settings, conn, appointment, starts, minutes, override)
        # The new round replaces the open one; a move request it answers stays open.
        await close_offers(conn, appointment, now, request=None)
        expires = now + timedelta(hours=settings.proposal_expiry_hours)
        proposals = [
            await Proposal.create(
                appointment=appointment,
                proposed_by=staff,
                start=start,
                duration=minutes,
                override=override,
                expires_at=expires,
                using_db=conn,
            )
            for start in starts
        ]
        event = await record_event(conn, appointment, staff, EVENT_PROPOSED, now)
        await queue_proposal_notices(settings, appointment, proposals, event, conn)
    return appointment


# --- the client accepts -------------------------------------------------------------------------


async def _therapist(proposal: Proposal, conn: BaseDBAsyncClient) -> User:
    """Who proposed the time (still active), else the first active staff member."""
    proposer = proposal.proposed_by_id  # type: ignore[attr-defined]
    if proposer:
        found = await User.get_or_none(id=proposer, is_active=True).using_db(conn)
        if found is not None:
            return found
    staff = await active_staff(conn)
    if not staff:
        raise Conflict("The practice has no active therapist to hold the session.")
    return staff[0]


async def accept_proposal(
    settings: Settings,
    appointment_id: uuid.UUID | str,
    client: User,
    time: datetime | str,
    *,
    now: datetime | None = None,
) -> Appointment:
    """Take one proposed time: the request is scheduled, or the session moves there."""
    now = now or _utcnow()
    with field_named("time"):
        start = parse_scheduled_datetime(settings, time)
    own = await get_appointment_for(client, appointment_id, own_only=True)
    async with in_transaction() as conn:
        appointment = await claim(conn, own.id, OFFERABLE, now)
        offered = await Proposal.filter(
            appointment_id=appointment.id, status=ProposalStatus.OPEN
        ).using_db(conn)
        proposal = next((p for p in offered if p.start == start), None)
        if proposal is None:
            raise Conflict("This time is not on offer (any more).")
        if proposal.expires_at <= now:
            raise Conflict("The proposed times have expired.")
        rules = await get_rules(conn)
        if inside_notice(rules, start, now):
            raise Conflict(
                f"This time is less than {rules.minimum_notice_hours} hours away, the "
                "practice's minimum notice; please ask the practice directly."
            )
        require_not_started(appointment, now, "moved")
        await _require_all_free(
            settings, conn, appointment, [start], proposal.duration, proposal.override
        )
        proposal.status, proposal.decided_at = ProposalStatus.ACCEPTED, now
        await proposal.save(using_db=conn, update_fields=["status", "decided_at"])
        await close_offers(conn, appointment, now, request=RescheduleRequestStatus.MOVED)
        if appointment.status == AppointmentStatus.PENDING_REVIEW:
            therapist = await _therapist(proposal, conn)
            appointment.status = AppointmentStatus.SCHEDULED
            appointment.scheduled_datetime = start
            appointment.scheduled_duration = proposal.duration
            appointment.jitsi_room_id = new_room_name()
            appointment.decided_by_id = therapist.id  # type: ignore[attr-defined]
            appointment.decided_at = now
            await appointment.save(
                using_db=conn,
                update_fields=[
                    "status",
                    "scheduled_datetime",
                    "scheduled_duration",
                    "jitsi_room_id",
                    "decided_by_id",
                    "decided_at",
                    "updated_at",
                ],
            )
            event = await record_event(conn, appointment, client, EVENT_PROPOSAL_ACCEPTED, now)
            tag = event_tag(event)
            await queue_schedule_notices(settings, appointment, therapist, now, conn, tag)
        else:
            freed = appointment.scheduled_datetime
            await move_session(conn, appointment, start, proposal.duration, now)
            event = await record_event(conn, appointment, client, EVENT_PROPOSAL_ACCEPTED, now)
            await queue_move_notices(settings, appointment, event, now, conn)
            if freed is not None:  # the old time goes to the waitlist
                await offer_freed_time(settings, freed, now=now, using_db=conn)
        await queue_accepted_notices(settings, appointment, event, conn)
    return appointment


# --- the client asks to move; staff keep ------------------------------------------------------


async def request_reschedule(
    settings: Settings,
    appointment_id: uuid.UUID | str,
    client: User,
    preferred_dates: Iterable[Any],
    preferred_time_slots: Iterable[Any],
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> Appointment:
    """Ask staff to move a scheduled session; it stays booked until they decide."""
    now = now or _utcnow()
    errors: FieldErrors = {}
    chosen = list(preferred_dates)
    dates = clean_preferred_dates(chosen, await offered_among(settings, chosen, now), errors)
    slots = clean_preferred_slots(preferred_time_slots, errors)
    note_text = clean_text(note, "note", NOTE_MAX_LENGTH, errors)
    if errors:
        raise InvalidInput(errors)
    own = await get_appointment_for(client, appointment_id, own_only=True)
    async with in_transaction() as conn:
        appointment = await claim(conn, own.id, SCHEDULED, now)
        require_not_started(appointment, now, "moved")
        assert appointment.scheduled_datetime is not None
        late = inside_notice(await get_rules(conn), appointment.scheduled_datetime, now)
        # A newer wish replaces the one still open.
        await (
            RescheduleRequest.filter(
                appointment_id=appointment.id, status=RescheduleRequestStatus.OPEN
            )
            .using_db(conn)
            .update(status=RescheduleRequestStatus.CANCELLED, decided_at=now)
        )
        request = await RescheduleRequest.create(
            appointment=appointment,
            preferred_dates=dates,
            preferred_time_slots=slots,
            note=note_text,
            requested_at=now,
            late=late,
            using_db=conn,
        )
        event = await record_event(conn, appointment, client, EVENT_MOVE_REQUESTED, now)
        await queue_move_request_notices(settings, appointment, request, event, conn)
    return appointment


async def keep_session(
    settings: Settings,
    appointment_id: uuid.UUID | str,
    staff: User,
    *,
    now: datetime | None = None,
) -> Appointment:
    """Staff answer a move request with "keep": the session stays; the client is told."""
    require_staff(staff)
    now = now or _utcnow()
    visible = await get_appointment_for(staff, appointment_id)
    async with in_transaction() as conn:
        appointment = await claim(conn, visible.id, SCHEDULED, now)
        waiting = await (
            RescheduleRequest.filter(
                appointment_id=appointment.id, status=RescheduleRequestStatus.OPEN
            )
            .using_db(conn)
            .exists()
        )
        if not waiting:
            raise Conflict("There is no open move request for this session.")
        await close_offers(conn, appointment, now, request=RescheduleRequestStatus.KEPT)
        event = await record_event(conn, appointment, staff, EVENT_KEPT, now)
        await queue_kept_notices(settings, appointment, event, now, conn)
    return appointment


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offers:
    """What is open on one appointment: the proposal round, the client's move request."""

    proposals: list[Proposal] = field(default_factory=list)
    move_request: RescheduleRequest | None = None


async def offers_for(
    appointments: Iterable[Appointment], now: datetime | None = None
) -> dict[uuid.UUID, Offers]:
    """Open offers by appointment id (lapsed proposals left out), in two queries."""
    now = now or _utcnow()
    ids = [a.id for a in appointments]
    if not ids:
        return {}
    proposals = await Proposal.filter(
        appointment_id__in=ids, status=ProposalStatus.OPEN, expires_at__gt=now
    ).order_by("start")
    requests = await RescheduleRequest.filter(
        appointment_id__in=ids, status=RescheduleRequestStatus.OPEN
    ).order_by("-requested_at")
    found = {appointment_id: Offers() for appointment_id in ids}
    for proposal in proposals:
        found[proposal.appointment_id].proposals.append(proposal)  # type: ignore[attr-defined]
    for request in requests:  # newest first: only one is open, but the newest wins
        key = request.appointment_id  # type: ignore[attr-defined]
        if found[key].move_request is None:
            found[key] = Offers(found[key].proposals, request)
    return found


async def open_proposals(appointment: Appointment, now: datetime | None = None) -> list[Proposal]:
    """The open round's times, earliest first (none once they lapse)."""
    return (await offers_for([appointment], now))[appointment.id].proposals


async def expire_proposals(now: datetime | None = None) -> int:
    """Mark lapsed rounds `expired` (their clients were told by the queued expiry notice)."""
    now = now or _utcnow()
    return await Proposal.filter(status=ProposalStatus.OPEN, expires_at__lte=now).update(
        status=ProposalStatus.EXPIRED, decided_at=now
    )
