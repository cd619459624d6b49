"""POST appointments/<id>/reject/: Theo declines a request, with or without a reason."""

from __future__ import annotations

import uuid

import pytest

from models import Appointment, AppointmentStatus, Notification, NotificationStatus
from tests.meetings_support import iso, make_cast, make_request, tomorrow_at


def url(appointment) -> str:
    return f"/api/meetings/appointments/{appointment.id}/reject/"


async def test_theo_declines_with_a_reason_and_alice_is_told(api, db):
    cast = await make_cast(db)
    cast.alice.telegram_user_id = 424242
    await cast.alice.save()
    appointment = await make_request(db, user=cast.alice)
    response = await api.post(
        url(appointment),
        json={"rejection_reason": "  Fully booked; please try next month.  "},
        headers=cast.headers("theo"),
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["status"] == "rejected"
    assert body["rejection_reason"] == "Fully booked; please try next month."
    assert body["scheduled_datetime"] is None and body["jitsi_room_id"] is None
    assert body["has_jitsi_meeting"] is False and body["meeting_status"] == "pending"

    rows = await Notification.filter(appointment_id=appointment.id, kind="rejected")
    by_channel = {row.channel.value: row for row in rows}
    assert by_channel["email"].recipient == "alice@example.com"
    assert "Fully booked; please try next month." in by_channel["email"].payload["text"]
    assert by_channel["telegram"].recipient == "424242"
    # The chat message shows on a lock screen: the reason waits behind Show details.
    assert "Fully booked" not in by_channel["telegram"].payload["text"]
    assert by_channel["telegram"].payload["details"] == "rejected"
    stored = await Appointment.get(id=appointment.id)
    assert stored.decided_by_id == cast.theo.id  # type: ignore[attr-defined]
    assert stored.decided_at is not None


async def test_the_reason_is_optional(api, db):
    cast = await make_cast(db)
    for body in (None, {}, {"rejection_reason": None}, {"rejection_reason": ""}):
        appointment = await make_request(db)
        response = await api.post(url(appointment), json=body, headers=cast.headers("theo"))
        assert response.status == 200, body
        assert (await response.json())["rejection_reason"] is None
        mail = await Notification.get(appointment_id=appointment.id, kind="rejected")
        assert "No reason was given." in mail.payload["text"]


@pytest.mark.parametrize("reason", ["x" * 1001, 42, ["busy"]])
async def test_a_reason_must_be_short_text(api, db, reason):
    cast = await make_cast(db)
    appointment = await make_request(db)
    response = await api.post(
        url(appointment), json={"rejection_reason": reason}, headers=cast.headers("theo")
    )
    assert response.status == 400
    assert list(await response.json()) == ["rejection_reason"]
    assert (await Appointment.get(id=appointment.id)).status == AppointmentStatus.PENDING_REVIEW


async def test_a_declined_request_cannot_be_declined_or_scheduled_afterwards(api, db):
    cast = await make_cast(db)
    appointment = await make_request(db)
    theo = cast.headers("theo")
    assert (await api.post(url(appointment), json={}, headers=theo)).status == 200
    assert (await api.post(url(appointment), json={}, headers=theo)).status == 409
    schedule = await api.post(
        f"/api/meetings/appointments/{appointment.id}/schedule/",
        json={"scheduled_datetime": iso(tomorrow_at(10, 2))},
        headers=theo,
    )
    assert schedule.status == 409
    assert (await Appointment.get(id=appointment.id)).jitsi_room_id is None
    assert await Notification.filter(appointment_id=appointment.id, kind="rejected").count() == 1


async def test_declining_cancels_the_pending_reminders(api, db):
    cast = await make_cast(db)
    appointment = await make_request(db)
    nudge = await Notification.get(appointment_id=appointment.id, kind="review_reminder")
    assert nudge.status == NotificationStatus.PENDING

    await api.post(url(appointment), json={}, headers=cast.headers("theo"))

    await nudge.refresh_from_db()
    assert nudge.status == NotificationStatus.CANCELLED
    # What was already due (the receipt) still goes out.
    receipt = await Notification.get(appointment_id=appointment.id, kind="request_received")
    assert receipt.status == NotificationStatus.PENDING


async def test_an_unknown_request_is_404(api, db):
    cast = await make_cast(db)
    response = await api.post(
        f"/api/meetings/appointments/{uuid.uuid4()}/reject/", json={}, headers=cast.headers("theo")
    )
    assert response.status == 404
