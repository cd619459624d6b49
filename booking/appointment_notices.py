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

Every function first cancels the rows its change makes stale (`STALE_AFTER`, one table),
so a reminder about a time or a request that no longer stands never leaves.

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

    def __init__(self, appointment: Appointment, conn: BaseDBAsyncClient) -> None:
        self.appointment = appointment
        self.conn = conn

    async def cancel_stale(self, transition: str) -> None:
        await cancel_pending(
            appointment=self.appointment, kinds=STALE_AFTER[transition], using_db=self.conn
        )

    async def queue(
        self,
        channel: NotificationChannel,
        recipient: str,
        kind: str,
        payload: dict[str, Any],
        who: str,
        due_at: datetime | None = None,
    ) -> None:
        """Queue one message for `who` ("client" or "staff:<id>")."""
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


async def _client_chat(appointment: Appointment, conn: BaseDBAsyncClient) -> str | None:
    account = await client_account(appointment, conn)
    if account is None or not account.telegram_user_id:
        return None
    return str(account.telegram_user_id)


async def queue_request_notices(
    settings: Settings, appointment: Appointment, now: datetime, conn: BaseDBAsyncClient
) -> None:
    """A new request: the client's receipt; each staff member's notice and review reminder."""
    outbox = _Outbox(appointment, conn)
    await outbox.queue(
        EMAIL,
        appointment.email,
        KIND_RECEIVED,
        emails.request_received_email(settings, appointment),
        CLIENT,
    )
    for staff in await active_staff(conn):
        who = staff_recipient(staff)
        if staff.email:
            await outbox.queue(
                EMAIL,
                staff.email,
                KIND_NEW_REQUEST,
                emails.new_request_email(settings, appointment, staff.first_name),
                who,
            )
            await outbox.queue(
                EMAIL,
                staff.email,
                KIND_REVIEW_REMINDER,
                emails.review_reminder_email(settings, appointment, staff.first_name),
                who,
                due_at=now + REVIEW_REMINDER_AFTER,
            )
        if staff.telegram_user_id:
            await outbox.queue(
                TELEGRAM,
                str(staff.telegram_user_id),
                KIND_NEW_REQUEST,
                chat.new_request_chat(appointment),
                who,
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
    outbox = _Outbox(appointment, conn)
    await outbox.cancel_stale(SCHEDULE)
    start = appointment.scheduled_datetime
    client_link = meeting_url(settings, appointment, Participant.for_client(appointment), now)
    staff_link = meeting_url(settings, appointment, Participant.for_user(staff), now)
    assert client_link is not None and staff_link is not None
    # A reminder only makes sense while it is still ahead; the confirmation covers the rest.
    day_before = start - DAY_BEFORE
    day_before_ahead = day_before > now
    join_opens = start - JOIN_REMINDER_BEFORE
    join_ahead = join_opens > now

    await outbox.queue(
        EMAIL,
        appointment.email,
        KIND_SCHEDULED,
        emails.scheduled_email(settings, appointment, client_link, now),
        CLIENT,
    )
    if day_before_ahead:
        await outbox.queue(
            EMAIL,
            appointment.email,
            KIND_DAY_BEFORE,
            emails.day_before_reminder_email(settings, appointment, client_link),
            CLIENT,
            day_before,
        )
    if join_ahead:
        await outbox.queue(
            EMAIL,
            appointment.email,
            KIND_JOIN_WINDOW,
            emails.join_window_email(settings, appointment, client_link),
            CLIENT,
            join_opens,
        )
        if staff.email:
            await outbox.queue(
                EMAIL,
                staff.email,
                KIND_JOIN_WINDOW,
                emails.join_window_email(settings, appointment, staff_link, staff.first_name),
                staff_recipient(staff),
                join_opens,
            )
    client_chat = await _client_chat(appointment, conn)
    if client_chat is not None:
        await outbox.queue(
            TELEGRAM,
            client_chat,
            KIND_SCHEDULED,
            chat.scheduled_chat(settings, appointment, client_link),
            CLIENT,
        )
        if day_before_ahead:
            await outbox.queue(
                TELEGRAM,
                client_chat,
                KIND_DAY_BEFORE,
                chat.day_before_reminder_chat(settings, appointment, client_link),
                CLIENT,
                day_before,
            )
        if join_ahead:
            await outbox.queue(
                TELEGRAM,
                client_chat,
                KIND_JOIN_WINDOW,
                chat.join_window_chat(settings, appointment, client_link),
                CLIENT,
                join_opens,
            )
    if staff.telegram_user_id and join_ahead:
        await outbox.queue(
            TELEGRAM,
            str(staff.telegram_user_id),
            KIND_JOIN_WINDOW,
            chat.join_window_chat(settings, appointment, staff_link),
            staff_recipient(staff),
            join_opens,
        )


async def queue_reject_notices(
    settings: Settings, appointment: Appointment, conn: BaseDBAsyncClient
) -> None:
    """A request declined: every reminder goes; the client hears why, when a reason was given."""
    outbox = _Outbox(appointment, conn)
    await outbox.cancel_stale(REJECT)
    await outbox.queue(
        EMAIL,
        appointment.email,
        KIND_REJECTED,
        emails.rejected_email(settings, appointment),
        CLIENT,
    )
    client_chat = await _client_chat(appointment, conn)
    if client_chat is not None:
        await outbox.queue(
            TELEGRAM,
            client_chat,
            KIND_REJECTED,
            chat.rejected_chat(appointment),
            CLIENT,
        )
