"""One-time codes: 6 digits from `secrets`, stored hashed, single use, bound to one purpose.

Rules (DESIGN.md, Security): a code expires after `CODE_LIFETIME` (10 minutes); after
`MAX_WRONG_TRIES` (5) wrong tries it is void, even for the right digits; issuing a new
code voids the older live ones of the same address and purpose (only the newest works);
sending is rate limited per address (and per client IP or Telegram user).

Why HMAC-SHA256 and not argon2 for the hash: a 6-digit code has only a million values, so
no slow hash makes a stolen table safe on its own (a million argon2 guesses is hours, not
years). What does make it safe is a key the database does not hold: the hash is
HMAC-SHA256 under a key derived from JWT_SECRET, so the `one_time_codes` table alone
reveals nothing. HMAC is also cheap, so checking a code costs no thread-pool time and
gives no lever for load. The message binds purpose and address, so a stored hash cannot
be replayed for another purpose or another address.

- `generate_code() -> str`
- `await issue_code(settings, email_index, purpose, *, telegram_user_id=None, now=None,
  using_db=None) -> tuple[OneTimeCode, str]` (the row and the plain code for the e-mail)
- `await verify_code(settings, email_index, purpose, code, *, telegram_user_id=None,
  ip=None, field="otp", now=None) -> OneTimeCode` (InvalidInput on a wrong, expired,
  used or void code; a wrong try is counted at once, in its own statement)
- `await consume_code(row, *, field="otp", now=None, using_db=None)` (single use: only one
  caller wins, even concurrently)
- `await limit_code_sending(address, *, ip=None, telegram_user_id=None, using_db=None)`
  (RateLimited); `await check_code_sending(...)` (the same check, counting nothing)
- `await purge_old_codes(now=None) -> int` (housekeeping: codes a day past their expiry)

`telegram_link` and `erasure` codes (the bot's /deleteme) work only for the Telegram user
who asked for them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from tortoise import BaseDBAsyncClient
from tortoise.expressions import F

from booking.errors import InvalidInput
from booking.ratelimit import RateLimit, check_all, hit_all, record_all
from booking.settings import Settings
from models import CodePurpose, Notification, NotificationStatus, OneTimeCode

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_TRIES = 5
WRONG_CODE = "This code is wrong or has expired. Use the newest code we sent, or ask for a new one."

# Code e-mails (and the "someone tried to register" notice) per address: a burst, and a day.
SEND_PER_ADDRESS = RateLimit("code-send:address", 5, timedelta(minutes=15))
SEND_PER_ADDRESS_DAILY = RateLimit("code-send:address-day", 20, timedelta(days=1))
SEND_PER_IP = RateLimit("code-send:ip", 50, timedelta(minutes=15))
SEND_PER_TELEGRAM_USER = RateLimit("code-send:telegram", 10, timedelta(minutes=15))
# Wrong codes from one client across all addresses (each code also dies after 5 tries).
WRONG_CODES_PER_IP = RateLimit("code-wrong:ip", 50, timedelta(minutes=15))

KIND_CODE = "account_code"


def _now() -> datetime:
    return datetime.now(UTC)


def generate_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _key(settings: Settings) -> bytes:
    # A key of its own (domain-separated from JWT signing), derived from JWT_SECRET.
    secret = settings.jwt_secret.get_secret_value().encode()
    return hmac.new(secret, b"booking.codes/one-time-code-hash/v1", hashlib.sha256).digest()


def hash_code(settings: Settings, email_index: str, purpose: CodePurpose | str, code: str) -> str:
    message = f"{CodePurpose(purpose).value}|{email_index}|{code}".encode()
    return hmac.new(_key(settings), message, hashlib.sha256).hexdigest()


def code_email_dedupe_key(row: OneTimeCode | int) -> str:
    """The outbox key of a code's e-mail (the code row's id: no personal data)."""
    return f"code:{row if isinstance(row, int) else row.id}:email"


def _sending_limits(
    address: str, ip: str | None, telegram_user_id: int | None
) -> list[tuple[RateLimit, str | None]]:
    return [
        (SEND_PER_ADDRESS, address),
        (SEND_PER_ADDRESS_DAILY, address),
        (SEND_PER_IP, ip),
        (SEND_PER_TELEGRAM_USER, str(telegram_user_id) if telegram_user_id else None),
    ]


async def limit_code_sending(
    address: str,
    *,
    ip: str | None = None,
    telegram_user_id: int | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> None:
    """Count one e-mail to `address`, or raise RateLimited (the same for unknown addresses).

    With `using_db` the count commits with the caller's transaction: a request that sends a
    code and one that sends nothing then write in one commit alike (their timing is one).
    """
    await hit_all(_sending_limits(address, ip, telegram_user_id), using_db=using_db)


async def check_code_sending(
    address: str, *, ip: str | None = None, telegram_user_id: int | None = None
) -> None:
    """RateLimited when `limit_code_sending` would refuse; counts nothing (before slow work)."""
    await check_all(_sending_limits(address, ip, telegram_user_id))


async def issue_code(
    settings: Settings,
    email_index: str,
    purpose: CodePurpose,
    *,
    telegram_user_id: int | None = None,
    now: datetime | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> tuple[OneTimeCode, str]:
    """A fresh code for the address and purpose; older live ones are voided.

    Returns the row and the plain code, which only ever travels inside the (encrypted)
    e-mail payload of the outbox.
    """
    now = now or _now()
    older = list(
        await OneTimeCode.filter(email_index=email_index, purpose=purpose, consumed_at__isnull=True)
        .using_db(using_db)
        .values_list("id", flat=True)
    )
    if older:
        await OneTimeCode.filter(id__in=older).using_db(using_db).update(consumed_at=now)
        # Their e-mails, if still waiting (SMTP down), would only deliver dead codes.
        await (
            Notification.filter(
                dedupe_key__in=[code_email_dedupe_key(i) for i in older],
                status=NotificationStatus.PENDING,
            )
            .using_db(using_db)
            .update(status=NotificationStatus.CANCELLED)
        )
    code = generate_code()
    row = await OneTimeCode.create(
        email_index=email_index,
        purpose=purpose,
        code_hash=hash_code(settings, email_index, purpose, code),
        expires_at=now + CODE_LIFETIME,
        telegram_user_id=telegram_user_id,
        using_db=using_db,
    )
    return row, code


def _normalise(code: object) -> str:
    return str(code or "").strip().replace(" ", "")


async def verify_code(
    settings: Settings,
    email_index: str,
    purpose: CodePurpose,
    code: object,
    *,
    telegram_user_id: int | None = None,
    ip: str | None = None,
    field: str = "otp",
    now: datetime | None = None,
) -> OneTimeCode:
    """The newest live code of the address and purpose, if `code` matches it.

    Raises InvalidInput({field: [WRONG_CODE]}) otherwise. Not inside the caller's
    transaction on purpose: a wrong try must count even when the caller's work rolls back.
    """
    now = now or _now()
    await check_all([(WRONG_CODES_PER_IP, ip)], now=now)
    query = OneTimeCode.filter(
        email_index=email_index,
        purpose=purpose,
        consumed_at__isnull=True,
        expires_at__gt=now,
        attempts__lt=MAX_WRONG_TRIES,
    )
    if purpose in (CodePurpose.TELEGRAM_LINK, CodePurpose.ERASURE):
        # Only the Telegram user who asked for the code may use it.
        query = query.filter(telegram_user_id=telegram_user_id)
    row = await query.order_by("-id").first()
    candidate = _normalise(code)
    if row is None or not candidate.isdigit() or len(candidate) != CODE_DIGITS:
        if row is not None and candidate:
            await _count_wrong_try(row)
        await record_all([(WRONG_CODES_PER_IP, ip)], now=now)
        raise InvalidInput({field: [WRONG_CODE]})
    # Take a try before comparing: concurrent guesses cannot exceed MAX_WRONG_TRIES,
    # because the conditional increment is atomic in the database.
    if not await _count_wrong_try(row):
        await record_all([(WRONG_CODES_PER_IP, ip)], now=now)
        raise InvalidInput({field: [WRONG_CODE]})
    expected = hash_code(settings, email_index, purpose, candidate)
    if not hmac.compare_digest(row.code_hash, expected):
        await record_all([(WRONG_CODES_PER_IP, ip)], now=now)
        raise InvalidInput({field: [WRONG_CODE]})
    # The right code: the try it took back is not a wrong one.
    await OneTimeCode.filter(id=row.id).update(attempts=F("attempts") - 1)
    return row


async def _count_wrong_try(row: OneTimeCode) -> bool:
    """Add one try to the code unless it is already void; False when void."""
    taken = await OneTimeCode.filter(id=row.id, attempts__lt=MAX_WRONG_TRIES).update(
        attempts=F("attempts") + 1
    )
    return bool(taken)


async def consume_code(
    row: OneTimeCode,
    *,
    field: str = "otp",
    now: datetime | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> None:
    """Mark the code used; InvalidInput if someone else used (or voided) it first."""
    used = (
        await OneTimeCode.filter(id=row.id, consumed_at__isnull=True)
        .using_db(using_db)
        .update(consumed_at=now or _now())
    )
    if not used:
        raise InvalidInput({field: [WRONG_CODE]})


async def purge_old_codes(now: datetime | None = None) -> int:
    """Forget codes a day past their expiry, used or not: they can never matter again."""
    return await OneTimeCode.filter(expires_at__lt=(now or _now()) - timedelta(days=1)).delete()
