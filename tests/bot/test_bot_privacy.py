"""/mydata and /deleteme in the chat: Alice takes her data as a file, then erases herself
with the code e-mailed to her and one last press; Theo hears of her cancelled session
without her name."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from booking.appointments import create_appointment, schedule_appointment
from booking.audit import CLIENT_EXPORT
from booking.offers import available_dates
from booking.settings import Settings
from bot.callbacks import ALL_CALLBACKS
from bot.commands import bot_commands
from bot.privacy_views import EraseStep
from models import Appointment, AppointmentStatus, AuditEvent, ConversationState, User
from tests.bot.harness import BotUnderTest, linked_user
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.smtp_sink import Inbox, body_text

both = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
ALICE = "alice.archer@example.com"
REASON = "Panic on the Harbourside night bus"


async def erasure_code(inbox: Inbox, nth: int = 1) -> str:
    """The code of the nth "erase" e-mail to Alice (waits for it)."""

    def codes() -> list:
        return [m for m in inbox.to(ALICE) if "erase" in str(m["Subject"]).lower()]

    await inbox.wait_for(lambda m: len(codes()) >= nth)
    match = re.search(r"\b(\d{6})\b", body_text(codes()[nth - 1]))
    assert match, body_text(codes()[nth - 1])
    return match.group(1)


async def a_request(settings: Settings, user: User | None, email: str = ALICE) -> Appointment:
    dates = await available_dates(settings)
    return await create_appointment(
        settings,
        user=user,
        first_name="Alice",
        last_name="Archer",
        email=email,
        preferred_dates=[dates[5].isoformat()],
        preferred_time_slots=["morning"],
        reason=REASON,
    )


async def alice_with_a_session(db, alice: FakeUser, theo: FakeUser) -> tuple[User, Appointment]:
    """Alice (linked) has a session with Theo (linked staff) in a week."""
    user = await linked_user(alice, ALICE)
    therapist = await linked_user(theo, "theo@practice.example", staff=True)
    request = await a_request(db, user)
    start = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=7)
    session = await schedule_appointment(db, request.id, therapist, start)
    return user, session


@both
async def test_alice_gets_her_data_as_a_json_file(
    bot: BotUnderTest, alice: FakeUser, telegram: FakeTelegram, db
) -> None:
    user = await linked_user(alice, ALICE)
    await alice.send("/mydata")
    call = await telegram.wait_for_call("sendDocument")
    document = call.params["document"]
    assert document["filename"].startswith("my-data-") and document["filename"].endswith(".json")
    data = json.loads(document["content"])
    assert data["account"]["email"] == ALICE and data["telegram"] == {"user_id": alice.id}
    # The caption shows on a lock screen: it names no one.
    caption = await alice.expect("as a JSON file")
    for value in ("Alice", "Archer", ALICE):
        assert value not in caption.text
    assert await AuditEvent.filter(action=CLIENT_EXPORT, subject_id=user.id).exists()


@both
async def test_someone_without_an_account_has_nothing_to_take_or_erase(
    bot: BotUnderTest, charlie: FakeUser, telegram: FakeTelegram
) -> None:
    await charlie.send("/mydata")
    await charlie.expect("not linked to an account")
    await charlie.send("/deleteme")
    await charlie.expect("not linked to an account")
    assert not telegram.calls_of("sendDocument")


@both
async def test_alice_erases_herself_with_the_emailed_code(
    bot: BotUnderTest,
    alice: FakeUser,
    theo: FakeUser,
    inbox: Inbox,
    telegram: FakeTelegram,
    db,
) -> None:
    user, session = await alice_with_a_session(db, alice, theo)
    await bot.settle()  # what booking told them is delivered and read
    alice.chat.read, theo.chat.read = len(alice.chat.events), len(theo.chat.events)

    await alice.send("/deleteme")
    await alice.expect("type the 6-digit code")
    code = await erasure_code(inbox)
    await alice.send("000000" if code != "000000" else "111111")
    await alice.expect("wrong or has expired")
    await alice.send(code)
    last = await alice.expect("Last step")
    assert last.button_texts == ["Erase everything", "Keep my data"]
    assert (await User.get(id=user.id)).erased_at is None  # nothing yet

    await alice.press(last, "Erase everything")
    await alice.expect("your account and your personal data are erased")

    erased = await User.get(id=user.id)
    assert erased.erased_at is not None and erased.telegram_user_id is None
    assert erased.first_name == "" and erased.email_index.startswith("erased:")
    row = await Appointment.get(id=session.id)
    assert row.status == AppointmentStatus.CANCELLED and row.reason is None
    # Theo is told, as on any cancellation, without her name or reason.
    notice = await theo.expect("asked for their personal data to be erased")
    for value in ("Alice", "Archer", REASON):
        assert value not in notice.text
    # What the bot stores for her chat holds nothing of her.
    for state in await ConversationState.filter(key__contains=str(alice.id)):
        assert "Alice" not in json.dumps(state.data) and REASON not in json.dumps(state.data)
    # The chat is no longer linked to anything.
    await alice.send("/mydata")
    await alice.expect("not linked to an account")


@both
async def test_keep_my_data_changes_nothing_and_the_old_button_is_dead(
    bot: BotUnderTest, alice: FakeUser, inbox: Inbox, db
) -> None:
    user = await linked_user(alice, ALICE)
    await alice.send("/deleteme")
    await alice.expect("type the 6-digit code")
    await alice.send(await erasure_code(inbox))
    last = await alice.expect("Last step")
    await alice.press(last, "Keep my data")
    await alice.expect("Nothing was erased")

    press = await alice.press(last, "Erase everything")
    assert await press.answered()  # told the button is dead; nothing happens
    assert (await User.get(id=user.id)).erased_at is None


@both
async def test_a_code_works_once(bot: BotUnderTest, alice: FakeUser, inbox: Inbox, db) -> None:
    await linked_user(alice, ALICE)
    await alice.send("/deleteme")
    await alice.expect("type the 6-digit code")
    code = await erasure_code(inbox)
    await alice.send(code)
    await alice.expect("Last step")
    await alice.send("/cancel")
    await alice.expect("Nothing was erased")
    await alice.send("/deleteme")
    await alice.expect("type the 6-digit code")
    await alice.send(code)  # the first round's code, used already
    await alice.expect("wrong or has expired")


@both
async def test_a_therapist_cannot_erase_their_staff_account_here(
    bot: BotUnderTest, theo: FakeUser, db
) -> None:
    staff = await linked_user(theo, "theo@practice.example", staff=True)
    await theo.send("/deleteme")
    await theo.expect("A staff account cannot be erased")
    assert (await User.get(id=staff.id)).erased_at is None


def test_the_commands_are_in_the_menu_and_the_buttons_have_their_own_prefix() -> None:
    commands = [c.command for c in bot_commands(is_staff=False)]
    assert "mydata" in commands and "deleteme" in commands
    assert EraseStep.prefix not in [cls.prefix for cls in ALL_CALLBACKS]
    assert len(EraseStep("erase", 2**31).pack().encode()) <= 64


async def test_help_lists_them(bot: BotUnderTest, alice: FakeUser) -> None:
    await alice.send("/help")
    shown = await alice.expect("What I can do:")
    assert "/mydata" in shown.text and "/deleteme" in shown.text
