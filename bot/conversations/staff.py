"""The therapist's side: decide requests from their buttons, and /pending, /today,
/availability, /stats.

Deciding (`build_staff_conversation`): Schedule -> a day (the client's preferred dates, or
another) -> a start time inside the slots -> a duration -> confirm, with overlapping sessions
shown first; Reject -> a reason typed or skipped. The request's message is edited at each
step and finally shows the outcome. Every press re-checks that the presser is staff and
what the request's state is now: a second press, or a colleague who decided first, changes
nothing and is told who decided what. The decision itself is `schedule_appointment` /
`reject_appointment`, where exactly one of two simultaneous decisions wins.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from booking.appointments import (
    REJECTION_REASON_MAX,
    find_conflicts,
    get_appointment_for,
    pending_requests,
    reject_appointment,
    schedule_appointment,
    sessions_on,
    stats,
)
from booking.availability import (
    SLOT_HOURS,
    get_availability,
    localize,
    practice_today,
    set_available_days,
)
from booking.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from booking.meetings import format_duration, format_practice_time, meeting_info, meeting_status
from bot import keyboards, texts
from bot.callbacks import (
    DecideRequest,
    StaffDay,
    StaffDuration,
    StaffStep,
    StaffTime,
    ToggleWeekday,
)
from bot.context import BotContext
from bot.conversations.common import (
    END,
    account_of,
    answer,
    conversation,
    edit,
    error_messages,
    parse,
    pressed_message_id,
    say,
    show,
)
from models import Appointment, AppointmentStatus, User

DAY, TIME, DURATION, CONFIRM, REASON = "day", "time", "duration", "confirm", "reason"
DRAFT = "decision"
PENDING_SHOWN = 10


# --- shared -----------------------------------------------------------------------------------


async def _staff(update: Update) -> User | None:
    """The presser's account if it is an active staff account."""
    account = await account_of(update)
    if account is None or not account.is_staff or not account.is_active:
        return None
    return account


def _card(appointment: Appointment) -> str:
    return texts.request_card(
        first_name=appointment.first_name,
        last_name=appointment.last_name,
        preferred_dates=appointment.preferred_dates,
        preferred_slots=appointment.preferred_time_slots,
        reason=appointment.reason,
        email=appointment.email,
        phone=appointment.phone,
    )


async def _outcome(context: BotContext, appointment: Appointment) -> str:
    """Who decided what, for a request that is no longer pending."""
    await appointment.fetch_related("decided_by")
    decider: User | None = appointment.decided_by
    by = decider.first_name if decider is not None and decider.first_name else "a colleague"
    if appointment.status == AppointmentStatus.SCHEDULED and appointment.scheduled_datetime:
        return texts.outcome_scheduled(
            by,
            format_practice_time(context.settings, appointment.scheduled_datetime),
            format_duration(appointment.scheduled_duration or 60),
        )
    if appointment.status == AppointmentStatus.REJECTED:
        return texts.outcome_rejected(by, appointment.rejection_reason)
    return f"This request is {appointment.status.value.replace('_', ' ')}."


async def _tell(update: Update, context: BotContext, text: str) -> None:
    """A pop-up for a press; a message for typed text (which has no pop-up)."""
    if update.callback_query is not None:
        await answer(update, text, alert=True)
    else:
        await say(update, context, text)


async def _show_decided(update: Update, context: BotContext, appointment: Appointment) -> int:
    """The request was decided already: show the outcome on its message, change nothing."""
    outcome = await _outcome(context, appointment)
    text = texts.card_with(_card(appointment), outcome)
    draft = context.user_data.pop(DRAFT, None)
    if update.callback_query is not None:
        await answer(update, texts.already_decided(outcome), alert=True)
        await show(update, context, text)
    else:
        if draft is not None:
            await _edit_request(context, draft, text)
        await say(update, context, texts.already_decided(outcome))
    return END


def _draft(context: BotContext) -> dict[str, Any]:
    return context.user_data[DRAFT]


