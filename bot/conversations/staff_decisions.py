"""The therapist decides a request from the buttons on its message: Schedule or Reject.

Schedule -> a day (the client's preferred dates, or another) -> a start time inside the
slots -> a duration -> confirm, with overlapping sessions shown first; Reject -> a reason
typed or skipped. The request's message is edited at each step and finally shows the outcome.
Every press re-checks that the presser is staff and what the request's state is now
(`decision_step`): a second press, or a colleague who decided first, changes nothing and is
told who decided what. The decision itself is `schedule_appointment` / `reject_appointment`,
where exactly one of two simultaneous decisions wins.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from booking.agenda import decider_of, offered_starts, preferred_days_ahead
from booking.appointments import (
    get_appointment_for,
    reject_appointment,
    schedule_appointment,
)
from booking.availability import find_clashes, localize, practice_today
from booking.errors import Conflict, InvalidInput, NotFound
from booking.formatting import format_duration, format_practice_time
from booking.messages.chat import reference
from bot import keyboards, session_keyboards, texts
from bot.callbacks import (
    CallbackData,
    DecideRequest,
    StaffDay,
    StaffDuration,
    StaffStep,
    StaffTime,
    minute_stamp,
)
from bot.context import BotContext
from bot.conversations.common import (
    END,
    StaffPress,
    Step,
    answer,
    checked_step,
    conversation,
    edit,
    live_press,
    parse,
    pressed_message_id,
    require_staff,
    say,
    show,
    staff_account,
    tell,
    use_the_buttons,
)
from bot.errors import tell_error
from models import Appointment, AppointmentStatus, User

DAY, TIME, DURATION, CONFIRM, REASON = "day", "time", "duration", "confirm", "reason"
DRAFT = "decision"

State = str | int | None


def request_card(appointment: Appointment) -> str:
    """The request as the therapist sees it: on its message, and in /pending (who and why
    behind Show details)."""
    return texts.request_card(
        reference=reference(appointment.id),
        preferred_dates=appointment.preferred_dates,
        preferred_slots=appointment.preferred_time_slots,
    )


async def _outcome(context: BotContext, appointment: Appointment, reader: int | None) -> str:
    """Who decided what, for a request that is no longer pending, as `reader` (a Telegram
    user id) sees it: their own decision is "you"."""
    decider = await decider_of(appointment)
    by = "a colleague"
    if decider is not None:
        is_reader = reader is not None and decider.telegram_user_id == reader
        by = texts.decider_name(decider.first_name, decider.email, is_reader=is_reader)
    if appointment.status == AppointmentStatus.SCHEDULED and appointment.scheduled_datetime:
        return texts.outcome_scheduled(
            by,
            format_practice_time(context.settings, appointment.scheduled_datetime),
            format_duration(appointment.scheduled_duration or 60),
        )
    if appointment.status == AppointmentStatus.REJECTED:
        return texts.outcome_rejected(by)
    return f"This request is {appointment.status.value.replace('_', ' ')}."


def _draft(context: BotContext) -> dict[str, Any]:
    return context.user_data[DRAFT]


def _card_with(appointment: Appointment, footer: str) -> str:
    return texts.card_with(request_card(appointment), footer)


async def _show_outcome(
    update: Update, context: BotContext, appointment: Appointment, note: str = ""
) -> str:
    """The request's own message shows who decided what (and `note` under it), without the
    decision's buttons; the draft ends."""
    reader = update.effective_user.id if update.effective_user else None
    outcome = await _outcome(context, appointment, reader)
    text = _card_with(appointment, f"{outcome}\n{note}" if note else outcome)
    markup = None
    if appointment.status == AppointmentStatus.SCHEDULED:
        # The request's message is now the session's: Move / Propose times / Cancel.
        at = minute_stamp(appointment.scheduled_datetime)
        markup = session_keyboards.session_actions(appointment.id, at)
    draft = context.user_data.pop(DRAFT, None)
    if update.callback_query is not None:
        await show(update, context, text, markup)
    elif draft is not None:  # typed text: the request's message is further up
        await edit(context, draft["chat_id"], draft["message_id"], text, markup)
    return outcome


