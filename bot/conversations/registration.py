"""/register and /login: an e-mailed code links this Telegram user to an account.

/register: e-mail -> name (one tap for the Telegram profile's) -> phone (Telegram's "share
contact" button, or skip) -> the 6-digit code -> linked. /login skips the name and phone.
A staff account with two-step sign-in takes one more step after the code: a current code
from the authenticator app, or a recovery code (`booking.two_factor`).
Both call `booking.accounts.start_telegram_link` / `confirm_telegram_link`, which answer the
same for known and unknown addresses: the bot never tells whether an e-mail is registered,
and never asks for a password.

The draft lives in `user_data["registration"]` (persisted, encrypted with the rest).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from booking.accounts import confirm_telegram_link, start_telegram_link
from booking.errors import InvalidInput, RateLimited
from booking.person_fields import clean_email, name_problem
from booking.two_factor import SecondFactorRequired
from bot import keyboards, texts, two_factor_texts
from bot.callbacks import MenuAction, RegistrationStep
from bot.commands import set_staff_commands
from bot.context import BotContext
from bot.conversations.common import (
    END,
    answer,
    conversation,
    linked_account,
    say,
    show,
    take_typed_name,
    use_the_buttons,
)
from bot.errors import chat_answer, error_messages

if TYPE_CHECKING:
    from telegram.ext import ConversationHandler

    from models import User

EMAIL, NAME, PHONE, CODE, OTP = "email", "name", "phone", "code", "otp"
DRAFT = "registration"
CODE_RE = re.compile(r"^\d{6}$")


def _draft(context: BotContext) -> dict[str, Any]:
    return context.user_data.setdefault(DRAFT, {"path": "register"})


def _profile_name(update: Update) -> tuple[str, str] | None:
    """The Telegram profile's first and last name, when it has both (and they pass as names)."""
    user = update.effective_user
    if user is None or not user.first_name or not user.last_name:
        return None
    first, last = user.first_name.strip(), user.last_name.strip()
    if name_problem(first) or name_problem(last):
        return None  # a profile name of zero-width characters names nobody: ask instead
    return first, last


async def begin_register(update: Update, context: BotContext) -> str:
    """/register (or the menu button): ask for the e-mail address."""
    return await _begin(update, context, "register")


async def begin_login(update: Update, context: BotContext) -> str:
    """/login: link an account that already exists (same code, no name or phone)."""
    return await _begin(update, context, "login")


async def _begin(update: Update, context: BotContext, path: str) -> str:
    await answer(update)
    context.user_data[DRAFT] = {"path": path}
    prompt = texts.ASK_EMAIL_REGISTER if path == "register" else texts.ASK_EMAIL_LOGIN
    account = await linked_account(update)
    if account is not None:
        prompt = f"{texts.already_linked(account.email)}\n\n{prompt}"
    await say(update, context, prompt)
    return EMAIL


async def email_typed(update: Update, context: BotContext) -> str | int | None:
    """The e-mail address: checked for shape here, by the accounts service."""
    text = update.message.text if update.message else ""
    try:
        address = clean_email(text or "")
    except InvalidInput:
        await say(update, context, texts.BAD_EMAIL)
        return None
    draft = _draft(context)
    draft["email"] = address
    if draft["path"] == "login":
        # Only used if the address has no verified account yet (the service decides).
        profile = _profile_name(update)
        if profile is not None:
            draft["first_name"], draft["last_name"] = profile
        return await _send_code(update, context)
    profile = _profile_name(update)
    if profile is not None:
        await say(update, context, texts.ask_name(*profile), keyboards.use_profile_name(*profile))
    else:
        await say(update, context, texts.ASK_NAME_TYPED)
    return NAME


async def profile_name_used(update: Update, context: BotContext) -> str | None:
    """One tap: the name from the Telegram profile."""
    profile = _profile_name(update)
    if profile is None:
        await answer(update, texts.STALE_BUTTON)
        return None
    await answer(update)
    draft = _draft(context)
    draft["first_name"], draft["last_name"] = profile
    await show(update, context, f"Name: {profile[0]} {profile[1]}")
    return await _ask_phone(update, context)


