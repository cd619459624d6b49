"""Telegram front door (python-telegram-bot)."""
