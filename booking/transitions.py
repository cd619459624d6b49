"""What every transition of an appointment shares: the lock, the claim, the event, the offers.

A transition (`booking.appointments`, `booking.lifecycle`, `booking.proposals`) is one
transaction that

1. takes the scheduling lock (`lock_scheduling`), so clash checks see every committed session;
2. claims the appointment (`claim`): one conditional UPDATE that succeeds only while the
   appointment is in a state the transition starts from, so a stale action (an old button,
   a second tab, a racing colleague) is refused with Conflict instead of applied twice;
3. writes its event row (`record_event`: who, which side, what, when; no personal values);
4. closes the offers the change makes moot (`close_offers`: open proposals and an open
   move request), and queues its messages (`booking.appointment_notices`).

- `await lock_scheduling(conn)`
- `await claim(conn, appointment_id, allowed, now) -> Appointment` (NotFound, or Conflict
  naming the current status)
- `await take(conn, appointment_id, allowed, **changes) -> Appointment | None` (the
  conditional UPDATE itself, returning the row; what `claim` and the decisions run)
- `require_staff(user) -> User` (NotAuthenticated / PermissionDenied)
- `require_bookable_start(start, now, field="scheduled_datetime")` (future, within a year)
- `with field_named(field): ...` (a shared parser's InvalidInput under the caller's field)
- `role_of(user) -> Role`
- `await record_event(conn, appointment, actor, kind, now, *, role=None) -> AppointmentEvent`
  (a staff actor's event is also an audit row, `booking.audit`, in the same transaction)
- `await close_offers(conn, appointment, now, *, proposals=REPLACED, request=CANCELLED)`
  (`request=None`: the move request stays open)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from tortoise import BaseDBAsyncClient

from booking.audit import action_of_event, record_staff
from booking.db_clients import Statements, uuid_value
from booking.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    ProposalStatus,
    RescheduleRequestStatus,
    Role,
    User,
)

# The statements of every transition, as SQL (`booking.db_clients.Statements`); `take`'s
# UPDATE is defined per set of fields at its first use.
_SQL = Statements(
    event="INSERT INTO appointment_events (appointment_id, actor_id, actor_role, kind, at) "
    "VALUES ({1}, {2}, {3}, {4}, {5}) RETURNING id",
    close_proposals="UPDATE proposals SET status = {1}, decided_at = {2} "
    "WHERE appointment_id = {3} AND status = {4}",
    close_request="UPDATE reschedule_requests SET status = {1}, decided_at = {2} "
    "WHERE appointment_id = {3} AND status = {4}",
)

# Distinct key for PostgreSQL's advisory lock that serialises scheduling decisions.
SCHEDULING_LOCK_KEY = 0x5448455241505931
MAX_SCHEDULE_AHEAD = timedelta(days=366)

# Event kinds (AppointmentEvent.kind).
EVENT_REQUESTED = "requested"
EVENT_SCHEDULED = "scheduled"
EVENT_REJECTED = "rejected"
EVENT_CANCELLED = "cancelled"
EVENT_MOVED = "moved"
EVENT_PROPOSED = "proposed"
EVENT_PROPOSAL_ACCEPTED = "proposal_accepted"
EVENT_MOVE_REQUESTED = "move_requested"
EVENT_KEPT = "move_request_kept"
EVENT_CONFIRMED = "attendance_confirmed"
EVENT_RUNNING_LATE = "running_late"

STATUS_WORDS = {
    AppointmentStatus.PENDING_REVIEW: "pending review",
    AppointmentStatus.SCHEDULED: "scheduled",
    AppointmentStatus.REJECTED: "rejected",
    AppointmentStatus.CANCELLED: "cancelled",
}


async def lock_scheduling(conn: BaseDBAsyncClient) -> None:
    """Serialise decisions so a clash check sees every committed session.

    SQLite needs nothing more: Tortoise runs one transaction at a time on its connection, and
    the first statement of ours is a write, which takes the database's write lock.
    """
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [SCHEDULING_LOCK_KEY])


async def claim(
    conn: BaseDBAsyncClient,
    appointment_id: uuid.UUID,
    allowed: Iterable[AppointmentStatus],
    now: datetime,
) -> Appointment:
    """Lock, then take the appointment while its status is one of `allowed`; else refuse.

    The claim is a write (it touches `updated_at`), so on SQLite it is also what takes the
    write lock before anything is read.
    """
    await lock_scheduling(conn)
    claimed = await take(conn, appointment_id, allowed, updated_at=now)
    if claimed is not None:
        return claimed
    current = await Appointment.filter(id=appointment_id).using_db(conn).first()
    if current is None:
        raise NotFound("Appointment not found.")
    raise Conflict(f"This appointment is {STATUS_WORDS[current.status]}.")


async def take(
    conn: BaseDBAsyncClient,
    appointment_id: uuid.UUID,
    allowed: Iterable[AppointmentStatus],
    **changes: Any,
) -> Appointment | None:
    """One UPDATE of the appointment's `changes` (model field names) while its status is one
    of `allowed`, returning the row as it now is (None: no such row in such a status).

    SQL made once per dialect and set of fields, the values converted by the model's own
    fields (encrypting, as a save would): the ORM's UPDATE and the SELECT after it cost a
    decision about a third of its time.
    """
    statuses = [status.value for status in allowed]
    statement = f"take:{','.join(changes)}"
    meta = Appointment._meta
    if statement not in _SQL:
        columns = [meta.fields_db_projection[name] for name in changes]
        sets = ", ".join(f'"{column}" = {{{n}}}' for n, column in enumerate(columns, 1))
        where = f"id = {{{len(columns) + 1}}} AND status IN ({{in}})"
        # Names from the model, values only ever as parameters.
        text = f"UPDATE appointments SET {sets} WHERE {where} RETURNING *"  # noqa: S608
        _SQL.define(statement, text)
    fields = meta.fields_map
    values = [fields[name].to_db_value(value, None) for name, value in changes.items()]
    values += [uuid_value(conn, appointment_id), *statuses]
    rows = await conn.execute_query_dict(_SQL.sql(conn, statement, len(statuses)), values)
    return Appointment._init_from_db(**rows[0]) if rows else None


def require_staff(user: User | None) -> User:
    if user is None:
        raise NotAuthenticated("Authentication credentials were not provided.")
    if not user.is_staff:
        raise PermissionDenied("Staff only.")
    return user


def require_bookable_start(
    start: datetime, now: datetime, field: str = "scheduled_datetime"
) -> None:
    """A session's new start: in the future, and within a year."""
    if start <= now:
        raise InvalidInput({field: ["The time must be in the future."]})
    if start - now > MAX_SCHEDULE_AHEAD:
        raise InvalidInput({field: ["The time must be within a year from now."]})


