"""Erasure: what "erase me" does to the database (`booking.privacy` decides who may).

- `await erase_person(settings, user, *, actor, ip=None, now=None) -> Erasure`
- `await erase_appointment_fields(conn, appointment_ids, now)` (shared with retention)
- `await overwrite_on_disk()`

What an erasure does (`erase_person`), in one transaction:

1. the person's future sessions and waiting requests are cancelled under the lifecycle
   rules (the lock, the claim, late or not, the event row, offers closed, the freed time
   offered to the waitlist); their staff are told in words that name no one
   (`booking.privacy_notices`);
2. every personal field of the account and of its appointments is overwritten: names,
   e-mail, phone, reasons, notes; the blind indexes become random `erased:<hex>` tokens; the
   password hash, TOTP secret, recovery codes, one-time codes, rate-limit buckets, refresh
   tokens, the Telegram link and the bot's stored state for it go; every outbox row to the
   person, or about their appointments, queued or sent, is deleted;
3. `erased_at` is set and the account deactivated; `client.erase` is audited.

What remains is anonymous (dates, statuses, attendance, durations, events), so the stats
stay true. After the commit, SQLite's write-ahead log is checkpointed and truncated, so
the database files hold none of the old values once the call returns (`secure_delete` is
on, see `booking.db`). PostgreSQL keeps dead row versions until VACUUM (README).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import BaseDBAsyncClient, connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from booking.accounts import SIGN_IN_FAILURES_PER_ADDRESS
from booking.appointments import REQUESTS_PER_ADDRESS
from booking.audit import CLIENT_ERASE, record_audit
from booking.availability import get_rules, is_late_cancellation
from booking.codes import (
    SEND_PER_ADDRESS,
    SEND_PER_ADDRESS_DAILY,
    SEND_PER_TELEGRAM_USER,
    code_email_dedupe_key,
)
from booking.errors import Conflict, NotFound
from booking.privacy_export import owned_appointments
from booking.privacy_notices import queue_erased_cancel_notices
from booking.ratelimit import RateLimit
from booking.settings import Settings
from booking.transitions import EVENT_CANCELLED, claim, close_offers, record_event
from booking.waitlist_offers import offer_freed_time, withdraw_for_entry
from models import (
    Appointment,
    AppointmentStatus,
    ConversationState,
    Notification,
    OneTimeCode,
    RateLimitHit,
    RecoveryCode,
    RefreshToken,
    RescheduleRequest,
    Role,
    User,
    WaitlistEntry,
    WaitlistEntryStatus,
    WaitlistOffer,
)

log = logging.getLogger(__name__)

ERASED_PREFIX = "erased:"
# Wrong passwords at "erase me" (booking.privacy), per account.
ERASE_PASSWORD_TRIES = RateLimit("erase-password:user", 5, timedelta(minutes=15))
STAFF_NOT_ERASED = (
    "A staff account cannot be erased: it decided and ran sessions the practice must account for."
)
# Rows the bot keeps per Telegram user and chat (bot.persistence's keys).
BOT_USER_KEY, BOT_CHAT_KEY, BOT_CONVERSATION_PREFIX = "user:", "chat:", "conv:"
CHECKPOINT_TRIES = 20
CANCELLABLE = (AppointmentStatus.PENDING_REVIEW, AppointmentStatus.SCHEDULED)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def erased_token() -> str:
    """What replaces a blind index: unique (the column is), random, saying nothing."""
    return ERASED_PREFIX + uuid.uuid4().hex


@dataclass(frozen=True)
class Erasure:
    """What an erasure did (counts only: nothing about who it was)."""

    user_id: uuid.UUID
    erased_at: datetime
    cancelled: int  # sessions and requests cancelled
    appointments: int  # appointments whose personal fields were erased

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.user_id),
            "erased_at": self.erased_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "cancelled": self.cancelled,
            "appointments_erased": self.appointments,
        }


def require_erasable(user: User) -> None:
    """Conflict for a staff account, or one erased already."""
    if user.is_staff:
        raise Conflict(STAFF_NOT_ERASED)
    if user.erased_at is not None:
        raise Conflict("This account was erased already.")


# --- the erasure ------------------------------------------------------------------------------


@dataclass
class _Cancelled:
    appointment: Appointment
    event: Any
    freed: datetime | None


async def _cancel_for_erasure(
    conn: BaseDBAsyncClient, appointment_id: uuid.UUID, client: User, now: datetime
) -> _Cancelled | None:
    """Cancel a waiting request or a session yet to start, as the client would (late or not).

    `booking.lifecycle.cancel_appointment`'s steps, without its notices: those would name
    the client; the erasure tells staff in its own words once the fields are gone.
    """
    try:
        appointment = await claim(conn, appointment_id, CANCELLABLE, now)
    except (Conflict, NotFound):
        return None  # settled meanwhile: nothing left to cancel
    start = appointment.scheduled_datetime
    if start is not None and start <= now:
        return None  # under way or over: it happened, and stays as it was
    scheduled = appointment.status == AppointmentStatus.SCHEDULED
    late = (
        scheduled and start is not None and is_late_cancellation(await get_rules(conn), start, now)
    )
    changes = {
        "status": AppointmentStatus.CANCELLED,
        "cancelled_by": Role.CLIENT,
        "cancelled_at": now,
        "late_cancellation": late,
        "calendar_sequence": appointment.calendar_sequence + (1 if scheduled else 0),
        "jitsi_room_id": None,
    }
    for name, value in changes.items():
        setattr(appointment, name, value)
    await appointment.save(using_db=conn, update_fields=[*changes, "updated_at"])
    await close_offers(conn, appointment, now)
    event = await record_event(conn, appointment, client, EVENT_CANCELLED, now, role=Role.CLIENT)
    return _Cancelled(appointment, event, start if scheduled else None)


APPOINTMENT_BLANKS: dict[str, Any] = {
    "first_name": "",
    "last_name": "",
    "email": "",
    "phone": None,
    "reason": None,
    "rejection_reason": None,
    "cancellation_reason": None,
}


async def erase_appointment_fields(
    conn: BaseDBAsyncClient, appointment_ids: list[uuid.UUID], now: datetime
) -> None:
    """Overwrite the personal fields of these appointments, their notes and their outbox.

    Shared with retention (`booking.retention`). Every message about them goes, sent or
    not: an e-mail's text quotes the name and the reason.
    """
    for appointment_id in appointment_ids:
        await (
            Appointment.filter(id=appointment_id)
            .using_db(conn)
            .update(**APPOINTMENT_BLANKS, email_index=erased_token(), erased_at=now, updated_at=now)
        )
    if not appointment_ids:
        return
    await (
        RescheduleRequest.filter(appointment_id__in=appointment_ids)
        .using_db(conn)
        .update(note=None)
    )
    await WaitlistEntry.filter(appointment_id__in=appointment_ids).using_db(conn).update(note=None)
    await Notification.filter(appointment_id__in=appointment_ids).using_db(conn).delete()
    # The waitlist's messages are keyed by offer, not appointment ("<name> took ..." to staff).
    offer_ids = await (
        WaitlistOffer.filter(appointment_id__in=appointment_ids)
        .using_db(conn)
        .values_list("id", flat=True)
    )
    await _forget_offer_messages(conn, offer_ids)


async def _forget_offer_messages(conn: BaseDBAsyncClient, offer_ids: list[Any]) -> None:
    """Every outbox row of these waitlist offers (`booking.waitlist_notices` keys)."""
    for offer_id in offer_ids:
        await (
            Notification.filter(dedupe_key__startswith=f"waitlist:{offer_id}:")
            .using_db(conn)
            .delete()
        )


async def _forget_waitlist(
    settings: Settings, conn: BaseDBAsyncClient, user: User, now: datetime
) -> None:
    """The person's entries leave the list (held times pass on) and lose their notes."""
    entries = await WaitlistEntry.filter(user_id=user.id).using_db(conn)
    offer_ids = await (
        WaitlistOffer.filter(entry_id__in=[e.id for e in entries])
        .using_db(conn)
        .values_list("id", flat=True)
    )
    # Their offers' messages first: what passing a held time on queues is for others.
    await _forget_offer_messages(conn, list(offer_ids))
    for entry in entries:
        if entry.status == WaitlistEntryStatus.WAITING:
            await (
                WaitlistEntry.filter(id=entry.id)
                .using_db(conn)
                .update(status=WaitlistEntryStatus.LEFT, closed_at=now)
            )
        await withdraw_for_entry(settings, conn, entry, now)
    await WaitlistEntry.filter(user_id=user.id).using_db(conn).update(note=None)


