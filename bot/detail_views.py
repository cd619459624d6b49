"""The Show details button and what it reveals: pure functions, tested without Telegram.

A message keeps its neutral text (what happened, when) at the top; pressing Show details
edits it to that text, a marker line, and the details (`booking.message_details`); Hide
details edits it back to the text above the marker.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from booking.message_details import DetailsOf, MessageDetails
from bot.callbacks import MalformedCallback
from bot.detail_callbacks import ShowDetails

SHOW_LABEL = "Show details"
HIDE_LABEL = "Hide details"
MARKER = "\n\n— Details —\n"
NOT_YOURS = "Sorry, these details are not yours to see."
ERASED = "No details are kept: they were erased."
NO_REASON = "No reason was given."


def show_button(
    what: DetailsOf | str, appointment_id: uuid.UUID, label: str = SHOW_LABEL, *, listed=False
) -> InlineKeyboardButton:
    data = ShowDetails("show", str(what), appointment_id, listed)
    return InlineKeyboardButton(label, callback_data=data.pack())


def hide_button(what: str, appointment_id: uuid.UUID, *, listed: bool) -> InlineKeyboardButton:
    data = ShowDetails("hide", what, appointment_id, listed)
    return InlineKeyboardButton(HIDE_LABEL, callback_data=data.pack())


def details_row(what: DetailsOf | str, appointment_id: uuid.UUID) -> list[InlineKeyboardButton]:
    return [show_button(what, appointment_id)]


def payload_rows(
    payload: dict, rows: Sequence[Sequence[InlineKeyboardButton]] = ()
) -> list[list[InlineKeyboardButton]]:
    """An outbox payload's Show details row (its `"details"` names what it hides), unless
    the kind's own buttons (`rows`, e.g. a request's) already carry one."""
    what, raw_id = payload.get("details"), payload.get("appointment_id")
    if not what or not raw_id or any(_data(b) for row in rows for b in row):
        return []
    return [details_row(str(what), uuid.UUID(str(raw_id)))]


def listed_rows(
    entries: Sequence[tuple[str, uuid.UUID]], what: DetailsOf | str = DetailsOf.CLIENT
) -> list[list[InlineKeyboardButton]]:
    """One Show details button per entry of a list (`(label, appointment id)`), two a row."""
    buttons = [show_button(what, id_, label, listed=True) for label, id_ in entries]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def neutral_part(text: str) -> str:
    """The message's text without details shown."""
    return text.split(MARKER, 1)[0]


def with_details(text: str, details: str) -> str:
    return f"{neutral_part(text)}{MARKER}{details}"


def details_text(details: MessageDetails) -> str:
    """What Show details reveals: only the lines that have a value."""
    if details.erased:
        return ERASED
    if details.what == DetailsOf.REJECTED:
        reason = details.rejection_reason
        return f"Reason: {reason}" if reason else NO_REASON
    if details.what == DetailsOf.CANCELLED:
        reason = details.cancellation_reason
        return f"Reason: {reason}" if reason else NO_REASON
    lines = [
        ("Client", details.client_name),
        ("E-mail", details.email),
        ("Phone", details.phone),
        ("Note", details.note),
        ("Note with the request to move", details.move_note),
        ("Reason for declining", details.rejection_reason),
        ("Reason for cancelling", details.cancellation_reason),
    ]
    return "\n".join(f"{label}: {value}" for label, value in lines if value) or ERASED


def _data(button: InlineKeyboardButton) -> ShowDetails | None:
    if not isinstance(button.callback_data, str) or not ShowDetails.matches(button.callback_data):
        return None
    try:
        return ShowDetails.unpack(button.callback_data)
    except MalformedCallback:
        return None


def toggled_markup(
    markup: InlineKeyboardMarkup | None, pressed: ShowDetails
) -> InlineKeyboardMarkup | None:
    """The message's buttons after `pressed`: Show becomes Hide (or, on a list, a Hide row is
    added); Hide gives Show back (or its row goes). Every other button stays as it was."""
    rows: list[list[InlineKeyboardButton]] = []
    for row in markup.inline_keyboard if markup is not None else ():
        kept = []
        for button in row:
            data = _data(button)
            if data is not None and data.action == "hide":
                if not data.listed:  # a single button: back to Show (shown again below)
                    kept.append(show_button(data.what, data.appointment))
                continue  # a list's Hide row goes; a new one is added for a new press
            if data == pressed and not pressed.listed:
                kept.append(hide_button(pressed.what, pressed.appointment, listed=False))
                continue
            kept.append(button)
        if kept:
            rows.append(kept)
    if pressed.action == "show" and pressed.listed:
        rows.append([hide_button(pressed.what, pressed.appointment, listed=True)])
    return InlineKeyboardMarkup(rows) if rows else None
