"""/book: preferred dates on a calendar -> time slots -> optional note -> summary -> request.

The calendar offers the dates `available-dates` offers (the practice's rules: horizon,
notice, blocked days, daily cap, room left), the slot picker the slots with room on the
chosen dates (`booking.slots.offered_slots`); both are read again on every press.

The draft lives in `user_data["booking"]` (persisted, JSON only): ISO dates, slot names, the
note, and the id of the message whose keyboard is live, so a press on an older keyboard is
recognised as stale. The request goes through `booking.appointments.create_appointment`,
the same service as the API's `appointments/create/`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from booking.appointments import create_appointment
from booking.availability import get_rules, practice_today
from booking.errors import InvalidInput
from booking.offers import available_dates
from booking.person_fields import REASON_MAX_LENGTH
from booking.slots import offered_slots
from bot import keyboards, texts
from bot.callbacks import BookingStep, MenuAction, PickDate, PickSlot
from bot.context import BotContext
from bot.conversations import date_slot_steps as steps
from bot.conversations.common import (
    END,
    NOT_MODIFIED,
    account_of,
    answer,
    conversation,
    edit,
    pressed_message_id,
    say,
    show,
    take_typed_name,
    tolerating,
    use_the_buttons,
)
from bot.errors import error_messages
from models import User

if TYPE_CHECKING:
    from telegram.ext import ConversationHandler

DATES, SLOTS, REASON, NAME, SUMMARY = "dates", "slots", "reason", "name", "summary"
DRAFT = "booking"


def _draft(context: BotContext) -> dict[str, Any]:
    return context.user_data.setdefault(DRAFT, {"dates": [], "slots": [], "reason": None})


async def _is_live(update: Update, context: BotContext) -> bool:
    """The press came from the message this booking currently shows; else say it is stale."""
    draft = context.user_data.get(DRAFT)
    if draft is None or pressed_message_id(update) != draft.get("message_id"):
        await answer(update, texts.STALE_BUTTON)
        return False
    return True


async def _calendar(
    context: BotContext, open_dates: list[date], chosen: Iterable[date]
) -> InlineKeyboardMarkup:
    """The booking calendar, as far ahead as the practice books."""
    horizon = (await get_rules()).booking_horizon_days
    today = practice_today(context.settings)
    return keyboards.booking_calendar(today, open_dates, chosen, horizon=horizon)


async def _show_calendar(update: Update, context: BotContext, *, new: bool = False) -> str:
    draft = _draft(context)
    markup = await _calendar(context, await available_dates(context.settings), steps.days(draft))
    if new or update.callback_query is None:
        draft["message_id"] = await say(update, context, texts.ASK_DATES, markup)
    else:
        draft["message_id"] = await show(update, context, texts.ASK_DATES, markup)
    return DATES


def _names(account: User, draft: dict[str, Any]) -> tuple[str, str] | None:
    """The name the request goes out with: the account's, or the one typed for it."""
    first = (account.first_name or "").strip() or draft.get("first_name")
    last = (account.last_name or "").strip() or draft.get("last_name")
    return (first, last) if first and last else None


async def _show_summary(update: Update, context: BotContext) -> str | int:
    draft = _draft(context)
    account = await account_of(update)
    if account is None:
        return await _not_linked(update, context)
    names = _names(account, draft)
    if names is None:
        # An account linked by /login to a new address may have no full name yet.
        await _retire_keyboard(update, context)
        draft["message_id"] = None
        await say(update, context, texts.ASK_NAME_FOR_REQUEST)
        return NAME
    text = texts.booking_summary(
        first_name=names[0],
        last_name=names[1],
        email=account.email,
        days=steps.days(draft),
        slots=draft["slots"],
        reason=draft["reason"],
        crisis_message=context.settings.crisis_message,
    )
    markup = keyboards.booking_summary()
    if update.callback_query is None:
        # After typed text the summary is a new message: it goes out neutral and is edited
        # at once to show the name and the note (an edit does not notify a lock screen).
        message_id = await say(update, context, texts.BOOKING_SUMMARY_SENT)
        assert update.effective_chat is not None
        await edit(context, update.effective_chat.id, message_id, text, markup)
        draft["message_id"] = message_id
    else:
        draft["message_id"] = await show(update, context, text, markup)
    return SUMMARY


