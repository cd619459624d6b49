"""Who hears of an appointment's change, on which channel, and when: the outbox rows it causes.

Each transition of `booking.appointments` calls one function here inside its own
transaction, so a message exists exactly when the change does:

- `await queue_request_notices(settings, appointment, now, conn)`: the client's receipt
  (e-mail); every active staff member's notice (e-mail and Telegram) and, a day later, an
  e-mail reminder to review
- `await queue_schedule_notices(settings, appointment, staff, now, conn)`: the client's
  confirmation with link and invitation (e-mail, Telegram when the account is linked), the
  client's day-before and join-window reminders, and the deciding staff member's
  join-window reminder (each reminder only while it is still ahead)
- `await queue_reject_notices(settings, appointment, conn)`: the client's answer with
  the reason (e-mail, Telegram when linked)

A transition that makes queued rows stale cancels them first (`STALE_AFTER`, one table
from transition to kinds), so a reminder about a time or a request that no longer stands
never leaves. A new transition adds its name there and one `queue_*` function here, telling
people through `_Outbox.to_client` / `to_staff` (every channel the person has).

Rows are keyed `appointment:<id>:<kind>:<channel>:<client|staff:<user id>>` (ids and kinds
only, never personal data), so a message is never queued twice. The kinds are the `KIND_*`
constants; the payloads are those of `booking.messages`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise import BaseDBAsyncClient

from booking.meetings import Participant, meeting_url
from booking.messages import appointment_emails as emails
from booking.messages import chat
from booking.notifications import cancel_pending, enqueue
from booking.settings import Settings
from models import Appointment, NotificationChannel, User

KIND_RECEIVED = "request_received"
KIND_NEW_REQUEST = "new_request"
KIND_REVIEW_REMINDER = "review_reminder"
KIND_SCHEDULED = "scheduled"
KIND_DAY_BEFORE = "reminder_day_before"
KIND_JOIN_WINDOW = "join_window"
KIND_REJECTED = "rejected"
# Messages that only make sense while the appointment stays as it was when they were queued.
REMINDER_KINDS = (KIND_REVIEW_REMINDER, KIND_DAY_BEFORE, KIND_JOIN_WINDOW)

REVIEW_REMINDER_AFTER = timedelta(days=1)
DAY_BEFORE = timedelta(days=1)
JOIN_REMINDER_BEFORE = timedelta(minutes=10)

# What each transition makes stale: still-queued rows of these kinds are cancelled.
SCHEDULE = "schedule"
REJECT = "reject"
STALE_AFTER: dict[str, tuple[str, ...]] = {
    SCHEDULE: (KIND_REVIEW_REMINDER,),
    REJECT: REMINDER_KINDS,
}

EMAIL, TELEGRAM = NotificationChannel.EMAIL, NotificationChannel.TELEGRAM
CLIENT = "client"


def dedupe_key(appointment: Appointment, kind: str, channel: str, who: str) -> str:
    return f"appointment:{appointment.id}:{kind}:{channel}:{who}"


def staff_recipient(user: User) -> str:
    return f"staff:{user.id}"


class _Outbox:
    """The rows one transition queues about one appointment, in its transaction."""

    def __init__(
        self, appointment: Appointment, conn: BaseDBAsyncClient, client_chat: str | None = None
    ) -> None:
        self.appointment = appointment
        self.conn = conn
        self.client_chat = client_chat  # the client's Telegram chat, when linked and wanted

    async def cancel_stale(self, transition: str) -> None:
        await cancel_pending(
            appointment=self.appointment, kinds=STALE_AFTER[transition], using_db=self.conn
        )

    async def to_client(
        self,
        kind: str,
        email: dict[str, Any],
        chat_message: dict[str, Any] | None = None,
        due_at: datetime | None = None,
    ) -> None:
        """By e-mail to the address of the request, and in Telegram when there is a chat."""
        await self._queue(EMAIL, self.appointment.email, kind, email, CLIENT, due_at)
        if chat_message is not None and self.client_chat is not None:
            await self._queue(TELEGRAM, self.client_chat, kind, chat_message, CLIENT, due_at)

    async def to_staff(
        self,
        staff: User,
        kind: str,
        email: dict[str, Any] | None = None,
        chat_message: dict[str, Any] | None = None,
        due_at: datetime | None = None,
    ) -> None:
        """To one staff member, on each channel given that they have."""
        who = staff_recipient(staff)
        if email is not None and staff.email:
            await self._queue(EMAIL, staff.email, kind, email, who, due_at)
        if chat_message is not None and staff.telegram_user_id:
            await self._queue(
                TELEGRAM, str(staff.telegram_user_id), kind, chat_message, who, due_at
            )

    async def _queue(
        self,
        channel: NotificationChannel,
        recipient: str,
        kind: str,
        payload: dict[str, Any],
        who: str,
        due_at: datetime | None,
    ) -> None:
        await enqueue(
            channel=channel,
            recipient=recipient,
            kind=kind,
            payload=payload,
            dedupe_key=dedupe_key(self.appointment, kind, channel.value, who),
            due_at=due_at,
            appointment=self.appointment,
            using_db=self.conn,
        )


async def active_staff(conn: BaseDBAsyncClient) -> list[User]:
    return await User.filter(is_staff=True, is_active=True).using_db(conn).order_by("created_at")


async def client_account(appointment: Appointment, conn: BaseDBAsyncClient) -> User | None:
    """The client's account: the linked user, or the verified owner of the address."""
    if appointment.user_id:  # type: ignore[attr-defined]
        return await User.get_or_none(id=appointment.user_id).using_db(conn)  # type: ignore[attr-defined]
    return (
        await User.filter(email_index=appointment.email_index, email_verified_at__isnull=False)
        .using_db(conn)
        .first()
    )


