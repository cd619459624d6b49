"""The waitlist: clients waiting for freed time, and what they do with a time held for them.

Offers are made by `booking.waitlist_offers` (one entry at a time, in join order). Here the
client's side; each change is one transaction under the scheduling lock that re-checks the
state, so a press on an old message, a second tab or a hold that just expired is refused
(Conflict), never applied twice:

- `await join_waitlist(settings, client, *, weekdays=(), from_date=None, to_date=None,
  preferred_time_slots, note=None, appointment_id=None, now=None) -> WaitlistEntry`
  (weekdays and/or a date range; with `appointment_id`, the client's scheduled session to
  bring forward: "tell me if an earlier time opens"; the range then defaults to tomorrow
  up to the session's day)
- `await list_waitlist(user) -> list[WaitlistEntry]` (waiting entries: a client's own,
  staff all, a `waitlist.list` audit row; oldest first, offers' `held` loaded)
- `await leave_waitlist(settings, entry_id, user, *, now=None) -> WaitlistEntry` (owner or
  staff; a time it holds passes to the next in line)
- `await accept_offer(settings, offer_id, client, *, now=None) -> Appointment` (inside the
  hold and while the time is free: a new scheduled session, or the session moved there;
  the entry is fulfilled; staff are told)
- `await decline_offer(settings, offer_id, client, *, now=None) -> WaitlistOffer`
  (the time passes to the next in line)
- `await held_offers(entries, now) -> dict[entry id, WaitlistOffer]`
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from booking.appointment_notices import active_staff, event_tag, queue_schedule_notices
from booking.appointments import clean_preferred_slots, get_appointment_for
from booking.audit import WAITLIST_LIST, record_staff
from booking.availability import SLOT_HOURS, clean_days, get_rules, practice_today
from booking.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from booking.lifecycle import move_session
from booking.lifecycle_notices import queue_move_notices
from booking.meetings import new_room_name
from booking.person_fields import REASON_MAX_LENGTH, FieldErrors, clean_date, clean_text
from booking.settings import Settings
from booking.transitions import close_offers, lock_scheduling, record_event
from booking.waitlist_notices import queue_taken
from booking.waitlist_offers import is_free_for, offer_freed_time, offerable, pass_on
from models import (
    Appointment,
    AppointmentStatus,
    RescheduleRequestStatus,
    User,
    WaitlistEntry,
    WaitlistEntryStatus,
    WaitlistOffer,
    WaitlistOfferStatus,
    blind_index,
)

MAX_WAITING = 5  # entries one client may have waiting at once
LONGEST_RANGE = timedelta(days=366)
NOTE_MAX_LENGTH = REASON_MAX_LENGTH
EVENT_WAITLIST_TAKEN = "waitlist_taken"
WAITING = WaitlistEntryStatus.WAITING
HELD = WaitlistOfferStatus.HELD


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _parse_uuid(value: uuid.UUID | str, what: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound(f"{what} not found.") from None


def _require_client(user: User | None) -> User:
    if user is None:
        raise NotAuthenticated("Authentication credentials were not provided.")
    if user.is_staff:
        raise Conflict("The waitlist is for clients; staff book freed time directly.")
    return user


# --- joining and leaving ------------------------------------------------------------------------


async def join_waitlist(
    settings: Settings,
    client: User,
    *,
    weekdays: Iterable[Any] = (),
    from_date: date | str | None = None,
    to_date: date | str | None = None,
    preferred_time_slots: Iterable[Any] = (),
    note: str | None = None,
    appointment_id: uuid.UUID | str | None = None,
    now: datetime | None = None,
) -> WaitlistEntry:
    """Wait for freed time on these weekdays and/or dates, in these slots."""
    user = _require_client(client)
    now = now or _utcnow()
    today = practice_today(settings, now)
    errors: FieldErrors = {}
    days: list[int] = []
    try:
        days = clean_days(list(weekdays), "weekdays")
    except InvalidInput as exc:
        errors.update(exc.errors)
    first = clean_date(from_date, "from_date", errors, required=False)
    last = clean_date(to_date, "to_date", errors, required=False)
    slots = list(preferred_time_slots) or list(SLOT_HOURS)
    slots = clean_preferred_slots(slots, errors)
    text = clean_text(note, "note", NOTE_MAX_LENGTH, errors)
    session = None
    if appointment_id is not None:
        session = await get_appointment_for(user, appointment_id, own_only=True)
        if session.status != AppointmentStatus.SCHEDULED or session.scheduled_datetime is None:
            raise Conflict("Only a scheduled session can be brought forward.")
        if session.scheduled_datetime <= now:
            raise Conflict("The session has already started.")
        first = first or today + timedelta(days=1)
        session_day = session.scheduled_datetime.astimezone(settings.zone).date()
        last = min(last, session_day) if last is not None else session_day
    if errors:
        raise InvalidInput(errors)
    if (first is None) != (last is None) and session is None:
        field = "to_date" if last is None else "from_date"
        errors[field] = ["Give both from_date and to_date, or neither."]
    elif first is not None and last is not None:
        if last < first:
            errors["to_date"] = ["The end date is before the start date."]
        elif last <= today:
            errors["to_date"] = ["The range has already passed."]
        elif last - first > LONGEST_RANGE:
            errors["to_date"] = ["Wait at most a year at a time."]
    if not days and first is None:
        errors["weekdays"] = ["Choose weekdays, a from_date-to_date range, or both."]
    if errors:
        raise InvalidInput(errors)
    async with in_transaction() as conn:
        await lock_scheduling(conn)
        waiting = WaitlistEntry.filter(user_id=user.id, status=WAITING).using_db(conn)
        if await waiting.count() >= MAX_WAITING:
            raise Conflict(f"You are already waiting {MAX_WAITING} times; leave one first.")
        if session is not None and await waiting.filter(appointment_id=session.id).exists():
            raise Conflict("You are already waiting for an earlier time for this session.")
        entry = await WaitlistEntry.create(
            user=user,
            weekdays=days,
            from_date=first,
            to_date=last,
            preferred_time_slots=slots,
            note=text,
            appointment=session,
            status=WAITING,
            joined_at=now,
            using_db=conn,
        )
    return entry


async def list_waitlist(user: User | None) -> list[WaitlistEntry]:
    """Waiting entries, in the order they joined: staff see all, a client their own."""
    if user is None:
        raise NotAuthenticated("Authentication credentials were not provided.")
    query = WaitlistEntry.filter(status=WAITING)
    if not user.is_staff:
        query = query.filter(user_id=user.id)
    await record_staff(user, WAITLIST_LIST)  # staff read everyone's entries
    return list(await query.order_by("joined_at", "id").prefetch_related("user"))


async def held_offers(
    entries: Sequence[WaitlistEntry], now: datetime | None = None
) -> dict[uuid.UUID, WaitlistOffer]:
    """The time each entry holds now (if any), in one query."""
    now = now or _utcnow()
    held = await WaitlistOffer.filter(
        entry_id__in=[e.id for e in entries], status=HELD, expires_at__gt=now
    )
    return {o.entry_id: o for o in held}  # type: ignore[attr-defined]


async def _entry_for(user: User | None, entry_id: uuid.UUID | str) -> WaitlistEntry:
    if user is None:
        raise NotAuthenticated("Authentication credentials were not provided.")
    query = WaitlistEntry.filter(id=_parse_uuid(entry_id, "Waitlist entry"))
    if not user.is_staff:
        query = query.filter(user_id=user.id)
    entry = await query.first()
    if entry is None:
        raise NotFound("Waitlist entry not found.")
    return entry


async def leave_waitlist(
    settings: Settings, entry_id: uuid.UUID | str, user: User, *, now: datetime | None = None
) -> WaitlistEntry:
    """Leave the waitlist (owner, or staff); a time held for the entry passes on."""
    now = now or _utcnow()
    entry = await _entry_for(user, entry_id)
    async with in_transaction() as conn:
        await lock_scheduling(conn)
        left = (
            await WaitlistEntry.filter(id=entry.id, status=WAITING)
            .using_db(conn)
            .update(status=WaitlistEntryStatus.LEFT, closed_at=now)
        )
        if not left:
            raise Conflict(f"This entry is {entry.status.value} already.")
        for offer in await WaitlistOffer.filter(entry_id=entry.id, status=HELD).using_db(conn):
            await pass_on(conn, settings, offer, WaitlistOfferStatus.DECLINED, now)
    entry.status, entry.closed_at = WaitlistEntryStatus.LEFT, now
    return entry


# --- the held time --------------------------------------------------------------------------


async def _offer_for(client: User | None, offer_id: uuid.UUID | str) -> WaitlistOffer:
    """The client's own offer; anyone else's (or an unknown id) is not found."""
    user = _require_client(client)
    offer = await WaitlistOffer.filter(
        id=_parse_uuid(offer_id, "Offer"), entry__user_id=user.id
    ).first()
    if offer is None:
        raise NotFound("Offer not found.")
    return offer


STATE_WORDS = {
    WaitlistOfferStatus.ACCEPTED: "You have taken this time already.",
    WaitlistOfferStatus.DECLINED: "You passed this time on.",
    WaitlistOfferStatus.EXPIRED: "The hold on this time has expired; it went to the next in line.",
    WaitlistOfferStatus.WITHDRAWN: "This time is no longer free.",
}


async def decline_offer(
    settings: Settings, offer_id: uuid.UUID | str, client: User, *, now: datetime | None = None
) -> WaitlistOffer:
    """No thanks: the time passes to the next in line; the entry keeps waiting."""
    now = now or _utcnow()
    offer = await _offer_for(client, offer_id)
    # A hold that ran out (the housekeeping job has not run yet) is settled as expired.
    lapsed = offer.expires_at <= now
    status = WaitlistOfferStatus.EXPIRED if lapsed else WaitlistOfferStatus.DECLINED
    async with in_transaction() as conn:
        if offer.status != HELD or not await pass_on(conn, settings, offer, status, now):
            current = await WaitlistOffer.get(id=offer.id).using_db(conn)
            raise Conflict(STATE_WORDS.get(current.status, "This offer is settled."))
    if lapsed:
        raise Conflict(STATE_WORDS[WaitlistOfferStatus.EXPIRED])
    return offer


async def accept_offer(
    settings: Settings, offer_id: uuid.UUID | str, client: User, *, now: datetime | None = None
) -> Appointment:
    """Take it: inside the hold, if the time is still free, it becomes the client's session."""
    now = now or _utcnow()
    offer = await _offer_for(client, offer_id)
    refused: str | None = None
    async with in_transaction() as conn:
        await lock_scheduling(conn)
        # One conditional UPDATE: of two presses (two chats, the chat and the API) one wins.
        claimed = (
            await WaitlistOffer.filter(id=offer.id, status=HELD, expires_at__gt=now)
            .using_db(conn)
            .update(
                status=WaitlistOfferStatus.ACCEPTED, decided_at=now, held_time=None, held_entry=None
            )
        )
        if not claimed:
            current = await WaitlistOffer.get(id=offer.id).using_db(conn)
            if current.status == HELD:  # expired, and the housekeeping job has not run yet
                raise Conflict(STATE_WORDS[WaitlistOfferStatus.EXPIRED])
            raise Conflict(STATE_WORDS.get(current.status, "This offer is settled."))
        entry = await WaitlistEntry.get(id=offer.entry_id).using_db(conn)  # type: ignore[attr-defined]
        refused = await _refusal(settings, conn, offer, entry, now)
        if refused is None:
            appointment = await _book(settings, conn, offer, entry, client, now)
        else:
            # The time (or the entry) is gone: the offer is withdrawn, not taken.
            await (
                WaitlistOffer.filter(id=offer.id)
                .using_db(conn)
                .update(status=WaitlistOfferStatus.WITHDRAWN)
            )
    if refused is not None:
        raise Conflict(refused)
    return appointment


