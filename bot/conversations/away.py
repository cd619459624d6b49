"""/away: the therapist's days away (holidays, training), listed, added and removed.

/away lists the periods not yet over, each with a Remove button, and Add days away: the first
day on a calendar -> the last day (the same for one day) -> an optional private note, typed
or skipped. The period is saved through `booking.blocked_dates`, the API's own service;
clients are no longer offered those days, and the therapist is told how many sessions are
already booked in it (to move or cancel from /upcoming).

The draft lives in `user_data["away"]` (JSON only): the first day, the calendar's page and
the message whose keyboard is live; a press on another message is stale.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from booking.availability import practice_today
from booking.blocked_dates import (
    add_blocked_dates,
    list_blocked_dates,
    remove_blocked_dates,
    sessions_during,
)
from booking.errors import NotFound
from bot import availability_keyboards as buttons
from bot import availability_texts as words
from bot import texts
from bot.callbacks import AwayDay, AwayPage, AwayRemove, AwayStep
from bot.context import BotContext
from bot.conversations.availability import dropping, keep_outcome
from bot.conversations.common import (
    END,
    answer,
    conversation,
    parse,
    pressed_message_id,
    require_staff,
    say,
    show,
)

FIRST, LAST, NOTE = "first", "last", "note"
DRAFT = "away"


async def _listing(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    today = practice_today(context.settings)
    periods = [
        words.Away(row.id, row.start_date, row.end_date, row.note)
        for row in await list_blocked_dates(ending_from=today)
    ]
    return words.away_text(periods), buttons.away_list(periods)


async def show_away(update: Update, context: BotContext) -> int:
    """/away: the days away planned, each removable, and Add days away."""
    await require_staff(update)
    context.user_data.pop(DRAFT, None)
    text, markup = await _listing(context)
    await say(update, context, text, markup)
    return END


async def add(update: Update, context: BotContext) -> str:
    """Add days away: the calendar for the first day."""
    await require_staff(update)
    await answer(update)
    today = practice_today(context.settings)
    context.user_data[DRAFT] = {
        "first": None,
        "page": today.isoformat(),
        "message_id": pressed_message_id(update),
    }
    await show(update, context, words.ASK_FIRST_DAY, buttons.away_calendar(today, today))
    return FIRST


async def _live(update: Update, context: BotContext) -> dict[str, Any] | None:
    """The draft, when the press came from the message it shows (else: stale)."""
    await require_staff(update)
    draft = context.user_data.get(DRAFT)
    if draft is None or pressed_message_id(update) != draft["message_id"]:
        await answer(update, texts.STALE_BUTTON)
        return None
    return draft


def _calendar(context: BotContext, draft: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    today = practice_today(context.settings)
    first = date.fromisoformat(draft["first"]) if draft["first"] else None
    page = max(today, date.fromisoformat(draft["page"]))
    question = words.ASK_FIRST_DAY if first is None else words.ask_last_day(first)
    return question, buttons.away_calendar(today, page, first)


async def turn_page(update: Update, context: BotContext) -> None:
    """Earlier / Later: the calendar moves; the step stays."""
    draft = await _live(update, context)
    data = parse(update, AwayPage)
    if draft is None or data is None:
        return
    await answer(update)
    draft["page"] = data.first.isoformat()
    await show(update, context, *_calendar(context, draft))


async def pick_first(update: Update, context: BotContext) -> str | None:
    """The first day away; now the last."""
    draft = await _live(update, context)
    data = parse(update, AwayDay)
    if draft is None or data is None:
        return None
    if data.day < practice_today(context.settings):
        await answer(update, texts.DAY_PASSED)
        return None
    await answer(update)
    draft["first"] = data.day.isoformat()
    await show(update, context, *_calendar(context, draft))
    return LAST


async def pick_last(update: Update, context: BotContext) -> str | None:
    """The last day away; now the optional note."""
    draft = await _live(update, context)
    data = parse(update, AwayDay)
    if draft is None or data is None:
        return None
    if data.day < date.fromisoformat(draft["first"]):
        await answer(update, texts.STALE_BUTTON)
        return None
    await answer(update)
    draft["last"] = data.day.isoformat()
    await show(update, context, words.NOTE_OPTIONAL, buttons.away_note())
    return NOTE


async def note_typed(update: Update, context: BotContext) -> int | None:
    """The private note, typed: the period is saved."""
    await require_staff(update)
    draft = context.user_data.get(DRAFT)
    if draft is None or update.message is None:
        return END
    return await _save(update, context, draft, update.message.text)


async def note_skipped(update: Update, context: BotContext) -> int | None:
    draft = await _live(update, context)
    if draft is None:
        return None
    await answer(update)
    return await _save(update, context, draft, None)


async def _save(
    update: Update, context: BotContext, draft: dict[str, Any], note: str | None
) -> int:
    # A note too long is refused by the service and told by bot.errors; the step stays.
    first, last = date.fromisoformat(draft["first"]), date.fromisoformat(draft["last"])
    await add_blocked_dates(first, last, note, actor=await require_staff(update))
    context.user_data.pop(DRAFT, None)
    booked = await sessions_during(context.settings, first, last)
    listing, markup = await _listing(context)
    text = f"{words.away_saved(first, last, booked)}\n\n{listing}"
    if update.callback_query is not None:
        await show(update, context, text, markup)
    else:
        # Typed: the calendar's message above keeps the outcome; the list comes below.
        await keep_outcome(update, context, draft, words.away_saved(first, last, booked))
        await say(update, context, listing, markup)
    return END


async def remove(update: Update, context: BotContext) -> int:
    """Remove: the period is open again (to clients too, where the rules allow)."""
    staff = await require_staff(update)
    data = parse(update, AwayRemove)
    if data is None:
        await answer(update, texts.STALE_BUTTON)
        return END
    try:
        row = await remove_blocked_dates(data.block, context.settings, actor=staff)
    except NotFound:
        await answer(update, words.AWAY_GONE)
    else:
        await answer(update, words.away_removed(row.start_date, row.end_date))
    context.user_data.pop(DRAFT, None)
    await show(update, context, *await _listing(context))
    return END


async def cancel_button(update: Update, context: BotContext) -> int:
    """Cancel: nothing saved; the list again."""
    await require_staff(update)
    await answer(update, words.AWAY_CANCELLED)
    context.user_data.pop(DRAFT, None)
    await show(update, context, *await _listing(context))
    return END


def build_away_conversation() -> ConversationHandler:
    return conversation(
        "away",
        entry_points=[
            CommandHandler("away", show_away),
            CallbackQueryHandler(add, pattern=AwayStep.filter(action="add")),
            CallbackQueryHandler(remove, pattern=AwayRemove.filter()),
            CallbackQueryHandler(cancel_button, pattern=AwayStep.filter(action="cancel")),
        ],
        states={
            FIRST: [
                CallbackQueryHandler(pick_first, pattern=AwayDay.filter()),
                CallbackQueryHandler(turn_page, pattern=AwayPage.filter()),
            ],
            LAST: [
                CallbackQueryHandler(pick_last, pattern=AwayDay.filter()),
                CallbackQueryHandler(turn_page, pattern=AwayPage.filter()),
            ],
            NOTE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, note_typed),
                CallbackQueryHandler(note_skipped, pattern=AwayStep.filter(action="skip")),
            ],
        },
        fallbacks=[],
        cancel=dropping(DRAFT),
        own_callbacks=(AwayDay, AwayPage, AwayStep),
    )