async def _live(update: Update, context: BotContext, kind: type) -> Any:
    """The pressed data if it belongs to the request and message being decided; else None."""
    data = parse(update, kind)
    draft = context.user_data.get(DRAFT)
    if (
        data is None
        or draft is None
        or data.appointment.hex != draft["appointment"]
        or pressed_message_id(update) != draft["message_id"]
    ):
        await answer(update, texts.STALE_BUTTON)
        return None
    return data


async def _current(update: Update, context: BotContext) -> tuple[User, Appointment] | None:
    """Re-check on every step: still staff, the request still there and still pending."""
    staff = await _staff(update)
    if staff is None:
        await _tell(update, context, texts.STAFF_ONLY)
        context.user_data.pop(DRAFT, None)
        return None
    try:
        appointment = await get_appointment_for(staff, _draft(context)["appointment"])
    except NotFound:
        await _tell(update, context, texts.REQUEST_GONE)
        context.user_data.pop(DRAFT, None)
        return None
    if appointment.status != AppointmentStatus.PENDING_REVIEW:
        await _show_decided(update, context, appointment)
        return None
    return staff, appointment


def _preferred_days(appointment: Appointment, today: date) -> list[date]:
    days = [date.fromisoformat(d) for d in appointment.preferred_dates]
    return [d for d in days if d >= today]


def _start_minutes(context: BotContext, appointment: Appointment, day: date) -> list[int]:
    """Start times inside the client's slots (all slots on a day they did not ask for)."""
    asked = day.isoformat() in appointment.preferred_dates
    slots = appointment.preferred_time_slots if asked else list(SLOT_HOURS)
    minutes = keyboards.slot_start_minutes(slots)
    now = datetime.now(context.settings.zone)
    if day == now.date():
        minutes = [m for m in minutes if m > now.hour * 60 + now.minute]
    return minutes


def _start(context: BotContext) -> datetime:
    """The chosen start as a practice wall-clock datetime (naive)."""
    draft = _draft(context)
    day = date.fromisoformat(draft["day"])
    return datetime.combine(day, texts.time_of(draft["minute"]))


# --- deciding ---------------------------------------------------------------------------------


async def decide(update: Update, context: BotContext) -> str | int:
    """Schedule or Reject pressed on a request."""
    data = parse(update, DecideRequest)
    if data is None:
        await answer(update, texts.STALE_BUTTON)
        return END
    staff = await _staff(update)
    if staff is None:
        await answer(update, texts.STAFF_ONLY, alert=True)
        return END
    try:
        appointment = await get_appointment_for(staff, data.appointment)
    except NotFound:
        await answer(update, texts.REQUEST_GONE, alert=True)
        return END
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
        text = texts.card_with(_card(appointment), texts.ASK_REJECT_REASON)
        await show(update, context, text, keyboards.reject_reason(appointment.id))
        return REASON
    return await _show_days(update, context, appointment)


async def _show_days(update: Update, context: BotContext, appointment: Appointment) -> str:
    today = practice_today(context.settings)
    days = _preferred_days(appointment, today)
    text = texts.card_with(_card(appointment), texts.ASK_STAFF_DAY)
    await show(update, context, text, keyboards.staff_days(appointment.id, days))
    return DAY


async def other_day(update: Update, context: BotContext) -> str | int | None:
    if await _live(update, context, StaffStep) is None:
        return None
    if (found := await _current(update, context)) is None:
        return END
    _, appointment = found
    await answer(update)
    today = practice_today(context.settings)
    text = texts.card_with(_card(appointment), texts.ASK_OTHER_DAY)
    await show(update, context, text, keyboards.staff_calendar(appointment.id, today))
    return DAY


async def pick_day(update: Update, context: BotContext) -> str | int | None:
    data = await _live(update, context, StaffDay)
    if data is None:
        return None
    if (found := await _current(update, context)) is None:
        return END
    _, appointment = found
    if data.day < practice_today(context.settings):
        await answer(update, "That day has passed.")
        return None
    minutes = _start_minutes(context, appointment, data.day)
    if not minutes:
        await answer(update, texts.NO_TIMES, alert=True)
        return None
    await answer(update)
    _draft(context)["day"] = data.day.isoformat()
    return await _show_times(update, context, appointment)


