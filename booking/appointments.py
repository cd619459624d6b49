"""Appointment requests: create, list, read, schedule, reject (stats: `booking.stats`).

The rules of the practice live here; the API and the Telegram bot both call these services.
All take and return plain values or model instances and raise `booking.errors`:

- `await create_appointment(settings, *, first_name, last_name, email, preferred_dates,
  preferred_time_slots, phone=None, reason=None, user=None, ip=None, now=None) -> Appointment`
  (a signed-in client's request is linked to their account; staff entering a request for
  someone else is not linked; with `ip` (the HTTP door) requests are rate limited per
  address and per IP, RateLimited past the limit)
- `await list_appointments(user, *, status=None, email=None, own_only=False, offset=0,
  limit=20) -> tuple[int, list[Appointment]]` (staff: all, each list an `appointment.list`
  audit row; clients: their own, plus anonymous requests made with their *verified* e-mail;
  `email` narrows by blind index)
- `await list_for_user(user, *, status=None) -> list[Appointment]` (a client's own)
- `await get_appointment_for(user, appointment_id, *, own_only=False) -> Appointment`
  (owner or staff, or with `own_only` the owner only; else NotFound, so a stranger cannot
  even learn that the id exists); `audit=True`: a staff member's read is recorded
  (`appointment.view`, `booking.audit`), for a caller that shows it to them
- `await schedule_appointment(settings, appointment_id, staff_user, scheduled_datetime,
  duration=60, *, override=False, now=None) -> Appointment` (`scheduled_datetime`: aware,
  naive meaning practice time, or ISO 8601; Conflict when the request is no longer pending
  or the time clashes (`booking.availability.find_clashes`) unless staff override it)
- `await reject_appointment(settings, appointment_id, staff_user, reason=None, *, now=None)
  -> Appointment`
- `await sessions_on(settings, day: date, *, viewer=None) -> list[Appointment]` (scheduled,
  starting on that practice-local date; a staff `viewer`'s read is audited)

Each transition queues the messages it causes, and cancels those it makes stale, in its
own transaction through `booking.appointment_notices`. Field rules (names, phone, texts)
are those of `booking.person_fields`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from booking.appointment_notices import (
    queue_reject_notices,
    queue_request_notices,
    queue_schedule_notices,
)
from booking.audit import APPOINTMENT_LIST, APPOINTMENT_VIEW, record_staff
from booking.availability import SLOT_HOURS, find_clashes, localize, require_free
from booking.db_clients import NEW_REQUESTS, counted_as
from booking.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from booking.freshness import Fresh
from booking.meetings import new_room_name
from booking.offers import dates_on_offer
from booking.person_fields import (
    MAX_PREFERRED_DATES,
    REASON_MAX_LENGTH,
    REJECTION_REASON_MAX_LENGTH,
    FieldErrors,
    clean_email,
    clean_name,
    clean_phone,
    clean_text,
    parse_day,
)
from booking.ratelimit import RateLimit, check_all, record_all
from booking.settings import Settings
from booking.transitions import (
    EVENT_REJECTED,
    EVENT_REQUESTED,
    EVENT_SCHEDULED,
    close_offers,
    lock_scheduling,
    record_event,
    require_bookable_start,
    require_staff,
    take,
)
from models import Appointment, AppointmentStatus, Role, User, blind_index

DEFAULT_DURATION = 60
MIN_DURATION = 15
MAX_DURATION = 240
# Anyone may ask for a session, and each request e-mails the address given and every staff
# member: generous limits keep a script from flooding either inbox.
REQUESTS_PER_ADDRESS = RateLimit("appointment-request:address", 20, timedelta(hours=1))
REQUESTS_PER_IP = RateLimit("appointment-request:ip", 60, timedelta(hours=1))


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _parse_id(appointment_id: uuid.UUID | str) -> uuid.UUID:
    if isinstance(appointment_id, uuid.UUID):
        return appointment_id
    try:
        return uuid.UUID(str(appointment_id))
    except ValueError:
        raise NotFound("Appointment not found.") from None


# --- creating a request --------------------------------------------------------------------


async def offered_among(settings: Settings, values: list[Any], now: datetime) -> set[date]:
    """The dates among `values` a client may ask for (`booking.offers.dates_on_offer`)."""
    return await dates_on_offer(settings, filter(None, map(parse_day, values)), now=now)


def clean_preferred_dates(
    values: Iterable[Any], open_dates: set[date], errors: FieldErrors
) -> list[str]:
    cleaned: list[date] = []
    problems: list[str] = []
    for value in values:
        day = parse_day(value)
        if day is None:
            problems.append(f"{value!r} is not a date in YYYY-MM-DD format.")
            continue
        if day not in open_dates:
            problems.append(f"{day.isoformat()} is not an available date.")
        elif day not in cleaned:
            cleaned.append(day)
    if not cleaned and not problems:
        problems.append("Choose at least one date.")
    if len(cleaned) > MAX_PREFERRED_DATES:
        problems.append(f"Choose at most {MAX_PREFERRED_DATES} dates.")
    if problems:
        errors["preferred_dates"] = problems
    return [d.isoformat() for d in sorted(cleaned)]


def clean_preferred_slots(values: Iterable[Any], errors: FieldErrors) -> list[str]:
    chosen = set()
    problems = []
    for value in values:
        if value in SLOT_HOURS:
            chosen.add(value)
        else:
            problems.append(f"{value!r} is not one of morning, afternoon, evening.")
    if not chosen and not problems:
        problems.append("Choose at least one time slot.")
    if problems:
        errors["preferred_time_slots"] = problems
    return [slot for slot in SLOT_HOURS if slot in chosen]


async def create_appointment(
    settings: Settings,
    *,
    first_name: str,
    last_name: str,
    email: str,
    preferred_dates: Iterable[date | str],
    preferred_time_slots: Iterable[str],
    phone: str | None = None,
    reason: str | None = None,
    user: User | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Record a request and queue the client's receipt and the staff's notices."""
    now = now or _utcnow()
    errors: FieldErrors = {}
    first = clean_name(first_name, "first_name", errors)
    last = clean_name(last_name, "last_name", errors)
    address = ""
    try:
        address = clean_email(email if isinstance(email, str) else "")
    except InvalidInput as exc:
        errors.update(exc.errors)
    chosen = list(preferred_dates)
    dates = clean_preferred_dates(chosen, await offered_among(settings, chosen, now), errors)
    slots = clean_preferred_slots(preferred_time_slots, errors)
    phone_text = clean_phone(phone, "phone", errors)
    reason_text = clean_text(reason, "reason", REASON_MAX_LENGTH, errors)
    if errors:
        raise InvalidInput(errors)
    limits = [(REQUESTS_PER_ADDRESS, address), (REQUESTS_PER_IP, ip)] if ip else []
    await check_all(limits, now=now)

    owner = user if user is not None and not user.is_staff else None
    async with in_transaction() as conn:
        # A pending row takes no time: the offered dates stand (booking.offers).
        with counted_as("appointments", NEW_REQUESTS):
            appointment = await Appointment.create(
                user=owner,
                email_index=blind_index(address),
                first_name=first,
                last_name=last,
                email=address,
                phone=phone_text,
                reason=reason_text,
                preferred_dates=dates,
                preferred_time_slots=slots,
                status=AppointmentStatus.PENDING_REVIEW,
                using_db=conn,
            )
        side = None if user else Role.CLIENT  # an anonymous request is a client's
        await record_event(conn, appointment, user, EVENT_REQUESTED, now, role=side)
        await queue_request_notices(settings, appointment, now, conn)
        await record_all(limits, now=now, using_db=conn)
    return appointment


