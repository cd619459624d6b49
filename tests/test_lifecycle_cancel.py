"""POST appointments/<id>/cancel/: Alice cancels her request or session, Theo any; reminders
never leave afterwards, each side is told, calendars drop the event, late ones are counted."""

from __future__ import annotations

import uuid

import pytest

from booking.appointments import reject_appointment
from booking.availability import get_availability
from models import Appointment, AppointmentEvent, AppointmentStatus, NotificationStatus
from tests.lifecycle_support import NOW, START, calendar_of, later, pending_kinds, rows, story
from tests.meetings_support import auth, make_user
from tests.smtp_sink import body_text

PRACTICE_TIME = "Friday 8 March 2030, 10:00 UTC"


@pytest.fixture
def settings(make_settings, database_url, smtp_settings):
    return make_settings(DATABASE_URL=database_url, **smtp_settings)


@pytest.fixture
async def alice(db, make_client):
    return await story(db, make_client)


async def test_alice_cancels_her_session_and_no_reminder_ever_leaves(alice, inbox):
    session = await alice.book()
    await alice.dispatcher.dispatch_due()  # the confirmation
    assert "reminder_day_before:email" in await pending_kinds(session)

    status, body = await alice.post(session, "cancel", "alice", {"reason": "Work trip"})

    assert status == 200, body
    assert body["status"] == "cancelled"
    assert body["status_display"] == "Cancelled"
    assert body["cancelled_by"] == "client"
    assert body["cancelled_at"] == "2030-03-04T08:00:00Z"
    assert body["cancellation_reason"] == "Work trip"
    assert body["late_cancellation"] is False  # four days ahead, notice is 24 hours
    assert body["jitsi_meet_url"] is None and body["jitsi_room_id"] is None
    assert body["meeting_status"] == "pending" and body["can_join_meeting"] is False
    # Every reminder of the session is cancelled in the outbox...
    reminders = await rows(session, kind__in=["reminder_day_before", "join_window"])
    assert reminders and {r.status for r in reminders} == {NotificationStatus.CANCELLED}
    # ... and past the session's time, nothing but the cancellation news was delivered.
    before = len(inbox.messages)
    await alice.deliver_until(later(START, days=1))
    delivered = inbox.messages[before:]
    assert sorted(str(m["Subject"]).split(" — ")[0] for m in delivered) == [
        "A session was cancelled",  # to Theo
        "Your session is cancelled",  # to Alice
    ]
    assert not [m for m in inbox.messages if "tomorrow" in m["Subject"] or "open" in m["Subject"]]
    assert await pending_kinds(session) == []


async def test_the_client_gets_a_calendar_cancel_with_the_same_uid_and_a_higher_sequence(
    alice, inbox
):
    session = await alice.book()
    await alice.dispatcher.dispatch_due()
    booked = calendar_of(await inbox.wait_for(lambda m: "scheduled" in m["Subject"]))

    status, _ = await alice.post(session, "cancel", "theo", {"reason": "I am ill, sorry."})
    assert status == 200
    await alice.dispatcher.dispatch_due()

    mail = await inbox.wait_for(lambda m: "cancelled" in m["Subject"] and "alice" in m["To"])
    assert "the practice had to cancel your session on " + PRACTICE_TIME in body_text(mail)
    assert "Reason: I am ill, sorry." in body_text(mail)
    cancel = calendar_of(mail)
    assert cancel["METHOD"] == "CANCEL"
    [old], [new] = booked.walk("VEVENT"), cancel.walk("VEVENT")
    assert new["UID"] == old["UID"] == f"appointment-{session.id}@127.0.0.1"
    assert new["SEQUENCE"] > old["SEQUENCE"]
    assert new["STATUS"] == "CANCELLED"
    assert new.decoded("DTSTART") == START
    assert not new.walk("VALARM")
    # Theo cancelled himself: no e-mail to him about it.
    assert not [m for m in inbox.messages if "theo" in m["To"] and "cancel" in m["Subject"]]


async def test_alice_hears_in_the_chat_when_theo_cancels_and_theo_when_she_does(alice):
    alice.cast.alice.telegram_user_id = 700001
    await alice.cast.alice.save()
    alice.cast.theo.telegram_user_id = 700002
    await alice.cast.theo.save()
    by_theo, by_alice = await alice.book(), await alice.book(later(START, hours=3))

    assert (await alice.post(by_theo, "cancel", "theo"))[0] == 200
    assert (await alice.post(by_alice, "cancel", "alice"))[0] == 200

    [to_alice] = await rows(by_theo, kind="cancelled", channel="telegram")
    assert to_alice.recipient == "700001"
    assert to_alice.payload["kind"] == "cancelled"
    assert to_alice.payload["audience"] == "client"
    assert to_alice.payload["appointment_id"] == str(by_theo.id)
    assert to_alice.payload["cancelled_by"] == "staff"
    assert to_alice.payload["late"] is False
    assert "The practice cancelled the session on" in to_alice.payload["text"]
    [to_theo] = await rows(by_alice, kind="cancelled", channel="telegram")
    assert to_theo.recipient == "700002"
    assert to_theo.payload["audience"] == "staff"
    assert to_theo.payload["cancelled_by"] == "client"
    # Lock-screen safe: the client by reference, her name behind Show details.
    assert f"The client (ref. {by_alice.id.hex[:6].upper()}) cancelled" in to_theo.payload["text"]
    assert "Alice" not in to_theo.payload["text"] and to_theo.payload["details"] == "client"


