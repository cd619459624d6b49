"""POST /api/auth/me/erase/ and POST /api/meetings/admin/clients/{user_id}/erase/.

Zephyrine erases herself with her password; Theo (staff) erases a client who asked in
person. Future sessions are cancelled (staff told without a name), every personal value
goes, and what remains keeps the practice's numbers true.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.appointments import schedule_appointment
from booking.audit import CLIENT_ERASE
from booking.codes import issue_code
from booking.stats import _stats
from booking.transitions import EVENT_CANCELLED
from models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    AuditEvent,
    CodePurpose,
    ConversationState,
    Notification,
    NotificationStatus,
    OneTimeCode,
    RefreshToken,
    RescheduleRequest,
    Role,
    User,
    WaitlistEntry,
    WaitlistEntryStatus,
    blind_index,
)
from tests.meetings_support import auth, make_user
from tests.privacy_support import PASSWORD, ZEPHYRINE, give_her_a_file

ERASE_ME = "/api/auth/me/erase/"
pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


def staff_erase(user_id: object) -> str:
    return f"/api/meetings/admin/clients/{user_id}/erase/"


async def _stats_dict() -> dict:
    # The uncached query: stats() answers the same within a second, by design.
    return (await _stats()).as_dict()


async def test_a_wrong_or_missing_password_erases_nothing(api, settings):
    its = await give_her_a_file(settings, api)
    for body in ({"password": "not her passphrase"}, {}):
        response = await api.post(ERASE_ME, json=body, headers=its.headers)
        assert response.status == 400
        assert "password" in await response.json()
    user = await User.get(id=its.user.id)
    assert (user.first_name, user.email, user.erased_at) == (
        ZEPHYRINE.first_name,
        ZEPHYRINE.email,
        None,
    )
    assert await Appointment.filter(email_index=ZEPHYRINE.blind_index).count() == 4


async def test_zephyrine_erases_herself_and_only_anonymous_rows_remain(api, settings):
    its = await give_her_a_file(settings, api)
    await RefreshToken.create(
        jti="z-refresh", user=its.user, family="f", expires_at=its.user.created_at
    )
    before = await _stats_dict()

    response = await api.post(ERASE_ME, json={"password": PASSWORD}, headers=its.headers)
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert answer["id"] == str(its.user.id)
    assert (answer["cancelled"], answer["appointments_erased"]) == (2, 4)

    user = await User.get(id=its.user.id)
    assert (user.email, user.first_name, user.last_name, user.phone) == ("", "", "", None)
    assert user.email_index.startswith("erased:") and user.email_index != ZEPHYRINE.blind_index
    assert user.password_hash is None and user.telegram_user_id is None
    assert user.totp_secret is None and not user.is_active and user.erased_at is not None
    assert not await User.filter(email_index=blind_index(ZEPHYRINE.email)).exists()

    rows = await Appointment.filter(user_id=user.id)
    assert len(rows) == 4
    for row in rows:
        assert (row.first_name, row.last_name, row.email, row.phone) == ("", "", "", None)
        assert row.reason is None and row.rejection_reason is None
        assert row.cancellation_reason is None and row.erased_at is not None
        assert row.email_index.startswith("erased:")
    status = {str(row.id): row.status for row in rows}
    # The waiting request and the future session are cancelled; the past stays as it was.
    assert status[its.pending] == AppointmentStatus.CANCELLED
    assert status[its.moved] == AppointmentStatus.CANCELLED
    assert status[its.rejected] == AppointmentStatus.REJECTED
    assert await RescheduleRequest.filter(appointment_id=its.moved, note__isnull=False).count() == 0
    entry = await WaitlistEntry.get(id=its.waitlist_entry)
    assert entry.note is None and entry.status == WaitlistEntryStatus.LEFT
    assert not await RefreshToken.filter(user_id=user.id).exists()
    assert not await OneTimeCode.filter(email_index=ZEPHYRINE.blind_index).exists()
    tg = ZEPHYRINE.telegram_user_id
    assert not await ConversationState.filter(key__contains=str(tg)).exists()

    # Every message left is to staff, about a cancellation, and names no one.
    for note in await Notification.all():
        assert note.recipient != ZEPHYRINE.email
        assert note.recipient != str(ZEPHYRINE.telegram_user_id)
        text = str(note.payload)
        for value in ZEPHYRINE.values.values():
            assert value not in text, (note.kind, value)
    cancelled_notices = await Notification.filter(
        kind="cancelled", status=NotificationStatus.PENDING, appointment_id=its.moved
    )
    assert cancelled_notices, "the therapist is told the session was cancelled"
    assert "asked for their personal data to be erased" in cancelled_notices[0].payload["text"]

    # The numbers stay true: only the cancellations the erasure itself made change them.
    after = await _stats_dict()
    assert after["total_requests"] == before["total_requests"]
    assert after["cancelled"] == before["cancelled"] + 2
    assert after["pending_review"] == before["pending_review"] - 1
    assert after["scheduled"] == before["scheduled"] - 1
    assert after["rejected"] == before["rejected"]

    audit = await AuditEvent.get(action=CLIENT_ERASE)
    assert audit.actor_id == user.id and audit.subject_id == user.id

    # Her old access token no longer works, and she cannot sign in again.
    assert (await api.get("/api/auth/me/export/", headers=its.headers)).status == 401
    login = {"email": ZEPHYRINE.email, "password": PASSWORD}
    assert (await api.post("/api/auth/login/", json=login)).status == 401


async def test_a_telegram_only_account_is_told_to_use_the_bot(api, settings, db):
    tilly = await make_user("tilly@example.com", first_name="Tilly", telegram_user_id=5551)
    response = await api.post(
        ERASE_ME, json={"password": "anything"}, headers=auth(settings, tilly)
    )
    assert response.status == 400
    assert "/deleteme" in (await response.json())["password"][0]
    assert (await User.get(id=tilly.id)).erased_at is None


async def test_staff_cannot_erase_themselves_here(api, settings, db):
    theo = await make_user("theo@practice.example", staff=True)
    response = await api.post(ERASE_ME, json={"password": "x"}, headers=auth(settings, theo))
    assert response.status == 409


async def test_theo_erases_a_client_who_asked_in_person(api, settings):
    theo = await make_user("theo@practice.example", first_name="Theo", staff=True)
    its = await give_her_a_file(settings, api, staff=theo)
    response = await api.post(staff_erase(its.user.id), headers=auth(settings, theo))
    assert response.status == 200, await response.text()
    user = await User.get(id=its.user.id)
    assert user.erased_at is not None and user.first_name == ""
    audit = await AuditEvent.get(action=CLIENT_ERASE)
    assert audit.actor_id == theo.id and audit.subject_id == its.user.id
    assert audit.target == str(its.user.id)
    # Theo erased it, so nobody else is to be told: he is the only staff member.
    assert not await Notification.filter(kind="cancelled", appointment_id=its.moved).exists()
    # Erased once: a second time is refused.
    again = await api.post(staff_erase(its.user.id), headers=auth(settings, theo))
    assert again.status == 409


async def test_a_staff_account_cannot_be_erased_by_staff(api, settings, db):
    theo = await make_user("theo@practice.example", staff=True)
    tess = await make_user("tess@practice.example", staff=True)
    response = await api.post(staff_erase(tess.id), headers=auth(settings, theo))
    assert response.status == 409
    assert (await User.get(id=tess.id)).erased_at is None


async def test_a_client_cannot_erase_someone_else(api, settings, db):
    alice = await make_user("alice@example.com")
    charlie = await make_user("charlie@example.com", first_name="Charlie")
    response = await api.post(staff_erase(charlie.id), headers=auth(settings, alice))
    assert response.status == 403
    assert (await User.get(id=charlie.id)).erased_at is None


async def test_a_session_inside_the_notice_is_a_late_cancel_and_one_under_way_stays(api, settings):
    theo = await make_user("theo@practice.example", first_name="Theo", staff=True)
    tess = await make_user("tess@practice.example", first_name="Tess", staff=True)
    its = await give_her_a_file(settings, api, staff=theo)
    soon = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=3)
    await schedule_appointment(settings, its.pending, theo, soon)
    under_way = datetime.now(UTC) - timedelta(minutes=10)
    await Appointment.filter(id=its.moved).update(scheduled_datetime=under_way)

    response = await api.post(staff_erase(its.user.id), headers=auth(settings, tess))
    assert response.status == 200, await response.text()

    late = await Appointment.get(id=its.pending)
    assert late.status == AppointmentStatus.CANCELLED and late.late_cancellation
    assert late.cancelled_by == Role.CLIENT and late.jitsi_room_id is None
    event = await AppointmentEvent.filter(appointment_id=late.id, kind=EVENT_CANCELLED).first()
    assert event is not None and event.actor_role == Role.CLIENT
    # Tess erased; Theo, whose session it was, is told, and told it was late.
    [notice] = await Notification.filter(kind="cancelled", appointment_id=late.id, channel="email")
    assert notice.recipient == "theo@practice.example"
    assert "late cancellation" in notice.payload["text"]
    # The session under way happened: it stays scheduled, anonymous.
    held = await Appointment.get(id=its.moved)
    assert held.status == AppointmentStatus.SCHEDULED and held.first_name == ""


async def test_codes_her_telegram_account_asked_for_other_addresses_go_too(api, settings):
    # Before linking she typed her work address in the bot: that code row holds her
    # Telegram id under another address's index, and must not outlive her erasure.
    its = await give_her_a_file(settings, api)
    tg = its.user.telegram_user_id
    assert tg is not None
    await issue_code(
        settings,
        blind_index("zephyrine@work.example"),
        CodePurpose.TELEGRAM_LINK,
        telegram_user_id=tg,
    )
    response = await api.post(ERASE_ME, json={"password": PASSWORD}, headers=its.headers)
    assert response.status == 200, await response.text()
    assert not await OneTimeCode.filter(telegram_user_id=tg).exists()
