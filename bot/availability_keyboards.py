"""The buttons of /availability and /away: pure functions from values to Telegram markup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from booking.availability import AvailabilityRules
from bot import availability_texts as words
from bot.callbacks import (
    AwayDay,
    AwayPage,
    AwayRemove,
    AwayStep,
    CallbackData,
    EditRule,
    Ignore,
    RulesStep,
    SetRule,
)
from bot.keyboards import TICK, calendar, day_text, weekday_toggles

# The /away calendar shows five weeks at a time.
PAGE_DAYS = 35


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.pack())


def rules_card(rules: AvailabilityRules) -> InlineKeyboardMarkup:
    """A toggle per weekday, then one button per rule showing its value."""
    rows = list(weekday_toggles(rules.available_days).inline_keyboard)
    for rule in words.RULES:
        value = getattr(rules, rule)
        rows.append((_button(words.rule_button(rule, value), EditRule(rule)),))
    return InlineKeyboardMarkup(rows)


def rule_choices(rule: str) -> InlineKeyboardMarkup:
    """Quick values for a rule, and Back to the card."""
    quick = [
        _button(words.rule_value(rule, value), SetRule(rule, value))
        for value in words.RULES[rule].quick
    ]
    return InlineKeyboardMarkup([quick, [_button("Back", RulesStep("back"))]])


# --- /away ------------------------------------------------------------------------------------


def away_list(periods: Sequence[words.Away]) -> InlineKeyboardMarkup:
    rows = [[_button(f"Remove {words.period(a.first, a.last)}", AwayRemove(a.id))] for a in periods]
    rows.append([_button("Add days away", AwayStep("add"))])
    return InlineKeyboardMarkup(rows)


def away_calendar(today: date, first: date, start: date | None = None) -> InlineKeyboardMarkup:
    """Five weeks from `first`: days from today (or from the chosen `start`) can be pressed;
    the chosen start carries a tick. Earlier / Later page through the year ahead."""
    last = first + timedelta(days=PAGE_DAYS - 1)
    earliest = start or today

    def day_button(day: date) -> InlineKeyboardButton:
        if day < earliest:
            return _button("·", Ignore("closed"))
        return _button(f"{TICK if day == start else ''}{day_text(day)}", AwayDay(day))

    footer = []
    if first > today:
        footer.append(_button("« Earlier", AwayPage(max(today, first - timedelta(PAGE_DAYS)))))
    if last < today + timedelta(days=365):
        footer.append(_button("Later »", AwayPage(last + timedelta(days=1))))
    footer.append(_button("Cancel", AwayStep("cancel")))
    return calendar(first, last, day_button, footer)


def away_note() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button("Skip", AwayStep("skip")), _button("Cancel", AwayStep("cancel"))]]
    )
