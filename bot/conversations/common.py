"""Pieces every conversation shares: building one, leaving one, replying, and who is asking."""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from booking.accounts import find_user_by_telegram_id
from booking.errors import PermissionDenied
from booking.person_fields import name_problem
from booking.settings import Settings
from booking.two_factor import TwoFactorRequired, must_enrol
from bot import texts, two_factor_texts
from bot.callbacks import ENTRY_CALLBACKS, CallbackData, MalformedCallback
from bot.context import BotContext
from models import Appointment, User

END = ConversationHandler.END
CD = TypeVar("CD", bound=CallbackData)
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


async def leave_for_other_command(update: Update, context: BotContext) -> int:
    """Another command (or another flow's button) mid-conversation: leave this one, run that.

    The update goes back on the queue; it is this person's next one (their updates run in
    order), and by then this conversation has ended, so the command reaches its handler.
    """
    await context.update_queue.put(update)
    return END


def conversation(
    name: str,
    *,
    entry_points: Sequence[BaseHandler],
    states: dict[object, list[BaseHandler]],
    fallbacks: Sequence[BaseHandler],
    cancel: Any,
    own_callbacks: Sequence[type[CallbackData]] = (),
) -> ConversationHandler:
    """A persistent, named conversation with the shared ways out.

    Fallbacks, in order: the conversation's own, /cancel, any other command or another
    flow's entry button (`bot.callbacks.ENTRY_CALLBACKS`: leave and let it run), and presses
    of this conversation's own buttons that do not fit the current step (a stale keyboard).
    """
    shared: list[BaseHandler] = [
        CommandHandler("cancel", cancel),
        MessageHandler(filters.COMMAND, leave_for_other_command),
        # A conversation's own entry buttons never get here: they re-enter it (allow_reentry).
        *(
            CallbackQueryHandler(leave_for_other_command, pattern=e.matches)
            for e in ENTRY_CALLBACKS
        ),
    ]
    shared += [CallbackQueryHandler(stale_button, pattern=cls.matches) for cls in own_callbacks]
    with warnings.catch_warnings():
        # python-telegram-bot warns that CallbackQueryHandlers are tracked per chat, not per
        # message, when per_message=False. That is what we want: one conversation per person,
        # whose steps check themselves which message a press came from.
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=list(entry_points),
            states=states,
            fallbacks=[*fallbacks, *shared],
            name=name,
            persistent=True,
            allow_reentry=True,
        )


async def stale_button(update: Update, context: BotContext) -> None:
    """A press on a keyboard that belongs to an earlier step: say so, change nothing."""
    await answer(update, texts.STALE_BUTTON)


@contextlib.contextmanager
def tolerating(*reasons: str) -> Iterator[None]:
    """Let a BadRequest with one of these reasons pass (e.g. "message is not modified")."""
    try:
        yield
    except BadRequest as exc:
        if not any(reason in exc.message.lower() for reason in reasons):
            raise


NOT_MODIFIED = "not modified"


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Stop the button's spinner (with a short toast when `text` is given)."""
    if update.callback_query is not None:
        # A press answered too late (e.g. across a restart) has no spinner left to stop.
        with tolerating("query is too old", "query id is invalid"):
            await update.callback_query.answer(text, show_alert=alert)


async def tell(update: Update, context: BotContext, text: str) -> None:
    """A pop-up for a press; a message for typed text (which has no pop-up)."""
    if update.callback_query is not None:
        await answer(update, text, alert=True)
    else:
        await say(update, context, text)


async def say(update: Update, context: BotContext, text: str, markup: Markup = None) -> int:
    """A new message in this chat; returns its id."""
    assert update.effective_chat is not None
    message = await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
    return message.message_id


