"""The client asks to move a scheduled session: dates on a calendar -> time slots -> an
optional note -> sent. The session stays booked until the therapist decides (Move, Propose
times or Keep on the request's message, `bot.conversations.staff_sessions`).

Started by "Ask to move" (the confirmation, /appointments) and by "None of these work" under
proposed times. The draft lives in `user_data["move_ask"]` (JSON only): the appointment, the
start it was asked for (`at`), the dates and slots, and the message whose keyboard is live.
Each step re-checks the session is still as it was; the request goes through
`request_reschedule`, the same service as the API's `reschedule-request/`, which flags it late
inside the notice window.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from booking.appointments import get_appointment_for
from booking.availability import get_rules, practice_today
from booking.errors import Conflict, InvalidInput
from booking.offers import available_dates
from booking.person_fields import REASON_MAX_LENGTH
from booking.proposals import request_reschedule
from booking.slots import offered_slots
from bot import session_keyboards as buttons
from bot import session_texts as words
from bot import texts
from bot.callbacks import ClientAction, MoveAsk, PickDate, PickSlot
from bot.context import BotContext
from bot.conversations import date_slot_steps as steps
from bot.conversations.client_sessions import client_of, refuse_outgrown
from bot.conversations.common import (
    END,
    answer,
    conversation,
    parse,
    pressed_message_id,
    say,
    show,
    use_the_buttons,
)
from bot.conversations.session_presses import is_current, move_request_of, when_of
from bot.errors import error_messages
from models import Appointment, AppointmentStatus

DATES, SLOTS, NOTE = "move_dates", "move_slots", "move_note"
DRAFT = "move_ask"

State = str | int | None


def _draft(context: BotContext) -> dict[str, Any]:
    return context.user_data[DRAFT]


async def _live(update: Update, context: BotContext) -> Appointment | None:
    """The session asked about, if the press is on the live message and nothing changed."""
    draft = context.user_data.get(DRAFT)
    if draft is None or pressed_message_id(update) not in (None, draft["message_id"]):
        await answer(update, texts.STALE_BUTTON)
        return None
    account = await client_of(update)
    appointment = await get_appointment_for(account, draft["appointment"], own_only=True)
    if not is_current(appointment, draft["at"], scheduled_only=True):
        context.user_data.pop(DRAFT, None)
        await refuse_outgrown(update, context, appointment)
        return None
    return appointment


async def begin(update: Update, context: BotContext) -> State:
    """Ask to move (or None of these work): the calendar of the open dates."""
    data = parse(update, ClientAction)
    assert data is not None  # the pattern lets only well-formed data in
    account = await client_of(update)
    appointment = await get_appointment_for(account, data.appointment, own_only=True)
    if data.action == "decline" and appointment.status == AppointmentStatus.PENDING_REVIEW:
        await answer(update)
        await show(update, context, words.DECLINE_PENDING)  # the request simply stays open
        return END
    if not is_current(appointment, data.at, scheduled_only=True):
        await refuse_outgrown(update, context, appointment)
        return END
    await answer(update)
    # On "None of these work" the proposals' message keeps its times: they stay on offer.
    context.user_data[DRAFT] = {
        "appointment": appointment.id.hex,
        "at": data.at,
        "dates": [],
        "slots": [],
        "message_id": None,
    }
    return await _show_calendar(update, context, appointment, new=True)


async def _show_calendar(
    update: Update, context: BotContext, appointment: Appointment, *, new: bool = False
) -> str:
    draft = _draft(context)
    today = practice_today(context.settings)
    rules = await get_rules()
    markup = buttons.move_ask_calendar(
        today,
        await available_dates(context.settings),
        steps.days(draft),
        horizon=rules.booking_horizon_days,
    )
    text = words.ask_move_dates(when_of(context.settings, appointment) or "")
    if new:
        draft["message_id"] = await say(update, context, text, markup)
    else:
        draft["message_id"] = await show(update, context, text, markup)
    return DATES


async def toggle_date(update: Update, context: BotContext) -> State:
    if (appointment := await _live(update, context)) is None:
        return None
    if (pressed := await steps.open_date_pressed(update, context)) is None:
        return DATES
    await answer(update)
    draft = _draft(context)
    draft["dates"] = sorted({*draft["dates"]} ^ {pressed[0].isoformat()})
    return await _show_calendar(update, context, appointment)


async def dates_chosen(update: Update, context: BotContext) -> State:
    if await _live(update, context) is None:
        return None
    if not await steps.keep_open_dates(update, context, _draft(context)):
        return DATES
    return await _show_slots(update, context)


async def _show_slots(update: Update, context: BotContext) -> str:
    """The slots with room on the chosen dates (`booking.slots.offered_slots`, as /book)."""
    draft = _draft(context)
    await steps.show_slots(update, context, draft, words.ASK_MOVE_SLOTS, buttons.move_ask_slots)
    return SLOTS


async def toggle_slot(update: Update, context: BotContext) -> State:
    if await _live(update, context) is None:
        return None
    if (slot := await steps.slot_pressed(update)) is None:
        return SLOTS
    if slot not in await offered_slots(context.settings, steps.days(_draft(context))):
        await answer(update, texts.SLOT_FULL)
        return await _show_slots(update, context)
    await answer(update)
    steps.toggle_slot(_draft(context), slot)
    return await _show_slots(update, context)


async def slots_chosen(update: Update, context: BotContext) -> State:
    if await _live(update, context) is None:
        return None
    if not _draft(context)["slots"]:
        await answer(update, texts.PICK_A_SLOT, alert=True)
        return SLOTS
    await answer(update)
    _draft(context)["message_id"] = await show(
        update, context, words.ASK_MOVE_NOTE, buttons.move_ask_note()
    )
    return NOTE


async def back_to_dates(update: Update, context: BotContext) -> State:
    if (appointment := await _live(update, context)) is None:
        return None
    await answer(update)
    return await _show_calendar(update, context, appointment)


async def back_to_slots(update: Update, context: BotContext) -> State:
    if await _live(update, context) is None:
        return None
    await answer(update)
    return await _show_slots(update, context)


async def note_typed(update: Update, context: BotContext) -> State:
    note = (update.message.text or "").strip() if update.message else ""
    if len(note) > REASON_MAX_LENGTH:
        await say(update, context, texts.REASON_TOO_LONG)
        return NOTE
    return await _send(update, context, note or None)


async def note_skipped(update: Update, context: BotContext) -> State:
    return await _send(update, context, None)


async def _send(update: Update, context: BotContext, note: str | None) -> State:
    """The request, through the same service as the API; the session stays as it is."""
    if (appointment := await _live(update, context)) is None:
        return END
    draft = _draft(context)
    account = await client_of(update)
    try:
        await request_reschedule(
            context.settings, appointment.id, account, draft["dates"], draft["slots"], note
        )
    except InvalidInput as exc:
        # E.g. a date closed meanwhile: say what, and let the client choose again.
        await answer(update)
        await say(update, context, texts.invalid_request(error_messages(exc.errors)))
        draft["dates"] = []
        return await _show_calendar(update, context, appointment, new=True)
    except Conflict:
        context.user_data.pop(DRAFT, None)
        fresh = await get_appointment_for(account, appointment.id, own_only=True)
        await refuse_outgrown(update, context, fresh)
        return END
    context.user_data.pop(DRAFT, None)
    await answer(update)
    request = await move_request_of(appointment)
    rules = await get_rules()
    text = words.move_request_sent(
        when_of(context.settings, appointment) or "",
        late=bool(request and request.late),
        notice_hours=rules.minimum_notice_hours,
    )
    await _say_on_live(update, context, text)
    return END


async def _say_on_live(update: Update, context: BotContext, text: str) -> None:
    """On the step's own message after a press; a new message after typed text."""
    if update.callback_query is not None:
        await show(update, context, text)
    else:
        await say(update, context, text)


