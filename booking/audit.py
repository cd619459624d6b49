"""The audit trail: which staff member (or system job) read or changed whose data, and when.

Rows are append-only: the service inserts them and never updates or deletes one, except the
housekeeping job that drops rows older than `AUDIT_RETENTION_DAYS`. No personal value is
stored, only ids, the action's name, the time and a keyed hash of the caller's IP.
"""

from __future__ import annotations

import asyncio
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.queryset import QuerySet

from booking.db_clients import Statements, uuid_value
from booking.errors import InvalidInput
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
APPOINTMENT_CREATE = "appointment.create"  # staff entering a request for someone
APPOINTMENT_KEEP = "appointment.keep"  # staff keep the time a client asked to move
SERIES_CANCEL = "series.cancel"
AVAILABILITY_CHANGE = "availability.change"
WAITLIST_LIST = "waitlist.list"
AUDIT_VIEW = "audit.view"
# About a person's account:
CLIENT_EXPORT = "client.export"
CLIENT_ERASE = "client.erase"
RETENTION_ERASE = "retention.erase"
STAFF_LOGIN = "staff.login"
STAFF_2FA_ENABLED = "staff.2fa_enabled"
STAFF_2FA_RESET = "staff.2fa_reset"  # the operator turned a staff member's second step off

# Every action the trail records, in the order above (filters naming another are refused).
ACTIONS: tuple[str, ...] = (
    APPOINTMENT_VIEW,
    APPOINTMENT_LIST,
    APPOINTMENT_SCHEDULE,
    APPOINTMENT_REJECT,
    APPOINTMENT_CANCEL,
    APPOINTMENT_RESCHEDULE,
    APPOINTMENT_PROPOSE,
    APPOINTMENT_ATTENDANCE,
    APPOINTMENT_CREATE,
    APPOINTMENT_KEEP,
    SERIES_CANCEL,
    AVAILABILITY_CHANGE,
    WAITLIST_LIST,
    AUDIT_VIEW,
    CLIENT_EXPORT,
    CLIENT_ERASE,
    RETENTION_ERASE,
    STAFF_LOGIN,
    STAFF_2FA_ENABLED,
    STAFF_2FA_RESET,
)

IP_HASH_PURPOSE = "audit-ip"

_SQL = Statements(
    insert="INSERT INTO audit_events (at, actor_id, action, target, subject_id, ip_hash) "
    "VALUES ({1}, {2}, {3}, {4}, {5}, {6}) RETURNING id",
)

# The caller's address for the request being served: the API's middleware
# (api.audit_context) sets it, so no service needs an `ip` argument. The bot sets none
# (Telegram tells no address): its events have no ip_hash.
caller_ip: ContextVar[str | None] = ContextVar("audit_caller_ip", default=None)


def hash_ip(ip: str | None) -> str | None:
    """A keyed hash of the caller's address: equal addresses match, none can be read back."""
    return current_vault().keyed_hash(IP_HASH_PURPOSE, ip) if ip else None


def _uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


TARGET_MAX_LENGTH = 64  # the column's


