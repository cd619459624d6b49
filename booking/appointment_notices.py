"""Who hears of an appointment's change, on which channel, and when: the outbox rows it causes.

Each transition calls one `queue_*` function inside its own transaction, so a message
exists exactly when the change does. Here, those of booking the session:

- `await queue_request_notices(settings, appointment, now, conn)`: the client's receipt
  (e-mail); every active staff member's notice (e-mail and Telegram) and, a day later, an
  e-mail reminder to review
- `await queue_schedule_notices(settings, appointment, staff, now, conn, tag=None)`: the
  client's confirmation with link and invitation (e-mail, Telegram when the account is
  linked), the client's day-before and join-window reminders, and the therapist's
  join-window reminder (each reminder only while it is still ahead)
- `await queue_reject_notices(settings, appointment, conn)`: the client's answer with
  the reason (e-mail, Telegram when linked)

and, in `booking.lifecycle_notices`, those of its later life (cancel, move, proposals,
move requests, keep, running late).

A transition that makes queued rows stale cancels them first (`STALE_AFTER`, one table
from transition to kinds), so a reminder about a time or a request that no longer stands
never leaves. A new transition adds its name there and one `queue_*` function, telling
people through `Outbox.to_client` / `to_staff` (every channel the person has).

Rows are keyed `appointment:<id>:<kind>:<channel>:<client|staff:<user id>>` (ids and kinds
only, never personal data), so a message is never queued twice; the rows of a later
transition (a move, a proposal round, a running-late report) add `:e<event id>`, the id of
the transition's event row, since the same kind may rightly be sent again for a new time.

Telegram payloads (plain text; `"buttons"` holds link buttons only, the bot adds its own
from `"kind"` and re-checks the state on every press; `"scheduled_datetime"` is the
session's start when the message was queued, UTC ISO 8601, null for a request). No text
names the client or carries a reason or note (a lock screen shows it): `"details"` (a
`booking.message_details.DetailsOf` value) on `new_request`, `rejected`, `cancelled`,
`proposal_accepted`, `reschedule_request`, `running_late` and `attendance_prompt` gives the
message a Show details button, which edits it to show them.

- staff `new_request`: `{"kind", "text", "appointment_id", "history"}` (Schedule / Reject;
  `"history"`: `booking.client_history.ClientHistory.as_payload()`, its line in the text)
- client `scheduled`, `moved` (a new time and room), `reminder_day_before`, `join_window`,
  `reschedule_kept`: `{"kind", "audience": "client", "appointment_id",
  "scheduled_datetime", "text", "buttons": [[{"text": "Join session", "url"}]]}`
  (Cancel / Ask to move on the confirmations, I'll be there / Can't make it on the day
  before, Running late on the join window)
- staff `join_window`: the same with `"audience": "staff"` and their own link
- client `rejected`, `proposal_expired`: the same shape, no buttons
- `cancelled` (client, or staff when the client cancelled): the same plus
  `"cancelled_by": "client" | "staff"` and `"late": bool`
- client `proposal`: the same plus `"times": [UTC ISO 8601, ...]` (1-3, earliest first),
  `"duration"` (minutes) and `"expires_at"` (one button per time; accepting calls
  `booking.proposals.accept_proposal` with the time)
- staff `proposal_accepted`: the same shape, the new time in `"scheduled_datetime"`
- staff `reschedule_request`: the same plus `"preferred_dates"`, `"preferred_time_slots"`,
  `"late"` (Move / Propose times / Keep)
- staff `running_late`: the same plus `"minutes"` (5, 10 or 15)
- staff `attendance_prompt`: the same shape, due when the join window closes ("Did <first
  name> attend?"; Attended / No-show call `booking.attendance.record_attendance`)

E-mail payloads are those of `booking.messages` (`appointment_emails`, `lifecycle_emails`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise import BaseDBAsyncClient

from booking.client_history import client_history
from booking.db_clients import Statements, uuid_value
from booking.freshness import Fresh
from booking.meetings import JoinWindow, Participant, meeting_url
from booking.messages import appointment_emails as emails
from booking.messages import attendance_chat, chat
from booking.notifications import cancel_pending, enqueue
from booking.settings import Settings
from models import Appointment, AppointmentEvent, NotificationChannel, User

KIND_RECEIVED = "request_received"
KIND_NEW_REQUEST = "new_request"
KIND_REVIEW_REMINDER = "review_reminder"
KIND_SCHEDULED = "scheduled"
KIND_DAY_BEFORE = "reminder_day_before"
KIND_JOIN_WINDOW = "join_window"
KIND_REJECTED = "rejected"
KIND_CANCELLED = "cancelled"
KIND_MOVED = "moved"
KIND_PROPOSAL = "proposal"
KIND_PROPOSAL_EXPIRED = "proposal_expired"
KIND_PROPOSAL_ACCEPTED = "proposal_accepted"
KIND_MOVE_REQUEST = "reschedule_request"
KIND_KEPT = "reschedule_kept"
KIND_RUNNING_LATE = "running_late"
KIND_ATTENDANCE_PROMPT = "attendance_prompt"
# Messages that only make sense while the appointment stays as it was when they were queued.
REMINDER_KINDS = (KIND_REVIEW_REMINDER, KIND_DAY_BEFORE, KIND_JOIN_WINDOW)
OFFER_KINDS = (KIND_PROPOSAL, KIND_PROPOSAL_EXPIRED)
# Everything that names the session's time or room, or an offer to change it.
TIME_KINDS = (
    KIND_SCHEDULED,
    KIND_MOVED,
    KIND_DAY_BEFORE,
    KIND_JOIN_WINDOW,
    KIND_KEPT,
    KIND_MOVE_REQUEST,
    KIND_ATTENDANCE_PROMPT,
    *OFFER_KINDS,
)

REVIEW_REMINDER_AFTER = timedelta(days=1)
DAY_BEFORE = timedelta(days=1)
JOIN_REMINDER_BEFORE = timedelta(minutes=10)

# What each transition makes stale: still-queued rows of these kinds are cancelled.
SCHEDULE = "schedule"
REJECT = "reject"
CANCEL = "cancel"
MOVE = "move"
PROPOSE = "propose"
REQUEST_MOVE = "request_move"
KEEP = "keep"
RECORD_ATTENDANCE = "record_attendance"
STALE_AFTER: dict[str, tuple[str, ...] | None] = {
    SCHEDULE: (KIND_REVIEW_REMINDER, *OFFER_KINDS),
    REJECT: (*REMINDER_KINDS, *OFFER_KINDS),
    CANCEL: None,  # nothing queued about a cancelled appointment may still leave
    MOVE: TIME_KINDS,
    PROPOSE: OFFER_KINDS,
    REQUEST_MOVE: (KIND_MOVE_REQUEST, KIND_KEPT),
    KEEP: (KIND_MOVE_REQUEST, *OFFER_KINDS),
    RECORD_ATTENDANCE: (KIND_ATTENDANCE_PROMPT,),  # answered before the prompt left
}

EMAIL, TELEGRAM = NotificationChannel.EMAIL, NotificationChannel.TELEGRAM
CLIENT = "client"


def dedupe_key(
    appointment: Appointment, kind: str, channel: str, who: str, tag: str | None = None
) -> str:
    key = f"appointment:{appointment.id}:{kind}:{channel}:{who}"
    return f"{key}:{tag}" if tag else key


def event_tag(event: AppointmentEvent) -> str:
    """The key suffix of a transition's rows: its event row's id."""
    return f"e{event.id}"


def staff_recipient(user: User) -> str:
    return f"staff:{user.id}"


class Outbox:
    """The rows one transition queues about one appointment, in its transaction."""

    def __init__(
        self,
        appointment: Appointment,
        conn: BaseDBAsyncClient,
        client_chat: str | None = None,
        tag: str | None = None,
    ) -> None:
        self.appointment = appointment
        self.conn = conn
        self.client_chat = client_chat  # the client's Telegram chat, when linked and wanted
        self.tag = tag  # see `event_tag`

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
            dedupe_key=dedupe_key(self.appointment, kind, channel.value, who, self.tag),
            due_at=due_at,
            appointment=self.appointment,
            using_db=self.conn,
        )


# The active staff, read for every request and decision, written almost never: reused while
# no write to `users` went through this process (within a second for other processes').
_staff = Fresh(tables=("users",))


async def active_staff(conn: BaseDBAsyncClient) -> list[User]:
    """Every active staff member, oldest first (rows to read, never to change or save)."""

    async def load() -> tuple[User, ...]:
        query = User.filter(is_staff=True, is_active=True).using_db(conn)
        return tuple(await query.order_by("created_at"))

    return list(await _staff.get("active", load))


# The client's Telegram chat, for every transition that tells the client: only that
# column is read (the ORM loaded and decrypted the whole account for it).
_SQL = Statements(
    chat_of_account="SELECT telegram_user_id FROM users WHERE id = {1}",
    chat_of_address="SELECT telegram_user_id FROM users "
    "WHERE email_index = {1} AND email_verified_at IS NOT NULL LIMIT 1",
)


async def client_chat(appointment: Appointment, conn: BaseDBAsyncClient) -> str | None:
    """The Telegram chat of the client's account (the linked user, or the verified owner of
    the address), when it has one."""
    user_id = appointment.user_id  # type: ignore[attr-defined]
    if user_id:
        rows = await conn.execute_query_dict(
            _SQL.sql(conn, "chat_of_account"), [uuid_value(conn, user_id)]
        )
    else:
        statement = _SQL.sql(conn, "chat_of_address")
        rows = await conn.execute_query_dict(statement, [appointment.email_index])
    chat_id = rows[0]["telegram_user_id"] if rows else None
    return str(chat_id) if chat_id else None


async def client_outbox(
    appointment: Appointment, conn: BaseDBAsyncClient, tag: str | None = None
) -> Outbox:
    """An outbox that tells the client in Telegram too, when their account is linked."""
    return Outbox(appointment, conn, await client_chat(appointment, conn), tag)


async def session_staff(appointment: Appointment, conn: BaseDBAsyncClient) -> list[User]:
    """Who hears of the session on the practice's side: its therapist (who decided it,
    while still active staff), or every active staff member while it has none."""
    decided_by = appointment.decided_by_id  # type: ignore[attr-defined]
    staff = await active_staff(conn)
    therapist = [member for member in staff if member.id == decided_by]
    return therapist or staff


async def queue_request_notices(
    settings: Settings, appointment: Appointment, now: datetime, conn: BaseDBAsyncClient
) -> None:
    """A new request: the client's receipt; each staff member's notice and review reminder."""
    # The receipt goes by e-mail only: in the chat, the bot answers the request itself.
    outbox = Outbox(appointment, conn)
    await outbox.to_client(KIND_RECEIVED, emails.request_received_email(settings, appointment))
    # The therapist decides with the client's recent history in view.
    history = await client_history(appointment, now, conn)
    for staff in await active_staff(conn):
        await outbox.to_staff(
            staff,
            KIND_NEW_REQUEST,
            emails.new_request_email(settings, appointment, staff.first_name, history),
            chat.new_request_chat(appointment, history),
        )
        await outbox.to_staff(
            staff,
            KIND_REVIEW_REMINDER,
            emails.review_reminder_email(settings, appointment, staff.first_name),
            due_at=now + REVIEW_REMINDER_AFTER,
        )


def client_link(settings: Settings, appointment: Appointment, now: datetime) -> str:
    link = meeting_url(settings, appointment, Participant.for_client(appointment), now)
    assert link is not None, "only a scheduled session has a link"
    return link


async def queue_schedule_notices(
    settings: Settings,
    appointment: Appointment,
    staff: User,
    now: datetime,
    conn: BaseDBAsyncClient,
    tag: str | None = None,
    *,
    in_chat: bool = True,
) -> None:
    """A session got its time: confirmation and reminders, each person with their own link.

    `in_chat=False`: the confirmation by e-mail only (a series' later occurrences).
    """
    outbox = await client_outbox(appointment, conn, tag)
    await outbox.cancel_stale(SCHEDULE)
    link = client_link(settings, appointment, now)
    await outbox.to_client(
        KIND_SCHEDULED,
        emails.scheduled_email(settings, appointment, link, now),
        chat.scheduled_chat(settings, appointment, link) if in_chat else None,
    )
    await queue_reminders(settings, outbox, staff, link, now)


async def queue_reminders(
    settings: Settings, outbox: Outbox, staff: User, link: str, now: datetime
) -> None:
    """The client's day-before and join-window reminders, and the therapist's join window."""
    appointment = outbox.appointment
    assert appointment.scheduled_datetime is not None
    start = appointment.scheduled_datetime
    staff_link = meeting_url(settings, appointment, Participant.for_user(staff), now)
    assert staff_link is not None
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
            chat.join_window_chat(settings, appointment, staff_link, chat.STAFF),
            join_opens,
        )
    await queue_attendance_prompt(settings, outbox)


async def queue_attendance_prompt(settings: Settings, outbox: Outbox) -> None:
    """When the join window closes, the session's staff are asked whether the client came.

    Chat only (the answer is a button; without Telegram, staff use the API). Its therapist
    is asked, or, while it has none, every active staff member. A move cancels the prompt
    with the old time's rows (`TIME_KINDS`) and queues one for the new time (the key carries
    the move's event tag); a cancellation cancels it with everything else.
    """
    window = JoinWindow.of(outbox.appointment)
    assert window is not None, "only a scheduled session is prompted for"
    payload = attendance_chat.attendance_prompt_chat(settings, outbox.appointment)
    for staff in await session_staff(outbox.appointment, outbox.conn):
        await outbox.to_staff(
            staff, KIND_ATTENDANCE_PROMPT, chat_message=payload, due_at=window.closes_at
        )


async def queue_reject_notices(
    settings: Settings, appointment: Appointment, conn: BaseDBAsyncClient
) -> None:
    """A request declined: every reminder goes; the client hears why, when a reason was given."""
    outbox = await client_outbox(appointment, conn)
    await outbox.cancel_stale(REJECT)
    await outbox.to_client(
        KIND_REJECTED, emails.rejected_email(settings, appointment), chat.rejected_chat(appointment)
    )