async def name_typed(update: Update, context: BotContext) -> str | int | None:
    """The client's first and last name, for a request from an account without one."""
    if not await take_typed_name(update, context, _draft(context)):
        return None
    return await _show_summary(update, context)


async def _not_linked(update: Update, context: BotContext) -> int:
    context.user_data.pop(DRAFT, None)
    await say(update, context, texts.NOT_LINKED, keyboards.main_menu(linked=False))
    return END


# --- steps ----------------------------------------------------------------------------------


async def begin(update: Update, context: BotContext) -> str | int:
    """/book (or the menu button, or the `book` deep link): show the calendar."""
    await answer(update)
    context.user_data.pop(DRAFT, None)
    if await account_of(update) is None:
        return await _not_linked(update, context)
    if not await available_dates(context.settings):
        await say(update, context, texts.NO_DATES_OPEN)
        return END
    return await _show_calendar(update, context, new=True)


async def toggle_date(update: Update, context: BotContext) -> str | None:
    """A date on the calendar: tick or untick it (only open dates count)."""
    if not await _is_live(update, context):
        return None
    if (pressed := await steps.open_date_pressed(update, context)) is None:
        return DATES
    day, open_dates = pressed
    draft = _draft(context)
    chosen = set(steps.days(draft)) ^ {day}
    draft["dates"] = [d.isoformat() for d in sorted(chosen)]
    await answer(update)
    await update.callback_query.edit_message_reply_markup(  # type: ignore[union-attr]
        await _calendar(context, open_dates, chosen)
    )
    return DATES


async def dates_chosen(update: Update, context: BotContext) -> str | None:
    if not await _is_live(update, context):
        return None
    if not await steps.keep_open_dates(update, context, _draft(context)):
        return DATES
    return await _show_slots(update, context)


async def _show_slots(update: Update, context: BotContext) -> str:
    await steps.show_slots(update, context, _draft(context), texts.ASK_SLOTS, keyboards.slot_picker)
    return SLOTS


async def toggle_slot(update: Update, context: BotContext) -> str | None:
    if not await _is_live(update, context):
        return None
    if (slot := await steps.slot_pressed(update)) is None:
        return SLOTS
    draft = _draft(context)
    offered = await offered_slots(context.settings, steps.days(draft))
    if slot not in offered:
        await answer(update, texts.SLOT_FULL)
        return await _show_slots(update, context)
    steps.toggle_slot(draft, slot)
    await answer(update)
    await update.callback_query.edit_message_reply_markup(  # type: ignore[union-attr]
        keyboards.slot_picker(draft["slots"], offered)
    )
    return SLOTS


async def slots_chosen(update: Update, context: BotContext) -> str | None:
    if not await _is_live(update, context):
        return None
    draft = _draft(context)
    if not draft["slots"]:
        await answer(update, texts.PICK_A_SLOT, alert=True)
        return SLOTS
    await answer(update)
    draft["message_id"] = await show(update, context, texts.ASK_REASON, keyboards.reason_prompt())
    return REASON


async def back_to_dates(update: Update, context: BotContext) -> str | None:
    """Back from the time slots, or Change on the summary: the calendar again."""
    if not await _is_live(update, context):
        return None
    await answer(update)
    return await _show_calendar(update, context)


async def back_to_slots(update: Update, context: BotContext) -> str | None:
    if not await _is_live(update, context):
        return None
    await answer(update)
    return await _show_slots(update, context)


async def reason_typed(update: Update, context: BotContext) -> str:
    """The note for the therapist, typed."""
    text = (update.message.text or "").strip() if update.message else ""
    if len(text) > REASON_MAX_LENGTH:
        await say(update, context, texts.REASON_TOO_LONG)
        return REASON
    draft = _draft(context)
    draft["reason"] = text or None
    # The prompt above loses its buttons: the summary below is where things go on.
    await _retire_keyboard(update, context)
    return await _show_summary(update, context)


