"""Words of two-step sign-in in the chat (pure functions and constants)."""

from __future__ import annotations

from datetime import datetime

TWO_STEP_COMMAND = ("twostep", "Two-step sign-in: status and how to turn it on")

HOW_TO_ENROL = (
    "To turn it on, sign in to the practice's web app (or the API) with your e-mail and "
    "password, then:\n"
    "1. POST /api/auth/2fa/setup/ gives a secret and an otpauth:// link: add it to an "
    "authenticator app (scan the link as a QR code, or type the secret).\n"
    "2. POST /api/auth/2fa/confirm/ with the app's current 6-digit code gives you ten "
    "recovery codes. Keep them somewhere safe, away from your phone."
)

# Why the chat never shows the secret or the recovery codes (README: Two-step sign-in).
WHY_NOT_HERE = (
    "This chat cannot set it up: a secret sent here would stay in Telegram's cloud and could "
    "show on a lock screen, and a second step anyone holding this Telegram account could set "
    "would protect nothing."
)

ENROL_FIRST = (
    "This practice asks staff to use two-step sign-in before doing staff work here or on the "
    "web.\n\n" + HOW_TO_ENROL + "\n\nThen come back: /twostep shows where you stand."
)

FOR_STAFF_ONLY = (
    "Two-step sign-in is for staff accounts. Your account is protected by the codes we e-mail you."
)

ASK_OTP = (
    "This is a staff account with two-step sign-in. Send the current 6-digit code from your "
    "authenticator app (or one of your recovery codes) to finish linking this chat."
)
OTP_WRONG = (
    "That code did not work (or has been used already). Send the current 6-digit code from "
    "your authenticator app, or an unused recovery code. /cancel stops."
)
CODE_GONE = "The e-mailed code is no longer valid. Ask for a new one with the button below."


def status_on(enabled_at: datetime, codes_left: int) -> str:
    """/twostep for an enrolled staff member."""
    text = (
        f"Two-step sign-in is on since {enabled_at:%d %B %Y}. Signing in on the web, and "
        f"linking a Telegram account to yours, asks for a code from your authenticator app.\n\n"
        f"Recovery codes left: {codes_left} of 10."
    )
    if codes_left <= 2:
        text += (
            "\nFew are left: ask whoever runs this service to reset two-step sign-in so you can "
            "set it up again with fresh codes."
        )
    return text


def status_off(*, required: bool) -> str:
    """/twostep for a staff member who has not enrolled."""
    first = "Two-step sign-in is off for your account."
    if required:
        first += " This practice requires it: staff work here waits until it is on."
    return f"{first}\n\n{HOW_TO_ENROL}\n\n{WHY_NOT_HERE}"
