"""Keyboards of a session's life: pure functions from values to Telegram markup.

Every session button carries the appointment and `at` (the start it was made for, see
`bot.callbacks.minute_stamp`), so a press is checked against the session as it is now.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from booking.availability import SLOT_LABELS
from booking.message_details import DetailsOf
from bot import detail_views
from bot import session_texts as words
from bot.callbacks import (
    AcceptTime,
    CallbackData,
    ClientAction,
    LateBy,
    MoveAsk,
    PickSlot,
    PlanDay,
    PlanLength,
    PlanStep,
    PlanTime,
    StaffAction,
)
from bot.keyboards import (
    TICK,
    StepData,
    any_day_calendar,
    date_picker,
    day_choices,
    durations,
    start_times,
    step_back_cancel,
)

LATE_MINUTES = (5, 10, 15)
Rows = list[list[InlineKeyboardButton]]


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data.pack())


def _markup(rows: Rows) -> InlineKeyboardMarkup | None:
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def link_rows(markup: InlineKeyboardMarkup | None) -> Rows:
    """The URL buttons (Join session) of a message's keyboard, kept when its buttons change."""
    if markup is None:
        return []
    rows = [[b for b in row if b.url] for row in markup.inline_keyboard]
    return [list(row) for row in rows if row]


def links_only(links: Rows) -> InlineKeyboardMarkup | None:
    return _markup(links)


# --- the client -------------------------------------------------------------------------------


def client_buttons(kind: str, appointment_id: uuid.UUID, at: int) -> Rows:
    """The bot's own buttons under a message of this kind sent to the client (may be none)."""

    def act(text: str, action: str) -> InlineKeyboardButton:
        return _button(text, ClientAction(action, appointment_id, at))

    if kind in ("scheduled", "moved", "reschedule_kept"):  # the session's time, confirmed
        return [[act(words.ASK_MOVE_BUTTON, "ask_move"), act(words.CANCEL_BUTTON, "cancel")]]
    if kind == "reminder_day_before":
        return [[act(words.ATTEND_BUTTON, "attend"), act(words.CANT_MAKE_IT_BUTTON, "cancel")]]
    if kind == "join_window":
        return [[act(words.RUNNING_LATE_BUTTON, "late")]]
    return []


def after_attending(appointment_id: uuid.UUID, at: int, links: Rows) -> InlineKeyboardMarkup | None:
    """The day-before reminder once confirmed: Join stays, Can't make it stays."""
    cant = _button(words.CANT_MAKE_IT_BUTTON, ClientAction("cancel", appointment_id, at))
    return _markup([*links, [cant]])


def cancel_confirm(appointment_id: uuid.UUID, at: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(words.CANCEL_YES_BUTTON, ClientAction("cancel_yes", appointment_id, at)),
                _button(words.CANCEL_NO_BUTTON, ClientAction("cancel_no", appointment_id, at)),
            ]
        ]
    )


def late_choices(appointment_id: uuid.UUID, at: int, links: Rows) -> InlineKeyboardMarkup:
    choices = [_button(words.late_button(m), LateBy(appointment_id, at, m)) for m in LATE_MINUTES]
    return InlineKeyboardMarkup([*links, choices])


def proposal_choices(
    appointment_id: uuid.UUID, at: int, times: Sequence[tuple[int, str]]
) -> InlineKeyboardMarkup:
    """One button per proposed time (stamp, label), then "None of these work"."""
    rows = [[_button(label, AcceptTime(appointment_id, stamp))] for stamp, label in times]
    rows.append([_button(words.NONE_WORK_BUTTON, ClientAction("decline", appointment_id, at))])
    return InlineKeyboardMarkup(rows)


def appointment_rows(
    number: int, appointment_id: uuid.UUID, at: int, *, can_move: bool, can_cancel: bool
) -> Rows:
    """The buttons of one line of /appointments (besides its Join button)."""
    row = []
    if can_move:
        row.append(
            _button(
                f"{words.ASK_MOVE_BUTTON} {number}", ClientAction("ask_move", appointment_id, at)
            )
        )
    if can_cancel:
        row.append(
            _button(f"{words.CANCEL_BUTTON} {number}", ClientAction("cancel", appointment_id, at))
        )
    return [row] if row else []