async def name_typed(update: Update, context: BotContext) -> str | None:
    """A typed name: the last word is the last name, the rest the first name."""
    if not await take_typed_name(update, context, _draft(context)):
        return None
    return await _ask_phone(update, context)


async def _ask_phone(update: Update, context: BotContext) -> str:
    await say(update, context, texts.ASK_PHONE, keyboards.share_contact())
    return PHONE


async def contact_shared(update: Update, context: BotContext) -> str | int | None:
    """Telegram's "share contact": only the person's own number is taken."""
    message = update.message
    contact = message.contact if message else None
    user = update.effective_user
    if contact is None or user is None or contact.user_id != user.id:
        await say(update, context, texts.NOT_YOUR_CONTACT, keyboards.share_contact())
        return None
    phone = contact.phone_number.strip()
    if not phone.startswith("+"):
        phone = f"+{phone}"  # Telegram sends numbers without the plus
    _draft(context)["phone"] = phone
    await say(update, context, texts.PHONE_SAVED, ReplyKeyboardRemove())
    return await _send_code(update, context)


async def phone_skipped(update: Update, context: BotContext) -> str | int | None:
    _draft(context)["phone"] = None
    await say(update, context, texts.PHONE_SKIPPED, ReplyKeyboardRemove())
    return await _send_code(update, context)


async def use_phone_buttons(update: Update, context: BotContext) -> None:
    await say(update, context, texts.USE_PHONE_BUTTONS, keyboards.share_contact())


async def _send_code(update: Update, context: BotContext, *, resend: bool = False) -> str | None:
    """Ask the accounts service to e-mail a code; the answer is the same for any address."""
    draft = _draft(context)
    assert update.effective_user is not None
    try:
        await start_telegram_link(
            context.settings,
            draft["email"],
            update.effective_user.id,
            first_name=draft.get("first_name"),
            last_name=draft.get("last_name"),
            phone=draft.get("phone"),
        )
    except RateLimited as exc:
        # Go on to the code step anyway: a code sent earlier may still be valid.
        await say(update, context, texts.too_many_codes(exc.retry_after), keyboards.code_actions())
        return CODE
    except InvalidInput as exc:
        # The address was refused: ask for it again.
        await say(update, context, texts.invalid_request(error_messages(exc.errors)))
        return EMAIL
    text = texts.code_resent(draft["email"]) if resend else texts.code_sent(draft["email"])
    await say(update, context, text, keyboards.code_actions())
    return CODE


async def code_typed(update: Update, context: BotContext) -> str | int | None:
    """The 6-digit code: on success this chat is linked to the account."""
    code = (update.message.text or "").strip().replace(" ", "") if update.message else ""
    if not CODE_RE.match(code):
        await say(update, context, texts.CODE_ENTER, keyboards.code_actions())
        return None
    draft = _draft(context)
    assert update.effective_user is not None
    try:
        user = await confirm_telegram_link(
            context.settings, draft["email"], update.effective_user.id, code
        )
    except InvalidInput as exc:
        # A wrong code: offer a new one along with the reason (RateLimited goes to bot.errors).
        await say(update, context, texts.wrong_code(chat_answer(exc)), keyboards.code_actions())
        return None
    except SecondFactorRequired:
        # A staff account with two-step sign-in: the chat will act as them, so it takes
        # their second step too. The e-mailed code stays unused until then.
        draft["code"] = code
        await say(update, context, two_factor_texts.ASK_OTP)
        return OTP
    return await _linked(update, context, user)


async def otp_typed(update: Update, context: BotContext) -> str | int | None:
    """A staff account's second step: a current authenticator code or a recovery code."""
    otp = (update.message.text or "").strip() if update.message else ""
    draft = _draft(context)
    assert update.effective_user is not None
    if "code" not in draft:
        return await change_email(update, context)
    try:
        user = await confirm_telegram_link(
            context.settings, draft["email"], update.effective_user.id, draft["code"], otp
        )
    except SecondFactorRequired:
        await say(update, context, two_factor_texts.OTP_WRONG)
        return None
    except InvalidInput:
        # The e-mailed code expired or was used up meanwhile: a new one is needed.
        draft.pop("code", None)
        await say(update, context, two_factor_texts.CODE_GONE, keyboards.code_actions())
        return CODE
    return await _linked(update, context, user)


