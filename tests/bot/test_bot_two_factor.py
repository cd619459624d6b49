"""Two-step sign-in in the chat: STAFF_REQUIRE_2FA holds staff work back until they enrol,
/twostep says where they stand, and linking a chat to an enrolled staff account takes a code
from the authenticator app too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from booking.accounts import create_or_promote_staff
from booking.settings import Settings
from booking.two_factor import begin_enrolment, confirm_enrolment
from bot import texts, two_factor_texts
from bot.commands import bot_commands
from models import User, blind_index
from tests.bot.harness import BotUnderTest, linked_user
from tests.bot.test_bot_registration import code_from
from tests.fake_telegram import FakeUser
from tests.smtp_sink import Inbox

THEO = "theo@practice.example"


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    """The stories' settings, with STAFF_REQUIRE_2FA=true."""
    return {"STAFF_REQUIRE_2FA": "true"}


async def enrol(settings: Settings, user: User) -> tuple[pyotp.TOTP, list[str]]:
    """Enrolled a minute ago (so the code of this step is still unused)."""
    enrolment = await begin_enrolment(settings, user)
    app = pyotp.TOTP(enrolment.secret)
    earlier = datetime.now(UTC) - timedelta(minutes=1)
    codes = await confirm_enrolment(settings, user, app.at(earlier), now=earlier)
    return app, codes


async def test_theo_is_told_how_to_enrol_until_he_has(
    bot: BotUnderTest, theo: FakeUser, settings: Settings
) -> None:
    account = await linked_user(theo, THEO, staff=True)
    for command in ("/pending", "/stats", "/today", "/start"):
        await theo.send(command)
        refusal = await theo.expect("asks staff to use two-step sign-in")
        assert "/api/auth/2fa/setup/" in refusal.text, command
    await theo.send("/twostep")
    status = await theo.expect("Two-step sign-in is off for your account.")
    assert "This practice requires it" in status.text
    assert "cannot set it up" in status.text  # never in the chat

    await enrol(settings, account)

    await theo.send("/pending")
    await theo.expect(texts.NO_PENDING)
    await theo.send("/twostep")
    status = await theo.expect("Two-step sign-in is on since")
    assert "Recovery codes left: 10 of 10." in status.text


def test_twostep_is_in_the_staff_command_menu_only() -> None:
    assert "twostep" in [c.command for c in bot_commands(is_staff=True)]
    assert "twostep" not in [c.command for c in bot_commands(is_staff=False)]


async def test_a_client_is_unaffected_and_has_nothing_to_enrol(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await linked_user(alice, "alice@example.com")
    await alice.send("/start")
    await alice.expect("Hello!")
    await alice.send("/twostep")
    await alice.expect(two_factor_texts.FOR_STAFF_ONLY)


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_linking_a_chat_to_an_enrolled_staff_account_asks_for_a_code(
    bot: BotUnderTest, theo: FakeUser, tess: FakeUser, inbox: Inbox, settings: Settings
) -> None:
    account, _ = await create_or_promote_staff(
        email=THEO, first_name="Theo", last_name="Hart", password="a long staff passphrase"
    )
    app, recovery_codes = await enrol(settings, account)

    await theo.send("/login")
    await theo.expect("What e-mail address did you register with?")
    await theo.send(THEO)
    await theo.expect("We sent a 6-digit code")
    await theo.send(await code_from(inbox, THEO))
    await theo.expect(two_factor_texts.ASK_OTP)
    assert (await User.get(id=account.id)).telegram_user_id is None  # not yet
    await theo.send("123456")
    await theo.expect(two_factor_texts.OTP_WRONG)
    assert (await User.get(id=account.id)).telegram_user_id is None
    await theo.send(app.now())
    await theo.expect("Your staff account is linked to this chat")
    assert (await User.get(id=account.id)).telegram_user_id == theo.id

    # Someone else with Theo's inbox but not his second step links nothing; a recovery
    # code does it once.
    await tess.send("/login")
    await tess.expect("What e-mail address did you register with?")
    await tess.send(THEO)
    await tess.expect("We sent a 6-digit code")
    await tess.send(await code_from(inbox, THEO, nth=2))
    await tess.expect(two_factor_texts.ASK_OTP)
    await tess.send(app.now())  # already used by Theo in this time step
    await tess.expect(two_factor_texts.OTP_WRONG)
    await tess.send(recovery_codes[0])
    await tess.expect("Your staff account is linked to this chat")
    linked = await User.get(email_index=blind_index(THEO))
    assert linked.telegram_user_id == tess.id