async def _show_times(update: Update, context: BotContext, appointment: Appointment) -> str:
    day = date.fromisoformat(_draft(context)["day"])
    minutes = _start_minutes(context, appointment, day)
    text = texts.card_with(_card(appointment), texts.ask_staff_time(day))
    await show(update, context, text, keyboards.staff_times(appointment.id, minutes))
    return TIME


async def pick_time(update: Update, context: BotContext) -> str | int | None:
    data = await _live(update, context, StaffTime)
    if data is None:
        return None
    if (found := await _current(update, context)) is None:
        return END
    _, appointment = found
    if not 0 <= data.minute < 24 * 60:
        await answer(update, texts.STALE_BUTTON)
        return None
    await answer(update)
    _draft(context)["minute"] = data.minute
    text = texts.card_with(_card(appointment), texts.ASK_DURATION)
    await show(update, context, text, keyboards.staff_durations(appointment.id))
    return DURATION


async def pick_duration(update: Update, context: BotContext) -> str | int | None:
    data = await _live(update, context, StaffDuration)
    if data is None:
        return None
    if (found := await _current(update, context)) is None:
        return END
    _, appointment = found
    try:
        start = localize(context.settings, _start(context))
    except InvalidInput as exc:
        await answer(update, " ".join(error_messages(exc.errors)), alert=True)
        return None
    await answer(update)
    _draft(context)["duration"] = data.minutes
    return await _show_confirm(update, context, appointment, start, data.minutes)


async def _show_confirm(
    update: Update,
    context: BotContext,
    appointment: Appointment,
    start: datetime,
    minutes: int,
) -> str:
    """The summary before confirming; overlapping sessions are shown instead of Confirm."""
    clashes = await find_conflicts(start, minutes, exclude_id=appointment.id)
    described = [
        f"{format_practice_time(context.settings, c.scheduled_datetime)}, "  # type: ignore[arg-type]
        f"{format_duration(c.scheduled_duration or 60)}"
        for c in clashes
    ]
    when = format_practice_time(context.settings, start)
    text = texts.card_with(
        _card(appointment), texts.staff_confirm(when, format_duration(minutes), described)
    )
    await show(
        update, context, text, keyboards.staff_confirm(appointment.id, conflict=bool(clashes))
    )
    return CONFIRM


async def confirm(update: Update, context: BotContext) -> str | int | None:
    """Confirm: the appointments service decides; exactly one of two therapists wins."""
    if await _live(update, context, StaffStep) is None:
        return None
    if (found := await _current(update, context)) is None:
        return END
    staff, appointment = found
    draft = _draft(context)
    try:
        scheduled = await schedule_appointment(
            context.settings, appointment.id, staff, _start(context), draft["duration"]
        )
    except Conflict as exc:
        fresh = await get_appointment_for(staff, appointment.id)
        if fresh.status != AppointmentStatus.PENDING_REVIEW:
            return await _show_decided(update, context, fresh)
        # Another session took the time meanwhile: show it and pick again.
        await answer(update, exc.detail, alert=True)
        return await _show_times(update, context, appointment)
    except InvalidInput as exc:
        await answer(update, " ".join(error_messages(exc.errors)), alert=True)
        return await _show_days(update, context, appointment)
    except PermissionDenied:
        await answer(update, texts.STAFF_ONLY, alert=True)
        context.user_data.pop(DRAFT, None)
        return END
    context.wake_dispatcher()
    await answer(update, "Scheduled. The client gets the link.")
    outcome = await _outcome(context, scheduled)
    await show(update, context, texts.card_with(_card(scheduled), outcome))
    context.user_data.pop(DRAFT, None)
    return END


async def step_back(update: Update, context: BotContext) -> str | int | None:
    """Back: one step earlier (the chosen values stay as they were)."""
    if await _live(update, context, StaffStep) is None:
        return None
    if (found := await _current(update, context)) is None:
        return END
    _, appointment = found
    await answer(update)
    draft = _draft(context)
    if draft["duration"] is not None:
        draft["duration"] = None
        return await _show_times(update, context, appointment)
    if draft["minute"] is not None:
        draft["minute"] = None
        return await _show_times(update, context, appointment)
    draft["day"] = None
    return await _show_days(update, context, appointment)


