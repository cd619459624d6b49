"""A client's rights over their data: take it (export) and erase it. Both doors call these.

- `await export_data(user, *, ip=None, now=None) -> dict`: the export document
  (`booking.privacy_export`); records `client.export`
- `await erase_with_password(settings, user, password, *, ip=None, now=None) -> Erasure`:
  the web's "erase me"; InvalidInput({"password": ...}) for a wrong or missing password
  (nothing is erased), and for an account without one (Telegram-only: use /deleteme);
  RateLimited after `ERASE_PASSWORD_TRIES` wrong tries
- `await send_erasure_code(settings, user, *, telegram_user_id, now=None)`: the bot's
  /deleteme e-mails a 6-digit `erasure` code to the account's address
- `await check_erasure_code(settings, user, code, *, telegram_user_id) -> int`: uses the
  code up (single use, 10 minutes, 5 tries; only the Telegram user who asked); returns its
  id, which the final "Erase everything" press hands to `erase_with_code`
- `await erase_with_code(settings, user, code_id, *, telegram_user_id, now=None) -> Erasure`
- `await erase_client_by_staff(settings, staff, user_id, *, ip=None, now=None) -> Erasure`
  (a client who asks in person; NotFound for no such account, Conflict for a staff one)

What an erasure does is `booking.erasure`'s.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from booking.audit import CLIENT_EXPORT, record_audit
from booking.codes import (
    CODE_LIFETIME,
    consume_code,
    limit_code_sending,
    verify_code,
)
from booking.erasure import ERASE_PASSWORD_TRIES, Erasure, erase_person, require_erasable
from booking.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from booking.passwords import is_usable, verify_password
from booking.privacy_export import export_person
from booking.privacy_notices import queue_erasure_code
from booking.settings import Settings
from models import CodePurpose, OneTimeCode, User

WRONG_PASSWORD = "The password is wrong. Nothing was erased."
NO_PASSWORD = (
    "This account has no password (it was made in Telegram): send /deleteme to the "
    "practice's Telegram bot to erase it, confirmed with a code we e-mail you."
)
CODE_STALE = "This erasure code is used up or too old. Send /deleteme to start again."


def _utcnow() -> datetime:
    return datetime.now(UTC)


# --- take my data -----------------------------------------------------------------------------


async def export_data(
    user: User, *, ip: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The person's export document; the export itself is audited (`client.export`)."""
    now = now or _utcnow()
    document = await export_person(user, now=now)
    await record_audit(user, CLIENT_EXPORT, target=user.id, subject=user.id, ip=ip, at=now)
    return document


# --- who may be erased, and how they prove it ---------------------------------------------------


async def erase_with_password(
    settings: Settings,
    user: User,
    password: object,
    *,
    ip: str | None = None,
    now: datetime | None = None,
) -> Erasure:
    """The web's "erase me", confirmed with the account's password."""
    require_erasable(user)
    if not is_usable(user.password_hash):
        raise InvalidInput({"password": [NO_PASSWORD]})
    typed = password if isinstance(password, str) else ""
    await ERASE_PASSWORD_TRIES.check(str(user.id))
    if not typed or not await verify_password(user.password_hash, typed):
        await ERASE_PASSWORD_TRIES.record(str(user.id))
        raise InvalidInput({"password": [WRONG_PASSWORD]})
    return await erase_person(settings, user, actor=user, ip=ip, now=now)


async def send_erasure_code(
    settings: Settings, user: User, *, telegram_user_id: int, now: datetime | None = None
) -> None:
    """/deleteme: a 6-digit code to the account's address, for this Telegram user only."""
    require_erasable(user)
    if user.telegram_user_id != telegram_user_id:
        raise PermissionDenied("Only the linked Telegram account may ask.")
    now = now or _utcnow()
    async with in_transaction() as conn:
        await limit_code_sending(user.email, telegram_user_id=telegram_user_id, using_db=conn)
        await queue_erasure_code(
            settings, user, telegram_user_id=telegram_user_id, now=now, using_db=conn
        )


async def check_erasure_code(
    settings: Settings, user: User, code: object, *, telegram_user_id: int
) -> int:
    """Use the typed code up; its id is the proof the final press shows (`erase_with_code`)."""
    require_erasable(user)
    row = await verify_code(
        settings,
        user.email_index,
        CodePurpose.ERASURE,
        code,
        telegram_user_id=telegram_user_id,
        field="code",
    )
    await consume_code(row, field="code")
    return row.id


async def erase_with_code(
    settings: Settings,
    user: User,
    code_id: int,
    *,
    telegram_user_id: int,
    now: datetime | None = None,
) -> Erasure:
    """The final "Erase everything": the code used for it must be this person's and fresh."""
    now = now or _utcnow()
    require_erasable(user)
    proof = await OneTimeCode.get_or_none(
        id=code_id,
        email_index=user.email_index,
        purpose=CodePurpose.ERASURE,
        telegram_user_id=telegram_user_id,
        consumed_at__gt=now - CODE_LIFETIME,
    )
    if proof is None or user.telegram_user_id != telegram_user_id:
        raise Conflict(CODE_STALE)
    return await erase_person(settings, user, actor=user, now=now)


async def erase_client_by_staff(
    settings: Settings,
    staff: User,
    user_id: uuid.UUID,
    *,
    ip: str | None = None,
    now: datetime | None = None,
) -> Erasure:
    """Staff erase a client who asked in person (audited with the staff member as actor)."""
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound("No such account.")
    return await erase_person(settings, user, actor=staff, ip=ip, now=now)
