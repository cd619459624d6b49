"""The therapist's sessions: /upcoming and /today, and the buttons on a session's message.

A session's message (its card in /upcoming and /today, the request's message once scheduled,
a client's move request, a proposal accepted) shows who, when, whether the client said
"I'll be there" and any open move request, with Move / Propose times / Cancel (and Keep while
the client asks to move). Cancel asks once more before it cancels; Keep settles a move
request by keeping the time. Move and Propose times are `bot.conversations.planner`.

Every press re-checks that the presser is staff and that the session is still as the button
knew it (`session_presses.is_current`), under one lock per session: a press on a message
the session has outgrown, or a colleague's press a moment later, changes nothing and the
message shows the session as it is now.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from booking.agenda import upcoming_sessions
from booking.appointments import get_appointment_for, sessions_on
from booking.availability import SLOT_LABELS, practice_today
from booking.errors import Conflict
from booking.formatting import format_short_date
from booking.lifecycle import cancel_appointment
from booking.meetings import meeting_info, meeting_status
from booking.message_details import DetailsOf
from booking.messages.chat import reference
from booking.proposals import Offers, keep_session, offers_for
from booking.settings import Settings
from bot import detail_views, keyboards, texts
from bot import session_keyboards as buttons
from bot import session_texts as words
from bot.callbacks import StaffAction
from bot.context import BotContext
from bot.conversations.common import answer, parse, require_staff, say, show
from bot.conversations.session_presses import at_of, is_current, one_press_at_a_time, when_of
from bot.conversations.staff_decisions import request_card
from models import Appointment, AppointmentStatus, RescheduleRequest, User

UPCOMING_DAYS = 14
UPCOMING_SHOWN = 20

ENDINGS = {
    AppointmentStatus.CANCELLED: "This session is cancelled.",
    AppointmentStatus.REJECTED: "This request was rejected.",
}


async def staff_view(
    settings: Settings,
    appointment: Appointment,
    footer: str | None = None,
    offers: Offers | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The message of an appointment as it stands now, with the buttons it can take."""
    if appointment.status == AppointmentStatus.PENDING_REVIEW:
        text = request_card(appointment)
        text = texts.card_with(text, footer) if footer else text
        return text, keyboards.request_actions(appointment.id)
    if offers is None:
        offers = (await offers_for([appointment]))[appointment.id]
    request = offers.move_request
    card = words.SessionCard(
        client=reference(appointment.id),  # the name is behind Show details
        when=when_of(settings, appointment) or "no time set",
        confirmed=appointment.client_confirmed_at is not None,
        move_request=_wish(request) if request is not None else None,
    )
    details = InlineKeyboardMarkup([detail_views.details_row(DetailsOf.CLIENT, appointment.id)])
    if appointment.status != AppointmentStatus.SCHEDULED:
        return words.session_card(card, footer or ENDINGS.get(appointment.status)), details
    if meeting_status(appointment) == "completed":
        return words.session_card(card, footer), details
    markup = buttons.session_actions(appointment.id, at_of(appointment), move_request=bool(request))
    return words.session_card(card, footer), markup


def _wish(request: RescheduleRequest) -> str:
    days = ", ".join(format_short_date(date.fromisoformat(d)) for d in request.preferred_dates)
    slots = ", ".join(SLOT_LABELS.get(s, s) for s in request.preferred_time_slots)
    text = f"{days}; {slots}"
    if request.note:
        text += " (with a note: Show details)"
    return text + (" (asked late)" if request.late else "")


# --- /upcoming and /today ------------------------------------------------------------------------


async def show_upcoming(update: Update, context: BotContext) -> None:
    """/upcoming: the sessions of the next 14 days, each on its own message with its buttons."""
    staff = await require_staff(update)
    sessions = await upcoming_sessions(UPCOMING_DAYS, viewer=staff)
    shown = sessions[:UPCOMING_SHOWN]
    await say(update, context, words.upcoming_header(len(sessions), len(shown), UPCOMING_DAYS))
    await _send_cards(update, context, shown)


async def _send_cards(update: Update, context: BotContext, sessions: list[Appointment]) -> None:
    offers = await offers_for(sessions)
    for session in sessions:
        text, markup = await staff_view(context.settings, session, offers=offers[session.id])
        await say(update, context, text, markup)