async def _show_decided(update: Update, context: BotContext, appointment: Appointment) -> int:
    """The request was decided already: show the outcome on its message, change nothing."""
    outcome = await _show_outcome(update, context, appointment)
    await tell(update, context, texts.already_decided(outcome))
    return END


async def _current(update: Update, context: BotContext) -> tuple[User, Appointment] | None:
    """Re-check on every step: still staff, the request still there and still pending.

    When not, the person is told why and the draft is dropped (the conversation ends).
    """
    staff = await staff_account(update)
    if staff is None:
        await tell(update, context, texts.STAFF_ONLY)
        context.user_data.pop(DRAFT, None)
        return None
    try:
        appointment = await get_appointment_for(staff, _draft(context)["appointment"])
    except NotFound as exc:
        await tell_error(update, context, exc)
        context.user_data.pop(DRAFT, None)
        return None
    if appointment.status != AppointmentStatus.PENDING_REVIEW:
        await _show_decided(update, context, appointment)
        return None
    return staff, appointment


Pressed = StaffPress


def decision_step(kind: type[CallbackData]) -> Callable[[Step], Callable[..., Awaitable[State]]]:
    """A step runs only for a press on the message being decided, for the request being
    decided, by someone still staff, while the request is still pending."""
    return checked_step(kind, DRAFT, _current, gone=END)


# --- the steps ----------------------------------------------------------------------------


async def decide(update: Update, context: BotContext) -> State:
    """Schedule or Reject pressed on a request."""
    data = parse(update, DecideRequest)
    assert data is not None  # DecideRequest.filter() lets only well-formed data in
    staff = await require_staff(update)
    appointment = await get_appointment_for(staff, data.appointment, audit=True)
    if appointment.status != AppointmentStatus.PENDING_REVIEW:
        return await _show_decided(update, context, appointment)
    await answer(update)
    assert update.effective_chat is not None
    previous = context.user_data.get(DRAFT)
    if previous is not None and previous["message_id"] != pressed_message_id(update):
        # Another request's decision was left half-way: give that request its buttons back.
        await _restore(context, staff, previous)
    context.user_data[DRAFT] = {
        "appointment": appointment.id.hex,
        "message_id": pressed_message_id(update),
        "chat_id": update.effective_chat.id,
        "day": None,
        "minute": None,
        "duration": None,
    }
    if data.action == "reject":
        text = _card_with(appointment, texts.ASK_REJECT_REASON)
        await show(update, context, text, keyboards.reject_reason(appointment.id))
        return REASON
    return await show_days(update, context, appointment)


async def show_days(update: Update, context: BotContext, appointment: Appointment) -> str:
    days = preferred_days_ahead(appointment, practice_today(context.settings))
    text = _card_with(appointment, texts.ASK_STAFF_DAY)
    await show(update, context, text, keyboards.staff_days(appointment.id, days))
    return DAY


@decision_step(StaffStep)
async def other_day(update: Update, context: BotContext, pressed: Pressed) -> State:
    """Another day: a calendar from today on."""
    await answer(update)
    today = practice_today(context.settings)
    text = _card_with(pressed.appointment, texts.ASK_OTHER_DAY)
    await show(update, context, text, keyboards.staff_calendar(pressed.appointment.id, today))
    return DAY


@decision_step(StaffDay)
async def pick_day(update: Update, context: BotContext, pressed: Pressed) -> State:
    day = pressed.data.day
    if day < practice_today(context.settings):
        await answer(update, texts.DAY_PASSED)
        return None
    if not await offered_starts(context.settings, pressed.appointment, day):
        await answer(update, texts.NO_TIMES, alert=True)
        return None
    await answer(update)
    _draft(context)["day"] = day.isoformat()
    return await show_times(update, context, pressed.appointment)


async def show_times(update: Update, context: BotContext, appointment: Appointment) -> str:
    day = date.fromisoformat(_draft(context)["day"])
    minutes = await offered_starts(context.settings, appointment, day)
    text = _card_with(appointment, texts.ask_staff_time(day))
    await show(update, context, text, keyboards.staff_times(appointment.id, minutes))
    return TIME