# --- reading --------------------------------------------------------------------------------


# The staff list's count by status filter, the same for every staff member: over a million
# rows a status's count took PostgreSQL 20-30 ms, which every request of the second it was
# recounted in waited for. Recounted in the background once half a second old instead (never
# served more than a second after the rows it counted; a write through this process, a new
# request included, drops it at once).
_staff_totals = Fresh(tables=("appointments", NEW_REQUESTS), refresh_after=0.5)


def _visible_to(user: User) -> QuerySet[Appointment]:
    """Staff see every request; a client their own and those sent with their verified e-mail."""
    if user.is_staff:
        return Appointment.all()
    return Appointment.filter(_owned_by(user))


def _owned_by(user: User) -> Q:
    owned = Q(user_id=user.id)
    if user.email_verified_at is not None:
        # Requests made before signing up (or while signed out) with the same address: the
        # verified address proves they are this person's.
        owned |= Q(user_id__isnull=True, email_index=user.email_index)
    return owned


def _status_filter(status: str | None) -> AppointmentStatus | None:
    if status is None or status == "":
        return None
    try:
        return AppointmentStatus(status)
    except ValueError:
        choices = ", ".join(s.value for s in AppointmentStatus)
        raise InvalidInput({"status": [f"{status!r} is not one of {choices}."]}) from None


