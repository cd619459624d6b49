"""/availability: the open weekdays and the booking rules, on one card the therapist edits.

The card shows each weekday as a toggle and each rule as a button with its value
("Notice: 24 h ✎"). A rule pressed asks for its new value: a quick choice, or a number
typed. Every value goes through `booking.availability.update_rules`, the API's own check;
a refused one is told (`bot.errors`) and the question stays. Every press and every typed
value needs an active staff account (`require_staff`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from booking.availability import get_availability, get_rules, set_available_days, update_rules
from bot import availability_keyboards as buttons
from bot import availability_texts as words
from bot import texts
from bot.callbacks import EditRule, RulesStep, SetRule, ToggleWeekday
from bot.context import BotContext
from bot.conversations.common import (
    END,
    answer,
    conversation,
    edit,
    parse,
    pressed_message_id,
    require_staff,
    say,
    show,
)

VALUE = "value"
DRAFT = "availability"  # {"rule": the rule asked, "message_id": the question's message}


async def show_rules(update: Update, context: BotContext) -> int:
    """/availability: the card."""
    await require_staff(update)
    context.user_data.pop(DRAFT, None)
    rules = await get_rules()
    await say(update, context, words.rules_text(rules), buttons.rules_card(rules))
    return END


async def _show_card(update: Update, context: BotContext) -> int:
    """The pressed message becomes the card again, as the rules are now."""
    context.user_data.pop(DRAFT, None)
    rules = await get_rules()
    await show(update, context, words.rules_text(rules), buttons.rules_card(rules))
    return END


async def toggle_weekday(update: Update, context: BotContext) -> int | None:
    """A weekday pressed: open it if closed, close it if open."""
    staff = await require_staff(update)
    data = parse(update, ToggleWeekday)
    if data is None or not 0 <= data.weekday <= 6:
        await answer(update, texts.STALE_BUTTON)
        return None
    days = set((await get_availability()).available_days) ^ {data.weekday}
    await set_available_days(sorted(days), staff)
    await answer(update)
    return await _show_card(update, context)


async def edit_rule(update: Update, context: BotContext) -> str | None:
    """A rule pressed: ask for its new value."""
    await require_staff(update)
    data = parse(update, EditRule)
    if data is None or data.rule not in words.RULES:
        await answer(update, texts.STALE_BUTTON)
        return None
    await answer(update)
    current = getattr(await get_rules(), data.rule)
    context.user_data[DRAFT] = {"rule": data.rule, "message_id": pressed_message_id(update)}
    question = words.rule_question(data.rule, current)
    await show(update, context, question, buttons.rule_choices(data.rule))
    return VALUE


async def set_rule(update: Update, context: BotContext) -> int | None:
    """A quick value pressed: saved, and the card shown again."""
    staff = await require_staff(update)
    data = parse(update, SetRule)
    if (
        data is None
        or data.rule not in words.RULES
        or data.value not in words.RULES[data.rule].quick
    ):
        await answer(update, texts.STALE_BUTTON)
        return None
    value = words.stored_value(data.rule, data.value)
    await update_rules({data.rule: value}, staff)
    await answer(update, words.rule_saved(data.rule, value))
    return await _show_card(update, context)


async def value_typed(update: Update, context: BotContext) -> str | int:
    """A typed value for the rule asked: saved, then a fresh card below."""
    staff = await require_staff(update)
    draft = context.user_data.get(DRAFT)
    if draft is None or update.message is None:
        return END
    rule = draft["rule"]
    value = words.typed_rule_value(rule, update.message.text or "")
    if isinstance(value, str):
        await say(update, context, words.RULE_NOT_A_NUMBER)
        return VALUE
    await update_rules({rule: value}, staff)  # out of bounds: told by bot.errors, still asked
    context.user_data.pop(DRAFT, None)
    await keep_outcome(update, context, draft, words.rule_saved(rule, value))
    rules = await get_rules()
    await say(update, context, words.rules_text(rules), buttons.rules_card(rules))
    return END


async def back(update: Update, context: BotContext) -> int:
    """Back from a question: the card, nothing changed."""
    await require_staff(update)
    await answer(update)
    return await _show_card(update, context)


async def keep_outcome(
    update: Update, context: BotContext, draft: dict[str, Any], outcome: str
) -> None:
    """After a typed answer: the draft's question above keeps `outcome`, without its (now
    stale) buttons."""
    if draft["message_id"] and update.effective_chat is not None:
        await edit(context, update.effective_chat.id, draft["message_id"], outcome)


def dropping(draft: str) -> Callable[[Update, BotContext], Awaitable[int]]:
    """The /cancel of a conversation whose draft is `user_data[draft]`: dropped, nothing saved."""

    async def cancel(update: Update, context: BotContext) -> int:
        context.user_data.pop(draft, None)
        await say(update, context, texts.CANCELLED)
        return END

    return cancel


def build_availability_conversation() -> ConversationHandler:
    return conversation(
        "availability",
        # Every button of the card works from any message, in or out of a question.
        entry_points=[
            CommandHandler("availability", show_rules),
            CallbackQueryHandler(toggle_weekday, pattern=ToggleWeekday.filter()),
            CallbackQueryHandler(edit_rule, pattern=EditRule.filter()),
            CallbackQueryHandler(set_rule, pattern=SetRule.filter()),
            CallbackQueryHandler(back, pattern=RulesStep.filter()),
        ],
        states={VALUE: [MessageHandler(filters.TEXT & ~filters.COMMAND, value_typed)]},
        fallbacks=[],
        cancel=dropping(DRAFT),
    )