@contextmanager
def field_named(field: str) -> Iterator[None]:
    """Report a shared parser's InvalidInput (e.g. `scheduled_datetime`) under `field`."""
    try:
        yield
    except InvalidInput as exc:
        messages = [message for found in exc.errors.values() for message in found]
        raise InvalidInput({field: messages}) from None


def role_of(user: User | None) -> Role:
    if user is None:
        return Role.SYSTEM
    return Role.STAFF if user.is_staff else Role.CLIENT


async def record_event(
    conn: BaseDBAsyncClient,
    appointment: Appointment,
    actor: User | None,
    kind: str,
    now: datetime,
    *,
    role: Role | None = None,
) -> AppointmentEvent:
    """The transition's row: who, which side, what, when (no personal values).

    `role` names the side when there is no account to tell it (an anonymous request). Every
    transition passes here, so this is where a staff member's act enters the audit trail.
    """
    values = [appointment.id, actor.id if actor is not None else None]
    values = [uuid_value(conn, value) for value in values]
    values += [(role or role_of(actor)).value, kind, now]
    rows = await conn.execute_query_dict(_SQL.sql(conn, "event"), values)
    event = AppointmentEvent._init_from_db(
        id=rows[0]["id"],
        appointment_id=values[0],
        actor_id=values[1],
        actor_role=values[2],
        kind=kind,
        at=now,
    )
    await record_staff(
        actor,
        action_of_event(kind),
        target=appointment.id,
        subject=appointment.user_id,  # type: ignore[attr-defined]
        using_db=conn,
    )
    return event


async def close_offers(
    conn: BaseDBAsyncClient,
    appointment: Appointment,
    now: datetime,
    *,
    proposals: ProposalStatus = ProposalStatus.REPLACED,
    request: RescheduleRequestStatus | None = RescheduleRequestStatus.CANCELLED,
) -> None:
    """A decision replaces the open proposals and settles an open move request.

    `request=None` leaves the move request open (a proposal round answering it).
    """
    target = uuid_value(conn, appointment.id)
    values = [proposals.value, now, target, ProposalStatus.OPEN.value]
    await conn.execute_query(_SQL.sql(conn, "close_proposals"), values)
    if request is None:
        return
    values = [request.value, now, target, RescheduleRequestStatus.OPEN.value]
    await conn.execute_query(_SQL.sql(conn, "close_request"), values)