async def show_today(update: Update, context: BotContext) -> None:
    """/today: today's sessions (practice time) with Join buttons, then each one's card."""
    staff = await require_staff(update)
    today = practice_today(context.settings)
    sessions = await sessions_on(context.settings, today, viewer=staff)
    lines, links = [], []
    for appointment in sessions:
        assert appointment.scheduled_datetime is not None
        status = meeting_status(appointment)
        lines.append(
            texts.SessionLine(
                start=appointment.scheduled_datetime,
                duration_minutes=appointment.scheduled_duration or 60,
                client=reference(appointment.id),
                meeting_status=status,
                confirmed=appointment.client_confirmed_at is not None,
            )
        )
        if status != "completed":
            info = meeting_info(context.settings, appointment, staff)
            local = appointment.scheduled_datetime.astimezone(context.settings.zone)
            links.append((f"Join {local:%H:%M}", info.meeting_url))
    text = texts.today_text(today, lines, context.settings.zone)
    await say(update, context, text, keyboards.join_buttons(links))
    await _send_cards(update, context, [s for s in sessions if meeting_status(s) != "completed"])


# --- the buttons on a session's message -----------------------------------------------------------


async def pressed_session(
    update: Update, context: BotContext, data: StaffAction
) -> tuple[User, Appointment] | None:
    """The staff member and the session, if it is still as the button knew it.

    Otherwise the press changes nothing: the message shows the session as it is now.
    """
    staff = await require_staff(update)
    appointment = await get_appointment_for(staff, data.appointment)
    if is_current(appointment, data.at):
        return staff, appointment
    await show_outgrown(update, context, appointment)
    return None


async def show_outgrown(update: Update, context: BotContext, appointment: Appointment) -> None:
    text, markup = await staff_view(context.settings, appointment)
    await answer(update, words.session_changed("The message shows it as it is now."), alert=True)
    await show(update, context, text, markup)


async def ask_cancel(update: Update, context: BotContext) -> None:
    """Cancel session: once more, with who will be told."""
    data = parse(update, StaffAction)
    assert data is not None  # the pattern lets only well-formed data in
    if (found := await pressed_session(update, context, data)) is None:
        return
    _, appointment = found
    await answer(update)
    text, _ = await staff_view(context.settings, appointment, words.staff_cancel_question())
    await show(update, context, text, buttons.staff_cancel_confirm(appointment.id, data.at))


Transition = Callable[[Settings, uuid.UUID, User], Awaitable[Appointment]]


async def _transition(
    update: Update, context: BotContext, change: Transition, outcome: Callable[[str], str]
) -> None:
    """One press, one service call under the session's lock; the message shows the outcome.

    A Conflict (a colleague, or the client, changed it first) changes nothing here: the
    message shows the session as it is now.
    """
    data = parse(update, StaffAction)
    assert data is not None  # the pattern lets only well-formed data in
    async with one_press_at_a_time(context, data.appointment):
        if (found := await pressed_session(update, context, data)) is None:
            return
        staff, appointment = found
        try:
            changed = await change(context.settings, appointment.id, staff)
        except Conflict:
            await show_outgrown(update, context, await get_appointment_for(staff, appointment.id))
            return
    footer = outcome("you")  # on the presser's own message (as a decision says it)
    await answer(update, words.outcome_toast(footer))
    text, markup = await staff_view(context.settings, changed, footer)
    await show(update, context, text, markup)


async def cancel_confirmed(update: Update, context: BotContext) -> None:
    """Yes, cancel it: the same service as the API's cancel; the client is told."""

    async def cancel(settings: Settings, appointment_id: uuid.UUID, staff: User) -> Appointment:
        return await cancel_appointment(settings, appointment_id, staff, None)

    await _transition(update, context, cancel, words.cancelled_by)


async def keep(update: Update, context: BotContext) -> None:
    """Keep: the client's move request is settled; the session stays at its time."""
    await _transition(update, context, keep_session, words.kept_by)


async def show_card(update: Update, context: BotContext) -> None:
    """Back: the session's message as it stands."""
    data = parse(update, StaffAction)
    assert data is not None
    if (found := await pressed_session(update, context, data)) is None:
        return
    await answer(update)
    text, markup = await staff_view(context.settings, found[1])
    await show(update, context, text, markup)


def staff_session_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("upcoming", show_upcoming),
        CommandHandler("today", show_today),
        CallbackQueryHandler(ask_cancel, pattern=StaffAction.filter(action="cancel")),
        CallbackQueryHandler(cancel_confirmed, pattern=StaffAction.filter(action="cancel_yes")),
        CallbackQueryHandler(show_card, pattern=StaffAction.filter(action="card")),
        CallbackQueryHandler(keep, pattern=StaffAction.filter(action="keep")),
    ]
