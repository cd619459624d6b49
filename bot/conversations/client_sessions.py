"""The client's buttons on a session: Cancel (with a confirm step stating the policy), I'll be
there, Running late -> 5 / 10 / 15 minutes, and a proposed time picked.

The buttons arrive on the confirmation and the reminders (`bot.delivery` adds them to the
outbox's messages), on /appointments and on the staff's proposals. Each press re-checks who
pressed (the appointment must be theirs: `get_appointment_for`) and the session's state now
(`session_presses.is_current`); the service itself decides under its lock, so a second press
or a press racing a colleague's change is refused, never applied twice. "Ask to move" and
"None of these work" start the conversation of `bot.conversations.move_requests`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from booking.appointments import get_appointment_for
from booking.availability import get_rules, is_late_cancellation
from booking.errors import Conflict, InvalidInput, NotAuthenticated
from booking.lifecycle import cancel_appointment, confirm_attendance, report_running_late
from booking.proposals import accept_proposal, open_proposals
from bot import session_keyboards as buttons
from bot import session_texts as words
from bot import texts
from bot.callbacks import AcceptTime, ClientAction, LateBy, from_minute_stamp, minute_stamp
from bot.context import BotContext
from bot.conversations.common import account_of, answer, parse, say, show
from bot.conversations.session_presses import (
    OPEN_STATUSES,
    at_of,
    drop_buttons,
    is_current,
    one_press_at_a_time,
    short_time,
    when_of,
)
from bot.errors import chat_answer
from models import Appointment, AppointmentStatus, User


async def client_of(update: Update) -> User:
    account = await account_of(update)
    if account is None:
        raise NotAuthenticated(texts.NOT_LINKED)
    return account


async def _pressed(
    update: Update, context: BotContext, data: ClientAction | LateBy, *, scheduled_only: bool
) -> tuple[User, Appointment] | None:
    """The client and their appointment, if it still stands as the button knew it.

    Otherwise the press is refused with how the appointment stands now, and the outgrown
    message loses its buttons.
    """
    account = await client_of(update)
    appointment = await get_appointment_for(account, data.appointment, own_only=True)
    if is_current(appointment, data.at, scheduled_only=scheduled_only):
        return account, appointment
    await refuse_outgrown(update, context, appointment)
    return None


async def refuse_outgrown(update: Update, context: BotContext, appointment: Appointment) -> None:
    now = words.standing(appointment.status.value, when_of(context.settings, appointment))
    await answer(update, words.session_changed(now), alert=True)
    await drop_buttons(update)


def _message_text(update: Update) -> str:
    query = update.callback_query
    message = query.message if query is not None else None
    return getattr(message, "text", None) or ""


def _links(update: Update) -> buttons.Rows:
    query = update.callback_query
    message = query.message if query is not None else None
    return buttons.link_rows(getattr(message, "reply_markup", None))


# --- cancel -------------------------------------------------------------------------------------


async def ask_cancel(update: Update, context: BotContext) -> None:
    """Cancel (or Can't make it): the confirm step, stating whether it would be late."""
    data = parse(update, ClientAction)
    assert data is not None  # the pattern lets only well-formed data in
    if (found := await _pressed(update, context, data, scheduled_only=False)) is None:
        return
    _, appointment = found
    await answer(update)
    if appointment.status == AppointmentStatus.SCHEDULED:
        assert appointment.scheduled_datetime is not None
        rules = await get_rules()
        late = is_late_cancellation(rules, appointment.scheduled_datetime, datetime.now(UTC))
        when = when_of(context.settings, appointment) or ""
        text = words.cancel_question(when, late=late, notice_hours=rules.cancellation_notice_hours)
    else:
        text = words.withdraw_question(", ".join(appointment.preferred_dates))
    await say(update, context, text, buttons.cancel_confirm(appointment.id, data.at))


async def cancel_confirmed(update: Update, context: BotContext) -> None:
    """Yes, cancel it: the same service as the API's cancel."""
    data = parse(update, ClientAction)
    assert data is not None
    async with one_press_at_a_time(context, data.appointment):
        if (found := await _pressed(update, context, data, scheduled_only=False)) is None:
            return
        account, appointment = found
        was_scheduled = appointment.status == AppointmentStatus.SCHEDULED
        try:
            cancelled = await cancel_appointment(context.settings, appointment.id, account, None)
        except Conflict:
            fresh = await get_appointment_for(account, appointment.id, own_only=True)
            await refuse_outgrown(update, context, fresh)
            return
    await answer(update)
    text = words.cancelled_by_client(late=cancelled.late_cancellation, was_scheduled=was_scheduled)
    await show(update, context, text)


async def cancel_declined(update: Update, context: BotContext) -> None:
    """No, keep it."""
    await answer(update)
    await show(update, context, words.NOTHING_CANCELLED)


# --- the reminders' buttons ---------------------------------------------------------------------


async def attend(update: Update, context: BotContext) -> None:
    """I'll be there: recorded, and the therapist sees it on the session."""
    data = parse(update, ClientAction)
    assert data is not None
    async with one_press_at_a_time(context, data.appointment):
        if (found := await _pressed(update, context, data, scheduled_only=True)) is None:
            return
        account, appointment = found
        await confirm_attendance(context.settings, appointment.id, account)
    await answer(update, words.ATTENDANCE_TOAST)
    text = _message_text(update)
    if words.ATTENDANCE_NOTE not in text:
        text = f"{text}\n\n{words.ATTENDANCE_NOTE}"
    await show(
        update, context, text, buttons.after_attending(appointment.id, data.at, _links(update))
    )


async def ask_how_late(update: Update, context: BotContext) -> None:
    """Running late: 5, 10 or 15 minutes?"""
    data = parse(update, ClientAction)
    assert data is not None
    if await _pressed(update, context, data, scheduled_only=True) is None:
        return
    await answer(update, words.ASK_HOW_LATE)
    markup = buttons.late_choices(data.appointment, data.at, _links(update))
    await show(update, context, _message_text(update), markup)


async def running_late(update: Update, context: BotContext) -> None:
    """5 / 10 / 15 minutes: the therapist is told at once."""
    data = parse(update, LateBy)
    assert data is not None
    if data.minutes not in buttons.LATE_MINUTES:
        await answer(update, texts.STALE_BUTTON)
        return
    async with one_press_at_a_time(context, data.appointment):
        if (found := await _pressed(update, context, data, scheduled_only=True)) is None:
            return
        account, appointment = found
        await report_running_late(context.settings, appointment.id, account, data.minutes)
    told = words.late_told(data.minutes)
    await answer(update, told)
    await show(
        update, context, f"{_message_text(update)}\n\n{told}", buttons.links_only(_links(update))
    )


# --- proposals ------------------------------------------------------------------------------------


async def accept_time(update: Update, context: BotContext) -> None:
    """A proposed time picked: it becomes the session's time if it is still free."""
    data = parse(update, AcceptTime)
    assert data is not None
    account = await client_of(update)
    chosen = from_minute_stamp(data.time)
    async with one_press_at_a_time(context, data.appointment):
        appointment = await get_appointment_for(account, data.appointment, own_only=True)
        try:
            accepted = await accept_proposal(context.settings, appointment.id, account, chosen)
        except (Conflict, InvalidInput) as exc:
            await _not_accepted(update, context, appointment, data.time, exc)
            return
    await answer(update)
    await show(update, context, words.proposal_accepted(when_of(context.settings, accepted) or ""))


async def _not_accepted(
    update: Update,
    context: BotContext,
    appointment: Appointment,
    pressed: int,
    exc: Conflict | InvalidInput,
) -> None:
    """The time was taken, or the round replaced or expired: offer what is still open."""
    if appointment.status not in OPEN_STATUSES:
        await refuse_outgrown(update, context, appointment)
        return
    still_open = [(minute_stamp(p.start), p) for p in await open_proposals(appointment)]
    remaining = [(s, short_time(context.settings, p.start)) for s, p in still_open if s != pressed]
    if not remaining:
        await answer(update, words.TIMES_GONE, alert=True)
        await show(update, context, f"{_message_text(update)}\n\n{words.TIMES_GONE}")
        return
    if all(s != pressed for s, _ in still_open):
        toast = words.TIMES_REPLACED  # a newer round (or a decision) replaced this one
    elif isinstance(exc, Conflict) and exc.extra.get("clashes"):
        toast = words.TIME_TAKEN
    else:
        toast = chat_answer(exc)  # e.g. the time has come inside the minimum notice
    await answer(update, toast, alert=True)
    markup = buttons.proposal_choices(appointment.id, at_of(appointment), remaining)
    await show(update, context, _message_text(update), markup)


def client_session_handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(ask_cancel, pattern=ClientAction.filter(action="cancel")),
        CallbackQueryHandler(cancel_confirmed, pattern=ClientAction.filter(action="cancel_yes")),
        CallbackQueryHandler(cancel_declined, pattern=ClientAction.filter(action="cancel_no")),
        CallbackQueryHandler(attend, pattern=ClientAction.filter(action="attend")),
        CallbackQueryHandler(ask_how_late, pattern=ClientAction.filter(action="late")),
        CallbackQueryHandler(running_late, pattern=LateBy.filter()),
        CallbackQueryHandler(accept_time, pattern=AcceptTime.filter()),
    ]