async def show(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> int:
    """Edit the message whose button was pressed, or send a new one after typed input."""
    query = update.callback_query
    if query is not None and query.message is not None:
        with tolerating(NOT_MODIFIED):  # pressed twice: it already shows this
            await query.edit_message_text(text, reply_markup=markup)
        return query.message.message_id
    return await say(update, context, text, markup)


async def edit(
    context: BotContext,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Edit an earlier message of the bot (e.g. the request a therapist is deciding)."""
    with tolerating(NOT_MODIFIED):
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )


# STAFF_REQUIRE_2FA as the update being handled sees it. Every handler finds its person
# through `account_of` with the update alone; `note_two_step_policy`, the first handler to
# see each update (bot.app), sets this for the rest of that update's task.
_settings_of_update: ContextVar[Settings | None] = ContextVar("settings_of_update", default=None)


async def note_two_step_policy(update: object, context: BotContext) -> None:
    """Before any other handler: the settings this update's staff checks go by."""
    _settings_of_update.set(context.settings)


async def linked_account(update: Update) -> User | None:
    """The account linked to whoever sent this update, whatever it may do here."""
    if update.effective_user is None:
        return None
    return await find_user_by_telegram_id(update.effective_user.id)


async def account_of(update: Update) -> User | None:
    """The account linked to whoever sent this update.

    Under STAFF_REQUIRE_2FA a staff member who has not enrolled yet is refused here, before
    any handler acts for them (as staff, who see every client's requests, or otherwise):
    TwoFactorRequired, told as how to enrol.
    """
    account = await linked_account(update)
    settings = _settings_of_update.get()
    if account is not None and settings is not None and must_enrol(settings, account):
        raise TwoFactorRequired(two_factor_texts.ENROL_FIRST)
    return account


async def staff_account(update: Update) -> User | None:
    """The sender's account if it is an active staff account."""
    account = await account_of(update)
    if account is None or not account.is_staff or not account.is_active:
        return None
    return account


async def require_staff(update: Update) -> User:
    """The sender's staff account; PermissionDenied (told as STAFF_ONLY) for anyone else."""
    staff = await staff_account(update)
    if staff is None:
        raise PermissionDenied(texts.STAFF_ONLY)
    return staff


def parse(update: Update, kind: type[CD]) -> CD | None:
    """The pressed button's data as `kind`, or None when it is malformed (stale or forged)."""
    query = update.callback_query
    if query is None:
        return None
    try:
        return kind.unpack(query.data)
    except MalformedCallback:
        return None


def pressed_message_id(update: Update) -> int | None:
    query = update.callback_query
    if query is None or query.message is None:
        return None
    return query.message.message_id


async def live_press(
    update: Update, context: BotContext, kind: type[CD], draft_key: str
) -> CD | None:
    """The pressed data if it names the appointment of the draft under `draft_key` and comes
    from the message that draft is on; else None, and the press is told it is stale."""
    data = parse(update, kind)
    draft = context.user_data.get(draft_key)
    if (
        data is None
        or draft is None
        or data.appointment.hex != draft["appointment"]  # type: ignore[attr-defined]
        or pressed_message_id(update) != draft["message_id"]
    ):
        await answer(update, texts.STALE_BUTTON)
        return None
    return data


@dataclass(frozen=True)
class StaffPress:
    """A live press on a step of a staff flow, re-checked: its data, the staff, the appointment."""

    data: Any
    staff: User
    appointment: Appointment


Current = Callable[[Update, BotContext], Awaitable[tuple[User, Appointment] | None]]
Step = Callable[[Update, BotContext, StaffPress], Awaitable[Any]]


def checked_step(
    kind: type[CallbackData], draft_key: str, current: Current, *, gone: Any
) -> Callable[[Step], Callable[[Update, BotContext], Awaitable[Any]]]:
    """A step of a staff flow whose draft is under `draft_key`: it runs only for a live press
    (`live_press`) while `current` finds the staff and the appointment still as the flow
    needs them (else `current` has told why, and the step answers `gone`)."""

    def wrap(step: Step) -> Callable[[Update, BotContext], Awaitable[Any]]:
        @functools.wraps(step)
        async def checked(update: Update, context: BotContext) -> Any:
            if (data := await live_press(update, context, kind, draft_key)) is None:
                return None
            if (found := await current(update, context)) is None:
                return gone
            return await step(update, context, StaffPress(data, *found))

        return checked

    return wrap


async def use_the_buttons(update: Update, context: BotContext) -> None:
    """Typed text where a button is expected."""
    await say(update, context, texts.USE_BUTTONS)


async def take_typed_name(update: Update, context: BotContext, draft: dict[str, Any]) -> bool:
    """A typed full name into the draft; False (and the person asked for both) otherwise."""
    names = split_name(update.message.text if update.message else None)
    if names is None:
        await say(update, context, texts.NEED_FULL_NAME)
        return False
    draft["first_name"], draft["last_name"] = names
    return True


def split_name(text: str | None) -> tuple[str, str] | None:
    """'Alice Marie Archer' -> ('Alice Marie', 'Archer'); None without two names that pass
    booking's name rule (not too long, no control or only-invisible characters)."""
    words = (text or "").split()
    if len(words) < 2:
        return None
    first, last = " ".join(words[:-1]), words[-1]
    if name_problem(first) or name_problem(last):
        return None
    return first, last