def _fits(target: str) -> str:
    """A target as long as the column holds (a long list of changed fields, shortened)."""
    if len(target) <= TARGET_MAX_LENGTH:
        return target
    return target[: TARGET_MAX_LENGTH - 3] + "..."


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
    `subject` the client whose data it concerns, so their export can list it. Without `ip`,
    the address of the request being served (`caller_ip`), if any."""
    actor_id = actor.id if isinstance(actor, User) else actor
    if ip is None:
        ip = caller_ip.get()
    # Not counted as a change by booking.freshness (booking.db_clients): no cached answer
    # reads the trail, so a staff read's row retires none of them.
    event = AuditEvent(
        at=at or datetime.now(UTC),
        actor_id=actor_id,
        action=action,
        target=_fits(str(target)) if target is not None else None,
        subject_id=_uuid(subject),
        ip_hash=hash_ip(ip),
    )
    connection = using_db or connections.get("default")
    if isinstance(connection, TransactionalDBClient):
        # Part of a change: written (or rolled back) with it, by one statement made once.
        values = [
            event.at,
            uuid_value(connection, event.actor_id),
            event.action,
            event.target,
            uuid_value(connection, event.subject_id),
            event.ip_hash,
        ]
        rows = await connection.execute_query_dict(_SQL.sql(connection, "insert"), values)
        event.id = rows[0]["id"]
        event._saved_in_db = True
    else:
        await _batch_of(connection).write(event)
    return event


class _GroupCommit:
    """Audit rows written outside a transaction (staff reads), committed together.

    Every staff list or view is a row; written one commit each, on SQLite's single
    connection they would cap staff reads at the commit rate. Rows arriving while a batch is
    being written wait for the next one, which then writes them all with one statement in one
    transaction. A caller returns only once its row is committed: nothing is served
    unrecorded.
    """

    def __init__(self) -> None:
        self._rows: list[AuditEvent] = []
        self._done: asyncio.Future[None] | None = None
        self._writing = asyncio.Lock()
        self._flushes: set[asyncio.Task[None]] = set()

    async def write(self, row: AuditEvent) -> None:
        if self._done is None:
            self._done = asyncio.get_running_loop().create_future()
            flush = asyncio.create_task(self._flush(), name="audit-group-commit")
            self._flushes.add(flush)
            flush.add_done_callback(self._flushes.discard)
        self._rows.append(row)
        await asyncio.shield(self._done)

    async def _flush(self) -> None:
        async with self._writing:
            rows, done = self._rows, self._done
            self._rows, self._done = [], None
            if done is None:  # pragma: no cover (a flush is only made with its batch)
                return
            try:
                # One statement (executemany) in one transaction. The rows' ids stay unset
                # on these objects: nothing needs them (the trail is read back by query).
                await AuditEvent.bulk_create(rows)
            except BaseException as exc:
                done.set_exception(exc)
                done.exception()  # retrieved: no warning when every waiter was cancelled
                if not isinstance(exc, Exception):
                    raise
            else:
                done.set_result(None)


BATCH_ATTRIBUTE = "_booking_audit_group_commit"


def _batch_of(client: BaseDBAsyncClient) -> _GroupCommit:
    """The group commit of this database client (it lives and dies with the connection)."""
    batch = getattr(client, BATCH_ATTRIBUTE, None)
    if batch is None:
        batch = _GroupCommit()
        setattr(client, BATCH_ATTRIBUTE, batch)
    return batch


async def record_staff(
    viewer: User | None,
    action: str,
    *,
    target: uuid.UUID | str | None = None,
    subject: uuid.UUID | str | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> AuditEvent | None:
    """Record what a staff member read or did; nothing for a client's own reads and acts
    (or no viewer at all: a system job, a read the caller does not show anyone)."""
    if viewer is None or not viewer.is_staff:
        return None
    return await record_audit(viewer, action, target=target, subject=subject, using_db=using_db)


# Appointment event kinds (booking.transitions) -> the audit action a staff actor's event is.
ACTION_OF_EVENT = {
    "requested": APPOINTMENT_CREATE,
    "scheduled": APPOINTMENT_SCHEDULE,
    "rejected": APPOINTMENT_REJECT,
    "cancelled": APPOINTMENT_CANCEL,
    "moved": APPOINTMENT_RESCHEDULE,
    "proposed": APPOINTMENT_PROPOSE,
    "move_request_kept": APPOINTMENT_KEEP,
    "marked_attended": APPOINTMENT_ATTENDANCE,
    "marked_no_show": APPOINTMENT_ATTENDANCE,
}


def action_of_event(kind: str) -> str:
    """The audit action of a staff member's appointment event (`appointment.<kind>` if new)."""
    return ACTION_OF_EVENT.get(kind, f"appointment.{kind}")


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: uuid.UUID | None = None
    target: str | None = None
    action: str | None = None
    since: datetime | None = None
    subject: uuid.UUID | None = None

    @classmethod
    def parse(
        cls,
        *,
        actor: str | None = None,
        target: str | None = None,
        action: str | None = None,
        since: str | None = None,
    ) -> AuditFilter:
        """The filters as typed (query string, command line); InvalidInput naming the field."""
        errors: dict[str, list[str]] = {}
        actor_id = None
        if actor:
            try:
                actor_id = uuid.UUID(actor)
            except ValueError:
                errors["actor"] = ["Enter a valid UUID."]
        start = None
        if since:
            try:
                start = parse_since(since)
            except (ValueError, OverflowError):
                errors["since"] = ["Enter a date (YYYY-MM-DD) or an ISO 8601 date and time."]
        if errors:
            raise InvalidInput(errors)
        return cls(actor=actor_id, target=target or None, action=action or None, since=start)


def parse_since(value: str) -> datetime:
    """A date (its midnight, UTC) or an ISO 8601 date and time (UTC without an offset)."""
    text = value.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    if len(text) < 16:  # fromisoformat takes "2026" and "20261101": not what anyone means
        raise ValueError(value)
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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
    if offset >= total:
        # Past the end: nothing to fetch, and an absurd page's offset fits no SQL integer.
        return total, []
    rows = await query.order_by("-at", "-id").offset(offset).limit(limit)
    return total, rows


async def read_audit(
    viewer: User, where: AuditFilter, *, offset: int = 0, limit: int = 50
) -> tuple[int, list[AuditEvent]]:
    """`list_audit` for a staff member; reading the trail is itself an event (`audit.view`)."""
    found = await list_audit(where, offset=offset, limit=limit)
    await record_staff(viewer, AUDIT_VIEW, target=_described(where))
    return found


def _described(where: AuditFilter) -> str | None:
    """The filters a reader used, as the audit.view row's target (ids and names only)."""
    parts = [
        f"{name}={value.isoformat() if isinstance(value, datetime) else value}"
        for name, value in (
            ("actor", where.actor),
            ("action", where.action),
            ("target", where.target),
            ("since", where.since),
        )
        if value is not None
    ]
    return ",".join(parts) or None


async def purge_old_audit(settings: Settings, now: datetime | None = None) -> int:
    """Drop events older than the audit trail's own retention (six years by default)."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.audit_retention_days)
    return await AuditEvent.filter(at__lt=cutoff).delete()
