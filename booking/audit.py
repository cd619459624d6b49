"""The audit trail: which staff member (or system job) read or changed whose data, and when.

Rows are append-only: the service inserts them and never updates or deletes one, except the
housekeeping job that drops rows older than `AUDIT_RETENTION_DAYS`. No personal value is
stored, only ids, the action's name, the time and a keyed hash of the caller's IP.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.queryset import QuerySet

from booking.settings import Settings
from models import AuditEvent, User, current_vault

# Actions. Reads of a client's data by staff:
APPOINTMENT_VIEW = "appointment.view"
APPOINTMENT_LIST = "appointment.list"
# Staff decisions and changes:
APPOINTMENT_SCHEDULE = "appointment.schedule"
APPOINTMENT_REJECT = "appointment.reject"
APPOINTMENT_CANCEL = "appointment.cancel"
APPOINTMENT_RESCHEDULE = "appointment.reschedule"
APPOINTMENT_PROPOSE = "appointment.propose"
APPOINTMENT_ATTENDANCE = "appointment.attendance"
SERIES_CANCEL = "series.cancel"
AVAILABILITY_CHANGE = "availability.change"
STATS_VIEW = "stats.view"
WAITLIST_LIST = "waitlist.list"
AUDIT_VIEW = "audit.view"
# About a person's account:
CLIENT_EXPORT = "client.export"
CLIENT_ERASE = "client.erase"
RETENTION_ERASE = "retention.erase"
STAFF_LOGIN = "staff.login"
STAFF_2FA_ENABLED = "staff.2fa_enabled"

IP_HASH_PURPOSE = "audit-ip"


def hash_ip(ip: str | None) -> str | None:
    """A keyed hash of the caller's address: equal addresses match, none can be read back."""
    return current_vault().keyed_hash(IP_HASH_PURPOSE, ip) if ip else None


def _uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


async def record_audit(
    actor: User | uuid.UUID | None,
    action: str,
    *,
    target: uuid.UUID | str | None = None,
    subject: uuid.UUID | str | None = None,
    ip: str | None = None,
    at: datetime | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> AuditEvent:
    """Append one event. `target` is what was acted on (an appointment, a user, a series);
    `subject` the client whose data it concerns, so their export can list it."""
    actor_id = actor.id if isinstance(actor, User) else actor
    return await AuditEvent.create(
        at=at or datetime.now(UTC),
        actor_id=actor_id,
        action=action,
        target=str(target) if target is not None else None,
        subject_id=_uuid(subject),
        ip_hash=hash_ip(ip),
        using_db=using_db,
    )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: uuid.UUID | None = None
    target: str | None = None
    action: str | None = None
    since: datetime | None = None
    subject: uuid.UUID | None = None


def _query(where: AuditFilter) -> QuerySet[AuditEvent]:
    query = AuditEvent.all()
    if where.actor is not None:
        query = query.filter(actor_id=where.actor)
    if where.target is not None:
        query = query.filter(target=where.target)
    if where.action is not None:
        query = query.filter(action=where.action)
    if where.since is not None:
        query = query.filter(at__gte=where.since)
    if where.subject is not None:
        query = query.filter(subject_id=where.subject)
    return query


async def list_audit(
    where: AuditFilter, *, offset: int = 0, limit: int = 50
) -> tuple[int, list[AuditEvent]]:
    """Count and one page of matching events, newest first."""
    query = _query(where)
    total = await query.count()
    rows = await query.order_by("-at", "-id").offset(offset).limit(limit)
    return total, rows


async def purge_old_audit(settings: Settings, now: datetime | None = None) -> int:
    """Drop events older than the audit trail's own retention (six years by default)."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.audit_retention_days)
    return await AuditEvent.filter(at__lt=cutoff).delete()