async def test_a_client_cancelling_inside_the_notice_is_flagged_late_and_counted(alice):
    session = await alice.book()
    alice.clock.now = later(START, hours=-23)  # the notice is 24 hours

    status, body = await alice.post(session, "cancel", "alice")

    assert status == 200
    assert body["late_cancellation"] is True
    stats = await alice.api.get(
        "/api/meetings/appointments/stats/", headers=alice.cast.headers("theo")
    )
    numbers = await stats.json()
    assert numbers["cancelled"] == 1 and numbers["late_cancellations"] == 1
    assert numbers["scheduled"] == 0


async def test_the_late_rule_follows_the_practices_cancellation_notice(alice):
    rules = await get_availability()
    rules.cancellation_notice_hours = 48
    await rules.save()
    session = await alice.book()
    alice.clock.now = later(START, hours=-30)
    status, body = await alice.post(session, "cancel", "alice")
    assert status == 200 and body["late_cancellation"] is True


async def test_staff_cancelling_late_is_never_a_late_cancellation(alice):
    session = await alice.book()
    alice.clock.now = later(START, hours=-1)
    status, body = await alice.post(session, "cancel", "theo")
    assert status == 200
    assert body["cancelled_by"] == "staff" and body["late_cancellation"] is False


async def test_alice_may_withdraw_her_pending_request(alice):
    pending = await alice.request()
    status, body = await alice.post(pending, "cancel", "alice")
    assert status == 200
    assert body["status"] == "cancelled" and body["late_cancellation"] is False
    # The review nudge to Theo goes too; both hear of the cancellation.
    left = await rows(pending, status=NotificationStatus.PENDING)
    assert sorted((r.kind, r.recipient) for r in left) == [
        ("cancelled", "alice@example.com"),
        ("cancelled", "theo@practice.example"),
    ]
    event = await AppointmentEvent.filter(appointment_id=pending.id, kind="cancelled").get()
    assert event.actor_role == "client" and event.actor_id == alice.cast.alice.id  # type: ignore[attr-defined]


@pytest.mark.parametrize("first", ["cancelled", "rejected"])
async def test_cancelling_what_is_cancelled_or_rejected_is_a_conflict(alice, first):
    pending = await alice.request()
    if first == "cancelled":
        assert (await alice.post(pending, "cancel", "alice"))[0] == 200
    else:
        await reject_appointment(alice.settings, pending.id, alice.cast.theo, now=NOW)
    for who in ("alice", "theo"):
        status, body = await alice.post(pending, "cancel", who)
        assert status == 409
        assert body["detail"] == f"This appointment is {first}."
    assert await AppointmentEvent.filter(appointment_id=pending.id, kind="cancelled").count() <= 1


async def test_a_session_that_has_started_cannot_be_cancelled(alice):
    session = await alice.book()
    alice.clock.now = later(START, minutes=5)
    status, body = await alice.post(session, "cancel", "alice")
    assert status == 409
    assert "already started" in body["detail"]


async def test_charlie_cannot_cancel_alices_session(alice):
    session = await alice.book()
    status, _ = await alice.post(session, "cancel", "charlie")
    assert status == 404
    assert (await Appointment.get(id=session.id)).status == AppointmentStatus.SCHEDULED
    assert (await alice.post(session, "cancel", "anonymous"))[0] == 401
    unknown = await alice.request()
    unknown.id = uuid.uuid4()
    assert (await alice.post(unknown, "cancel", "theo"))[0] == 404


async def test_the_reason_is_checked_and_stored_encrypted(alice):
    session = await alice.book()
    status, body = await alice.post(session, "cancel", "alice", {"reason": "x" * 1001})
    assert status == 400 and list(body) == ["reason"]
    status, body = await alice.post(session, "cancel", "alice", {"why": "no"})
    assert status == 400
    assert (await alice.post(session, "cancel", "alice", {"reason": "Secret trip"}))[0] == 200
    conn = Appointment._meta.db
    raw = await conn.execute_query_dict(
        "SELECT cancellation_reason FROM appointments WHERE id = $1"
        if conn.capabilities.dialect == "postgres"
        else "SELECT cancellation_reason FROM appointments WHERE id = ?",
        [str(session.id)],
    )
    assert "Secret trip" not in str(raw)


async def test_theo_hears_when_a_colleague_cancels_his_session(alice, inbox):
    tessa = await make_user("tessa@practice.example", first_name="Tessa", staff=True)
    session = await alice.book()
    await alice.dispatcher.dispatch_due()
    response = await alice.api.post(
        f"/api/meetings/appointments/{session.id}/cancel/",
        json={},
        headers=auth(alice.settings, tessa),
    )
    assert response.status == 200
    await alice.dispatcher.dispatch_due()
    [to_theo] = [m for m in inbox.to("theo@practice.example") if "cancelled" in m["Subject"]]
    assert "A colleague cancelled the session on " + PRACTICE_TIME in body_text(to_theo)
    assert not [m for m in inbox.to("tessa@practice.example") if "cancelled" in m["Subject"]]