async def list_appointments(
    user: User | None,
    *,
    status: str | None = None,
    email: str | None = None,
    own_only: bool = False,
    offset: int = 0,
    limit: int = 20,
    audit: bool = True,
) -> tuple[int, list[Appointment]]:
    """A page of the appointments `user` may see, newest first, and the total count.

    `email` narrows by blind index; for a client it narrows within their own requests, so it
    never reveals whether someone else asked for therapy. `audit=False`: the caller has
    recorded this read already (`record_list_read`), e.g. before serving a cached page.
    """
    if user is None:
        raise NotAuthenticated("Authentication credentials were not provided.")
    query = Appointment.filter(_owned_by(user)) if own_only else _visible_to(user)
    wanted = _status_filter(status)
    if wanted is not None:
        query = query.filter(status=wanted)
    if email:
        query = query.filter(email_index=blind_index(clean_email(email)))
    if audit and user.is_staff and not own_only:
        await _audit_list(user, wanted, email)
    if user.is_staff and not own_only and not email:
        total = await _staff_totals.get(wanted, query.count)
    else:
        total = await query.count()
    if offset >= total:
        # Past the end: nothing to fetch, and an absurd page's offset fits no SQL integer.
        return total, []
    rows = await query.order_by("-created_at", "id").offset(offset).limit(limit)
    return total, list(rows)


async def record_list_read(user: User, *, status: str | None, email: str | None) -> None:
    """The audit row of a staff member's list read (filters checked as the list checks them)."""
    wanted = _status_filter(status)
    if email:
        clean_email(email)
    if user.is_staff:
        await _audit_list(user, wanted, email)


async def _audit_list(staff: User, status: AppointmentStatus | None, email: str | None) -> None:
    """One `appointment.list` row per list read: the filters by name, never the address
    looked up; an e-mail lookup names the account it finds as its subject."""
    target = ",".join(
        ([f"status={status.value}"] if status is not None else []) + (["email"] if email else [])
    )
    subject = None
    if email:
        subject = await User.filter(email_index=blind_index(clean_email(email))).first()
    await record_staff(
        staff, APPOINTMENT_LIST, target=target or None, subject=subject.id if subject else None
    )


async def list_for_user(user: User, *, status: str | None = None) -> list[Appointment]:
    """Every request of this client (own and verified-e-mail ones), newest first."""
    query = Appointment.filter(_owned_by(user))
    wanted = _status_filter(status)
    if wanted is not None:
        query = query.filter(status=wanted)
    return list(await query.order_by("-created_at", "id"))


async def get_appointment_for(
    user: User | None,
    appointment_id: uuid.UUID | str,
    *,
    own_only: bool = False,
    audit: bool = False,
) -> Appointment:
    """The appointment if `user` owns it or is staff (`own_only`: owns it); else NotFound.

    `audit`: the caller shows it to the person, so a staff member's read is recorded
    (services checking an id before acting leave it off: their act is its own row)."""
    if user is None:
        raise NotAuthenticated("Authentication credentials were not provided.")
    query = Appointment.filter(_owned_by(user)) if own_only else _visible_to(user)
    appointment = await query.get_or_none(id=_parse_id(appointment_id))
    if appointment is None:
        raise NotFound("Appointment not found.")
    if audit:
        subject = appointment.user_id  # type: ignore[attr-defined]
        await record_staff(user, APPOINTMENT_VIEW, target=appointment.id, subject=subject)
    return appointment


async def sessions_on(
    settings: Settings, day: date, *, viewer: User | None = None
) -> list[Appointment]:
    """Scheduled sessions starting on a practice-local date (DST days included)."""
    start = localize(settings, datetime.combine(day, time()))
    end = localize(settings, datetime.combine(day + timedelta(days=1), time()))
    await record_staff(viewer, APPOINTMENT_LIST, target=f"day={day.isoformat()}")
    return list(
        await Appointment.filter(
            status=AppointmentStatus.SCHEDULED,
            scheduled_datetime__gte=start,
            scheduled_datetime__lt=end,
        ).order_by("scheduled_datetime")
    )


# --- decisions -------------------------------------------------------------------------------


