"""The audit trail page by page, for a staff member paging back through it (the bot's /audit).

- `AUDIT_ACTIONS`: every action the trail records (a filter naming another is refused)
- `await audit_page(viewer, *, action=None, older=None, size=10) -> AuditPage`

Each page is read with `booking.audit.read_audit`, the API's own read, so each is recorded
(`audit.view`) exactly as a page of `GET /api/meetings/admin/audit/` is. Pages by offset
would slip: between two presses new rows arrive at the top (the reader's own `audit.view`
among them) and push the older ones down. So a page's cursor counts from the oldest end:
`older`, how many matching rows are older than the last one shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from booking import audit
from booking.errors import InvalidInput, PermissionDenied
from models import Appointment, AuditEvent, User

AUDIT_ACTIONS = audit.ACTIONS
PAGE_SIZE = 10
PAST_ANY_END = 2**62  # an offset past every trail: `list_audit` then only counts


def unknown_action(action: str) -> str:
    return f"The audit trail has no action {action!r}. It records: {', '.join(AUDIT_ACTIONS)}."


@dataclass(frozen=True)
class AuditPage:
    """One page, newest first, and where it stands in the (filtered) trail."""

    events: list[AuditEvent]
    total: int  # matching events when the page was read
    offset: int  # how many newer ones precede it
    older: int  # matching events older than the last one shown (0: this is the end)
    appointments: frozenset[str]  # the targets that are appointment ids


def _filter(action: str | None) -> audit.AuditFilter:
    if action is not None and action not in AUDIT_ACTIONS:
        raise InvalidInput({"action": [unknown_action(action)]})
    return audit.AuditFilter(action=action)


async def _appointment_targets(events: list[AuditEvent]) -> frozenset[str]:
    """Which targets are appointments (a target may also be an account, a series, a filter)."""
    ids = set()
    for event in events:
        try:
            ids.add(uuid.UUID(event.target or ""))
        except ValueError:
            continue
    if not ids:
        return frozenset()
    found = await Appointment.filter(id__in=list(ids)).values_list("id", flat=True)
    return frozenset(str(found_id) for found_id in found)


async def audit_page(
    viewer: User,
    *,
    action: str | None = None,
    older: int | None = None,
    size: int = PAGE_SIZE,
) -> AuditPage:
    """The newest page (`older` None), or the page after one that left `older` rows below it."""
    if not (viewer.is_staff and viewer.is_active):
        raise PermissionDenied("Only the practice's staff can read the audit trail.")
    where = _filter(action)
    offset = 0
    if older is not None:
        # Counted first, without recording: the read below is this page's one audit.view.
        now_total, _ = await audit.list_audit(where, offset=PAST_ANY_END)
        offset = max(0, now_total - max(0, older))
    total, events = await audit.read_audit(viewer, where, offset=offset, limit=size)
    return AuditPage(
        events=events,
        total=total,
        offset=offset,
        older=max(0, total - offset - len(events)),
        appointments=await _appointment_targets(events),
    )