async def reason_typed(update: Update, context: BotContext) -> str | int | None:
    reason = (update.message.text or "").strip() if update.message else ""
    if len(reason) > REJECTION_REASON_MAX:
        await say(
            update, context, f"Please keep the reason under {REJECTION_REASON_MAX} characters."
        )
        return None
    return await _reject(update, context, reason or None)


async def reason_skipped(update: Update, context: BotContext) -> str | int | None:
    if await _live(update, context, StaffStep) is None:
        return None
    return await _reject(update, context, None)


async def _reject(update: Update, context: BotContext, reason: str | None) -> str | int | None:
    if (found := await _current(update, context)) is None:
        if update.callback_query is None:
            await say(update, context, "Nothing was changed: the request was already decided.")
        return END
    staff, appointment = found
    draft = _draft(context)
    try:
        rejected = await reject_appointment(context.settings, appointment.id, staff, reason)
    except Conflict:
        fresh = await get_appointment_for(staff, appointment.id)
        outcome = await _outcome(context, fresh)
        await edit(
            context, draft["chat_id"], draft["message_id"], texts.card_with(_card(fresh), outcome)
        )
        await answer(update, texts.already_decided(outcome), alert=True)
        if update.callback_query is None:
            await say(update, context, texts.already_decided(outcome))
        context.user_data.pop(DRAFT, None)
        return END
    except (InvalidInput, PermissionDenied) as exc:
        await _tell(update, context, exc.detail)
        return None
    context.wake_dispatcher()
    outcome = await _outcome(context, rejected)
    await edit(
        context, draft["chat_id"], draft["message_id"], texts.card_with(_card(rejected), outcome)
    )
    await answer(update, "Rejected. The client is told.")
    if update.callback_query is None:
        await say(update, context, f"Done. {outcome}")
    context.user_data.pop(DRAFT, None)
    return END


async def _edit_request(context: BotContext, draft: dict[str, Any], text: str) -> None:
    """Edit the request's message (the reason was typed below it, so it is not the update's)."""
    await edit(context, draft["chat_id"], draft["message_id"], text)


async def cancel(update: Update, context: BotContext) -> int:
    """Cancel (button or /cancel): put the request back as it was, with its buttons."""
    draft = context.user_data.pop(DRAFT, None)
    await answer(update)
    staff = await _staff(update)
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
        return
    if appointment.status == AppointmentStatus.PENDING_REVIEW:
        await edit(
            context,
            draft["chat_id"],
            draft["message_id"],
            _card(appointment),
            keyboards.request_actions(appointment.id),
        )


async def cancel_button(update: Update, context: BotContext) -> int | None:
    if await _live(update, context, StaffStep) is None:
        return None
    return await cancel(update, context)


async def use_the_buttons(update: Update, context: BotContext) -> None:
    await say(update, context, texts.USE_BUTTONS)


def _step(action: str) -> Any:
    def matches(data: object) -> bool:
        return StaffStep.matches(data) and str(data).split(":")[1] == action

    return matches


def build_staff_conversation() -> ConversationHandler:
    buttons_only = MessageHandler(~filters.COMMAND, use_the_buttons)
    back = CallbackQueryHandler(step_back, pattern=_step("back"))
    cancel_pressed = CallbackQueryHandler(cancel_button, pattern=_step("cancel"))
    return conversation(
        "staff_decision",
        entry_points=[CallbackQueryHandler(decide, pattern=DecideRequest.matches)],
        states={
            DAY: [
                CallbackQueryHandler(pick_day, pattern=StaffDay.matches),
                CallbackQueryHandler(other_day, pattern=_step("other_day")),
                back,
                cancel_pressed,
                buttons_only,
            ],
            TIME: [
                CallbackQueryHandler(pick_time, pattern=StaffTime.matches),
                back,
                cancel_pressed,
                buttons_only,
            ],
            DURATION: [
                CallbackQueryHandler(pick_duration, pattern=StaffDuration.matches),
                back,
                cancel_pressed,
                buttons_only,
            ],
            CONFIRM: [
                CallbackQueryHandler(confirm, pattern=_step("confirm")),
                back,
                cancel_pressed,
                buttons_only,
            ],
            REASON: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, reason_typed),
                CallbackQueryHandler(reason_skipped, pattern=_step("skip")),
                cancel_pressed,
                buttons_only,
            ],
        },
        fallbacks=[],
        cancel=cancel,
        own_callbacks=(StaffDay, StaffTime, StaffDuration, StaffStep),
    )