def parse_scheduled_datetime(settings: Settings, value: datetime | str) -> datetime:
    """Aware UTC from ISO 8601; without an offset the value is practice wall-clock time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(
                {"scheduled_datetime": ["Enter a date and time in ISO 8601 format."]}
            ) from None
    if not isinstance(value, datetime):
        raise InvalidInput({"scheduled_datetime": ["Enter a date and time in ISO 8601 format."]})
    value = value.replace(microsecond=0)
    try:
        if value.tzinfo is None:
            return localize(settings, value)
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        # "9999-12-31T23:59:59-23:59" is a valid ISO 8601 time whose UTC is past year 9999.
        raise InvalidInput(
            {"scheduled_datetime": ["This date and time is out of range."]}
        ) from None


def clean_duration(duration: Any) -> int:
    if duration is None:
        return DEFAULT_DURATION
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise InvalidInput({"scheduled_duration": ["A whole number of minutes is required."]})
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise InvalidInput(
            {
                "scheduled_duration": [
                    f"Ensure this value is between {MIN_DURATION} and {MAX_DURATION} minutes."
                ]
            }
        )
    return duration


async def _decide_pending(
    appointment_id: uuid.UUID,
    conn: BaseDBAsyncClient,
    staff: User,
    now: datetime,
    **changes: Any,
) -> Appointment:
    """Move a pending request on with one conditional UPDATE: exactly one caller wins."""
    await lock_scheduling(conn)
    changes |= {"decided_by_id": staff.id, "decided_at": now, "updated_at": now}
    appointment = await take(conn, appointment_id, (AppointmentStatus.PENDING_REVIEW,), **changes)
    if appointment is None:
        current = await Appointment.filter(id=appointment_id).using_db(conn).first()
        if current is None:
            raise NotFound("Appointment not found.")
        raise Conflict(f"This request is already {current.status.value.replace('_', ' ')}.")
    kind = EVENT_SCHEDULED if appointment.status == AppointmentStatus.SCHEDULED else EVENT_REJECTED
    await record_event(conn, appointment, staff, kind, now)
    await close_offers(conn, appointment, now)  # a decision replaces the proposals made
    return appointment


async def schedule_appointment(
    settings: Settings,
    appointment_id: uuid.UUID | str,
    staff_user: User,
    scheduled_datetime: datetime | str,
    duration: int | None = DEFAULT_DURATION,
    *,
    override: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Give a pending request its time and a private room; tell the client; queue reminders."""
    staff = require_staff(staff_user)
    now = now or _utcnow()
    start = parse_scheduled_datetime(settings, scheduled_datetime)
    minutes = clean_duration(duration)
    require_bookable_start(start, now)
    target = _parse_id(appointment_id)
    async with in_transaction() as conn:
        return await schedule_in(conn, settings, target, staff, start, minutes, now, override)


async def schedule_in(
    conn: BaseDBAsyncClient,
    settings: Settings,
    target: uuid.UUID,
    staff: User,
    start: datetime,
    minutes: int,
    now: datetime,
    override: bool,
    *,
    confirm_in_chat: bool = True,
) -> Appointment:
    """The schedule transition inside the caller's transaction (`booking.series` too).

    `confirm_in_chat=False`: the confirmation goes by e-mail only (a series' later
    occurrences, so the chat is not flooded; their reminders still come).
    """
    decision = {
        "status": AppointmentStatus.SCHEDULED,
        "scheduled_datetime": start,
        "scheduled_duration": minutes,
        "jitsi_room_id": new_room_name(),
        "rejection_reason": None,
    }
    appointment = await _decide_pending(target, conn, staff, now, **decision)
    clashes = await find_clashes(
        settings, start, minutes, exclude_appointment_id=target, using_db=conn
    )
    # Raising rolls the claim back: the request stays pending.
    require_free(clashes, override=override)
    await queue_schedule_notices(settings, appointment, staff, now, conn, in_chat=confirm_in_chat)
    return appointment


async def reject_appointment(
    settings: Settings,
    appointment_id: uuid.UUID | str,
    staff_user: User,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> Appointment:
    """Decline a pending request (optional reason); tell the client; cancel reminders."""
    staff = require_staff(staff_user)
    now = now or _utcnow()
    errors: FieldErrors = {}
    reason_text = clean_text(reason, "rejection_reason", REJECTION_REASON_MAX_LENGTH, errors)
    if errors:
        raise InvalidInput(errors)
    target = _parse_id(appointment_id)
    decision = {
        "status": AppointmentStatus.REJECTED,
        "rejection_reason": reason_text,
        "scheduled_datetime": None,
        "scheduled_duration": None,
        "jitsi_room_id": None,
    }
    async with in_transaction() as conn:
        appointment = await _decide_pending(target, conn, staff, now, **decision)
        await queue_reject_notices(settings, appointment, conn)
    return appointment