async def _forget_account_rows(conn: BaseDBAsyncClient, user: User) -> None:
    """Codes, buckets, tokens, recovery codes, the bot's state and the account's messages."""
    # The address's codes, and those the linked Telegram account asked for any address (a
    # code row keeps the Telegram id that asked).
    codes = Q(email_index=user.email_index)
    if user.telegram_user_id:
        codes |= Q(telegram_user_id=user.telegram_user_id)
    code_ids = await OneTimeCode.filter(codes).using_db(conn).values_list("id", flat=True)
    keys = [code_email_dedupe_key(i) for i in code_ids]
    if keys:
        await Notification.filter(dedupe_key__in=keys).using_db(conn).delete()
    await OneTimeCode.filter(codes).using_db(conn).delete()
    await Notification.filter(dedupe_key__startswith=f"account:{user.id}:").using_db(conn).delete()
    await _forget_messages_to(conn, user)
    buckets = [
        limit.bucket(user.email)
        for limit in (
            SEND_PER_ADDRESS,
            SEND_PER_ADDRESS_DAILY,
            SIGN_IN_FAILURES_PER_ADDRESS,
            REQUESTS_PER_ADDRESS,
        )
    ]
    buckets.append(ERASE_PASSWORD_TRIES.bucket(str(user.id)))
    if user.telegram_user_id:
        buckets.append(SEND_PER_TELEGRAM_USER.bucket(str(user.telegram_user_id)))
    await RateLimitHit.filter(bucket__in=buckets).using_db(conn).delete()
    await RefreshToken.filter(user_id=user.id).using_db(conn).delete()
    await RecoveryCode.filter(user_id=user.id).using_db(conn).delete()
    if user.telegram_user_id:
        await _forget_bot_state(conn, user.telegram_user_id)