async def _client_outbox(appointment: Appointment, conn: BaseDBAsyncClient) -> _Outbox:
    """An outbox that tells the client in Telegram too, when their account is linked."""
    account = await client_account(appointment, conn)
    chat_id = account.telegram_user_id if account is not None else None
    return _Outbox(appointment, conn, str(chat_id) if chat_id else None)


async def queue_request_notices(
    settings: Settings, appointment: Appointment, now: datetime, conn: BaseDBAsyncClient
) -> None:
    """A new request: the client's receipt; each staff member's notice and review reminder."""
    # The receipt goes by e-mail only: in the chat, the bot answers the request itself.
    outbox = _Outbox(appointment, conn)
    await outbox.to_client(KIND_RECEIVED, emails.request_received_email(settings, appointment))
    for staff in await active_staff(conn):
        await outbox.to_staff(
            staff,
            KIND_NEW_REQUEST,
            emails.new_request_email(settings, appointment, staff.first_name),
            chat.new_request_chat(appointment),
        )
        await outbox.to_staff(
            staff,
            KIND_REVIEW_REMINDER,
            emails.review_reminder_email(settings, appointment, staff.first_name),
            due_at=now + REVIEW_REMINDER_AFTER,
        )


async def queue_schedule_notices(
    settings: Settings,
    appointment: Appointment,
    staff: User,
    now: datetime,
    conn: BaseDBAsyncClient,
) -> None:
    """A session got its time: confirmation and reminders, each person with their own link."""
    assert appointment.scheduled_datetime is not None
    outbox = await _client_outbox(appointment, conn)
    await outbox.cancel_stale(SCHEDULE)
    start = appointment.scheduled_datetime
    link = meeting_url(settings, appointment, Participant.for_client(appointment), now)
    staff_link = meeting_url(settings, appointment, Participant.for_user(staff), now)
    assert link is not None and staff_link is not None

    await outbox.to_client(
        KIND_SCHEDULED,
        emails.scheduled_email(settings, appointment, link, now),
        chat.scheduled_chat(settings, appointment, link),
    )
    # A reminder only makes sense while it is still ahead; the confirmation covers the rest.
    day_before = start - DAY_BEFORE
    if day_before > now:
        await outbox.to_client(
            KIND_DAY_BEFORE,
            emails.day_before_reminder_email(settings, appointment, link),
            chat.day_before_reminder_chat(settings, appointment, link),
            day_before,
        )
    join_opens = start - JOIN_REMINDER_BEFORE
    if join_opens > now:
        await outbox.to_client(
            KIND_JOIN_WINDOW,
            emails.join_window_email(settings, appointment, link),
            chat.join_window_chat(settings, appointment, link),
            join_opens,
        )
        await outbox.to_staff(
            staff,
            KIND_JOIN_WINDOW,
            emails.join_window_email(settings, appointment, staff_link, staff.first_name),
            chat.join_window_chat(settings, appointment, staff_link),
            join_opens,
        )


async def queue_reject_notices(
    settings: Settings, appointment: Appointment, conn: BaseDBAsyncClient
) -> None:
    """A request declined: every reminder goes; the client hears why, when a reason was given."""
    outbox = await _client_outbox(appointment, conn)
    await outbox.cancel_stale(REJECT)
    await outbox.to_client(
        KIND_REJECTED, emails.rejected_email(settings, appointment), chat.rejected_chat(appointment)
    )
