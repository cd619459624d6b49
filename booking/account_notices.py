"""The e-mails an account's changes cause, queued in the outbox inside the change's transaction.

- `await queue_code(settings, user, purpose, *, telegram_user_id=None, now, using_db)`:
  issues a one-time code (`booking.codes`) and queues the e-mail that carries it
- `await queue_code_if(settings, user | None, address, purpose, *, now, using_db)`: the
  same, or for no account the same writes undone (equal timing for unknown addresses)
- `await queue_register_attempt_notice(settings, user, *, now, using_db)`: "someone tried
  to register with your address", at most one per `REGISTER_NOTICE_EVERY`
- `await queue_password_changed_notice(settings, user, code, *, using_db)`: after a reset
  with the one-time code `code`

Rows are keyed by ids and kinds only (`account:<user id>:<kind>:...`, codes by
`booking.codes.code_email_dedupe_key`), never by personal data.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from tortoise import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from booking.codes import KIND_CODE, code_email_dedupe_key, issue_code
from booking.messages import account_emails as emails
from booking.notifications import enqueue
from booking.settings import Settings
from models import CodePurpose, NotificationChannel, OneTimeCode, User, blind_index

KIND_REGISTER_ATTEMPT = "account_register_attempt"
KIND_PASSWORD_CHANGED = "account_password_changed"
# One "someone tried to register" e-mail per account per this much time, however many tries.
REGISTER_NOTICE_EVERY = timedelta(minutes=10)


async def queue_code(
    settings: Settings,
    user: User,
    purpose: CodePurpose,
    *,
    telegram_user_id: int | None = None,
    now: datetime,
    using_db: BaseDBAsyncClient,
) -> None:
    """A fresh code for `purpose`, e-mailed to the account's address."""
    row, code = await issue_code(
        settings,
        user.email_index,
        purpose,
        telegram_user_id=telegram_user_id,
        now=now,
        using_db=using_db,
    )
    await enqueue(
        channel=NotificationChannel.EMAIL,
        recipient=user.email,
        kind=KIND_CODE,
        payload=emails.code_email(settings, purpose, code, user.first_name or None),
        dedupe_key=code_email_dedupe_key(row),
        using_db=using_db,
    )


class _Rehearsal(Exception):
    """Undoes a rehearsal's writes (see `queue_code_if`)."""


async def queue_code_if(
    settings: Settings,
    user: User | None,
    address: str,
    purpose: CodePurpose,
    *,
    now: datetime,
    using_db: BaseDBAsyncClient,
) -> None:
    """`queue_code` for `user`; with None (no account to send to) the same writes are made
    for a stand-in with `address` in a savepoint, then undone.

    A request about an address without an account then costs what one about an account
    costs, so its timing does not tell which it was (the database's counterpart of the dummy
    password hash). Nothing of a rehearsal stays: no code, no e-mail.
    """
    if user is not None:
        await queue_code(settings, user, purpose, now=now, using_db=using_db)
        return
    stand_in = User(email=address, email_index=blind_index(address), first_name="")
    with contextlib.suppress(_Rehearsal):
        async with in_transaction() as savepoint:  # nested in `using_db`'s transaction
            await queue_code(settings, stand_in, purpose, now=now, using_db=savepoint)
            raise _Rehearsal


async def queue_register_attempt_notice(
    settings: Settings, user: User, *, now: datetime, using_db: BaseDBAsyncClient
) -> None:
    slot = int(now.timestamp() // REGISTER_NOTICE_EVERY.total_seconds())
    await enqueue(
        channel=NotificationChannel.EMAIL,
        recipient=user.email,
        kind=KIND_REGISTER_ATTEMPT,
        payload=emails.registration_attempt_email(
            settings, user.first_name or None, has_password=bool(user.password_hash)
        ),
        dedupe_key=f"account:{user.id}:{KIND_REGISTER_ATTEMPT}:{slot}",
        using_db=using_db,
    )


async def queue_password_changed_notice(
    settings: Settings, user: User, code: OneTimeCode, *, using_db: BaseDBAsyncClient
) -> None:
    await enqueue(
        channel=NotificationChannel.EMAIL,
        recipient=user.email,
        kind=KIND_PASSWORD_CHANGED,
        payload=emails.password_changed_email(settings, user.first_name or None),
        dedupe_key=f"account:{user.id}:{KIND_PASSWORD_CHANGED}:code:{code.id}",
        using_db=using_db,
    )
