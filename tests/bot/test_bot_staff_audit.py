"""/audit in the chat: Theo reads the latest events of the audit trail, pages back with Older,
filters by action; his reading is recorded as the API's is. Alice is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking import audit
from booking.appointments import create_appointment
from booking.audit_pages import AUDIT_ACTIONS
from booking.offers import available_dates
from bot.audit_callbacks import AuditOlder, EraseClient, action_of_token, action_token
from bot.callbacks import ALL_CALLBACKS, MAX_BYTES
from bot.commands import bot_commands
from bot.detail_callbacks import ShowDetails
from bot.privacy_views import EraseStep
from models import AuditEvent, User
from tests.bot.harness import BotUnderTest, linked_user
from tests.fake_telegram import FakeUser

both = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
THEO, TESS, ALICE = "theo@practice.example", "tess@practice.example", "alice.archer@example.com"
AN_HOUR_AGO = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


async def audit_views(staff: User) -> list[AuditEvent]:
    return list(await AuditEvent.filter(actor_id=staff.id, action=audit.AUDIT_VIEW).order_by("id"))


async def numbered_lists(staff: User, count: int) -> None:
    """`count` list reads by `staff`, a minute apart, targets n=00 (oldest) .. n=<count-1>."""
    for n in range(count):
        await audit.record_audit(
            staff,
            audit.APPOINTMENT_LIST,
            target=f"n={n:02d}",
            at=AN_HOUR_AGO + timedelta(minutes=n),
        )


def targets_shown(text: str) -> list[str]:
    return [word for word in text.split() if word.startswith("n=")]


@both
async def test_alice_is_refused_and_nothing_is_recorded(bot: BotUnderTest, alice: FakeUser) -> None:
    await linked_user(alice, ALICE)
    await alice.send("/audit")
    await alice.expect("Only the practice's staff can do that.")
    await alice.send("/audit client.erase")
    await alice.expect("Only the practice's staff can do that.")
    assert not await AuditEvent.filter(action=audit.AUDIT_VIEW).exists()


@both
async def test_theo_reads_who_did_what_and_his_reading_is_recorded(
    bot: BotUnderTest, theo: FakeUser, tess: FakeUser, alice: FakeUser
) -> None:
    staff = await linked_user(theo, THEO, staff=True)
    colleague = await linked_user(tess, TESS, staff=True)
    client = await linked_user(alice, ALICE, first_name="Alice", last_name="Archer")
    day = (await available_dates(bot.settings))[2]
    request = await create_appointment(
        bot.settings,
        first_name="Alice",
        last_name="Archer",
        email=ALICE,
        preferred_dates=[day],
        preferred_time_slots=["evening"],
        reason="Nightmares since the flood",
        user=client,
    )
    at = AN_HOUR_AGO
    await audit.record_audit(
        client, audit.CLIENT_EXPORT, target=client.id, subject=client.id, at=at
    )
    await audit.record_audit(
        colleague,
        audit.APPOINTMENT_VIEW,
        target=request.id,
        subject=client.id,
        ip="203.0.113.7",
        at=at + timedelta(minutes=1),
    )
    await audit.record_audit(None, audit.RETENTION_ERASE, at=at + timedelta(minutes=2))
    await audit.record_audit(
        staff,
        audit.APPOINTMENT_VIEW,
        target=request.id,
        subject=client.id,
        at=at + timedelta(minutes=3),
    )

    await theo.send("/audit")
    shown = await theo.expect("Audit trail, newest first: 1-4 of 4")
    lines = shown.text.splitlines()[1:]
    ref = "ref. " + request.id.hex[:6].upper()
    local = (at + timedelta(minutes=1)).astimezone(bot.settings.zone)
    assert lines[0].endswith(f"appointment.view · {ref} · you · chat")
    assert lines[1].endswith("retention.erase · - · system")
    assert lines[2] == (
        f"{local.day} {local:%b %H:%M} · appointment.view · {ref} · "
        f"staff {colleague.id.hex[:6].upper()} · web"
    )
    assert lines[3].endswith(
        f"client.export · account {client.id.hex[:6].upper()} · the client · chat"
    )
    for value in ("Alice", "Archer", ALICE, "Nightmares", "203.0.113.7"):
        assert value not in shown.text
    assert shown.button_texts == []  # nothing older

    # Reading the trail is recorded as the API records it: no filter, no address (Telegram).
    (view,) = await audit_views(staff)
    assert view.target is None and view.ip_hash is None and view.subject_id is None
    await theo.send("/audit")
    await theo.expect("1-5 of 5")  # his first read is the newest event now
    assert len(await audit_views(staff)) == 2


@both
async def test_older_pages_back_without_repeating_or_skipping_an_event(
    bot: BotUnderTest, theo: FakeUser
) -> None:
    staff = await linked_user(theo, THEO, staff=True)
    await numbered_lists(staff, 23)

    await theo.send("/audit")
    first = await theo.expect("1-10 of 23")
    assert targets_shown(first.text) == [f"n={n:02d}" for n in range(22, 12, -1)]
    await theo.press(first, "Older")
    # /audit's own audit.view is the newest event now: the page below starts one further on.
    second = await theo.expect("12-21 of 24")
    assert second.message_id == first.message_id  # edited in place: no notification
    assert targets_shown(second.text) == [f"n={n:02d}" for n in range(12, 2, -1)]
    await theo.press(second, "Older")
    third = await theo.expect("23-25 of 25")
    assert targets_shown(third.text) == ["n=02", "n=01", "n=00"]
    assert third.button_texts == []
    assert len(await audit_views(staff)) == 3  # one per page, as each API page is


@both
async def test_a_filter_by_action_holds_across_pages_and_an_unknown_one_is_explained(
    bot: BotUnderTest, theo: FakeUser, alice: FakeUser
) -> None:
    staff = await linked_user(theo, THEO, staff=True)
    client = await linked_user(alice, ALICE)
    for minute in range(12):
        await audit.record_audit(
            client,
            audit.CLIENT_EXPORT,
            target=client.id,
            subject=client.id,
            at=AN_HOUR_AGO + timedelta(minutes=minute),
        )
    await numbered_lists(staff, 3)

    await theo.send("/audit client.export")
    first = await theo.expect("Audit trail (client.export), newest first: 1-10 of 12")
    await theo.press(first, "Older")
    second = await theo.expect("(client.export), newest first: 11-12 of 12")
    assert all("client.export" in line for line in second.text.splitlines()[1:])
    views = await audit_views(staff)
    assert [v.target for v in views] == ["action=client.export"] * 2

    await theo.send("/audit client.delete")
    refusal = await theo.expect("The audit trail has no action 'client.delete'")
    assert "client.erase" in refusal.text and "audit.view" in refusal.text
    assert len(await audit_views(staff)) == 2  # a refused filter reads nothing


async def test_an_empty_trail_says_so(bot: BotUnderTest, theo: FakeUser) -> None:
    await linked_user(theo, THEO, staff=True)
    await theo.send("/audit staff.login")
    await theo.expect("Audit trail (staff.login): no events yet.")


async def test_a_client_pressing_a_forwarded_older_button_reads_nothing(
    bot: BotUnderTest, theo: FakeUser, alice: FakeUser
) -> None:
    staff = await linked_user(theo, THEO, staff=True)
    await linked_user(alice, ALICE)
    await numbered_lists(staff, 12)
    await theo.send("/audit")
    first = await theo.expect("1-10 of 12")
    press = await alice.press_data(first.message_id, first.button("Older")["callback_data"])
    assert await press.answered() == "Only the practice's staff can do that."
    assert len(await audit_views(staff)) == 1


def test_the_buttons_have_their_own_prefixes_and_fit_in_64_bytes() -> None:
    others = [k.prefix for k in (*ALL_CALLBACKS, ShowDetails, EraseStep)]
    assert AuditOlder.prefix not in others and EraseClient.prefix not in others
    longest = max(AUDIT_ACTIONS, key=len)
    assert len(AuditOlder(999_999_999, action_token(longest)).pack().encode()) <= MAX_BYTES
    for action in (None, *AUDIT_ACTIONS):  # every action's token reads back as that action
        assert action_of_token(action_token(action)) == action


def test_the_commands_are_in_the_staff_menu_only() -> None:
    staff = [c.command for c in bot_commands(is_staff=True)]
    client = [c.command for c in bot_commands(is_staff=False)]
    assert "audit" in staff and "eraseclient" in staff
    assert "audit" not in client and "eraseclient" not in client


async def test_staff_help_lists_them(bot: BotUnderTest, theo: FakeUser, alice: FakeUser) -> None:
    await linked_user(theo, THEO, staff=True)
    await theo.send("/help")
    shown = await theo.expect("What I can do:")
    assert "/audit" in shown.text and "/eraseclient" in shown.text
    await alice.send("/help")
    assert "/eraseclient" not in (await alice.expect("What I can do:")).text


class TestUnderStaffRequire2fa:
    """STAFF_REQUIRE_2FA=true: a staff member not enrolled yet is told how, and served nothing."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, str]:
        return {"STAFF_REQUIRE_2FA": "true"}

    async def test_theo_must_enrol_before_reading_or_erasing(
        self, bot: BotUnderTest, theo: FakeUser, alice: FakeUser
    ) -> None:
        staff = await linked_user(theo, THEO, staff=True)
        client = await linked_user(alice, ALICE)
        await audit.record_audit(client, audit.CLIENT_EXPORT, target=client.id, subject=client.id)
        await theo.send("/audit")
        await theo.expect("asks staff to use two-step sign-in")
        await theo.send("/eraseclient ABCDEF")
        await theo.expect("asks staff to use two-step sign-in")
        assert not await audit_views(staff)
