"""Keyboards: pure functions from values to Telegram markup (no network, no database)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from booking.availability import DAY_NAMES, SLOT_LABELS
from booking.formatting import format_clock, format_short_date
from booking.message_details import DetailsOf
from bot import detail_views, series_views, texts, waitlist_keyboards
from bot.callbacks import (
    BookingStep,
    CallbackData,
    DecideRequest,
    Ignore,
    MenuAction,
    PickDate,
    PickSlot,
    RegistrationStep,
    StaffAction,
    StaffDay,
    StaffDuration,
    StaffStep,
    StaffTime,
    ToggleWeekday,
)

TICK = "✓"
WEEKDAY_HEADER = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DURATIONS = (30, 45, 60, 90)


def _button(text: str, data: Any) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.pack())


def _label(text: str) -> InlineKeyboardButton:
    return _button(text, Ignore("label"))


# --- everyone --------------------------------------------------------------------------------


def main_menu(*, linked: bool, staff: bool = False) -> InlineKeyboardMarkup:
    """What the person can do next: link an account first, book and look, or (staff) see
    what waits and what is on today."""
    if not linked:
        rows = [
            [_button("Create an account", MenuAction("register"))],
            [_button("I already have an account", MenuAction("login"))],
        ]
    elif staff:
        rows = [
            [_button("Pending requests", MenuAction("pending"))],
            [_button("Today's sessions", MenuAction("today"))],
        ]
    else:
        rows = [
            [_button("Book a session", MenuAction("book"))],
            [_button("My appointments", MenuAction("appointments"))],
        ]
    rows.append([_button("Help", MenuAction("help"))])
    return InlineKeyboardMarkup(rows)


def link_buttons(buttons: Sequence[Sequence[dict[str, str]]]) -> InlineKeyboardMarkup | None:
    """An outbox payload's `buttons` ([[{"text", "url" | "callback_data"}]]) as markup."""
    rows = []
    for row in buttons:
        cells = []
        for spec in row:
            if spec.get("url"):
                cells.append(InlineKeyboardButton(spec["text"], url=spec["url"]))
            elif spec.get("callback_data"):
                cells.append(
                    InlineKeyboardButton(spec["text"], callback_data=spec["callback_data"])
                )
        if cells:
            rows.append(cells)
    return InlineKeyboardMarkup(rows) if rows else None


def join_buttons(links: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    """One URL button per (label, link)."""
    if not links:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=url)] for label, url in links])


# --- registration ----------------------------------------------------------------------------


def use_profile_name(first: str, last: str) -> InlineKeyboardMarkup:
    """The name on the button, not in the message's text (which a lock screen shows)."""
    return InlineKeyboardMarkup([[_button(f"Use {first} {last}", RegistrationStep("use_name"))]])


def share_contact() -> ReplyKeyboardMarkup:
    """Telegram's own "share contact" button: the number comes from the account, no typing."""
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(texts.SHARE_PHONE_BUTTON, request_contact=True)],
            [KeyboardButton(texts.SKIP_PHONE_BUTTON)],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def code_actions() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button("Resend code", RegistrationStep("resend")),
                _button("Change e-mail", RegistrationStep("change_email")),
            ]
        ]
    )


# --- booking ---------------------------------------------------------------------------------


def calendar(
    first: date,
    last: date,
    day_button: Callable[[date], InlineKeyboardButton],
    footer: Sequence[InlineKeyboardButton],
) -> InlineKeyboardMarkup:
    """The days from `first` to `last` by week (Monday first), under the months' names.

    `day_button` makes each day's button (pressable or a label); `footer` is the last row.
    The first day of a month shows the month's name so a two-month span stays readable.
    """
    months = sorted({(first.year, first.month), (last.year, last.month)})
    title = " – ".join(date(y, m, 1).strftime("%B %Y") for y, m in months)
    rows = [[_label(title)], [_label(name) for name in WEEKDAY_HEADER]]
    day = first - timedelta(days=first.weekday())
    while day <= last:
        week = []
        for _ in range(7):
            week.append(day_button(day) if first <= day <= last else _label(" "))
            day += timedelta(days=1)
        rows.append(week)
    rows.append(list(footer))
    return InlineKeyboardMarkup(rows)


