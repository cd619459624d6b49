"""What a chat message keeps behind its Show details button, read when the button is pressed.

A Telegram message shows up on a phone's lock screen, so every message the practice sends
there says only what happened (a time, a status, a short reference); the client's name and
every reason or note stay behind Show details. Pressing it edits the message (an edit does
not notify) with what this service returns: the current values, read now, so a reason
changed or erased since the message left shows as it is now, and an erased appointment
shows that no details are kept.

Who may see them is checked here for both doors: the client whose appointment it is, or an
active staff member; anyone else is refused. A staff member's look at a client's details is
an audited read (`booking.audit.APPOINTMENT_VIEW`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from booking.appointments import get_appointment_for
from booking.audit import APPOINTMENT_VIEW, record_audit
from booking.errors import NotFound, PermissionDenied
from models import Appointment, RescheduleRequest, RescheduleRequestStatus, User

NOT_YOURS = "These details are not yours to see."


class DetailsOf(StrEnum):
    """Which details a message hides (its Show details button names one)."""

    CLIENT = "client"  # staff messages and cards: who the client is, their notes
    REJECTED = "rejected"  # the client's declined request: the reason given
    CANCELLED = "cancelled"  # a cancelled session or request: the reason given


@dataclass(frozen=True)
class MessageDetails:
    """The values behind a message's Show details, read now; None where there is none."""

    what: DetailsOf
    erased: bool = False
    client_name: str | None = None
    email: str | None = None
    phone: str | None = None
    note: str | None = None  # the request's note (a waitlist note becomes it)
    move_note: str | None = None  # the note of the client's open request to move
    rejection_reason: str | None = None
    cancellation_reason: str | None = None


def _may_see(viewer: User | None) -> User:
    if viewer is None or not viewer.is_active:
        raise PermissionDenied(NOT_YOURS)
    return viewer


async def details_for(
    viewer: User | None, what: DetailsOf | str, appointment_id: uuid.UUID | str
) -> MessageDetails:
    """The details of `what` about the appointment, for its client or a staff member.

    PermissionDenied (NOT_YOURS) for anyone else, also when the appointment does not exist:
    a forged button learns nothing about which ids exist.
    """
    viewer = _may_see(viewer)
    try:
        what = DetailsOf(what)
    except ValueError:  # forged data: nothing to show
        raise PermissionDenied(NOT_YOURS) from None
    try:
        appointment = await get_appointment_for(viewer, appointment_id)
    except NotFound:
        raise PermissionDenied(NOT_YOURS) from None
    if viewer.is_staff:
        await record_audit(
            viewer,
            APPOINTMENT_VIEW,
            target=appointment.id,
            subject=appointment.user_id,  # type: ignore[attr-defined]
        )
    if appointment.erased_at is not None:
        return MessageDetails(what, erased=True)
    return await _read(what, appointment)


async def _read(what: DetailsOf, appointment: Appointment) -> MessageDetails:
    if what == DetailsOf.REJECTED:
        return MessageDetails(what, rejection_reason=appointment.rejection_reason)
    if what == DetailsOf.CANCELLED:
        return MessageDetails(what, cancellation_reason=appointment.cancellation_reason)
    move = (
        await RescheduleRequest.filter(
            appointment_id=appointment.id, status=RescheduleRequestStatus.OPEN
        )
        .order_by("-requested_at")
        .first()
    )
    return MessageDetails(
        what,
        client_name=f"{appointment.first_name} {appointment.last_name}".strip() or None,
        email=appointment.email or None,
        phone=appointment.phone,
        note=appointment.reason,
        move_note=move.note if move is not None else None,
        rejection_reason=appointment.rejection_reason,
        cancellation_reason=appointment.cancellation_reason,
    )
