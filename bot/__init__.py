"""Telegram front door (python-telegram-bot)."""

import os

# python-telegram-bot 22 is migrating time periods (e.g. RetryAfter.retry_after) from numbers
# to timedelta and warns on every read of the old form, even inside its own RetryAfter
# constructor. Opt in to the new form; bot.delivery reads either.
os.environ.setdefault("PTB_TIMEDELTA", "true")
