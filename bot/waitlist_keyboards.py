"""The waitlist's buttons: pure functions from ids to rows (see `bot.callbacks.WaitlistPress`)."""

from __future__ import annotations

import uuid

from telegram import InlineKeyboardButton

from bot.callbacks import WaitlistPress

Rows = list[list[InlineKeyboardButton]]
TAKE_BUTTON = "Take it"
PASS_BUTTON = "No thanks"
ANYTHING_BUTTON = "None of these days suit me — tell me if something opens"
EARLIER_BUTTON = "Tell me if an earlier time opens"
NOBODY = uuid.UUID(int=0)


def _button(text: str, action: str, target: uuid.UUID) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=WaitlistPress(action, target).pack())


def offer_rows(offer_id: uuid.UUID) -> Rows:
    """Under a held time: Take it / No thanks."""
    return [[_button(TAKE_BUTTON, "take", offer_id), _button(PASS_BUTTON, "pass", offer_id)]]


def anything_button() -> InlineKeyboardButton:
    """At the end of the client's booking calendar."""
    return _button(ANYTHING_BUTTON, "anything", NOBODY)


def earlier_row(number: int, appointment_id: uuid.UUID) -> list[InlineKeyboardButton]:
    """On a scheduled session in /appointments."""
    return [_button(f"{number}: {EARLIER_BUTTON}", "earlier", appointment_id)]
