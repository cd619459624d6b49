"""The outbox rows of a session's later life: cancel, move, proposals, move requests, late.

Like `booking.appointment_notices` (whose `STALE_AFTER`, kinds, payload shapes and keys
these follow), each function runs inside its transition's transaction and first cancels
what the transition made stale. Every row carries the transition's event tag, so a kind
may be sent again for a new time without clashing with the rows of the old one:

- `await queue_cancel_notices(settings, appointment, actor, event, now, conn)`: every
  queued row of the appointment cancelled; the client's e-mail (with the `.ics` CANCEL
  when it had a time) and, when staff cancelled, their chat; the session's staff (its
  therapist, or every staff member for a request) by e-mail and chat, but the canceller
- `await queue_move_notices(settings, appointment, event, now, conn)`: the rows of the
  old time cancelled; the client's "moved" e-mail (`.ics` update) and chat; new reminders
- `await queue_proposal_notices(settings, appointment, proposals, event, conn)`: the
  client's choice of times (e-mail, chat) and the expiry notice due when they expire
- `await queue_accepted_notices(settings, appointment, event, conn)`: the session's staff
  hear which time the client took
- `await queue_move_request_notices(settings, appointment, request, event, conn)`
- `await queue_kept_notices(settings, appointment, event, now, conn)`
- `await queue_running_late_notices(settings, appointment, minutes, event, conn)`
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise import BaseDBAsyncClient

from booking.appointment_notices import (
    CANCEL,
    KEEP,
    KIND_CANCELLED,
    KIND_KEPT,
    KIND_MOVE_REQUEST,
    KIND_MOVED,
    KIND_PROPOSAL,
    KIND_PROPOSAL_ACCEPTED,
    KIND_PROPOSAL_EXPIRED,
    KIND_RUNNING_LATE,
    MOVE,
    PROPOSE,
    REQUEST_MOVE,
    Outbox,
    client_link,
    client_outbox,
    event_tag,
    queue_reminders,
    session_staff,
)
from booking.messages import chat
from booking.messages import lifecycle_emails as emails
from booking.settings import Settings
from models import Appointment, AppointmentEvent, Proposal, RescheduleRequest, Role, User


async def _staff_outbox(
    appointment: Appointment, event: AppointmentEvent, conn: BaseDBAsyncClient
) -> tuple[Outbox, list[User]]:
    return Outbox(appointment, conn, tag=event_tag(event)), await session_staff(appointment, conn)


async def queue_cancel_notices(
    settings: Settings,
    appointment: Appointment,
    actor: User,
    event: AppointmentEvent,
    now: datetime,
    conn: BaseDBAsyncClient,
) -> None:
    """Nothing queued may leave any more; each side hears of it, the canceller by e-mail."""
    outbox = await client_outbox(appointment, conn, event_tag(event))
    await outbox.cancel_stale(CANCEL)
    by_client = appointment.cancelled_by == Role.CLIENT
    # The client who cancelled in the chat or on the website has their answer there already;
    # the e-mail confirms it and carries the calendar's CANCEL.
    await outbox.to_client(
        KIND_CANCELLED,
        emails.cancelled_email(settings, appointment, now),
        None if by_client else chat.cancelled_chat(settings, appointment, chat.CLIENT),
    )
    for staff in await session_staff(appointment, conn):
        if staff.id == actor.id:
            continue  # they know: it was them
        await outbox.to_staff(
            staff,
            KIND_CANCELLED,
            emails.cancelled_staff_email(settings, appointment, staff.first_name),
            chat.cancelled_chat(settings, appointment, chat.STAFF),
        )


async def queue_move_notices(
    settings: Settings,
    appointment: Appointment,
    event: AppointmentEvent,
    now: datetime,
    conn: BaseDBAsyncClient,
) -> None:
    """A new time: the old time's rows go; the client gets the new time, link and `.ics`."""
    outbox = await client_outbox(appointment, conn, event_tag(event))
    await outbox.cancel_stale(MOVE)
    link = client_link(settings, appointment, now)
    await outbox.to_client(
        KIND_MOVED,
        emails.moved_email(settings, appointment, link, now),
        chat.moved_chat(settings, appointment, link),
    )
    for staff in (await session_staff(appointment, conn))[:1]:
        await queue_reminders(settings, outbox, staff, link, now)


async def queue_proposal_notices(
    settings: Settings,
    appointment: Appointment,
    proposals: Sequence[Proposal],
    event: AppointmentEvent,
    conn: BaseDBAsyncClient,
) -> None:
    """The times on offer replace the previous round's, and the client hears when they lapse."""
    outbox = await client_outbox(appointment, conn, event_tag(event))
    await outbox.cancel_stale(PROPOSE)
    await outbox.to_client(
        KIND_PROPOSAL,
        emails.proposal_email(settings, appointment, proposals),
        chat.proposal_chat(settings, appointment, proposals),
    )
    # Cancelled as stale by whatever settles the offer first (acceptance, a decision, a new
    # round, a move, a cancellation); otherwise it leaves when the times expire.
    await outbox.to_client(
        KIND_PROPOSAL_EXPIRED,
        emails.proposal_expired_email(settings, appointment),
        chat.proposal_expired_chat(appointment),
        due_at=proposals[0].expires_at,
    )


async def queue_accepted_notices(
    settings: Settings, appointment: Appointment, event: AppointmentEvent, conn: BaseDBAsyncClient
) -> None:
    """The session's staff hear which proposed time the client took."""
    outbox, staff_members = await _staff_outbox(appointment, event, conn)
    for staff in staff_members:
        await outbox.to_staff(
            staff,
            KIND_PROPOSAL_ACCEPTED,
            emails.proposal_accepted_email(settings, appointment, staff.first_name),
            chat.proposal_accepted_chat(settings, appointment),
        )


async def queue_move_request_notices(
    settings: Settings,
    appointment: Appointment,
    request: RescheduleRequest,
    event: AppointmentEvent,
    conn: BaseDBAsyncClient,
) -> None:
    """The session's staff get the client's move request (an earlier one's rows go)."""
    outbox, staff_members = await _staff_outbox(appointment, event, conn)
    await outbox.cancel_stale(REQUEST_MOVE)
    for staff in staff_members:
        await outbox.to_staff(
            staff,
            KIND_MOVE_REQUEST,
            emails.move_request_email(settings, appointment, request, staff.first_name),
            chat.move_request_chat(settings, appointment, request),
        )


async def queue_kept_notices(
    settings: Settings,
    appointment: Appointment,
    event: AppointmentEvent,
    now: datetime,
    conn: BaseDBAsyncClient,
) -> None:
    """Staff keep the session where it is: the client hears so."""
    outbox = await client_outbox(appointment, conn, event_tag(event))
    await outbox.cancel_stale(KEEP)
    link = client_link(settings, appointment, now)
    await outbox.to_client(
        KIND_KEPT,
        emails.kept_email(settings, appointment, link),
        chat.kept_chat(settings, appointment, link),
    )


async def queue_running_late_notices(
    settings: Settings,
    appointment: Appointment,
    minutes: int,
    event: AppointmentEvent,
    conn: BaseDBAsyncClient,
) -> None:
    """The therapist is told at once, in the chat and by e-mail."""
    outbox, staff_members = await _staff_outbox(appointment, event, conn)
    for staff in staff_members:
        await outbox.to_staff(
            staff,
            KIND_RUNNING_LATE,
            emails.running_late_email(settings, appointment, minutes, staff.first_name),
            chat.running_late_chat(settings, appointment, minutes),
        )
