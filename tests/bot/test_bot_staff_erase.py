"""/eraseclient in the chat: Alice asks Theo in person to erase her; Theo types the reference
her session's card shows, reads a last question that names no one, and presses Erase
everything. The API's staff erasure runs, audited with Theo as the actor.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from booking.appointments import schedule_appointment
from booking.audit import CLIENT_ERASE
from booking.settings import Settings
from bot.audit_callbacks import EraseClient
from models import Appointment, AppointmentStatus, AuditEvent, Notification, User, blind_index
from tests.bot.harness import BotUnderTest, linked_user
from tests.bot.test_bot_privacy import ALICE, REASON, a_request
from tests.fake_telegram import FakeUser

both = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
THEO = "theo@practice.example"
STAFF_ONLY = "Only the practice's staff can do that."


async def alice_with_a_session(
    settings: Settings, alice: FakeUser, theo: FakeUser
) -> tuple[User, User, Appointment]:
    """Alice (linked) has a session with Theo (linked staff) in a week."""
    user = await linked_user(alice, ALICE, first_name="Alice", last_name="Archer")
    therapist = await linked_user(theo, THEO, staff=True)
    request = await a_request(settings, user)
    start = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=7)
    session = await schedule_appointment(settings, request.id, therapist, start)
    return user, therapist, session


def ref_of(appointment: Appointment) -> str:
    return appointment.id.hex[:6].upper()


@both
async def test_a_client_is_refused(bot: BotUnderTest, alice: FakeUser, db) -> None:
    user = await linked_user(alice, ALICE)
    request = await a_request(db, user)
    await alice.send(f"/eraseclient {ref_of(request)}")
    await alice.expect(STAFF_ONLY)
    assert (await User.get(id=user.id)).erased_at is None


@both
async def test_theo_erases_alice_who_asked_in_person(
    bot: BotUnderTest, theo: FakeUser, alice: FakeUser, db
) -> None:
    user, therapist, session = await alice_with_a_session(db, alice, theo)

    await theo.send(f"/eraseclient {ref_of(session).lower()}")  # any case will do
    last = await theo.expect(f"Erase the client of ref. {ref_of(session)}")
    assert last.button_texts == ["Erase everything", "Keep"]
    assert "cannot be undone" in last.text and "cancelled" in last.text
    for value in ("Alice", "Archer", ALICE, REASON):  # a lock screen shows this message
        assert value not in last.text
    assert (await User.get(id=user.id)).erased_at is None  # nothing yet

    # Alice, handed the button somehow, can do nothing with it.
    press = await alice.press_data(
        last.message_id, last.button("Erase everything")["callback_data"]
    )
    assert await press.answered() == STAFF_ONLY
    assert (await User.get(id=user.id)).erased_at is None

    await theo.press(last, "Erase everything")
    done = await theo.expect(f"Done: the client of ref. {ref_of(session)} is erased")
    assert "1 session(s) or request(s) cancelled" in done.text
    assert done.button_texts == []

    erased = await User.get(id=user.id)
    assert erased.erased_at is not None and not erased.is_active
    assert (erased.email, erased.first_name, erased.last_name, erased.phone) == ("", "", "", None)
    assert erased.email_index.startswith("erased:") and erased.telegram_user_id is None
    assert not await User.filter(email_index=blind_index(ALICE)).exists()
    row = await Appointment.get(id=session.id)
    assert row.status == AppointmentStatus.CANCELLED and row.erased_at is not None
    assert (row.first_name, row.email, row.reason) == ("", "", None)
    (audit,) = await AuditEvent.filter(action=CLIENT_ERASE)
    assert audit.actor_id == therapist.id and audit.subject_id == user.id
    assert audit.target == str(user.id) and audit.ip_hash is None
    # Theo erased it himself, so nobody is to be told: he is the only staff member.
    assert not await Notification.filter(kind="cancelled", appointment_id=session.id).exists()

    # A second press finds her erased already: nothing more happens.
    await theo.press(last, "Erase everything")
    await theo.expect("Nothing was erased")
    assert await AuditEvent.filter(action=CLIENT_ERASE).count() == 1


@both
async def test_a_full_id_works_too_and_keep_changes_nothing(
    bot: BotUnderTest, theo: FakeUser, alice: FakeUser, db
) -> None:
    user, _, session = await alice_with_a_session(db, alice, theo)
    await theo.send(f"/eraseclient {session.id}")
    last = await theo.expect(f"Erase the client of ref. {ref_of(session)}")
    await theo.press(last, "Keep")
    await theo.expect(f"Nothing was erased (ref. {ref_of(session)}).")
    assert (await User.get(id=user.id)).erased_at is None
    assert not await AuditEvent.filter(action=CLIENT_ERASE).exists()


@both
async def test_a_bad_unknown_or_ambiguous_reference_says_what_to_type(
    bot: BotUnderTest, theo: FakeUser, db
) -> None:
    await linked_user(theo, THEO, staff=True)
    await theo.send("/eraseclient")
    await theo.expect("/eraseclient followed by the reference")
    await theo.send("/eraseclient Alice")
    await theo.expect("Type the reference a card shows after 'ref.'")
    await theo.send("/eraseclient 3F9")
    await theo.expect("Type the reference a card shows after 'ref.'")
    await theo.send("/eraseclient 0FF1CE")
    await theo.expect("No appointment has the reference 0FF1CE")
    # Two appointments whose ids start alike: the reference cannot tell them apart.
    for tail in ("00000000000000000000000001", "00000000000000000000000002"):
        await Appointment.create(
            id=uuid.UUID("abcdef" + tail),
            email_index=blind_index(f"{tail}@example.com"),
            first_name="Anon",
            last_name="Ymous",
            email=f"{tail}@example.com",
        )
    await theo.send("/eraseclient ref. ABCDEF")
    await theo.expect("More than one appointment starts with ABCDEF")
    await theo.send("/eraseclient abcdef00000000000000000000000002")
    await theo.expect("sent without an account: there is no account to erase")


@both
async def test_a_request_without_an_account_has_no_account_to_erase(
    bot: BotUnderTest, theo: FakeUser, db
) -> None:
    await linked_user(theo, THEO, staff=True)
    request = await a_request(db, None, email="walk.in@example.com")
    await theo.send(f"/eraseclient {ref_of(request)}")
    answer = await theo.expect("there is no account to erase")
    assert "DATA_RETENTION_DAYS" in answer.text and answer.button_texts == []
    assert (await Appointment.get(id=request.id)).first_name == "Alice"  # untouched


@both
async def test_a_staff_account_is_refused_as_the_api_refuses_it(
    bot: BotUnderTest, theo: FakeUser, tess: FakeUser, db
) -> None:
    await linked_user(theo, THEO, staff=True)
    colleague = await linked_user(tess, "tess@practice.example", staff=True)
    request = await a_request(db, colleague, email="tess@practice.example")
    await theo.send(f"/eraseclient {ref_of(request)}")
    await theo.expect("A staff account cannot be erased")
    # A forged press for her account is refused by the erasure itself.
    data = EraseClient("erase", colleague.id, ref_of(request).lower()).pack()
    press = await theo.press_data(0, data)
    assert "A staff account cannot be erased" in await press.answered()
    assert (await User.get(id=colleague.id)).erased_at is None
    assert not await AuditEvent.filter(action=CLIENT_ERASE).exists()