def day_text(day: date) -> str:
    """A day's label on a calendar: its number, with the month's name on the 1st."""
    return str(day.day) if day.day != 1 else f"1 {day:%b}"


def date_picker(
    today: date,
    available: Iterable[date],
    selected: Iterable[date],
    *,
    horizon: int,
    step: Callable[[str], CallbackData],
    extra: Sequence[InlineKeyboardButton] = (),
) -> InlineKeyboardMarkup:
    """The next `horizon` days from tomorrow; only available days can be pressed, and the
    selected ones carry a tick. `step("next")` / `step("cancel")` are the flow's own steps."""
    open_days, chosen = set(available), set(selected)

    def day_button(day: date) -> InlineKeyboardButton:
        if day not in open_days:
            return _button("·", Ignore("closed"))
        return _button(f"{TICK if day in chosen else ''}{day_text(day)}", PickDate(day))

    count = len(chosen & open_days)
    footer = [
        _button(f"Next ({count} chosen)" if count else "Next", step("next")),
        _button("Cancel", step("cancel")),
        *extra,
    ]
    return calendar(today + timedelta(days=1), today + timedelta(days=horizon), day_button, footer)


def booking_calendar(
    today: date,
    available: Iterable[date],
    selected: Iterable[date],
    *,
    horizon: int = 30,
) -> InlineKeyboardMarkup:
    """/book's dates; last in the footer: wait for freed time (`bot.conversations.waitlist`)."""
    return date_picker(
        today,
        available,
        selected,
        horizon=horizon,
        step=BookingStep,
        extra=[waitlist_keyboards.anything_button()],
    )


def slot_picker(
    selected: Iterable[str], offered: Iterable[str] = tuple(SLOT_LABELS)
) -> InlineKeyboardMarkup:
    """The `offered` time slots (those with room), the selected ones ticked."""
    chosen, shown = set(selected), set(offered)
    rows = [
        [_button(f"{TICK} {label}" if slot in chosen else label, PickSlot(slot))]
        for slot, label in SLOT_LABELS.items()
        if slot in shown
    ]
    rows.append([_button("Back", BookingStep("back")), _button("Next", BookingStep("next"))])
    return InlineKeyboardMarkup(rows)


def reason_prompt() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button("Skip", BookingStep("skip")), _button("Back", BookingStep("back"))]]
    )


def booking_summary() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button("Confirm", BookingStep("confirm"))],
            [_button("Change", BookingStep("change")), _button("Cancel", BookingStep("cancel"))],
        ]
    )


# --- staff -----------------------------------------------------------------------------------


def _cancel_decision(appointment_id: uuid.UUID) -> InlineKeyboardButton:
    return _button("Cancel", StaffStep("cancel", appointment_id))


def request_actions(appointment_id: uuid.UUID) -> InlineKeyboardMarkup:
    """The buttons on a new request: the therapist decides with one tap, or proposes times."""
    return InlineKeyboardMarkup(
        [
            [
                _button("Schedule", DecideRequest("schedule", appointment_id)),
                _button("Reject", DecideRequest("reject", appointment_id)),
            ],
            [_button("Propose times", StaffAction("propose", appointment_id, 0))],
            detail_views.details_row(DetailsOf.CLIENT, appointment_id),  # who, and why
        ]
    )


@dataclass(frozen=True)
class StepData:
    """How one staff flow packs its day, start and duration buttons and its other steps
    (`other_day`, `back`, `cancel`): a decision's, or a Move / Propose times plan's."""

    day: Callable[[date], CallbackData]
    minute: Callable[[int], CallbackData]
    length: Callable[[int], CallbackData]
    step: Callable[[str], CallbackData]