async def _forget_messages_to(conn: BaseDBAsyncClient, user: User) -> None:
    """Any other row addressed to the person (no appointment to find it by): read to tell."""
    addresses = {user.email}
    if user.telegram_user_id:
        addresses.add(str(user.telegram_user_id))
    rows = (
        await Notification.filter(appointment_id__isnull=True)
        .using_db(conn)
        .only("id", "recipient")
    )
    mine = [row.id for row in rows if row.recipient in addresses]
    if mine:
        await Notification.filter(id__in=mine).using_db(conn).delete()


async def _forget_bot_state(conn: BaseDBAsyncClient, telegram_user_id: int) -> None:
    """The bot's rows of this Telegram user: user data, chat data, conversations."""
    await (
        ConversationState.filter(
            key__in=[f"{BOT_USER_KEY}{telegram_user_id}", f"{BOT_CHAT_KEY}{telegram_user_id}"]
        )
        .using_db(conn)
        .delete()
    )
    keys = await (
        ConversationState.filter(key__startswith=BOT_CONVERSATION_PREFIX)
        .using_db(conn)
        .values_list("key", flat=True)
    )
    theirs = [key for key in keys if telegram_user_id in _conversation_ids(key)]
    if theirs:
        await ConversationState.filter(key__in=theirs).using_db(conn).delete()


def _conversation_ids(key: str) -> list[Any]:
    # conv:<name>:<JSON list of chat and user ids> (bot.persistence.conversation_row_key)
    try:
        found = json.loads(key.split(":", 2)[2])
    except (IndexError, ValueError):
        return []
    return found if isinstance(found, list) else []


async def _erase_account_fields(conn: BaseDBAsyncClient, user: User, now: datetime) -> None:
    await (
        User.filter(id=user.id)
        .using_db(conn)
        .update(
            email="",
            email_index=erased_token(),
            first_name="",
            last_name="",
            phone=None,
            password_hash=None,
            totp_secret=None,
            totp_enabled_at=None,
            totp_last_step=None,
            telegram_user_id=None,
            timezone=None,
            is_active=False,
            erased_at=now,
            updated_at=now,
        )
    )


async def erase_person(
    settings: Settings,
    user: User,
    *,
    actor: User,
    ip: str | None = None,
    now: datetime | None = None,
) -> Erasure:
    """Cancel what is ahead, destroy every personal value, keep the anonymous rest."""
    now = now or _utcnow()
    require_erasable(user)
    async with in_transaction() as conn:
        locked = await User.filter(id=user.id).using_db(conn).select_for_update().first()
        if locked is None:
            raise NotFound("No such account.")
        require_erasable(locked)
        ids = list(
            await Appointment.filter(owned_appointments(locked))
            .using_db(conn)
            .values_list("id", flat=True)
        )
        cancelled = [
            done
            for appointment_id in ids
            if (done := await _cancel_for_erasure(conn, appointment_id, locked, now)) is not None
        ]
        await erase_appointment_fields(conn, ids, now)
        await _forget_waitlist(settings, conn, locked, now)
        await _forget_account_rows(conn, locked)
        await _erase_account_fields(conn, locked, now)
        for done in cancelled:
            for name, value in APPOINTMENT_BLANKS.items():
                setattr(done.appointment, name, value)
            await queue_erased_cancel_notices(settings, done.appointment, actor, done.event, conn)
            if done.freed is not None:  # the freed time goes to the waitlist
                await offer_freed_time(settings, done.freed, now=now, using_db=conn)
        await record_audit(
            actor, CLIENT_ERASE, target=locked.id, subject=locked.id, ip=ip, at=now, using_db=conn
        )
    await overwrite_on_disk()
    log.info("user %s erased (%s cancelled, %s appointments)", user.id, len(cancelled), len(ids))
    return Erasure(locked.id, now, len(cancelled), len(ids))


async def overwrite_on_disk() -> None:
    """SQLite: copy the write-ahead log into the database file and truncate it.

    With `secure_delete` on, the pages written by the erasure hold zeros where the old
    values were; but in WAL mode the old page versions live on in the main file until a
    checkpoint copies the new ones over, and the -wal file keeps what it logged until it is
    truncated. PostgreSQL needs VACUUM for its dead row versions (README).
    """
    conn = connections.get("default")
    if conn.capabilities.dialect != "sqlite":
        return
    for _ in range(CHECKPOINT_TRIES):
        _, rows = await conn.execute_query("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = rows[0][0] if rows else 0
        if not busy:
            return
        await asyncio.sleep(0.05)  # a reader holds an old snapshot: try again shortly
    log.warning("the write-ahead log could not be truncated after an erasure (busy readers)")
