"""The typed callback data of the staff's /audit (Older) and /eraseclient (Erase / Keep).

Kept in their own module (`bot.callbacks` is near its size limit); a test checks their
prefixes against every other kind's.
"""

from __future__ import annotations

import dataclasses
import uuid

from booking.audit_pages import AUDIT_ACTIONS
from bot.callbacks import CallbackData

EVERY_ACTION = "all"


def action_token(action: str | None) -> str:
    """An action as callback data can carry it ("client.erase" -> "client_erase")."""
    return EVERY_ACTION if action is None else action.replace(".", "_")


def action_of_token(token: str) -> str | None:
    """Back from `action_token`; a token of no known action is passed on as it is (refused
    by `booking.audit_pages` as an unknown action)."""
    if token == EVERY_ACTION:
        return None
    return next((a for a in AUDIT_ACTIONS if action_token(a) == token), token)


@dataclasses.dataclass(frozen=True)
class AuditOlder(CallbackData):
    """/audit's Older: the page below the one shown.

    `older`: how many matching events were older than the last one shown (the cursor of
    `booking.audit_pages.audit_page`, immune to rows recorded meanwhile); `only`: the
    action filter (`action_token`).
    """

    prefix = "tr"
    older: int
    only: str


@dataclasses.dataclass(frozen=True)
class EraseClient(CallbackData):
    """/eraseclient's last step: "Erase everything" or "Keep".

    `account`: whom to erase; `ref`: the appointment reference the staff member typed
    (6 hex digits, lower case), so the answer can say which request it was about.
    """

    prefix = "ec"
    actions = frozenset({"erase", "keep"})
    action: str
    account: uuid.UUID
    ref: str