async def otp_expected(update: Update, context: BotContext) -> None:
    await say(update, context, two_factor_texts.ASK_OTP)


async def _linked(update: Update, context: BotContext, user: User) -> int:
    context.user_data.pop(DRAFT, None)
    if user.is_staff and update.effective_chat is not None:
        await set_staff_commands(context.bot, update.effective_chat.id)
    await say(
        update,
        context,
        texts.linked(user.first_name, is_staff=user.is_staff),
        keyboards.main_menu(linked=True, staff=user.is_staff),
    )
    return END


async def resend(update: Update, context: BotContext) -> str | None:
    await answer(update)
    if "email" not in _draft(context):
        return None
    _draft(context).pop("code", None)  # a new code replaces the one awaiting a second step
    return await _send_code(update, context, resend=True)


async def change_email(update: Update, context: BotContext) -> str:
    await answer(update)
    draft = _draft(context)
    draft.pop("email", None)
    draft.pop("code", None)
    prompt = texts.ASK_EMAIL_REGISTER if draft["path"] == "register" else texts.ASK_EMAIL_LOGIN
    await say(update, context, prompt)
    return EMAIL


async def cancel(update: Update, context: BotContext) -> int:
    context.user_data.pop(DRAFT, None)
    await say(update, context, texts.CANCELLED, ReplyKeyboardRemove())
    return END


def build_registration_conversation() -> ConversationHandler:
    not_a_command = filters.TEXT & ~filters.COMMAND
    return conversation(
        "registration",
        entry_points=[
            CommandHandler("register", begin_register),
            CommandHandler("login", begin_login),
            CommandHandler("start", begin_register, filters=filters.Regex(r"^/start register$")),
            CommandHandler("start", begin_login, filters=filters.Regex(r"^/start login$")),
            CallbackQueryHandler(begin_register, pattern=MenuAction.filter(action="register")),
            CallbackQueryHandler(begin_login, pattern=MenuAction.filter(action="login")),
        ],
        states={
            EMAIL: [
                MessageHandler(not_a_command, email_typed),
                MessageHandler(~filters.COMMAND, use_the_buttons_or_type_email),
            ],
            NAME: [
                CallbackQueryHandler(
                    profile_name_used, pattern=RegistrationStep.filter(action="use_name")
                ),
                MessageHandler(not_a_command, name_typed),
                MessageHandler(~filters.COMMAND, use_the_buttons),
            ],
            PHONE: [
                MessageHandler(filters.CONTACT, contact_shared),
                MessageHandler(
                    filters.Regex(rf"^\s*{texts.SKIP_PHONE_BUTTON}\s*$") & ~filters.COMMAND,
                    phone_skipped,
                ),
                MessageHandler(~filters.COMMAND, use_phone_buttons),
            ],
            OTP: [
                MessageHandler(not_a_command, otp_typed),
                CallbackQueryHandler(resend, pattern=RegistrationStep.filter(action="resend")),
                CallbackQueryHandler(
                    change_email, pattern=RegistrationStep.filter(action="change_email")
                ),
                MessageHandler(~filters.COMMAND, otp_expected),
            ],
            CODE: [
                MessageHandler(not_a_command, code_typed),
                CallbackQueryHandler(resend, pattern=RegistrationStep.filter(action="resend")),
                CallbackQueryHandler(
                    change_email, pattern=RegistrationStep.filter(action="change_email")
                ),
                MessageHandler(~filters.COMMAND, use_the_buttons),
            ],
        },
        fallbacks=[],
        cancel=cancel,
        own_callbacks=(RegistrationStep,),
    )


async def use_the_buttons_or_type_email(update: Update, context: BotContext) -> None:
    await say(update, context, texts.BAD_EMAIL)
