"""The therapist moves a session, or proposes times, from the buttons on its message.

Move: a day (the client's wished days first when they asked to move, or a calendar) -> a
start time -> a duration -> confirm. Propose times: up to three day + start pairs -> a
duration -> confirm. Before confirming, every clash is shown (`booking.availability.
find_clashes`): with another session there is no Confirm, only "Pick another time"; past a
buffer, a blocked day or the daily cap the button is "Schedule anyway" (override).

The draft lives in `user_data["plan"]` (JSON only): the flow, the appointment, the start the
session had when the plan began (`at`), the message being edited, the step, the times and
the duration. Every press re-checks that it comes from that message, that the presser is
staff, and that the session is still as it was (`session_presses.is_current`); the change
itself is `reschedule_appointment` / `propose_times` under one lock per session, so two
therapists pressing at once get one outcome: the second is shown the session as it now is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from booking.agenda import offered_starts
from booking.appointments import get_appointment_for
from booking.availability import find_clashes, localize, practice_today
from booking.errors import Conflict, InvalidInput
from booking.formatting import format_duration, format_short_date
from booking.lifecycle import reschedule_appointment
from booking.proposals import propose_times
from bot import session_keyboards as buttons
from bot import session_texts as words
from bot import texts
from bot.callbacks import CallbackData, PlanDay, PlanLength, PlanStep, PlanTime, StaffAction
from bot.context import BotContext
from bot.conversations.common import (
    StaffPress,
    Step,
    answer,
    checked_step,
    edit,
    parse,
    pressed_message_id,
    require_staff,
    show,
    staff_account,
    tell,
)
from bot.conversations.session_presses import (
    is_current,
    move_request_of,
    one_press_at_a_time,
    short_time,
)
from bot.conversations.staff_sessions import pressed_session, show_outgrown, staff_view
from bot.errors import tell_error
from bot.keyboards import DURATIONS
from models import Appointment, AppointmentStatus, User

DRAFT = "plan"
MOVE, PROPOSE = "move", "propose"
# Steps, for Back: each goes to the one before.
DAYS, CALENDAR, TIMES, MORE, LENGTHS, CONFIRM = (
    "days",
    "calendar",
    "times",
    "more",
    "lengths",
    "confirm",
)


@dataclass(frozen=True)
class Wishes:
    """Dates and slots a time is offered inside (the client's, or none: every slot)."""

    preferred_dates: list[str]
    preferred_time_slots: list[str]


def _draft(context: BotContext) -> dict[str, Any]:
    return context.user_data[DRAFT]


async def _wishes(appointment: Appointment) -> Wishes:
    """A move request's dates and slots; a pending request's own; else none."""
    if appointment.status == AppointmentStatus.PENDING_REVIEW:
        return Wishes(appointment.preferred_dates, appointment.preferred_time_slots)
    request = await move_request_of(appointment)
    if request is None:
        return Wishes([], [])
    return Wishes(list(request.preferred_dates), list(request.preferred_time_slots))


def _starts(context: BotContext) -> list[datetime]:
    """The chosen times as practice wall-clock datetimes (naive)."""
    return [
        datetime.combine(date.fromisoformat(day), texts.time_of(minute))
        for day, minute in _draft(context)["times"]
    ]


# --- starting, and the checks of every step -------------------------------------------------------


async def begin(update: Update, context: BotContext) -> None:
    """Move or Propose times on a session's (or a pending request's) message."""
    data = parse(update, StaffAction)
    assert data is not None  # the pattern lets only well-formed data in
    if (found := await pressed_session(update, context, data)) is None:
        return
    staff, appointment = found
    if data.action == MOVE and appointment.status != AppointmentStatus.SCHEDULED:
        await show_outgrown(update, context, appointment)
        return
    await answer(update)
    previous = context.user_data.get(DRAFT)
    if previous is not None and previous["message_id"] != pressed_message_id(update):
        await _restore(context, staff, previous)  # a plan left half-way on another message
    assert update.effective_chat is not None
    context.user_data[DRAFT] = {
        "flow": data.action,
        "appointment": appointment.id.hex,
        "at": data.at,
        "chat_id": update.effective_chat.id,
        "message_id": pressed_message_id(update),
        "step": DAYS,
        "day": None,
        "times": [],
        "duration": None,
    }
    await _show_days(update, context, appointment)


async def _current(update: Update, context: BotContext) -> tuple[User, Appointment] | None:
    staff = await staff_account(update)
    if staff is None:
        context.user_data.pop(DRAFT, None)
        await tell(update, context, texts.STAFF_ONLY)
        return None
    draft = _draft(context)
    appointment = await get_appointment_for(staff, draft["appointment"])
    scheduled_only = draft["flow"] == MOVE
    if not is_current(appointment, draft["at"], scheduled_only=scheduled_only):
        context.user_data.pop(DRAFT, None)
        await show_outgrown(update, context, appointment)
        return None
    return staff, appointment


Pressed = StaffPress


def plan_step(kind: type[CallbackData]) -> Callable[[Step], Callable[..., Awaitable[None]]]:
    """A step runs only for a press on the message being planned, for its session, by
    someone still staff, while the session is as it was when the plan began."""
    return checked_step(kind, DRAFT, _current, gone=None)


async def _on_message(
    update: Update, context: BotContext, appointment: Appointment, footer: str, markup: Any
) -> None:
    """The session's message, with this step below it."""
    text, _ = await staff_view(context.settings, appointment, footer)
    await show(update, context, text, markup)


# --- the steps ------------------------------------------------------------------------------------


async def _show_days(update: Update, context: BotContext, appointment: Appointment) -> None:
    draft = _draft(context)
    today = practice_today(context.settings)
    wished = [
        d for d in (await _wishes(appointment)).preferred_dates if date.fromisoformat(d) >= today
    ]
    question = words.PLAN_DAY[draft["flow"]]
    if draft["times"]:
        question = f"{words.chosen_times(_labels(context))}\n{question}"
    if wished:
        draft["step"] = DAYS
        markup = buttons.plan_days(appointment.id, [date.fromisoformat(d) for d in wished])
    else:
        draft["step"] = CALENDAR
        markup = buttons.plan_calendar(appointment.id, today)
    await _on_message(update, context, appointment, question, markup)


@plan_step(PlanStep)
async def other_day(update: Update, context: BotContext, pressed: Pressed) -> None:
    await answer(update)
    _draft(context)["step"] = CALENDAR
    today = practice_today(context.settings)
    markup = buttons.plan_calendar(pressed.appointment.id, today)
    await _on_message(update, context, pressed.appointment, words.PLAN_OTHER_DAY, markup)


@plan_step(PlanDay)
async def pick_day(update: Update, context: BotContext, pressed: Pressed) -> None:
    day = pressed.data.day
    if day < practice_today(context.settings):
        await answer(update, texts.DAY_PASSED)
        return
    if not await _minutes(context, pressed.appointment, day):
        await answer(update, texts.NO_TIMES, alert=True)
        return
    await answer(update)
    _draft(context)["day"] = day.isoformat()
    await _show_times(update, context, pressed.appointment)


async def _minutes(context: BotContext, appointment: Appointment, day: date) -> list[int]:
    wishes = await _wishes(appointment)
    return await offered_starts(  # the rules' starts; the session itself moves out of the way
        context.settings,
        wishes,
        day,
        exclude_appointment_id=appointment.id,  # type: ignore[arg-type]
    )


async def _show_times(update: Update, context: BotContext, appointment: Appointment) -> None:
    draft = _draft(context)
    draft["step"] = TIMES
    day = date.fromisoformat(draft["day"])
    markup = buttons.plan_times(appointment.id, await _minutes(context, appointment, day))
    await _on_message(update, context, appointment, words.plan_time(format_short_date(day)), markup)


@plan_step(PlanTime)
async def pick_time(update: Update, context: BotContext, pressed: Pressed) -> None:
    draft = _draft(context)
    minute = pressed.data.minute
    if draft["day"] is None or not 0 <= minute < 24 * 60:
        await answer(update, texts.STALE_BUTTON)
        return
    # A time skipped by a daylight-saving jump is told by bot.errors (InvalidInput).
    localize(
        context.settings, datetime.combine(date.fromisoformat(draft["day"]), texts.time_of(minute))
    )
    await answer(update)
    chosen = [draft["day"], minute]
    if draft["flow"] == MOVE:
        draft["times"] = [chosen]
    elif chosen not in draft["times"]:
        draft["times"].append(chosen)
    if draft["flow"] == PROPOSE and len(draft["times"]) < words.MAX_PROPOSALS:
        draft["step"] = MORE
        markup = buttons.plan_more(pressed.appointment.id, can_add=True)
        text = words.chosen_times(_labels(context))
        await _on_message(update, context, pressed.appointment, text, markup)
        return
    await _show_lengths(update, context, pressed.appointment)


def _labels(context: BotContext) -> list[str]:
    return [short_time(context.settings, localize(context.settings, s)) for s in _starts(context)]


@plan_step(PlanStep)
async def more_times(update: Update, context: BotContext, pressed: Pressed) -> None:
    await answer(update)
    await _show_days(update, context, pressed.appointment)


@plan_step(PlanStep)
async def times_done(update: Update, context: BotContext, pressed: Pressed) -> None:
    await answer(update)
    await _show_lengths(update, context, pressed.appointment)


async def _show_lengths(update: Update, context: BotContext, appointment: Appointment) -> None:
    _draft(context)["step"] = LENGTHS
    markup = buttons.plan_lengths(appointment.id)
    await _on_message(update, context, appointment, words.PLAN_DURATION, markup)


@plan_step(PlanLength)
async def pick_length(update: Update, context: BotContext, pressed: Pressed) -> None:
    draft = _draft(context)
    if not draft["times"] or pressed.data.minutes not in DURATIONS:
        await answer(update, texts.STALE_BUTTON)
        return
    await answer(update)
    draft["duration"] = pressed.data.minutes
    await _show_confirm(update, context, pressed.appointment)


async def _show_confirm(update: Update, context: BotContext, appointment: Appointment) -> None:
    """The summary, with every clash of every chosen time shown first."""
    draft = _draft(context)
    draft["step"] = CONFIRM
    minutes = draft["duration"]
    labels = _labels(context)
    blocking, warnings = [], []
    for start, label in zip(_starts(context), labels, strict=True):
        found = await find_clashes(
            context.settings,
            localize(context.settings, start),
            minutes,
            exclude_appointment_id=appointment.id,
        )
        prefix = f"{label} " if len(labels) > 1 else ""
        blocking += [f"{prefix}{c.detail}" for c in found if not c.overridable]
        warnings += [f"{prefix}{c.detail}" for c in found if c.overridable]
    text = words.plan_confirm(draft["flow"], labels, format_duration(minutes), blocking, warnings)
    markup = buttons.plan_confirm(appointment.id, blocked=bool(blocking), warned=bool(warnings))
    await _on_message(update, context, appointment, text, markup)


@plan_step(PlanStep)
async def confirm(update: Update, context: BotContext, pressed: Pressed) -> None:
    await _decide(update, context, pressed, override=False)


@plan_step(PlanStep)
async def confirm_anyway(update: Update, context: BotContext, pressed: Pressed) -> None:
    await _decide(update, context, pressed, override=True)


async def _decide(update: Update, context: BotContext, pressed: Pressed, *, override: bool) -> None:
    """The move or the proposals, through the same services as the API."""
    draft = _draft(context)
    if draft["duration"] is None or not draft["times"]:
        await answer(update, texts.STALE_BUTTON)
        return
    staff, appointment = pressed.staff, pressed.appointment
    async with one_press_at_a_time(context, appointment.id):
        fresh = await get_appointment_for(staff, appointment.id)  # a colleague may have acted
        if not is_current(fresh, draft["at"], scheduled_only=draft["flow"] == MOVE):
            context.user_data.pop(DRAFT, None)
            await show_outgrown(update, context, fresh)
            return
        try:
            changed = await _apply(context, staff, appointment, override)
        except Conflict as exc:
            # A session took the time meanwhile: shown again, with the clash.
            await tell_error(update, context, exc)
            await _show_confirm(update, context, appointment)
            return
        except InvalidInput as exc:
            # E.g. the time passed while the summary was shown: pick again.
            await tell_error(update, context, exc)
            draft["times"], draft["duration"] = [], None
            await _show_days(update, context, appointment)
            return
    labels = _labels(context)
    context.user_data.pop(DRAFT, None)
    by = "you"  # the outcome shows on the presser's own message (as a decision does)
    if draft["flow"] == MOVE:
        outcome = words.moved_by(by, labels[0])
    else:
        outcome = words.proposed_by(by, labels)
    await answer(update, words.outcome_toast(outcome))
    text, markup = await staff_view(context.settings, changed, outcome)
    await show(update, context, text, markup)


async def _apply(
    context: BotContext, staff: User, appointment: Appointment, override: bool
) -> Appointment:
    draft = _draft(context)
    starts = _starts(context)
    if draft["flow"] == MOVE:
        return await reschedule_appointment(
            context.settings, appointment.id, staff, starts[0], draft["duration"], override=override
        )
    return await propose_times(
        context.settings, appointment.id, staff, starts, draft["duration"], override=override
    )


@plan_step(PlanStep)
async def step_back(update: Update, context: BotContext, pressed: Pressed) -> None:
    """Back: one step earlier (Pick another time on the summary drops the last time)."""
    await answer(update)
    draft = _draft(context)
    step = draft["step"]
    if step == CONFIRM or (step == LENGTHS and draft["flow"] == MOVE) or step == MORE:
        draft["duration"] = None
        if draft["times"]:
            draft["day"] = draft["times"].pop()[0]
        await _show_times(update, context, pressed.appointment)
    elif step == LENGTHS:
        draft["step"] = MORE
        markup = buttons.plan_more(
            pressed.appointment.id, can_add=len(draft["times"]) < words.MAX_PROPOSALS
        )
        await _on_message(
            update, context, pressed.appointment, words.chosen_times(_labels(context)), markup
        )
    elif step in (TIMES, CALENDAR):
        await _show_days(update, context, pressed.appointment)
    else:
        await _cancel(update, context, pressed.staff)


async def cancel_button(update: Update, context: BotContext) -> None:
    draft = context.user_data.get(DRAFT)
    data = parse(update, PlanStep)
    if draft is None or data is None or pressed_message_id(update) != draft["message_id"]:
        await answer(update, texts.STALE_BUTTON)
        return
    await answer(update, words.PLAN_CANCELLED)
    await _cancel(update, context, await require_staff(update))


async def _cancel(update: Update, context: BotContext, staff: User) -> None:
    draft = context.user_data.pop(DRAFT, None)
    if draft is not None:
        await _restore(context, staff, draft)


async def _restore(context: BotContext, staff: User, draft: dict[str, Any]) -> None:
    """The message of an abandoned plan shows its session again, with its buttons."""
    appointment = await get_appointment_for(staff, draft["appointment"])
    text, markup = await staff_view(context.settings, appointment)
    await edit(context, draft["chat_id"], draft["message_id"], text, markup)


def planner_handlers() -> list[BaseHandler]:
    def step(action: str) -> Any:
        return PlanStep.filter(action=action)

    return [
        CallbackQueryHandler(begin, pattern=StaffAction.filter(action=MOVE)),
        CallbackQueryHandler(begin, pattern=StaffAction.filter(action=PROPOSE)),
        CallbackQueryHandler(pick_day, pattern=PlanDay.filter()),
        CallbackQueryHandler(other_day, pattern=step("other_day")),
        CallbackQueryHandler(pick_time, pattern=PlanTime.filter()),
        CallbackQueryHandler(more_times, pattern=step("more")),
        CallbackQueryHandler(times_done, pattern=step("done")),
        CallbackQueryHandler(pick_length, pattern=PlanLength.filter()),
        CallbackQueryHandler(confirm, pattern=step("confirm")),
        CallbackQueryHandler(confirm_anyway, pattern=step("override")),
        CallbackQueryHandler(step_back, pattern=step("back")),
        CallbackQueryHandler(cancel_button, pattern=step("cancel")),
    ]
