"""The date and time-slot steps that /book (`bot.conversations.booking`) and "Ask to move"
(`bot.conversations.move_requests`) share.

A draft holds ISO `dates`, slot names in `slots` and the live `message_id`. The open dates
(`available_dates`) and the slots with room on the chosen dates (`offered_slots`) are read
again on every press. Each conversation keeps its own states, texts and keyboards and passes
them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from booking.availability import SLOT_LABELS
from booking.offers import available_dates
from booking.slots import offered_slots
from bot import texts
from bot.callbacks import PickDate, PickSlot
from bot.context import BotContext
from bot.conversations.common import answer, parse, show

Draft = dict[str, Any]
SlotPicker = Callable[[Iterable[str], Iterable[str]], InlineKeyboardMarkup]


def days(draft: Draft) -> list[date]:
    return [date.fromisoformat(d) for d in draft["dates"]]


async def open_date_pressed(update: Update, context: BotContext) -> tuple[date, list[date]] | None:
    """The day a calendar press names and the open dates; None (said) if that day is not open."""
    data = parse(update, PickDate)
    open_dates = await available_dates(context.settings)
    if data is None or data.day not in open_dates:
        await answer(update, texts.DATE_CLOSED)
        return None
    return data.day, open_dates


async def keep_open_dates(update: Update, context: BotContext, draft: Draft) -> bool:
    """Next under the calendar: keep the dates still open; False (alert) if none is left."""
    open_dates = set(await available_dates(context.settings))
    # A date may have closed since it was ticked: keep what is still open.
    draft["dates"] = [d.isoformat() for d in days(draft) if d in open_dates]
    if not draft["dates"]:
        await answer(update, texts.PICK_A_DATE, alert=True)
        return False
    await answer(update)
    return True


async def show_slots(
    update: Update, context: BotContext, draft: Draft, prompt: str, picker: SlotPicker
) -> None:
    """The slots with room on the chosen dates; a ticked one that filled up is dropped."""
    offered = await offered_slots(context.settings, days(draft))
    draft["slots"] = [s for s in draft["slots"] if s in offered]
    text = f"{prompt}\nDates: {texts.selected_dates(days(draft))}"
    draft["message_id"] = await show(update, context, text, picker(draft["slots"], offered))


async def slot_pressed(update: Update) -> str | None:
    """The slot a press names; None (said: a stale button) if it names none."""
    data = parse(update, PickSlot)
    if data is None or data.slot not in SLOT_LABELS:
        await answer(update, texts.STALE_BUTTON)
        return None
    return data.slot


def toggle_slot(draft: Draft, slot: str) -> None:
    """Tick or untick `slot`; the ticked ones stay in the day's order."""
    chosen = set(draft["slots"]) ^ {slot}
    draft["slots"] = [s for s in SLOT_LABELS if s in chosen]
