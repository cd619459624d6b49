"""The bot bench's yardstick: python-telegram-bot's echo bot, nothing of the project's.

    .venv/bin/python bench/echo_bot.py API_URL TOKEN

Text is echoed back in a new message; a button press is answered and its message edited to
show the button's data, so each step of the simulated clients gets one reply, as from the
booking bot. Updates run concurrently (64 at a time, as the booking bot allows), with long
polling and the same HTTP stack; no persistence, no database.
"""

from __future__ import annotations

import logging
import sys

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

MAX_CONCURRENT_UPDATES = 64


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the text back."""
    assert update.message is not None
    await update.message.reply_text(update.message.text or "?")


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press and show its data in the message."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"pressed {query.data}")


def main() -> None:
    api_url, token = sys.argv[1], sys.argv[2]
    logging.basicConfig(level=logging.WARNING)
    application = (
        Application.builder()
        .token(token)
        .base_url(api_url)
        .concurrent_updates(MAX_CONCURRENT_UPDATES)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(pressed))
    application.run_polling(
        poll_interval=0.0, timeout=10, allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY]
    )


if __name__ == "__main__":
    main()
