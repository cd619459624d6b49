"""Freed time offered to the waitlist: one entry at a time, in the order entries joined.

When time is freed (a cancelled or moved session, a removed blocked day) the first waiting
entry that matches it (weekday, dates, slot; for "an earlier time", before the session it
would bring forward) gets a hold of `WAITLIST_HOLD_MINUTES` on it, if the time is still
free (`booking.availability.find_clashes`), outside the minimum notice and inside the
horizon. Only when that hold is declined or expires does the next matching entry get it.
An offer is a row (`WaitlistOffer`) whose `held_time` / `held_entry` columns are unique
while it is held: one time, and one entry, hold one offer at most, however many workers
race to make one. Every change here runs under the scheduling lock.

- `await offer_freed_time(settings, start, *, now=None, using_db=None) -> WaitlistOffer | None`
  (inside a cancel's or move's transaction: pass it as `using_db`)
- `await offer_freed_days(settings, first, last, *, now=None) -> list[WaitlistOffer]`
  (a removed blocked period: the first free start of each slot of each day, earliest first)
- `await pass_on(conn, settings, offer, status, now) -> bool`: settle a held offer
  (declined, expired, withdrawn) with one conditional UPDATE and offer its time to the
  next in line; False when someone settled it first
- `await process_waitlist(settings, now=None) -> int` (the housekeeping job, every ~30 s:
  lapsed entries leave, expired holds pass on, holds on time taken otherwise are withdrawn;
  idempotent, safe with several workers)
- `offer_duration(entry)`, `entry_matches(settings, entry, start, minutes)`
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from tortoise import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from booking.availability import (
    SLOT_HOURS,
    AvailabilityRules,
    find_clashes,
    get_rules,
    inside_notice,
    practice_today,
    slot_start_minutes,
    wall_clock_start,
)
from booking.offers import horizon
from booking.settings import Settings
from booking.transitions import lock_scheduling
from booking.waitlist_notices import queue_gone, queue_offer, queue_unclaimed
from models import (
    Appointment,
    AppointmentStatus,
    User,
    WaitlistEntry,
    WaitlistEntryStatus,
    WaitlistOffer,
    WaitlistOfferStatus,
)

OFFER_MINUTES = 60  # a new session from the waitlist; a move keeps the session's length
WAITING = WaitlistEntryStatus.WAITING
HELD = WaitlistOfferStatus.HELD


def _utcnow() -> datetime:
    return datetime.now(UTC)


def offer_duration(entry: WaitlistEntry, session: Appointment | None = None) -> int:
    if session is not None:
        return session.scheduled_duration or OFFER_MINUTES
    return OFFER_MINUTES


def entry_matches(settings: Settings, entry: WaitlistEntry, start: datetime, minutes: int) -> bool:
    """The time is on one of the entry's weekdays, inside its dates, inside one of its slots."""
    local = start.astimezone(settings.zone)
    day = local.date()
    if entry.weekdays and day.weekday() not in entry.weekdays:
        return False
    if entry.from_date is not None and day < entry.from_date:
        return False
    if entry.to_date is not None and day > entry.to_date:
        return False
    begins = local.hour * 60 + local.minute
    ends = begins + minutes
    slots = entry.preferred_time_slots or list(SLOT_HOURS)
    return any(
        SLOT_HOURS[s][0] * 60 <= begins and ends <= SLOT_HOURS[s][1] * 60
        for s in slots
        if s in SLOT_HOURS
    )


def offerable(settings: Settings, rules: AvailabilityRules, start: datetime, now: datetime) -> bool:
    """A client may take it: an open weekday, from tomorrow to the horizon, past the notice."""
    first, last = horizon(settings, rules, now)
    day = start.astimezone(settings.zone).date()
    if not first <= day <= last or day.weekday() not in rules.available_days:
        return False
    return not inside_notice(rules, start, now)


def _held_time_key(start: datetime) -> str:
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


async def _overlaps_a_hold(conn: BaseDBAsyncClient, start: datetime, minutes: int) -> bool:
    end = start + timedelta(minutes=minutes)
    held = await WaitlistOffer.filter(
        status=HELD, start__lt=end, start__gt=start - timedelta(days=1)
    ).using_db(conn)
    return any(o.start + timedelta(minutes=o.duration) > start for o in held)


