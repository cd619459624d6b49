"""/mydata and /deleteme: their words, their buttons and the typed data of those buttons.

Pure functions and constants, tested without Telegram. Nothing here carries a personal
value: the JSON file is the only thing /mydata sends that does, and its caption names no
one (a lock screen shows the caption, never the file).
"""

from __future__ import annotations

import dataclasses
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackData

# In the command menu after the client's commands (`bot.commands`), and in /help.
PRIVACY_COMMANDS: tuple[tuple[str, str], ...] = (
    ("mydata", "Everything we hold about you, as a file"),
    ("deleteme", "Erase your account and data"),
)


def privacy_help() -> str:
    lines = [f"/{name} - {description}" for name, description in PRIVACY_COMMANDS]
    return "Your data:\n" + "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class EraseStep(CallbackData):
    """The last step of /deleteme: "Erase everything" or "Keep my data".

    `code`: the id of the e-mailed code the person typed, so a press belongs to one round of
    the flow. Kept beside its buttons (`bot.callbacks` is full); a test checks its prefix
    against every one of `bot.callbacks.ALL_CALLBACKS`.
    """

    prefix = "ze"
    actions = frozenset({"erase", "keep"})
    action: str
    code: int


def export_filename(today: date) -> str:
    return f"my-data-{today.isoformat()}.json"


def export_caption(practice: str) -> str:
    return (
        f"Everything {practice} holds about you, as a JSON file. It contains your details: "
        "keep it somewhere safe."
    )


def erase_keyboard(code_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "Erase everything", callback_data=EraseStep("erase", code_id).pack()
                )
            ],
            [InlineKeyboardButton("Keep my data", callback_data=EraseStep("keep", code_id).pack())],
        ]
    )


def code_sent(practice: str) -> str:
    return (
        f"To erase your account and everything {practice} holds about you, type the 6-digit "
        "code we have just e-mailed to your account's address.\n"
        "Nothing is erased without it. /cancel stops here."
    )


CODE_FORMAT = "Please type the 6-digit code from the e-mail (or /cancel)."
LAST_WORD = (
    "Last step. Erasing cannot be undone:\n"
    "- your sessions and requests still ahead are cancelled (the therapist is told, "
    "without your name);\n"
    "- your name, e-mail address, phone, reasons and notes are destroyed, and this chat is "
    "unlinked;\n"
    "- what stays is anonymous: dates and statuses, for the practice's records.\n"
    "Tip: /mydata first if you want a copy."
)
ERASED = (
    "Done: your account and your personal data are erased. This chat is no longer linked to "
    "anything. Take care."
)
KEPT = "Nothing was erased. Your account stays as it was."
CANCELLED = "Stopped. Nothing was erased."
STALE = "This step has expired. Send /deleteme to start again."
NOT_LINKED = (
    "This chat is not linked to an account, so there is nothing of yours to send or erase "
    "here. Link your account with /login first."
)