async def _session_of(entry: WaitlistEntry, conn) -> Appointment | None:
    """The scheduled session an "earlier time" entry would bring forward (None: a new one)."""
    if entry.appointment_id is None:  # type: ignore[attr-defined]
        return None
    return await Appointment.get_or_none(
        id=entry.appointment_id,  # type: ignore[attr-defined]
        status=AppointmentStatus.SCHEDULED,
    ).using_db(conn)


async def _refusal(settings, conn, offer: WaitlistOffer, entry: WaitlistEntry, now) -> str | None:
    """Why the held time can no longer be taken, re-checked under the lock; None: it can."""
    if entry.status != WAITING:
        return "You are no longer on the waitlist for this."
    session = await _session_of(entry, conn)
    if entry.appointment_id is not None and (  # type: ignore[attr-defined]
        session is None
        or session.scheduled_datetime is None
        or session.scheduled_datetime <= offer.start
    ):
        return "Your session is no longer one this time would bring forward."
    rules = await get_rules(conn)
    if not offerable(settings, rules, offer.start, now) or not await is_free_for(
        settings, conn, offer.start, offer.duration, session, rules
    ):
        return STATE_WORDS[WaitlistOfferStatus.WITHDRAWN]
    return None


async def _book(settings, conn, offer, entry, client: User, now: datetime) -> Appointment:
    """The entry is fulfilled: the session moves to the time, or a new one is scheduled."""
    await (
        WaitlistEntry.filter(id=entry.id, status=WAITING)
        .using_db(conn)
        .update(status=WaitlistEntryStatus.FULFILLED, closed_at=now)
    )
    session = await _session_of(entry, conn)
    if session is not None:
        freed = session.scheduled_datetime
        await move_session(conn, session, offer.start, offer.duration, now)
        await close_offers(conn, session, now, request=RescheduleRequestStatus.MOVED)
        event = await record_event(conn, session, client, EVENT_WAITLIST_TAKEN, now)
        await queue_move_notices(settings, session, event, now, conn)
        if freed is not None:  # the later time it leaves goes to the next waiting
            await offer_freed_time(settings, freed, now=now, using_db=conn)
        appointment = session
    else:
        appointment = await _new_session(settings, conn, offer, entry, client, now)
    await WaitlistOffer.filter(id=offer.id).using_db(conn).update(appointment_id=appointment.id)
    await queue_taken(settings, conn, offer, appointment, moved=session is not None)
    return appointment


async def _new_session(settings, conn, offer, entry, client: User, now: datetime) -> Appointment:
    staff = await active_staff(conn)
    if not staff:
        raise Conflict("The practice has no active therapist to hold the session.")
    therapist = staff[0]
    local = offer.start.astimezone(settings.zone)
    slot = next(
        (s for s, (a, b) in SLOT_HOURS.items() if a <= local.hour < b),
        entry.preferred_time_slots[0],
    )
    appointment = await Appointment.create(
        user=client,
        email_index=blind_index(client.email),
        first_name=client.first_name,
        last_name=client.last_name,
        email=client.email,
        phone=client.phone,
        reason=entry.note,
        preferred_dates=[local.date().isoformat()],
        preferred_time_slots=[slot],
        status=AppointmentStatus.SCHEDULED,
        scheduled_datetime=offer.start,
        scheduled_duration=offer.duration,
        jitsi_room_id=new_room_name(),
        decided_by=therapist,
        decided_at=now,
        using_db=conn,
    )
    event = await record_event(conn, appointment, client, EVENT_WAITLIST_TAKEN, now)
    await queue_schedule_notices(settings, appointment, therapist, now, conn, event_tag(event))
    return appointment