async def is_free_for(
    settings: Settings,
    conn: BaseDBAsyncClient,
    start: datetime,
    minutes: int,
    session: Appointment | None,
    rules: AvailabilityRules,
) -> bool:
    """No clash of any kind (clients override nothing); the moved session left out."""
    exclude = session.id if session is not None else None
    clashes = await find_clashes(
        settings, start, minutes, exclude_appointment_id=exclude, using_db=conn, rules=rules
    )
    return not clashes


async def _make_offer(
    settings: Settings, conn: BaseDBAsyncClient, start: datetime, now: datetime
) -> WaitlistOffer | None:
    """Hold `start` for the first matching entry that has not been offered it yet."""
    rules = await get_rules(conn)
    if not offerable(settings, rules, start, now):
        return None
    offered = (
        await WaitlistOffer.filter(start=start).using_db(conn).values_list("entry_id", flat=True)
    )
    holding = (
        await WaitlistOffer.filter(status=HELD).using_db(conn).values_list("entry_id", flat=True)
    )
    skip = set(offered) | set(holding)
    entries = await WaitlistEntry.filter(status=WAITING).using_db(conn).order_by("joined_at", "id")
    free: dict[int, bool] = {}  # minutes -> free, for entries that book a new session
    for entry in entries:
        if entry.id in skip:
            continue
        session = None
        if entry.appointment_id is not None:  # type: ignore[attr-defined]
            session = await Appointment.get_or_none(
                id=entry.appointment_id,  # type: ignore[attr-defined]
                status=AppointmentStatus.SCHEDULED,
            ).using_db(conn)
            if session is None or session.scheduled_datetime is None:
                continue
            if start >= session.scheduled_datetime:
                continue  # not earlier than what they have
        minutes = offer_duration(entry, session)
        if not entry_matches(settings, entry, start, minutes):
            continue
        if not await User.filter(id=entry.user_id, is_active=True).using_db(conn).exists():  # type: ignore[attr-defined]
            continue
        if session is not None:
            ok = await is_free_for(settings, conn, start, minutes, session, rules)
        else:
            if minutes not in free:
                free[minutes] = await is_free_for(settings, conn, start, minutes, None, rules)
            ok = free[minutes]
        if not ok or await _overlaps_a_hold(conn, start, minutes):
            continue
        try:
            offer = await WaitlistOffer.create(
                entry=entry,
                start=start,
                duration=minutes,
                status=HELD,
                held_time=_held_time_key(start),
                held_entry=str(entry.id),
                expires_at=now + timedelta(minutes=settings.waitlist_hold_minutes),
                created_at=now,
                using_db=conn,
            )
        except IntegrityError:
            return None  # someone holds this time (or this entry holds a time) already
        await queue_offer(settings, conn, offer, entry)
        return offer
    return None


