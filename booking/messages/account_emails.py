"""Account e-mails: pure functions from values to an outbox payload (text + HTML).

None of them says more than the owner of the inbox may know; none carries a password.
"""

from __future__ import annotations

from booking.messages.email import compose, hello
from booking.settings import Settings
from models import CodePurpose

CODE_MINUTES = 10

_CODE_TEXT: dict[CodePurpose, tuple[str, str]] = {
    CodePurpose.REGISTRATION: (
        "Your verification code",
        "Enter this code to confirm your e-mail address and finish registering:",
    ),
    CodePurpose.PASSWORD_RESET: (
        "Your password reset code",
        "Enter this code to choose a new password:",
    ),
    CodePurpose.TELEGRAM_LINK: (
        "Your code to connect Telegram",
        "Enter this code in the Telegram chat to connect it to your account:",
    ),
}


def code_email(
    settings: Settings, purpose: CodePurpose, code: str, first_name: str | None = None
) -> dict:
    """A one-time code, shown large; the code itself never goes in the subject line."""
    subject, intro = _CODE_TEXT[CodePurpose(purpose)]
    return compose(
        settings,
        subject=subject,
        greeting=hello(first_name),
        paragraphs=[
            intro,
            f"The code works once and expires in {CODE_MINUTES} minutes.",
            "If you did not ask for it, you can ignore this e-mail: nobody can use the "
            "code without access to your inbox.",
        ],
        code=code,
    )


def registration_attempt_email(
    settings: Settings, first_name: str | None, has_password: bool
) -> dict:
    """To the owner of a registered address when someone registers it again."""
    if has_password:
        advice = (
            "If it was you: you already have an account, so simply sign in. If you have "
            "forgotten your password, use “Forgot password” to choose a new one."
        )
    else:
        advice = (
            "If it was you: your account has no password for the website yet. Use "
            "“Forgot password” to choose one."
        )
    return compose(
        settings,
        subject="Someone tried to register with your address",
        greeting=hello(first_name),
        paragraphs=[
            "Someone, perhaps you, just tried to create a new account with this e-mail "
            "address. No new account was created and nothing about your account changed.",
            advice,
            "If it was not you, you can ignore this e-mail.",
        ],
    )


def password_changed_email(settings: Settings, first_name: str | None) -> dict:
    """After a password reset: the owner learns of it even if it was not them."""
    return compose(
        settings,
        subject="Your password was changed",
        greeting=hello(first_name),
        paragraphs=[
            "The password of your account was just changed with a code sent to this "
            "address, and every device signed in to your account was signed out.",
            "If this was you, there is nothing more to do.",
            "If it was not you, choose a new password at once with “Forgot password” and "
            "tell the practice: someone may have access to your e-mail.",
        ],
    )