@decision_step(StaffTime)
async def pick_time(update: Update, context: BotContext, pressed: Pressed) -> State:
    if not 0 <= pressed.data.minute < 24 * 60:
        await answer(update, texts.STALE_BUTTON)
        return None
    await answer(update)
    _draft(context)["minute"] = pressed.data.minute
    text = _card_with(pressed.appointment, texts.ASK_DURATION)
    await show(update, context, text, keyboards.staff_durations(pressed.appointment.id))
    return DURATION


def chosen_start(context: BotContext) -> datetime:
    """The chosen start as a practice wall-clock datetime (naive)."""
    draft = _draft(context)
    day = date.fromisoformat(draft["day"])
    return datetime.combine(day, texts.time_of(draft["minute"]))


@decision_step(StaffDuration)
async def pick_duration(update: Update, context: BotContext, pressed: Pressed) -> State:
    # InvalidInput (a time skipped by a daylight-saving jump) is told by bot.errors.
    start = localize(context.settings, chosen_start(context))
    await answer(update)
    _draft(context)["duration"] = pressed.data.minutes
    return await _show_confirm(update, context, pressed.appointment, start, pressed.data.minutes)


async def _show_confirm(
    update: Update,
    context: BotContext,
    appointment: Appointment,
    start: datetime,
    minutes: int,
) -> str:
    """The summary before confirming: an overlapping session withholds Confirm; a buffer, a
    blocked day or the daily cap turns it into "Schedule anyway" (override)."""
    clashes = await find_clashes(
        context.settings, start, minutes, exclude_appointment_id=appointment.id
    )
    blocking = [c.detail for c in clashes if not c.overridable]
    warnings = [c.detail for c in clashes if c.overridable]
    when = format_practice_time(context.settings, start)
    summary = texts.staff_confirm(when, format_duration(minutes), blocking, warnings)
    text = _card_with(appointment, summary)
    markup = keyboards.staff_confirm(appointment.id, conflict=bool(blocking), anyway=bool(warnings))
    await show(update, context, text, markup)
    return CONFIRM


@decision_step(StaffStep)
async def confirm(update: Update, context: BotContext, pressed: Pressed) -> State:
    """Confirm (or Schedule anyway): the appointments service decides; exactly one of two
    therapists wins."""
    try:
        scheduled = await schedule_appointment(
            context.settings,
            pressed.appointment.id,
            pressed.staff,
            chosen_start(context),
            _draft(context)["duration"],
            override=pressed.data.action == "override",
        )
    except Conflict as exc:
        if (ended := await decided_meanwhile(update, context, pressed, exc)) is not None:
            return ended
        # Another session took the time meanwhile: pick again.
        return await show_times(update, context, pressed.appointment)
    except InvalidInput as exc:
        # E.g. the start passed while the summary was shown: pick the day again.
        await tell_error(update, context, exc)
        return await show_days(update, context, pressed.appointment)
    return await decided(update, context, scheduled, texts.SCHEDULED_TOAST)


@decision_step(StaffStep)
async def step_back(update: Update, context: BotContext, pressed: Pressed) -> State:
    """Back: one step earlier (the chosen values stay as they were)."""
    await answer(update)
    draft = _draft(context)
    if draft["duration"] is not None:
        draft["duration"] = None
        return await show_times(update, context, pressed.appointment)
    if draft["minute"] is not None:
        draft["minute"] = None
        return await show_times(update, context, pressed.appointment)
    draft["day"] = None
    return await show_days(update, context, pressed.appointment)


async def reason_typed(update: Update, context: BotContext) -> State:
    """The reason, typed: the request is rejected with it (its length is the service's rule)."""
    reason = (update.message.text or "").strip() if update.message else ""
    if (found := await _current(update, context)) is None:
        return END
    return await _reject(update, context, Pressed(None, *found), reason or None)


@decision_step(StaffStep)
async def reason_skipped(update: Update, context: BotContext, pressed: Pressed) -> State:
    return await _reject(update, context, pressed, None)


async def _reject(
    update: Update, context: BotContext, pressed: Pressed, reason: str | None
) -> State:
    staff, appointment = pressed.staff, pressed.appointment
    try:
        rejected = await reject_appointment(context.settings, appointment.id, staff, reason)
    except Conflict as exc:
        return await decided_meanwhile(update, context, pressed, exc)
    return await decided(update, context, rejected, texts.REJECTED_TOAST)


