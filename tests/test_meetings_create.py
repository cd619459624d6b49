"""POST /api/meetings/appointments/create/: Alice asks for a session, signed in or not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.availability import set_available_days
from models import Appointment, Notification, NotificationStatus
from tests.meetings_support import (
    Clock,
    clocked_api,
    first_dates,
    make_cast,
    make_user,
    open_every_day,
    request_body,
)

URL = "/api/meetings/appointments/create/"


async def test_alice_asks_for_a_session_without_an_account(api, db):
    await open_every_day()
    dates = await first_dates(db)
    response = await api.post(URL, json=request_body(dates))
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["user"] is None
    assert body["status"] == "pending_review"
    assert body["first_name"] == "Alice" and body["email"] == "alice@example.com"
    assert body["preferred_dates"] == dates
    assert body["preferred_time_slots"] == ["morning", "afternoon"]
    assert body["reason"] == "Trouble sleeping since the move"
    # The seed's meeting fields are on every representation.
    assert body["jitsi_meet_url"] is None
    assert body["jitsi_room_id"] is None
    assert body["has_jitsi_meeting"] is False
    assert body["can_join_meeting"] is False
    assert body["meeting_status"] == "pending"
    assert await Appointment.filter(id=body["id"]).exists()


async def test_signed_in_alices_request_is_linked_to_her_account(api, db):
    cast = await make_cast(db)
    await open_every_day()
    response = await api.post(
        URL, json=request_body(await first_dates(db)), headers=cast.headers("alice")
    )
    assert (await response.json())["user"] == str(cast.alice.id)


async def test_theo_entering_a_request_for_a_caller_does_not_make_it_his(api, db):
    cast = await make_cast(db)
    await open_every_day()
    response = await api.post(
        URL,
        json=request_body(await first_dates(db), email="caller@example.com"),
        headers=cast.headers("theo"),
    )
    assert response.status == 201
    assert (await response.json())["user"] is None


async def test_values_are_tidied_and_repeats_dropped(api, db):
    await open_every_day()
    dates = await first_dates(db, 2)
    response = await api.post(
        URL,
        json=request_body(
            [dates[1], dates[0], dates[1]],
            first_name="  Alice ",
            email=" Alice@Example.COM ",
            preferred_time_slots=["evening", "morning", "evening"],
            phone="",
            reason="  ",
        ),
    )
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["first_name"] == "Alice"
    assert body["email"] == "alice@example.com"
    assert body["preferred_dates"] == dates
    assert body["preferred_time_slots"] == ["morning", "evening"]
    assert body["phone"] is None and body["reason"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", None),
        ("first_name", ""),
        ("first_name", "   "),
        ("first_name", "A" * 101),
        ("first_name", 42),
        ("last_name", None),
        ("last_name", ""),
        ("last_name", "B" * 101),
        ("email", None),
        ("email", "not-an-address"),
        ("email", "alice@"),
        ("email", "a" * 250 + "@example.com"),
        ("phone", "call me maybe"),
        ("phone", "+1 234 567 890 123 456 789 012 345 678"),
        ("phone", 123456789),
        ("reason", "x" * 2001),
        ("preferred_dates", None),
        ("preferred_dates", []),
        ("preferred_dates", "2026-01-15"),
        ("preferred_dates", ["15/01/2026"]),
        ("preferred_dates", ["2026-02-30"]),
        ("preferred_dates", [20260115]),
        ("preferred_time_slots", None),
        ("preferred_time_slots", []),
        ("preferred_time_slots", ["night"]),
        ("preferred_time_slots", "morning"),
    ],
)
async def test_each_field_is_validated(api, db, field, value):
    await open_every_day()
    body = request_body(await first_dates(db))
    if value is None:
        del body[field]
    else:
        body[field] = value
    response = await api.post(URL, json=body)
    assert response.status == 400, (field, value)
    errors = await response.json()
    assert list(errors) == [field], errors
    assert await Appointment.all().count() == 0


@pytest.mark.parametrize("which", ["today", "closed weekday", "beyond 30 days", "past"])
async def test_only_available_dates_may_be_asked_for(db, make_client, which):
    # Monday 2 March 2026; open Monday to Friday.
    api = await clocked_api(db, make_client, Clock(datetime(2026, 3, 2, 9, tzinfo=UTC)))
    await set_available_days([0, 1, 2, 3, 4])
    day = {
        "today": "2026-03-02",
        "closed weekday": "2026-03-07",  # a Saturday
        "beyond 30 days": "2026-04-02",
        "past": "2026-02-27",
    }[which]
    response = await api.post(URL, json=request_body(["2026-03-03", day]))
    assert response.status == 400
    assert (await response.json())["preferred_dates"] == [f"{day} is not an available date."]
    ok = await api.post(URL, json=request_body(["2026-03-03", "2026-04-01"]))
    assert ok.status == 201


async def test_a_body_that_is_not_an_object_is_refused(api, db):
    response = await api.post(URL, json=["alice"])
    assert response.status == 400
    response = await api.post(URL, data=b"{oops", headers={"Content-Type": "application/json"})
    assert response.status == 400


async def test_alice_is_told_and_every_staff_member_hears_of_the_request(api, db):
    await make_cast(db)
    tessa = await make_user(
        "tessa@practice.example", first_name="Tessa", staff=True, telegram_user_id=777001
    )
    former = await make_user("former@practice.example", staff=True)
    former.is_active = False
    await former.save()
    await open_every_day()
    response = await api.post(URL, json=request_body(await first_dates(db)))
    appointment_id = (await response.json())["id"]

    rows = await Notification.filter(appointment_id=appointment_id).order_by("id")
    by_key = {row.dedupe_key: row for row in rows}
    received = by_key[f"appointment:{appointment_id}:request_received:email:client"]
    assert received.recipient == "alice@example.com"
    assert "We received your appointment request" in received.payload["subject"]
    staff_mail = [r for r in rows if r.kind == "new_request" and r.channel == "email"]
    # Every active staff member; Theo's former colleague (deactivated) is left out.
    assert sorted(r.recipient for r in staff_mail) == [
        "tessa@practice.example",
        "theo@practice.example",
    ]
    chat = by_key[f"appointment:{appointment_id}:new_request:telegram:staff:{tessa.id}"]
    assert chat.recipient == "777001"
    assert chat.payload["kind"] == "new_request"
    assert chat.payload["appointment_id"] == appointment_id
    # Lock-screen safe: neither her name nor her note; both behind Show details.
    assert "Alice" not in chat.payload["text"] and "Trouble sleeping" not in chat.payload["text"]
    assert chat.payload["details"] == "client"
    # Clients are not staff: Alice and Charlie get no staff notice.
    assert not [r for r in staff_mail if r.recipient.endswith("@example.com")]
    # The staff e-mail leaves the reason and phone out; keys never carry personal data.
    assert all("Trouble sleeping" not in r.payload["text"] for r in staff_mail)
    assert all("@" not in r.dedupe_key and "Alice" not in r.dedupe_key for r in rows)
    # Staff are nudged a day later if nobody has answered.
    reminders = [r for r in rows if r.kind == "review_reminder"]
    assert len(reminders) == 2
    assert all(r.status == NotificationStatus.PENDING for r in reminders)


async def test_a_script_cannot_flood_an_inbox_with_requests(db, make_client):
    clock = Clock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    api = await clocked_api(db, make_client, clock)
    await set_available_days([0, 1, 2, 3, 4])
    body = request_body(["2026-03-03"], email="victim@example.com")
    for _ in range(20):
        assert (await api.post(URL, json=body)).status == 201
    refused = await api.post(URL, json=body)
    assert refused.status == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert await Appointment.all().count() == 20
    # Another address is still welcome, and after an hour so is the first one again.
    assert (await api.post(URL, json={**body, "email": "other@example.com"})).status == 201
    clock.now += timedelta(hours=1, seconds=1)
    assert (await api.post(URL, json=body)).status == 201
