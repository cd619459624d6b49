"""The messages of an erasure: the /deleteme code e-mail, and the staff's neutral notice.

- `await queue_erasure_code(settings, user, *, telegram_user_id, now, using_db)`: a fresh
  `erasure` code (`booking.codes`), e-mailed to the account's address
- `await queue_erased_cancel_notices(settings, appointment, actor, event, conn)`: the
  session's staff (but the staff member who erased) hear that a session was cancelled
  because its client asked to be erased. The notice names no one: once the request
  returns, the practice holds nothing that says who it was.

Rows are keyed like every other (`booking.codes.code_email_dedupe_key`,
`booking.appointment_notices.dedupe_key`): ids and kinds only.
"""

from __future__ import annotations

from datetime import datetime

from tortoise import BaseDBAsyncClient

from booking.appointment_notices import KIND_CANCELLED, Outbox, event_tag, session_staff
from booking.codes import KIND_CODE, code_email_dedupe_key, issue_code
from booking.formatting import format_practice_time
from booking.messages.chat import iso_utc
from booking.messages.email import compose, hello
from booking.notifications import enqueue
from booking.settings import Settings
from models import Appointment, AppointmentEvent, CodePurpose, NotificationChannel, User

CODE_MINUTES = 10


def erasure_code_email(settings: Settings, code: str) -> dict:
    """The /deleteme code: no name in it (the account is about to lose it anyway)."""
    return compose(
        settings,
        subject="Your code to erase your data",
        greeting=hello(None),
        paragraphs=[
            "Someone asked in the Telegram chat to erase your account and everything the "
            "practice holds about you. Enter this code in the chat to go on:",
            f"The code works once and expires in {CODE_MINUTES} minutes. After the code, "
            "the chat asks you once more before anything is erased.",
            "If you did not ask for it, ignore this e-mail: nothing happens without the code.",
        ],
        code=code,
    )


async def queue_erasure_code(
    settings: Settings,
    user: User,
    *,
    telegram_user_id: int,
    now: datetime,
    using_db: BaseDBAsyncClient,
) -> None:
    row, code = await issue_code(
        settings,
        user.email_index,
        CodePurpose.ERASURE,
        telegram_user_id=telegram_user_id,
        now=now,
        using_db=using_db,
    )
    await enqueue(
        channel=NotificationChannel.EMAIL,
        recipient=user.email,
        kind=KIND_CODE,
        payload=erasure_code_email(settings, code),
        dedupe_key=code_email_dedupe_key(row),
        using_db=using_db,
    )


def _what(settings: Settings, appointment: Appointment) -> str:
    start = appointment.scheduled_datetime
    if start is None:
        return "A waiting appointment request was cancelled"
    return f"The session on {format_practice_time(settings, start)} was cancelled"


def erased_cancel_text(settings: Settings, appointment: Appointment) -> str:
    late = " It is a late cancellation." if appointment.late_cancellation else ""
    return (
        f"{_what(settings, appointment)}: the client asked for their personal data to be "
        f"erased, so no name or reason is kept.{late}"
    )


async def queue_erased_cancel_notices(
    settings: Settings,
    appointment: Appointment,
    actor: User,
    event: AppointmentEvent,
    conn: BaseDBAsyncClient,
) -> None:
    """The session's staff are told, as on any client cancel, in words that name no one."""
    outbox = Outbox(appointment, conn, tag=event_tag(event))
    text = erased_cancel_text(settings, appointment)
    start = appointment.scheduled_datetime
    chat = {
        "kind": KIND_CANCELLED,
        "audience": "staff",
        "appointment_id": str(appointment.id),
        "scheduled_datetime": iso_utc(start) if start else None,
        "text": text,
        "buttons": [],
        "cancelled_by": "client",
        "late": appointment.late_cancellation,
    }
    for staff in await session_staff(appointment, conn):
        if staff.id == actor.id:
            continue  # they erased it: they know
        email = compose(
            settings,
            subject="A session was cancelled",
            greeting=hello(staff.first_name),
            paragraphs=[text, f"Appointment id: {appointment.id}."],
        )
        await outbox.to_staff(staff, KIND_CANCELLED, email, chat)
