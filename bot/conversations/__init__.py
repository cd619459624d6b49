"""The bot's handlers: one module per conversation, registered here in order.

Within the one handler group, the first handler that wants an update gets it: conversations
first (so a person in the middle of one is answered by it), then one-message commands, then
the catch-alls that answer anything unexpected.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.conversations.appointments import appointments_handlers
from bot.conversations.booking import build_booking_conversation
from bot.conversations.registration import build_registration_conversation
from bot.conversations.staff import build_staff_conversation, staff_handlers
from bot.conversations.start import fallback_handlers, start_handlers, unmarked_command_handler

BEFORE_ALL = -1


def register_handlers(application: Application) -> None:
    application.add_handler(unmarked_command_handler(), group=BEFORE_ALL)
    application.add_handlers(
        [
            build_registration_conversation(),
            build_booking_conversation(),
            build_staff_conversation(),
            *start_handlers(),
            *appointments_handlers(),
            *staff_handlers(),
            *fallback_handlers(),
        ]
    )