def move_ask_calendar(
    today: date, available: Iterable[date], selected: Iterable[date], *, horizon: int
) -> InlineKeyboardMarkup:
    """The client's calendar for a move request: open days can be ticked."""
    return date_picker(today, available, selected, horizon=horizon, step=MoveAsk)


def move_ask_slots(selected: Iterable[str], offered: Iterable[str]) -> InlineKeyboardMarkup:
    chosen = set(selected)
    rows = [
        [_button(f"{TICK} {SLOT_LABELS[s]}" if s in chosen else SLOT_LABELS[s], PickSlot(s))]
        for s in offered
    ]
    rows.append([_button(words.BACK_BUTTON, MoveAsk("back")), _button("Next", MoveAsk("next"))])
    return InlineKeyboardMarkup(rows)


def move_ask_note() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button("Skip", MoveAsk("skip")), _button(words.BACK_BUTTON, MoveAsk("back"))]]
    )


# --- the therapist ------------------------------------------------------------------------------


def session_actions(
    appointment_id: uuid.UUID, at: int, *, move_request: bool = False
) -> InlineKeyboardMarkup:
    """A scheduled session's message: Move, Propose times, Cancel (and Keep for a move request)."""

    def act(text: str, action: str) -> InlineKeyboardButton:
        return _button(text, StaffAction(action, appointment_id, at))

    first = [act(words.MOVE_BUTTON, "move"), act(words.PROPOSE_BUTTON, "propose")]
    if move_request:
        first.append(act(words.KEEP_BUTTON, "keep"))
    return InlineKeyboardMarkup(
        [
            first,
            [act(words.STAFF_CANCEL_BUTTON, "cancel")],
            detail_views.details_row(DetailsOf.CLIENT, appointment_id),  # the client's name
        ]
    )


def staff_cancel_confirm(appointment_id: uuid.UUID, at: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(words.CANCEL_YES_BUTTON, StaffAction("cancel_yes", appointment_id, at)),
                _button(words.BACK_BUTTON, StaffAction("card", appointment_id, at)),
            ]
        ]
    )


def _plan(appointment_id: uuid.UUID) -> StepData:
    return StepData(
        day=lambda day: PlanDay(appointment_id, day),
        minute=lambda minute: PlanTime(appointment_id, minute),
        length=lambda minutes: PlanLength(appointment_id, minutes),
        step=lambda action: PlanStep(action, appointment_id),
    )


def plan_days(appointment_id: uuid.UUID, days: Sequence[date]) -> InlineKeyboardMarkup:
    """The client's wished days first; Another day opens the calendar."""
    return day_choices(_plan(appointment_id), days)


def plan_calendar(appointment_id: uuid.UUID, today: date) -> InlineKeyboardMarkup:
    return any_day_calendar(_plan(appointment_id), today)


def plan_times(appointment_id: uuid.UUID, minutes: Sequence[int]) -> InlineKeyboardMarkup:
    return start_times(_plan(appointment_id), minutes)


def plan_more(appointment_id: uuid.UUID, *, can_add: bool) -> InlineKeyboardMarkup:
    """Propose times: another time, or on to the duration."""
    row = [_button(words.DONE_TIMES_BUTTON, PlanStep("done", appointment_id))]
    if can_add:
        row.insert(0, _button(words.MORE_TIMES_BUTTON, PlanStep("more", appointment_id)))
    return InlineKeyboardMarkup([row, step_back_cancel(_plan(appointment_id))])


def plan_lengths(appointment_id: uuid.UUID) -> InlineKeyboardMarkup:
    return durations(_plan(appointment_id))


def plan_confirm(appointment_id: uuid.UUID, *, blocked: bool, warned: bool) -> InlineKeyboardMarkup:
    """Confirm when free; Schedule anyway past overridable clashes; neither past a session."""
    rows = []
    if not blocked:
        action, text = (
            ("override", words.ANYWAY_BUTTON) if warned else ("confirm", words.CONFIRM_BUTTON)
        )
        rows.append([_button(text, PlanStep(action, appointment_id))])
    rows.append(step_back_cancel(_plan(appointment_id), back=words.OTHER_TIME_BUTTON))
    return InlineKeyboardMarkup(rows)