async def decided_meanwhile(
    update: Update, context: BotContext, pressed: Pressed, exc: Conflict
) -> int | None:
    """After a Conflict: a colleague decided first (shown, END), or else the conflict is told
    and the step stays (None)."""
    fresh = await get_appointment_for(pressed.staff, pressed.appointment.id)
    if fresh.status != AppointmentStatus.PENDING_REVIEW:
        return await _show_decided(update, context, fresh)
    await tell_error(update, context, exc)
    return None


async def decided(
    update: Update, context: BotContext, appointment: Appointment, toast: str, note: str = ""
) -> int:
    """Decided: the request's message shows the outcome; a toast for a press."""
    outcome = await _show_outcome(update, context, appointment, note)
    await answer(update, toast)
    if update.callback_query is None:
        await say(update, context, f"Done. {outcome}")
    return END


async def cancel(update: Update, context: BotContext) -> int:
    """Cancel (button or /cancel): put the request back as it was, with its buttons."""
    draft = context.user_data.pop(DRAFT, None)
    await answer(update)
    staff = await staff_account(update)
    if draft is not None and staff is not None:
        await _restore(context, staff, draft)
    if update.callback_query is None:
        await say(update, context, texts.DECISION_CANCELLED)
    return END


async def _restore(context: BotContext, staff: User, draft: dict[str, Any]) -> None:
    """Show an abandoned decision's request with Schedule / Reject again (if still pending)."""
    try:
        appointment = await get_appointment_for(staff, draft["appointment"])
    except NotFound:
        return  # nothing to give buttons back to
    if appointment.status == AppointmentStatus.PENDING_REVIEW:
        await edit(
            context,
            draft["chat_id"],
            draft["message_id"],
            request_card(appointment),
            keyboards.request_actions(appointment.id),
        )


async def cancel_button(update: Update, context: BotContext) -> State:
    if await live_press(update, context, StaffStep, DRAFT) is None:
        return None
    return await cancel(update, context)


def build_staff_conversation(
    extra_states: Mapping[str, Sequence[BaseHandler]] | None = None,
    extra_callbacks: Sequence[type[CallbackData]] = (),
) -> ConversationHandler:
    """The decision's conversation; `extra_states` adds handlers to states (tried first) or
    new states, e.g. the series steps of `bot.conversations.series`."""
    buttons_only = MessageHandler(~filters.COMMAND, use_the_buttons)
    back = CallbackQueryHandler(step_back, pattern=StaffStep.filter(action="back"))
    cancel_pressed = CallbackQueryHandler(cancel_button, pattern=StaffStep.filter(action="cancel"))
    states: dict[object, list[BaseHandler]] = {
        DAY: [
            CallbackQueryHandler(pick_day, pattern=StaffDay.filter()),
            CallbackQueryHandler(other_day, pattern=StaffStep.filter(action="other_day")),
            back,
            cancel_pressed,
            buttons_only,
        ],
        TIME: [
            CallbackQueryHandler(pick_time, pattern=StaffTime.filter()),
            back,
            cancel_pressed,
            buttons_only,
        ],
        DURATION: [
            CallbackQueryHandler(pick_duration, pattern=StaffDuration.filter()),
            back,
            cancel_pressed,
            buttons_only,
        ],
        CONFIRM: [
            CallbackQueryHandler(confirm, pattern=StaffStep.filter(action="confirm")),
            CallbackQueryHandler(confirm, pattern=StaffStep.filter(action="override")),
            back,
            cancel_pressed,
            buttons_only,
        ],
        REASON: [
            MessageHandler(filters.TEXT & ~filters.COMMAND, reason_typed),
            CallbackQueryHandler(reason_skipped, pattern=StaffStep.filter(action="skip")),
            cancel_pressed,
            buttons_only,
        ],
    }
    for state, handlers in (extra_states or {}).items():
        states[state] = [*handlers, *states.get(state, [])]
    return conversation(
        "staff_decision",
        entry_points=[CallbackQueryHandler(decide, pattern=DecideRequest.filter())],
        states=states,
        fallbacks=[],
        cancel=cancel,
        own_callbacks=(StaffDay, StaffTime, StaffDuration, StaffStep, *extra_callbacks),
    )