async def offer_freed_time(
    settings: Settings,
    start: datetime,
    *,
    now: datetime | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> WaitlistOffer | None:
    """Offer a freed start to the first matching entry (in the caller's transaction, if any)."""
    now = now or _utcnow()
    if start <= now:
        return None
    if using_db is not None:
        await lock_scheduling(using_db)
        return await _make_offer(settings, using_db, start, now)
    async with in_transaction() as conn:
        await lock_scheduling(conn)
        return await _make_offer(settings, conn, start, now)


def _candidate_starts(settings: Settings, days: Iterable[date]) -> list[datetime]:
    """Every offered start (on the half hour, a 60-minute session inside its slot)."""
    starts = []
    for day in days:
        for slot, (_, end_hour) in SLOT_HOURS.items():
            for minute in slot_start_minutes([slot]):
                if minute + OFFER_MINUTES > end_hour * 60:
                    continue
                start = wall_clock_start(settings, day, minute)
                if start is not None:
                    starts.append(start)
    return starts


async def offer_freed_days(
    settings: Settings, first: date, last: date, *, now: datetime | None = None
) -> list[WaitlistOffer]:
    """A blocked period was removed: offer its free starts, earliest first, one per entry."""
    now = now or _utcnow()
    if not await WaitlistEntry.filter(status=WAITING).exists():
        return []
    today = practice_today(settings, now)
    first = max(first, today + timedelta(days=1))
    last = min(last, today + timedelta(days=366))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    made: list[WaitlistOffer] = []
    for start in _candidate_starts(settings, days):
        offer = await offer_freed_time(settings, start, now=now)
        if offer is not None:
            made.append(offer)
        waiting = await WaitlistEntry.filter(status=WAITING).count()
        if await WaitlistOffer.filter(status=HELD).count() >= waiting:
            break  # everyone waiting holds a time now
    return made


async def pass_on(
    conn: BaseDBAsyncClient,
    settings: Settings,
    offer: WaitlistOffer,
    status: WaitlistOfferStatus,
    now: datetime,
) -> bool:
    """Settle a held offer (one conditional UPDATE) and offer its time to the next in line.

    A withdrawn offer's time was taken otherwise: nobody else is offered it.
    """
    await lock_scheduling(conn)
    settled = (
        await WaitlistOffer.filter(id=offer.id, status=HELD)
        .using_db(conn)
        .update(status=status, decided_at=now, held_time=None, held_entry=None)
    )
    if not settled:
        return False
    offer.status = status
    if status == WaitlistOfferStatus.WITHDRAWN:
        return True
    following = await _make_offer(settings, conn, offer.start, now)
    if following is None and offer.start > now:
        await queue_unclaimed(settings, conn, offer)
    return True


async def _lapse_entries(settings: Settings, now: datetime) -> list[WaitlistEntry]:
    """Entries whose dates have passed, or whose session is gone or has begun, leave."""
    today = practice_today(settings, now)
    lapsed = list(await WaitlistEntry.filter(status=WAITING, to_date__lt=today + timedelta(days=1)))
    for entry in await WaitlistEntry.filter(status=WAITING, appointment_id__isnull=False):
        session = await Appointment.get_or_none(id=entry.appointment_id)  # type: ignore[attr-defined]
        if (
            session is None
            or session.status != AppointmentStatus.SCHEDULED
            or session.scheduled_datetime is None
            or session.scheduled_datetime <= now
        ):
            lapsed.append(entry)
    gone = []
    for entry in lapsed:
        if await WaitlistEntry.filter(id=entry.id, status=WAITING).update(
            status=WaitlistEntryStatus.LAPSED, closed_at=now
        ):
            gone.append(entry)
    return gone


async def withdraw_for_entry(
    settings: Settings, conn: BaseDBAsyncClient, entry: WaitlistEntry, now: datetime
) -> None:
    """The entry left: its held time passes to the next in line."""
    for offer in await WaitlistOffer.filter(entry_id=entry.id, status=HELD).using_db(conn):
        await pass_on(conn, settings, offer, WaitlistOfferStatus.DECLINED, now)


async def process_waitlist(settings: Settings, now: datetime | None = None) -> int:
    """Housekeeping: what changed on the waitlist (entries lapsed, holds passed or withdrawn)."""
    now = now or _utcnow()
    changes = 0
    for entry in await _lapse_entries(settings, now):
        changes += 1
        async with in_transaction() as conn:
            await withdraw_for_entry(settings, conn, entry, now)
    for offer in await WaitlistOffer.filter(status=HELD).order_by("created_at"):
        async with in_transaction() as conn:
            if offer.expires_at <= now:
                changes += await pass_on(conn, settings, offer, WaitlistOfferStatus.EXPIRED, now)
                continue
            await lock_scheduling(conn)
            entry = await WaitlistEntry.get(id=offer.entry_id).using_db(conn)  # type: ignore[attr-defined]
            session = None
            if entry.appointment_id is not None:  # type: ignore[attr-defined]
                session = await Appointment.get_or_none(id=entry.appointment_id).using_db(conn)  # type: ignore[attr-defined]
            rules = await get_rules(conn)
            still = offerable(settings, rules, offer.start, now) and await is_free_for(
                settings, conn, offer.start, offer.duration, session, rules
            )
            if not still and await pass_on(
                conn, settings, offer, WaitlistOfferStatus.WITHDRAWN, now
            ):
                changes += 1
                await queue_gone(settings, conn, offer, entry)
    return changes
