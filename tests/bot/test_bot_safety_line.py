"""A safety line: with CRISIS_MESSAGE set, Alice sees it in /start and on her booking summary,
and her request's confirmation e-mail carries it; unset, none of them mention it. Either way
the chat says it is not monitored for emergencies, where she could take it for a way to
reach someone at once. Theo (staff) is not told it."""

from __future__ import annotations

import pytest

from booking.offers import available_dates
from bot.safety_texts import NOT_AN_EMERGENCY_CHANNEL
from tests.bot.harness import BotUnderTest, linked_user, walk_to_the_note
from tests.bot.lifecycle_support import deliver
from tests.fake_telegram import FakeUser
from tests.smtp_sink import Inbox, body_text

CRISIS = "If you are in danger now, call 112 or the Samaritans on 116 123."


@pytest.fixture(params=[CRISIS, None], ids=["crisis_set", "crisis_unset"])
def crisis(request: pytest.FixtureRequest) -> str | None:
    return request.param


@pytest.fixture
def settings_overrides(crisis: str | None) -> dict[str, str]:
    """The bot's settings (as in conftest), with CRISIS_MESSAGE set or not."""
    return {"CRISIS_MESSAGE": crisis} if crisis else {}


def _shows_crisis(text: str, crisis: str | None) -> None:
    assert NOT_AN_EMERGENCY_CHANNEL in text
    if crisis:
        assert crisis in text
    else:
        assert "danger" not in text and "112" not in text


async def test_start_shows_the_safety_line_to_a_new_client_and_to_a_linked_one(
    bot: BotUnderTest, alice: FakeUser, crisis: str | None
) -> None:
    await alice.send("/start")
    _shows_crisis((await alice.expect("Hello!")).text, crisis)
    await linked_user(alice, "alice@example.com")
    await alice.send("/start")
    _shows_crisis((await alice.expect("Hello!")).text, crisis)


async def test_staff_are_not_told_the_clients_safety_line(
    bot: BotUnderTest, theo: FakeUser, crisis: str | None
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await theo.send("/start")
    welcome = await theo.expect("Hello!")
    assert NOT_AN_EMERGENCY_CHANNEL not in welcome.text
    assert CRISIS not in welcome.text


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_the_summary_and_the_confirmation_email_carry_it(
    bot: BotUnderTest, alice: FakeUser, inbox: Inbox, crisis: str | None
) -> None:
    await linked_user(alice, "alice@example.com")
    prompt = await walk_to_the_note(alice, [(await available_dates(bot.settings))[0]])
    await alice.press(prompt, "Skip")
    summary = await alice.expect("Please check your request:")
    _shows_crisis(summary.text, crisis)
    await alice.press(summary, "Confirm")
    await alice.expect("Your request is sent.")

    await deliver(bot)
    mail = await inbox.wait_for(lambda m: "We received your appointment request" in m["Subject"])
    body = body_text(mail)
    assert "not monitored for emergencies" in body
    if crisis:
        assert crisis in body
        assert crisis not in mail["Subject"]
    else:
        assert "danger" not in body and "112" not in body
