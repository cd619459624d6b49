"""What the therapist reads in /availability and /away: pure functions, values in, text out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from booking.availability import RULE_LIMITS, AvailabilityRules
from booking.formatting import format_short_date
from bot import texts


@dataclass(frozen=True)
class Rule:
    """How a booking rule reads in the chat."""

    label: str  # on its button: "Notice"
    unit: str  # "h", "days", "min", "sessions"
    question: str  # asked when it is pressed
    quick: tuple[int, ...]  # values offered as buttons


RULES: dict[str, Rule] = {
    "minimum_notice_hours": Rule(
        "Notice", "h", "How many hours ahead must clients book at least?", (0, 12, 24, 48)
    ),
    "booking_horizon_days": Rule(
        "Horizon", "days", "How many days ahead may clients book?", (14, 30, 60, 90)
    ),
    "buffer_minutes": Rule(
        "Buffer", "min", "How many free minutes before and after every session?", (0, 10, 15, 30)
    ),
    "max_sessions_per_day": Rule(
        "Daily cap", "sessions", "At most how many sessions a day? (0: no cap)", (0, 4, 6, 8)
    ),
    "cancellation_notice_hours": Rule(
        "Late cancel",
        "h",
        "A client cancelling less than how many hours before the start cancels late?",
        (0, 24, 48),
    ),
}
NO_CAP = "no cap"


def rule_value(rule: str, value: int | None) -> str:
    """'24 h', '30 days', 'no cap'."""
    if value is None or (rule == "max_sessions_per_day" and value == 0):
        return NO_CAP
    return f"{value} {RULES[rule].unit}"


def rule_button(rule: str, value: int | None) -> str:
    """'Notice: 24 h ✎'."""
    return f"{RULES[rule].label}: {rule_value(rule, value)} ✎"


def rules_text(rules: AvailabilityRules) -> str:
    """The /availability card: the open weekdays, then each rule in plain words."""
    lines = [
        texts.availability_text(rules.available_days).splitlines()[0],
        f"Clients book at least {rule_value('minimum_notice_hours', rules.minimum_notice_hours)}"
        f" ahead and at most {rule_value('booking_horizon_days', rules.booking_horizon_days)}"
        " ahead.",
        f"Buffer around each session: {rule_value('buffer_minutes', rules.buffer_minutes)}.",
        f"Daily cap: {rule_value('max_sessions_per_day', rules.max_sessions_per_day)}.",
        "A client cancelling within "
        f"{rule_value('cancellation_notice_hours', rules.cancellation_notice_hours)}"
        " of the start cancels late.",
        "Tap a day to open or close it, or a rule to change it.",
    ]
    return "\n".join(lines)


def rule_question(rule: str, current: int | None) -> str:
    low, high = RULE_LIMITS[rule]
    if rule == "max_sessions_per_day":
        low = 0  # typed 0 means no cap
    return (
        f"{RULES[rule].question}\nNow: {rule_value(rule, current)}.\n"
        f"Type a number from {low} to {high}, or tap one."
    )


RULE_NOT_A_NUMBER = "Please type a whole number, e.g. 24."
_NUMBER = re.compile(r"^\s*(\d{1,4})\s*[a-z]*\s*$")
_NO_CAP_WORDS = {"none", "no", "no cap", "off", "-"}


def typed_rule_value(rule: str, text: str) -> int | str | None:
    """The typed value ('24', '24 h', '15min'); None for no cap; the text itself if neither."""
    cleaned = text.strip().lower()
    if rule == "max_sessions_per_day" and cleaned in _NO_CAP_WORDS:
        return None
    match = _NUMBER.match(cleaned)
    if match is None:
        return text
    return stored_value(rule, int(match.group(1)))


def stored_value(rule: str, value: int) -> int | None:
    """What a number chosen for a rule means: for the daily cap, 0 is no cap (None)."""
    return None if rule == "max_sessions_per_day" and value == 0 else value


def rule_saved(rule: str, value: int | None) -> str:
    return f"{RULES[rule].label}: {rule_value(rule, value)}."


# --- /away ------------------------------------------------------------------------------------


def period(first: date, last: date) -> str:
    """'Mon 3 Aug' or 'Mon 3 Aug – Fri 14 Aug'."""
    if first == last:
        return format_short_date(first)
    return f"{format_short_date(first)} – {format_short_date(last)}"


@dataclass(frozen=True)
class Away:
    id: int
    first: date
    last: date
    note: str | None


def away_text(periods: Sequence[Away]) -> str:
    if not periods:
        return "No days away are planned. Clients are offered every open weekday."
    lines = ["Days away (never offered to clients):"]
    for away in periods:
        note = f": {away.note}" if away.note else ""
        lines.append(f"- {period(away.first, away.last)}{note}")
    lines.append("Tap one to remove it.")
    return "\n".join(lines)


ASK_FIRST_DAY = "Your first day away?"
NOTE_OPTIONAL = "A note for yourself (clients never see it)? Type it, or tap Skip."
AWAY_CANCELLED = "Nothing was changed."


def ask_last_day(first: date) -> str:
    return f"From {format_short_date(first)}. Your last day away? (The same day for one day.)"


def away_saved(first: date, last: date, sessions: int) -> str:
    text = f"Blocked {period(first, last)}: clients are not offered these days."
    if sessions:
        word = "session is" if sessions == 1 else "sessions are"
        text += f"\n{sessions} {word} booked then: move or cancel them from /upcoming."
    return text


def away_removed(first: date, last: date) -> str:
    return f"{period(first, last)} is open again."


AWAY_GONE = "That period was already removed."