async def reason_skipped(update: Update, context: BotContext) -> str | None:
    if not await _is_live(update, context):
        return None
    await answer(update)
    _draft(context)["reason"] = None
    return await _show_summary(update, context)


async def confirm(update: Update, context: BotContext) -> str | int | None:
    """Send the request through the same service as the API."""
    if not await _is_live(update, context):
        return None
    await answer(update)
    account = await account_of(update)
    if account is None:
        return await _not_linked(update, context)
    draft = _draft(context)
    try:
        names = _names(account, draft) or ("", "")
        await create_appointment(
            context.settings,
            first_name=names[0],
            last_name=names[1],
            email=account.email,
            phone=account.phone,
            preferred_dates=draft["dates"],
            preferred_time_slots=draft["slots"],
            reason=draft["reason"],
            user=account,
        )
    except InvalidInput as exc:
        # E.g. a date closed meanwhile: say what, and let the client choose again.
        await show(update, context, texts.invalid_request(error_messages(exc.errors)))
        draft["dates"] = []
        return await _show_calendar(update, context, new=True)
    context.user_data.pop(DRAFT, None)
    await show(update, context, texts.REQUEST_SENT)
    return END


async def cancel_by_button(update: Update, context: BotContext) -> str | int | None:
    if not await _is_live(update, context):
        return None
    await answer(update)
    context.user_data.pop(DRAFT, None)
    await show(update, context, texts.BOOKING_CANCELLED)
    return END


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel: drop the draft and say so."""
    await _retire_keyboard(update, context)
    context.user_data.pop(DRAFT, None)
    await say(update, context, texts.BOOKING_CANCELLED)
    return END


async def _retire_keyboard(update: Update, context: BotContext) -> None:
    """Take the buttons off the message that had them (they would only be stale now)."""
    draft = context.user_data.get(DRAFT) or {}
    message_id = draft.get("message_id")
    if message_id and update.effective_chat is not None:
        with tolerating(NOT_MODIFIED, "message to edit not found"):
            await context.bot.edit_message_reply_markup(
                update.effective_chat.id, message_id, reply_markup=None
            )


# --- the conversation -----------------------------------------------------------------------


def build_booking_conversation() -> ConversationHandler:
    text_instead_of_button = MessageHandler(filters.ALL & ~filters.COMMAND, use_the_buttons)
    return conversation(
        "booking",
        entry_points=[
            CommandHandler("book", begin),
            CommandHandler("start", begin, filters=filters.Regex(r"^/start book$")),
            CallbackQueryHandler(begin, pattern=MenuAction.filter(action="book")),
        ],
        states={
            DATES: [
                CallbackQueryHandler(toggle_date, pattern=PickDate.filter()),
                CallbackQueryHandler(dates_chosen, pattern=BookingStep.filter(action="next")),
                CallbackQueryHandler(cancel_by_button, pattern=BookingStep.filter(action="cancel")),
                text_instead_of_button,
            ],
            SLOTS: [
                CallbackQueryHandler(toggle_slot, pattern=PickSlot.filter()),
                CallbackQueryHandler(slots_chosen, pattern=BookingStep.filter(action="next")),
                CallbackQueryHandler(back_to_dates, pattern=BookingStep.filter(action="back")),
                text_instead_of_button,
            ],
            REASON: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, reason_typed),
                CallbackQueryHandler(reason_skipped, pattern=BookingStep.filter(action="skip")),
                CallbackQueryHandler(back_to_slots, pattern=BookingStep.filter(action="back")),
                text_instead_of_button,
            ],
            NAME: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, name_typed),
                text_instead_of_button,
            ],
            SUMMARY: [
                CallbackQueryHandler(confirm, pattern=BookingStep.filter(action="confirm")),
                CallbackQueryHandler(back_to_dates, pattern=BookingStep.filter(action="change")),
                CallbackQueryHandler(cancel_by_button, pattern=BookingStep.filter(action="cancel")),
                text_instead_of_button,
            ],
        },
        fallbacks=[],
        cancel=cancel,
        own_callbacks=(PickDate, PickSlot, BookingStep),
    )
