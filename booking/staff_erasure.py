"""Which account a staff member means when a client asks in person to be erased.

- `await account_to_erase(staff, typed) -> ErasureTarget`: the account behind an
  appointment's short reference ("3F9A1C", as staff messages show it: `ref. 3F9A1C`) or its
  full id; InvalidInput for something that is no reference or matches several appointments,
  NotFound for none, Conflict for a staff account or one erased already.

The erasure itself is `booking.privacy.erase_client_by_staff`, the API's; this only finds
whom it is for. Nothing here reads or returns a personal value.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from booking.erasure import require_erasable
from booking.errors import InvalidInput, NotFound, PermissionDenied
from booking.messages.chat import reference
from models import Appointment, User

SHORTEST, LONGEST = 6, 32
_HEX = re.compile(r"[0-9a-f]+")
WHAT_TO_TYPE = (
    "Type the reference a card shows after 'ref.' (6 characters, e.g. 3F9A1C), or the "
    "appointment's full id."
)
AMBIGUOUS = (
    "More than one appointment starts with {shown}. Type more of the appointment's id "
    "(from the web), or all of it."
)
UNKNOWN = "No appointment has the reference {shown}. " + WHAT_TO_TYPE


@dataclass(frozen=True)
class ErasureTarget:
    """The appointment's reference and the account to erase (None: sent without one)."""

    reference: str
    account_id: uuid.UUID | None


def reference_prefix(typed: str) -> str:
    """'ref. 3F9A1C', '3f9a1c', a longer start of the id or all of it -> its hex digits."""
    text = typed.strip().lower().removeprefix("ref.").removeprefix("ref").strip()
    text = text.replace("-", "")
    if not (SHORTEST <= len(text) <= LONGEST) or not _HEX.fullmatch(text):
        raise InvalidInput({"reference": [WHAT_TO_TYPE]})
    return text


async def appointment_by_reference(typed: str) -> Appointment:
    """The one appointment whose id starts with the typed reference."""
    prefix = reference_prefix(typed)
    # A range of ids, not LIKE: ids are uuids on PostgreSQL and text on SQLite, and both
    # order as their hex digits do.
    low = uuid.UUID(prefix.ljust(LONGEST, "0"))
    high = uuid.UUID(prefix.ljust(LONGEST, "f"))
    found = await Appointment.filter(id__gte=low, id__lte=high).limit(2)
    shown = prefix.upper()
    if not found:
        raise NotFound(UNKNOWN.format(shown=shown))
    if len(found) > 1:
        raise InvalidInput({"reference": [AMBIGUOUS.format(shown=shown)]})
    return found[0]


async def _owner(appointment: Appointment) -> User | None:
    """Its account: who booked it signed in, or the verified owner of the address it was
    sent with (the rule of `booking.privacy_export.owned_appointments`)."""
    user_id = appointment.user_id  # type: ignore[attr-defined]
    if user_id is not None:
        return await User.get_or_none(id=user_id)
    return await User.get_or_none(
        email_index=appointment.email_index, email_verified_at__isnull=False
    )


async def account_to_erase(staff: User, typed: str) -> ErasureTarget:
    """The account behind an appointment's reference, checked erasable now (and again when
    the erasure runs)."""
    if not (staff.is_staff and staff.is_active):
        raise PermissionDenied("Only the practice's staff can erase a client's data.")
    appointment = await appointment_by_reference(typed)
    owner = await _owner(appointment)
    if owner is not None:
        require_erasable(owner)
    return ErasureTarget(reference(appointment.id), owner.id if owner is not None else None)
