"""A request booked as a weekly series, from the staff's schedule summary.

The summary (`bot.conversations.staff_decisions`) offers Confirm (just this one) and Every
week / Every 2 weeks -> how many sessions (4, 8, 12, 26) -> booked by
`booking.series.schedule_series`, which checks every week before booking any. When some
weeks clash the therapist sees which and why: Skip them (the rest is booked), Choose another
time (back to the start times) or Cancel. Each press is a step of the decision: it re-checks
the message, that the presser is staff and that the request is still pending, so a second
press after booking (or a colleague's decision first) changes nothing and is told so.
"""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from booking.availability import localize
from booking.errors import Conflict, InvalidInput
from booking.formatting import format_duration, format_practice_time
from booking.series import Repeat, SeriesClashes, schedule_series, summarise
from bot import series_views as views
from bot import texts
from bot.callbacks import CallbackData, StaffRepeat, StaffStep
from bot.context import BotContext
from bot.conversations.common import answer, show, use_the_buttons
from bot.conversations.staff_decisions import (
    CONFIRM,
    DRAFT,
    Pressed,
    State,
    cancel_button,
    chosen_start,
    decided,
    decided_meanwhile,
    decision_step,
    request_card,
    show_days,
    show_times,
    step_back,
)
from bot.errors import tell_error

COUNT, CLASHES = "series_count", "series_clashes"
SERIES_CALLBACKS: tuple[type[CallbackData], ...] = (StaffRepeat,)


def _fits(data: StaffRepeat) -> bool:
    """Only what the buttons offer (callback data comes from the client)."""
    if data.every_weeks not in views.OFFERED_RHYTHMS:
        return False
    return (data.count == 0 and not data.skip) or data.count in views.COUNTS


@decision_step(StaffRepeat)
async def repeat(update: Update, context: BotContext, pressed: Pressed) -> State:
    """Every week / Every 2 weeks (how many?), a number of sessions, or Skip them."""
    data: StaffRepeat = pressed.data
    draft = context.user_data[DRAFT]
    if not _fits(data) or draft.get("duration") is None:
        await answer(update, texts.STALE_BUTTON)
        return None
    if data.count == 0:
        return await _ask_count(update, context, pressed, data.every_weeks)
    return await _book(update, context, pressed, data)


async def _ask_count(
    update: Update, context: BotContext, pressed: Pressed, every_weeks: int
) -> State:
    # InvalidInput (a time skipped by a daylight-saving jump) is told by bot.errors.
    start = localize(context.settings, chosen_start(context))
    await answer(update)
    minutes = context.user_data[DRAFT]["duration"]
    question = views.ask_count(
        every_weeks, format_practice_time(context.settings, start), format_duration(minutes)
    )
    text = texts.card_with(request_card(pressed.appointment), question)
    await show(update, context, text, views.count_choices(pressed.appointment.id, every_weeks))
    return COUNT


async def _book(update: Update, context: BotContext, pressed: Pressed, data: StaffRepeat) -> State:
    """Book the series; clashing weeks are shown first unless the therapist chose to skip."""
    appointment = pressed.appointment
    try:
        booked = await schedule_series(
            context.settings,
            appointment.id,
            pressed.staff,
            chosen_start(context),
            context.user_data[DRAFT]["duration"],
            Repeat(data.every_weeks, count=data.count),
            skip_conflicts=data.skip,
        )
    except SeriesClashes as exc:
        await answer(update)
        clashing = [(s.week, s.date, s.reason) for s in exc.skipped]
        text = texts.card_with(request_card(appointment), views.clashes_text(clashing, data.count))
        markup = views.clash_choices(appointment.id, data.every_weeks, data.count)
        await show(update, context, text, markup)
        return CLASHES
    except Conflict as exc:
        if (ended := await decided_meanwhile(update, context, pressed, exc)) is not None:
            return ended
        return await show_times(update, context, appointment)  # e.g. every week clashes
    except InvalidInput as exc:
        # E.g. the start passed, or the series would end over a year ahead.
        await tell_error(update, context, exc)
        return await show_days(update, context, appointment)
    summary = summarise(context.settings, data.every_weeks, booked.occurrences, datetime.now(UTC))
    note = views.booked_note(summary.text, [s.date for s in booked.skipped])
    toast = views.booked_toast(data.every_weeks, len(booked.occurrences))
    return await decided(update, context, booked.first, toast, note)


def series_states() -> dict[str, list[BaseHandler]]:
    """The series' handlers for `build_staff_conversation(extra_states=...)`."""
    pressed = CallbackQueryHandler(repeat, pattern=StaffRepeat.filter())
    back = CallbackQueryHandler(step_back, pattern=StaffStep.filter(action="back"))
    cancel = CallbackQueryHandler(cancel_button, pattern=StaffStep.filter(action="cancel"))
    buttons_only = MessageHandler(~filters.COMMAND, use_the_buttons)
    return {
        CONFIRM: [pressed],
        COUNT: [pressed, back, cancel, buttons_only],
        CLASHES: [pressed, back, cancel, buttons_only],
    }
