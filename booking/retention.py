"""Retention: personal fields of finished appointments erased after `DATA_RETENTION_DAYS`.

- `await erase_expired_appointments(settings, *, now=None) -> int`: the housekeeping job
  (`booking.scheduler`). With DATA_RETENTION_DAYS unset it does nothing. Otherwise every
  appointment that ended more than N days ago - rejected (decided), cancelled, or scheduled
  and over (start + duration) - loses its personal fields the way an erasure takes them
  (`booking.privacy.erase_appointment_fields`: names, e-mail, phone, reasons, its notes,
  its outbox rows), and a `retention.erase` audit row (actor: the system) says so.

Accounts are left alone: a person with an account may book again, and their account is
theirs to erase ("Erase me"). What remains of an old appointment is anonymous: dates,
statuses, attendance, durations and events, so the stats stay true.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from booking.audit import RETENTION_ERASE, record_audit
from booking.erasure import erase_appointment_fields, overwrite_on_disk
from booking.settings import Settings
from models import Appointment, AppointmentStatus

log = logging.getLogger(__name__)

BATCH = 200  # appointments per transaction: the job never holds the database long


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _ended_before(cutoff: datetime) -> Q:
    """Rejected, cancelled, or scheduled sessions over, all before `cutoff`."""
    rejected = Q(status=AppointmentStatus.REJECTED) & (
        Q(decided_at__lt=cutoff) | Q(decided_at__isnull=True, updated_at__lt=cutoff)
    )
    cancelled = Q(status=AppointmentStatus.CANCELLED) & (
        Q(cancelled_at__lt=cutoff) | Q(cancelled_at__isnull=True, updated_at__lt=cutoff)
    )
    # A session is over at start + duration: a start before the cutoff is the superset the
    # index finds; `_is_over` checks the end.
    started = Q(status=AppointmentStatus.SCHEDULED, scheduled_datetime__lt=cutoff)
    return rejected | cancelled | started


def _is_over(appointment: Appointment, cutoff: datetime) -> bool:
    if appointment.status != AppointmentStatus.SCHEDULED:
        return True
    start = appointment.scheduled_datetime
    assert start is not None
    return start + timedelta(minutes=appointment.scheduled_duration or 60) < cutoff


async def erase_expired_appointments(settings: Settings, *, now: datetime | None = None) -> int:
    """Erase the personal fields of appointments past retention; returns how many."""
    days = settings.data_retention_days
    if days is None:
        return 0
    now = now or _utcnow()
    cutoff = now - timedelta(days=days)
    erased = 0
    seen: set[uuid.UUID] = set()
    while True:
        batch = await (
            Appointment.filter(_ended_before(cutoff), erased_at__isnull=True)
            .exclude(id__in=list(seen))
            .order_by("created_at", "id")
            .limit(BATCH)
        )
        if not batch:
            break
        seen.update(a.id for a in batch)
        due = [a for a in batch if _is_over(a, cutoff)]
        async with in_transaction() as conn:
            await erase_appointment_fields(conn, [a.id for a in due], now)
            for appointment in due:
                await record_audit(
                    None,
                    RETENTION_ERASE,
                    target=appointment.id,
                    subject=appointment.user_id,  # type: ignore[attr-defined]
                    at=now,
                    using_db=conn,
                )
        erased += len(due)
    if erased:
        await overwrite_on_disk()
        log.info("retention: personal fields of %s appointment(s) erased", erased)
    return erased