async def cancel_by_button(update: Update, context: BotContext) -> State:
    if (
        context.user_data.get(DRAFT) is None
        or pressed_message_id(update) != _draft(context)["message_id"]
    ):
        await answer(update, texts.STALE_BUTTON)
        return None
    await answer(update)
    context.user_data.pop(DRAFT, None)
    await show(update, context, words.MOVE_ASK_DROPPED)
    return END


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel: nothing is sent."""
    context.user_data.pop(DRAFT, None)
    await say(update, context, words.MOVE_ASK_DROPPED)
    return END


def build_move_request_conversation() -> ConversationHandler:
    text_instead_of_button = MessageHandler(filters.ALL & ~filters.COMMAND, use_the_buttons)
    back = MoveAsk.filter(action="back")
    return conversation(
        "move_request",
        entry_points=[
            CallbackQueryHandler(begin, pattern=ClientAction.filter(action="ask_move")),
            CallbackQueryHandler(begin, pattern=ClientAction.filter(action="decline")),
        ],
        states={
            DATES: [
                CallbackQueryHandler(toggle_date, pattern=PickDate.filter()),
                CallbackQueryHandler(dates_chosen, pattern=MoveAsk.filter(action="next")),
                CallbackQueryHandler(cancel_by_button, pattern=MoveAsk.filter(action="cancel")),
                text_instead_of_button,
            ],
            SLOTS: [
                CallbackQueryHandler(toggle_slot, pattern=PickSlot.filter()),
                CallbackQueryHandler(slots_chosen, pattern=MoveAsk.filter(action="next")),
                CallbackQueryHandler(back_to_dates, pattern=back),
                text_instead_of_button,
            ],
            NOTE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, note_typed),
                CallbackQueryHandler(note_skipped, pattern=MoveAsk.filter(action="skip")),
                CallbackQueryHandler(back_to_slots, pattern=back),
                text_instead_of_button,
            ],
        },
        fallbacks=[],
        cancel=cancel,
        own_callbacks=(PickDate, PickSlot, MoveAsk),
    )