# --- one-message commands ----------------------------------------------------------------------


async def _require_staff(update: Update, context: BotContext) -> User | None:
    staff = await _staff(update)
    if staff is None:
        await answer(update, texts.STAFF_ONLY, alert=True)
        if update.callback_query is None:
            await say(update, context, texts.STAFF_ONLY)
    return staff


async def show_pending(update: Update, context: BotContext) -> None:
    """/pending: each waiting request as its own message with Schedule / Reject."""
    if await _require_staff(update, context) is None:
        return
    waiting = await pending_requests()
    if not waiting:
        await say(update, context, texts.NO_PENDING)
        return
    shown = waiting[:PENDING_SHOWN]
    await say(update, context, texts.pending_header(len(waiting), len(shown)))
    for appointment in shown:
        await say(update, context, _card(appointment), keyboards.request_actions(appointment.id))


async def show_today(update: Update, context: BotContext) -> None:
    """/today: today's sessions (practice time) with Join buttons."""
    staff = await _require_staff(update, context)
    if staff is None:
        return
    today = practice_today(context.settings)
    sessions = await sessions_on(context.settings, today)
    lines, links = [], []
    for appointment in sessions:
        assert appointment.scheduled_datetime is not None
        status = meeting_status(appointment)
        lines.append(
            texts.SessionLine(
                start=appointment.scheduled_datetime,
                duration_minutes=appointment.scheduled_duration or 60,
                client=f"{appointment.first_name} {appointment.last_name}",
                meeting_status=status,
            )
        )
        if status != "completed":
            info = meeting_info(context.settings, appointment, staff)
            local = appointment.scheduled_datetime.astimezone(context.settings.zone)
            links.append((f"Join {local:%H:%M} {appointment.first_name}", info.meeting_url))
    text = texts.today_text(today, lines, context.settings.zone)
    await say(update, context, text, keyboards.join_buttons(links))


async def show_stats(update: Update, context: BotContext) -> None:
    if await _require_staff(update, context) is None:
        return
    numbers = await stats()
    await say(
        update,
        context,
        texts.stats_text(
            total=numbers.total_requests,
            pending=numbers.pending_review,
            scheduled=numbers.scheduled,
            rejected=numbers.rejected,
            completion_rate=numbers.completion_rate,
        ),
    )


async def show_availability(update: Update, context: BotContext) -> None:
    """/availability: the weekdays, each a toggle."""
    if await _require_staff(update, context) is None:
        return
    days = (await get_availability()).available_days
    await say(update, context, texts.availability_text(days), keyboards.weekday_toggles(days))


async def toggle_weekday(update: Update, context: BotContext) -> None:
    if await _require_staff(update, context) is None:
        return
    data = parse(update, ToggleWeekday)
    if data is None or not 0 <= data.weekday <= 6:
        await answer(update, texts.STALE_BUTTON)
        return
    days = set((await get_availability()).available_days) ^ {data.weekday}
    try:
        row = await set_available_days(sorted(days))
    except DomainError as exc:
        await answer(update, exc.detail, alert=True)
        return
    await answer(update)
    await show(
        update,
        context,
        texts.availability_text(row.available_days),
        keyboards.weekday_toggles(row.available_days),
    )


def staff_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("pending", show_pending),
        CommandHandler("today", show_today),
        CommandHandler("stats", show_stats),
        CommandHandler("availability", show_availability),
        CallbackQueryHandler(toggle_weekday, pattern=ToggleWeekday.matches),
    ]