def step_back_cancel(data: StepData, back: str = "Back") -> list[InlineKeyboardButton]:
    """The last row of each step: one step back, or give up."""
    return [_button(back, data.step("back")), _button("Cancel", data.step("cancel"))]


def day_choices(data: StepData, days: Sequence[date]) -> InlineKeyboardMarkup:
    """The client's days first, one a row; Another day opens the calendar."""
    rows = [[_button(format_short_date(d), data.day(d))] for d in days]
    rows.append(
        [_button("Another day", data.step("other_day")), _button("Cancel", data.step("cancel"))]
    )
    return InlineKeyboardMarkup(rows)


def any_day_calendar(data: StepData, today: date, *, horizon: int = 30) -> InlineKeyboardMarkup:
    """Any day from today on: the therapist may offer a day the client did not list."""
    return calendar(
        today,
        today + timedelta(days=horizon),
        lambda day: _button(day_text(day), data.day(day)),
        step_back_cancel(data),
    )


def start_times(data: StepData, minutes: Sequence[int]) -> InlineKeyboardMarkup:
    buttons = [_button(format_clock(m), data.minute(m)) for m in minutes]
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    rows.append(step_back_cancel(data))
    return InlineKeyboardMarkup(rows)


def durations(data: StepData) -> InlineKeyboardMarkup:
    rows = [[_button(f"{m} min", data.length(m)) for m in DURATIONS]]
    rows.append(step_back_cancel(data))
    return InlineKeyboardMarkup(rows)


def decision_steps(appointment_id: uuid.UUID) -> StepData:
    return StepData(
        day=lambda day: StaffDay(appointment_id, day),
        minute=lambda minute: StaffTime(appointment_id, minute),
        length=lambda minutes: StaffDuration(appointment_id, minutes),
        step=lambda action: StaffStep(action, appointment_id),
    )


def staff_days(appointment_id: uuid.UUID, days: Sequence[date]) -> InlineKeyboardMarkup:
    return day_choices(decision_steps(appointment_id), days)


def staff_calendar(
    appointment_id: uuid.UUID, today: date, *, horizon: int = 30
) -> InlineKeyboardMarkup:
    return any_day_calendar(decision_steps(appointment_id), today, horizon=horizon)


def staff_times(appointment_id: uuid.UUID, minutes: Sequence[int]) -> InlineKeyboardMarkup:
    return start_times(decision_steps(appointment_id), minutes)


def staff_durations(appointment_id: uuid.UUID) -> InlineKeyboardMarkup:
    return durations(decision_steps(appointment_id))


def staff_confirm(
    appointment_id: uuid.UUID, *, conflict: bool, anyway: bool = False
) -> InlineKeyboardMarkup:
    """Confirm; "Schedule anyway" past a buffer, blocked day or the cap; none past a session.

    Either books just this one; Every week / Every 2 weeks book a series instead.
    """
    rows = []
    if not conflict:
        action, label = ("override", "Schedule anyway") if anyway else ("confirm", "Confirm")
        rows.append([_button(label, StaffStep(action, appointment_id))])
        rows.append(series_views.repeat_row(appointment_id))
    rows.append(step_back_cancel(decision_steps(appointment_id), back="Pick another time"))
    return InlineKeyboardMarkup(rows)


def reject_reason(appointment_id: uuid.UUID) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button("Skip (reject without a reason)", StaffStep("skip", appointment_id))],
            [_cancel_decision(appointment_id)],
        ]
    )


def weekday_toggles(open_days: Iterable[int]) -> InlineKeyboardMarkup:
    days = set(open_days)
    rows = [
        [_button(f"{TICK} {name}" if n in days else f"✗ {name}", ToggleWeekday(n))]
        for n, name in enumerate(DAY_NAMES)
    ]
    return InlineKeyboardMarkup(rows)
