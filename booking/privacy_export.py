"""Take my data: one JSON document of everything the practice holds about a person.

- `await export_person(user, *, now=None) -> dict`: the document (see README, "Take my
  data"): the account (never a password hash, TOTP secret or code hash), the person's
  appointments with their reasons, decisions, events, proposals and move requests, the
  waitlist entries with their offers, the Telegram link (the id only) and the audit events
  about them. Other people appear only by role ("staff", "system"), never by name or id.

`booking.privacy.export_data` wraps it with the audit row; both doors call that.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from tortoise.expressions import Q

from booking.passwords import is_usable
from models import (
    Appointment,
    AppointmentEvent,
    AuditEvent,
    Proposal,
    RescheduleRequest,
    User,
    WaitlistEntry,
    WaitlistOffer,
)

FORMAT = "therapy-booking/personal-data-export"
FORMAT_VERSION = 1


def _when(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def owned_appointments(user: User) -> Q:
    """The person's appointments: booked signed in, or sent with their verified address.

    The same rule as `booking.appointments` (a verified address proves the requests made
    with it before signing up are this person's).
    """
    owned = Q(user_id=user.id)
    if user.email_verified_at is not None:
        owned |= Q(user_id__isnull=True, email_index=user.email_index)
    return owned


def _account(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "timezone": user.timezone,
        "is_staff": user.is_staff,
        "is_active": user.is_active,
        "email_verified_at": _when(user.email_verified_at),
        "created_at": _when(user.created_at),
        "two_factor_enabled": user.totp_enabled_at is not None,
        "has_password": is_usable(user.password_hash),
    }


def _event(event: AppointmentEvent) -> dict[str, Any]:
    return {"kind": event.kind, "by": event.actor_role.value, "at": _when(event.at)}


def _proposal(proposal: Proposal) -> dict[str, Any]:
    return {
        "start": _when(proposal.start),
        "duration_minutes": proposal.duration,
        "status": proposal.status.value,
        "expires_at": _when(proposal.expires_at),
        "proposed_at": _when(proposal.created_at),
        "decided_at": _when(proposal.decided_at),
    }


def _move_request(request: RescheduleRequest) -> dict[str, Any]:
    return {
        "preferred_dates": request.preferred_dates,
        "preferred_time_slots": request.preferred_time_slots,
        "note": request.note,
        "requested_at": _when(request.requested_at),
        "late": request.late,
        "status": request.status.value,
        "decided_at": _when(request.decided_at),
    }


def _appointment(
    appointment: Appointment,
    events: list[AppointmentEvent],
    proposals: list[Proposal],
    requests: list[RescheduleRequest],
) -> dict[str, Any]:
    return {
        "id": str(appointment.id),
        "status": appointment.status.value,
        "first_name": appointment.first_name,
        "last_name": appointment.last_name,
        "email": appointment.email,
        "phone": appointment.phone,
        "reason": appointment.reason,
        "preferred_dates": appointment.preferred_dates,
        "preferred_time_slots": appointment.preferred_time_slots,
        "scheduled_datetime": _when(appointment.scheduled_datetime),
        "scheduled_duration": appointment.scheduled_duration,
        "series_id": str(appointment.series_id) if appointment.series_id else None,  # type: ignore[attr-defined]
        "decided_by": "staff" if appointment.decided_by_id else None,  # type: ignore[attr-defined]
        "decided_at": _when(appointment.decided_at),
        "rejection_reason": appointment.rejection_reason,
        "cancelled_by": appointment.cancelled_by.value if appointment.cancelled_by else None,
        "cancelled_at": _when(appointment.cancelled_at),
        "cancellation_reason": appointment.cancellation_reason,
        "late_cancellation": appointment.late_cancellation,
        "client_confirmed_at": _when(appointment.client_confirmed_at),
        "reschedule_count": appointment.reschedule_count,
        "attendance": appointment.attendance.value if appointment.attendance else None,
        "attendance_recorded_at": _when(appointment.attendance_recorded_at),
        "erased_at": _when(appointment.erased_at),
        "created_at": _when(appointment.created_at),
        "updated_at": _when(appointment.updated_at),
        "events": [_event(e) for e in events],
        "proposals": [_proposal(p) for p in proposals],
        "move_requests": [_move_request(r) for r in requests],
    }


def _offer(offer: WaitlistOffer) -> dict[str, Any]:
    return {
        "start": _when(offer.start),
        "duration_minutes": offer.duration,
        "status": offer.status.value,
        "expires_at": _when(offer.expires_at),
        "offered_at": _when(offer.created_at),
        "decided_at": _when(offer.decided_at),
        "appointment_id": str(offer.appointment_id) if offer.appointment_id else None,  # type: ignore[attr-defined]
    }


def _entry(entry: WaitlistEntry, offers: list[WaitlistOffer]) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "weekdays": entry.weekdays,
        "from_date": _when(entry.from_date),
        "to_date": _when(entry.to_date),
        "preferred_time_slots": entry.preferred_time_slots,
        "note": entry.note,
        "appointment_id": str(entry.appointment_id) if entry.appointment_id else None,  # type: ignore[attr-defined]
        "status": entry.status.value,
        "joined_at": _when(entry.joined_at),
        "closed_at": _when(entry.closed_at),
        "offers": [_offer(o) for o in offers],
    }


def _actor(event: AuditEvent, user: User) -> str:
    # Who acted, by role only: the person themselves, the practice, or the system's jobs.
    if event.actor_id is None:
        return "system"
    return "you" if event.actor_id == user.id else "staff"


def _audit(event: AuditEvent, user: User) -> dict[str, Any]:
    return {
        "at": _when(event.at),
        "action": event.action,
        "target": event.target,
        "actor": _actor(event, user),
    }


def _grouped(rows: list[Any], key: str) -> dict[uuid.UUID, list[Any]]:
    grouped: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped


async def export_person(user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about `user`, as JSON-ready data."""
    now = now or datetime.now(UTC)
    appointments = await Appointment.filter(owned_appointments(user)).order_by("created_at", "id")
    ids = [a.id for a in appointments]
    events = _grouped(
        await AppointmentEvent.filter(appointment_id__in=ids).order_by("at", "id"),
        "appointment_id",
    )
    proposals = _grouped(
        await Proposal.filter(appointment_id__in=ids).order_by("created_at", "id"),
        "appointment_id",
    )
    requests = _grouped(
        await RescheduleRequest.filter(appointment_id__in=ids).order_by("requested_at", "id"),
        "appointment_id",
    )
    entries = await WaitlistEntry.filter(user_id=user.id).order_by("joined_at", "id")
    offers = _grouped(
        await WaitlistOffer.filter(entry_id__in=[e.id for e in entries]).order_by("created_at"),
        "entry_id",
    )
    audit = await AuditEvent.filter(subject_id=user.id).order_by("at", "id")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": _when(now),
        "account": _account(user),
        "telegram": {"user_id": user.telegram_user_id} if user.telegram_user_id else None,
        "appointments": [
            _appointment(a, events.get(a.id, []), proposals.get(a.id, []), requests.get(a.id, []))
            for a in appointments
        ],
        "waitlist": [_entry(e, offers.get(e.id, [])) for e in entries],
        "audit_events": [_audit(e, user) for e in audit],
    }
