"""A series booked from the chat: its buttons and texts, pure functions tested without Telegram.

The staff's schedule summary offers Every week / Every 2 weeks next to Confirm (just this
one); then how many sessions; then, when some weeks clash, Skip them / Choose another time /
Cancel (`bot.conversations.series`).

The client's series entry in /appointments also has "Cancel N and all later": a confirm step
stating how many sessions go and whether any is late, then `booking.series.cancel_series`
from the next session's date (`bot.conversations.series_cancel`).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from booking.formatting import format_short_date
from booking.series import RHYTHM
from bot.callbacks import CallbackData, StaffRepeat, StaffStep

OFFERED_RHYTHMS = (1, 2)  # Every week, Every 2 weeks (the API allows up to 4)
COUNTS = (4, 8, 12, 26)


@dataclasses.dataclass(frozen=True)
class CancelSeries(CallbackData):
    """The client's "Cancel N and all later" on a series in /appointments, and its confirm.

    `day`: the practice date the cancelling starts from (the next session's, when listed).
    Kept beside its buttons (`bot.callbacks` is full); a test checks its prefix against
    every one of `bot.callbacks.ALL_CALLBACKS`.
    """

    prefix = "sx"
    actions = frozenset({"ask", "yes", "no"})
    action: str
    series: uuid.UUID
    day: date


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.pack())


def rhythm_label(every_weeks: int) -> str:
    return "Every week" if every_weeks == 1 else f"Every {every_weeks} weeks"


def repeat_row(appointment_id: uuid.UUID) -> list[InlineKeyboardButton]:
    """Every week / Every 2 weeks, on the schedule summary (which then asks how many)."""
    return [
        _button(rhythm_label(every), StaffRepeat(appointment_id, every, 0, False))
        for every in OFFERED_RHYTHMS
    ]


def _other_time_cancel(appointment_id: uuid.UUID, back: str) -> list[InlineKeyboardButton]:
    return [
        _button(back, StaffStep("back", appointment_id)),
        _button("Cancel", StaffStep("cancel", appointment_id)),
    ]


def count_choices(appointment_id: uuid.UUID, every_weeks: int) -> InlineKeyboardMarkup:
    counts = [
        _button(f"{n} sessions", StaffRepeat(appointment_id, every_weeks, n, False)) for n in COUNTS
    ]
    return InlineKeyboardMarkup(
        [counts[:2], counts[2:], _other_time_cancel(appointment_id, "Pick another time")]
    )


def ask_count(every_weeks: int, first: str, duration: str) -> str:
    return f"{rhythm_label(every_weeks)} from {first}, {duration}: how many sessions?"


def clash_choices(appointment_id: uuid.UUID, every_weeks: int, count: int) -> InlineKeyboardMarkup:
    """Skip them (book the rest) / Choose another time / Cancel."""
    return InlineKeyboardMarkup(
        [
            [_button("Skip them", StaffRepeat(appointment_id, every_weeks, count, True))],
            _other_time_cancel(appointment_id, "Choose another time"),
        ]
    )


def named_weeks(weeks: Sequence[int]) -> str:
    """[4] -> "Week 4"; [4, 9] -> "Weeks 4 and 9"; [2, 4, 9] -> "Weeks 2, 4 and 9"."""
    if len(weeks) == 1:
        return f"Week {weeks[0]}"
    return "Weeks " + ", ".join(str(w) for w in weeks[:-1]) + f" and {weeks[-1]}"


def clashes_text(clashing: Sequence[tuple[int, date, str]], count: int) -> str:
    """`clashing`: (week, practice date, reason) of each week that cannot be booked."""
    verb = "clashes" if len(clashing) == 1 else "clash"
    lines = [f"{named_weeks([week for week, _, _ in clashing])} of {count} {verb}:"]
    lines += [f"- {format_short_date(day)}: {reason}" for _, day, reason in clashing]
    them = "it" if len(clashing) == 1 else "them"
    lines.append(
        f"Skip {them} and book the other {count - len(clashing)}, choose another time, or cancel."
    )
    return "\n".join(lines)


def booked_note(summary: str, skipped: Sequence[date]) -> str:
    """Under the outcome on the request's message: the series, and the weeks left out."""
    note = f"Series: {summary}."
    if skipped:
        note += " Skipped: " + ", ".join(format_short_date(d) for d in skipped) + "."
    return note


def booked_toast(every_weeks: int, booked: int) -> str:
    return f"{RHYTHM.get(every_weeks, 'Repeating')}: {booked} sessions scheduled."


# --- the client: cancel this and all later ------------------------------------------------------


def cancel_rest_row(number: int, series_id: uuid.UUID, day: date) -> list[InlineKeyboardButton]:
    """Under a series entry of /appointments (beside its next session's buttons)."""
    return [_button(f"Cancel {number} and all later", CancelSeries("ask", series_id, day))]


def cancel_rest_confirm(series_id: uuid.UUID, day: date) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button("Yes, cancel them", CancelSeries("yes", series_id, day)),
                _button("No, keep them", CancelSeries("no", series_id, day)),
            ]
        ]
    )


def cancel_rest_question(count: int, first: str, *, late: int, notice_hours: int) -> str:
    """The confirm step: how many sessions go, from when, and how many would be late."""
    sessions = "1 session" if count == 1 else f"{count} sessions"
    text = f"Cancel {sessions} of your series, from {first} on?"
    if late == 0:
        policy = f"None starts within {notice_hours} hours, so none is a late cancellation."
    elif late == 1:
        policy = (
            f"1 of them starts in less than {notice_hours} hours: under the practice's policy "
            "it is recorded as a late cancellation."
        )
    else:
        policy = (
            f"{late} of them start in less than {notice_hours} hours: under the practice's "
            "policy they are recorded as late cancellations."
        )
    return f"{text}\n{policy}"


def cancelled_rest(count: int, late: int) -> str:
    text = "Cancelled 1 session." if count == 1 else f"Cancelled {count} sessions."
    text += " The therapist is told."
    if late:
        text += " 1 is recorded as late." if late == 1 else f" {late} are recorded as late."
    return text + "\n/book asks for a new session any time."


NOTHING_AHEAD = "This series has no sessions left ahead, so nothing was changed."
KEPT = "Nothing was cancelled: your series stays as it is."
