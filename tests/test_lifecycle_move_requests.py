"""POST appointments/<id>/reschedule-request/ (and keep/): Alice asks to move her session;
it stays booked until Theo moves it, proposes times or keeps it."""

from __future__ import annotations

import pytest

from models import RescheduleRequest, RescheduleRequestStatus
from tests.lifecycle_support import START, later, rows, story
from tests.meetings_support import iso
from tests.smtp_sink import body_text

WISH = {
    "preferred_dates": ["2030-03-12", "2030-03-13"],
    "preferred_time_slots": ["afternoon"],
    "note": "Work moved my Friday shift",
}


@pytest.fixture
def settings(make_settings, database_url, smtp_settings):
    return make_settings(DATABASE_URL=database_url, **smtp_settings)


@pytest.fixture
async def alice(db, make_client):
    return await story(db, make_client)


async def test_alice_asks_to_move_and_theo_gets_it_with_buttons(alice, inbox):
    alice.cast.theo.telegram_user_id = 700002
    await alice.cast.theo.save()
    session = await alice.book()

    status, body = await alice.post(session, "reschedule-request", "alice", WISH)

    assert status == 200, body
    assert body["status"] == "scheduled" and body["scheduled_datetime"] == iso(START)
    assert body["reschedule_request"] == {
        "preferred_dates": ["2030-03-12", "2030-03-13"],
        "preferred_time_slots": ["afternoon"],
        "note": "Work moved my Friday shift",
        "requested_at": "2030-03-04T08:00:00Z",
        "late": False,
    }
    assert (await alice.get(session, "theo"))["reschedule_request"] == body["reschedule_request"]
    [chat] = await rows(session, kind="reschedule_request", channel="telegram")
    assert chat.recipient == "700002"
    assert chat.payload["kind"] == "reschedule_request"
    assert chat.payload["audience"] == "staff"
    assert chat.payload["appointment_id"] == str(session.id)
    assert chat.payload["scheduled_datetime"] == iso(START)
    assert chat.payload["late"] is False
    await alice.dispatcher.dispatch_due()
    mail = await inbox.wait_for(lambda m: "asks to move" in m["Subject"])
    assert "theo@practice.example" in mail["To"]
    assert "Tuesday 12 March 2030" in body_text(mail)
    assert "Work moved" not in body_text(mail)  # the note stays behind sign-in


async def test_a_request_inside_the_minimum_notice_is_accepted_and_flagged_late(alice):
    session = await alice.book()
    alice.clock.now = later(START, hours=-20)
    status, body = await alice.post(session, "reschedule-request", "alice", WISH)
    assert status == 200
    assert body["reschedule_request"]["late"] is True


async def test_a_new_request_replaces_the_open_one(alice):
    session = await alice.book()
    await alice.post(session, "reschedule-request", "alice", WISH)
    again = {**WISH, "preferred_time_slots": ["evening"], "note": None}
    status, body = await alice.post(session, "reschedule-request", "alice", again)
    assert status == 200
    assert body["reschedule_request"]["preferred_time_slots"] == ["evening"]
    statuses = [r.status for r in await RescheduleRequest.filter(appointment_id=session.id)]
    assert sorted(statuses) == [RescheduleRequestStatus.CANCELLED, RescheduleRequestStatus.OPEN]


async def test_theo_keeps_the_session_and_alice_is_told(alice, inbox):
    alice.cast.alice.telegram_user_id = 700001
    await alice.cast.alice.save()
    session = await alice.book()
    await alice.post(session, "reschedule-request", "alice", WISH)

    status, body = await alice.post(session, "reschedule-request/keep", "theo")

    assert status == 200
    assert body["reschedule_request"] is None
    assert body["scheduled_datetime"] == iso(START)
    [chat] = await rows(session, kind="reschedule_kept", channel="telegram")
    assert chat.payload["kind"] == "reschedule_kept" and chat.payload["buttons"]
    await alice.dispatcher.dispatch_due()
    kept = await inbox.wait_for(lambda m: "stays as booked" in m["Subject"])
    assert "Friday 8 March 2030, 10:00 UTC" in body_text(kept)
    # Keeping twice: nothing is open any more.
    status, body = await alice.post(session, "reschedule-request/keep", "theo")
    assert status == 409 and "no open move request" in body["detail"]


async def test_moving_the_session_settles_the_request(alice):
    session = await alice.book()
    await alice.post(session, "reschedule-request", "alice", WISH)
    new_time = {"scheduled_datetime": "2030-03-12T14:00:00Z"}
    status, body = await alice.post(session, "reschedule", "theo", new_time)
    assert status == 200 and body["reschedule_request"] is None
    request = await RescheduleRequest.get(appointment_id=session.id)
    assert request.status == RescheduleRequestStatus.MOVED


async def test_proposing_answers_the_request_and_accepting_settles_it(alice):
    session = await alice.book()
    await alice.post(session, "reschedule-request", "alice", WISH)
    offer = {"times": ["2030-03-12T14:00:00Z"]}
    status, body = await alice.post(session, "propose", "theo", offer)
    assert status == 200 and body["reschedule_request"] is not None  # still open
    status, body = await alice.post(
        session, "accept-proposal", "alice", {"time": "2030-03-12T14:00:00Z"}
    )
    assert status == 200 and body["reschedule_request"] is None
    request = await RescheduleRequest.get(appointment_id=session.id)
    assert request.status == RescheduleRequestStatus.MOVED


async def test_who_may_ask_and_keep(alice):
    session = await alice.book()
    for who in ("charlie", "theo"):  # only the owner asks
        assert (await alice.post(session, "reschedule-request", who, WISH))[0] == 404
    assert (await alice.post(session, "reschedule-request/keep", "alice"))[0] == 403
    pending = await alice.request()
    assert (await alice.post(pending, "reschedule-request", "alice", WISH))[0] == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"preferred_dates": ["2030-03-02"]}, "preferred_dates"),  # in the past
        ({"preferred_dates": []}, "preferred_dates"),
        ({"preferred_time_slots": ["night"]}, "preferred_time_slots"),
        ({"note": "x" * 2001}, "note"),
    ],
)
async def test_the_wish_is_checked(alice, change, field):
    session = await alice.book()
    status, body = await alice.post(session, "reschedule-request", "alice", {**WISH, **change})
    assert status == 400 and list(body) == [field], body
