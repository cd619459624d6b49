"""Days the practice is away (holidays, training): never offered, refused unless overridden.

A blocked period runs from `start_date` to `end_date`, both included, practice dates. Its
note is private to staff and encrypted like every other free text. `booking.availability`
reads these rows for the offers and the clash check; this module adds, lists and removes.

- `await list_blocked_dates(*, ending_from=None) -> list[BlockedDate]` (by start; with
  `ending_from`, only periods that have not ended before that date)
- `await add_blocked_dates(start_date, end_date=None, note=None, *, actor=None) -> BlockedDate`
  (InvalidInput naming the field: a malformed date, an end before the start, a period
  over a year, a note too long)
- `await remove_blocked_dates(block_id, settings=None, *, actor=None) -> BlockedDate` (the
  row removed; NotFound for an unknown id; with `settings` its free time goes to the waitlist)

A staff `actor`'s change is an `availability.change` audit row (`booking.audit`), written in
the change's transaction.
- `await sessions_during(settings, start_date, end_date) -> int` (scheduled sessions in the
  period: what the therapist may want to move)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tortoise.transactions import in_transaction

from booking.audit import AVAILABILITY_CHANGE, record_staff
from booking.availability import day_bounds
from booking.errors import InvalidInput, NotFound
from booking.person_fields import (
    BLOCKED_DATE_NOTE_MAX_LENGTH,
    FieldErrors,
    clean_date,
    clean_text,
)
from booking.settings import Settings
from booking.waitlist_offers import offer_freed_days
from models import Appointment, AppointmentStatus, BlockedDate, User

# A longer absence is better told by closing weekdays (or the horizon).
LONGEST_BLOCK = timedelta(days=366)


async def list_blocked_dates(*, ending_from: date | None = None) -> list[BlockedDate]:
    """Blocked periods, earliest first; with `ending_from`, those not over before it."""
    query = BlockedDate.all()
    if ending_from is not None:
        query = query.filter(end_date__gte=ending_from)
    return list(await query.order_by("start_date", "id"))


async def add_blocked_dates(
    start_date: date | str,
    end_date: date | str | None = None,
    note: str | None = None,
    *,
    actor: User | None = None,
) -> BlockedDate:
    """Block `start_date` .. `end_date` (both included; one day when `end_date` is None)."""
    errors: FieldErrors = {}
    first = clean_date(start_date, "start_date", errors)
    last = first if end_date is None else clean_date(end_date, "end_date", errors)
    text = clean_text(note, "note", BLOCKED_DATE_NOTE_MAX_LENGTH, errors)
    if first is not None and last is not None:
        if last < first:
            errors.setdefault("end_date", []).append("The end date is before the start date.")
        elif last - first >= LONGEST_BLOCK:
            errors.setdefault("end_date", []).append("Block at most a year at a time.")
    if errors:
        raise InvalidInput(errors)
    async with in_transaction() as conn:
        row = await BlockedDate.create(start_date=first, end_date=last, note=text, using_db=conn)
        await _record(actor, "added", row, conn)
    return row


async def remove_blocked_dates(
    block_id: int,
    settings: Settings | None = None,
    *,
    now: datetime | None = None,
    actor: User | None = None,
) -> BlockedDate:
    """Unblock a period (its days are offered again, if open and free); the row removed.

    With `settings`, its free time is offered to the waitlist (`booking.waitlist_offers`)."""
    row = await BlockedDate.get_or_none(id=block_id)
    if row is None:
        raise NotFound("No such blocked period.")
    async with in_transaction() as conn:
        if not await BlockedDate.filter(id=block_id).using_db(conn).delete():
            raise NotFound("No such blocked period.")
        await _record(actor, "removed", row, conn)
    if settings is not None:
        await offer_freed_days(settings, row.start_date, row.end_date, now=now)
    return row


async def _record(actor: User | None, change: str, row: BlockedDate, conn) -> None:
    """The audit row of a staff member's change (the dates only: the note stays private)."""
    period = f"{row.start_date.isoformat()}..{row.end_date.isoformat()}"
    await record_staff(
        actor, AVAILABILITY_CHANGE, target=f"blocked {change} {period}", using_db=conn
    )


async def sessions_during(settings: Settings, start_date: date, end_date: date) -> int:
    """How many scheduled sessions fall in the period (practice days)."""
    start, _ = day_bounds(settings, start_date)
    _, end = day_bounds(settings, end_date)
    return await Appointment.filter(
        status=AppointmentStatus.SCHEDULED,
        scheduled_datetime__gte=start,
        scheduled_datetime__lt=end,
    ).count()
