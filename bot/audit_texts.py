"""The staff's /audit and /eraseclient: their words and buttons, as pure functions.

Lock-screen safe by construction: an audit line holds a time, an action, a short id or
reference and who acted (the trail has no personal values to show); the erasure's steps
name the appointment's reference only, never the client.
"""

from __future__ import annotations

import re
import uuid
from datetime import tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from booking.audit_pages import AuditPage
from booking.erasure import Erasure
from booking.messages.chat import reference
from bot.audit_callbacks import AuditOlder, EraseClient, action_token
from models import AuditEvent

# In the staff command menu (`bot.commands`) and in the staff's /help.
STAFF_PRIVACY_COMMANDS: tuple[tuple[str, str], ...] = (
    ("audit", "Latest audit events (/audit <action> filters)"),
    ("eraseclient", "Erase a client who asks in person (/eraseclient <ref>)"),
)
OLDER = "Older"
ERASE, KEEP = "Erase everything", "Keep"
_UUID = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)


def staff_privacy_help() -> str:
    lines = [f"/{name} - {description}" for name, description in STAFF_PRIVACY_COMMANDS]
    return "Privacy (staff):\n" + "\n".join(lines)


# --- /audit -----------------------------------------------------------------------------------


def short_id(value: object) -> str:
    return str(value).replace("-", "")[:6].upper()


def _target(event: AuditEvent, appointments: frozenset[str]) -> str:
    target = event.target
    if not target:
        return "-"
    try:
        as_id = uuid.UUID(target)
    except ValueError:  # a list's filters, a period of days away: ids shortened
        return _UUID.sub(lambda found: short_id(found.group()), target)
    if str(as_id) in appointments:
        return reference(as_id)
    kind = event.action.split(".", 1)[0]
    noun = {"client": "account", "staff": "account", "series": "series"}.get(kind, "id")
    return f"{noun} {short_id(as_id)}"


def _actor(event: AuditEvent, viewer_id: uuid.UUID) -> str:
    if event.actor_id is None:
        return "system"
    if event.actor_id == viewer_id:
        return "you"
    if event.actor_id == event.subject_id:  # a client's own export or erasure
        return "the client"
    return f"staff {short_id(event.actor_id)}"


def _door(event: AuditEvent) -> str:
    if event.ip_hash:
        return "web"
    return "" if event.actor_id is None else "chat"


def audit_line(
    event: AuditEvent, *, viewer_id: uuid.UUID, zone: tzinfo, appointments: frozenset[str]
) -> str:
    """'24 Nov 14:05 · appointment.view · ref. 3F9A1C · you · chat'."""
    local = event.at.astimezone(zone)
    parts = [
        f"{local.day} {local:%b %H:%M}",
        event.action,
        _target(event, appointments),
        _actor(event, viewer_id),
        _door(event),
    ]
    return " · ".join(part for part in parts if part)


def audit_text(page: AuditPage, *, action: str | None, viewer_id: uuid.UUID, zone: tzinfo) -> str:
    which = f" ({action})" if action else ""
    if not page.events:
        if page.total:
            return f"Audit trail{which}: nothing older."
        return f"Audit trail{which}: no events yet."
    first, last = page.offset + 1, page.offset + len(page.events)
    lines = [f"Audit trail{which}, newest first: {first}-{last} of {page.total}"]
    lines += [
        audit_line(e, viewer_id=viewer_id, zone=zone, appointments=page.appointments)
        for e in page.events
    ]
    return "\n".join(lines)


def audit_keyboard(page: AuditPage, *, action: str | None) -> InlineKeyboardMarkup | None:
    if not page.older:
        return None
    data = AuditOlder(page.older, action_token(action)).pack()
    return InlineKeyboardMarkup([[InlineKeyboardButton(OLDER, callback_data=data)]])


# --- /eraseclient ------------------------------------------------------------------------------

ERASE_USAGE = (
    "Erase a client who asked you in person: /eraseclient followed by the reference of one "
    "of their requests or sessions, as its card shows it (ref. 3F9A1C -> /eraseclient 3F9A1C)."
)


def erase_refused(answer: str) -> str:
    return f"{answer}\n\n{ERASE_USAGE}"


def no_account(ref: str) -> str:
    return (
        f"The request {ref} was sent without an account: there is no account to erase. Its "
        "personal details go with the practice's retention (DATA_RETENTION_DAYS) once it is "
        "rejected, cancelled or over; neither the chat nor the web can erase a request "
        "without an account sooner. Reject or cancel it if it should not go ahead."
    )


def confirm_erase(ref: str) -> str:
    return (
        f"Erase the client of {ref}, with everything the practice holds about them?\n"
        "- their sessions and requests still ahead are cancelled (staff are told, without a "
        "name);\n"
        "- every personal value is destroyed: names, e-mail, phone, reasons and notes, the "
        "Telegram link and sign-in;\n"
        "- what stays is anonymous: dates, statuses and attendance.\n"
        "This cannot be undone. Do it only when the client asked you in person."
    )


def erase_keyboard(account_id: uuid.UUID, ref: str) -> InlineKeyboardMarkup:
    token = ref.removeprefix("ref. ").lower()
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ERASE, callback_data=EraseClient("erase", account_id, token).pack()
                )
            ],
            [
                InlineKeyboardButton(
                    KEEP, callback_data=EraseClient("keep", account_id, token).pack()
                )
            ],
        ]
    )


def erased(ref_token: str, erasure: Erasure) -> str:
    return (
        f"Done: the client of ref. {ref_token.upper()} is erased. {erasure.cancelled} "
        f"session(s) or request(s) cancelled; the personal details of {erasure.appointments} "
        "appointment(s) destroyed. Recorded as client.erase, with you as the actor."
    )


def not_erased(ref_token: str, answer: str) -> str:
    return f"Nothing was erased (ref. {ref_token.upper()}): {answer}"


def kept(ref_token: str) -> str:
    return f"Nothing was erased (ref. {ref_token.upper()})."
