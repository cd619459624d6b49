"""POST appointments/<id>/propose/ and accept-proposal/: Theo offers times, Alice takes one;
the first to take a time has it, lapsed offers are refused and the client is told."""

from __future__ import annotations

import asyncio

import pytest

from booking.availability import get_availability
from booking.proposals import expire_proposals
from models import Appointment, AppointmentStatus, NotificationStatus, Proposal, ProposalStatus
from tests.lifecycle_support import NOW, START, calendar_of, later, pending_kinds, rows, story
from tests.meetings_support import iso
from tests.smtp_sink import body_text

ONE = later(START, days=3, hours=4)  # Monday 11 March 2030, 14:00 UTC
TWO = later(START, days=4)  # Tuesday 12 March 2030, 10:00 UTC


@pytest.fixture
def settings(make_settings, database_url, smtp_settings):
    return make_settings(DATABASE_URL=database_url, **smtp_settings)


@pytest.fixture
async def alice(db, make_client):
    return await story(db, make_client)


async def propose(alice, appointment, *times, **extra):
    return await alice.post(
        appointment, "propose", "theo", {"times": [iso(t) for t in times], **extra}
    )


async def test_theo_offers_alice_times_and_she_sees_them(alice, inbox):
    alice.cast.alice.telegram_user_id = 700001
    await alice.cast.alice.save()
    pending = await alice.request()

    status, body = await propose(alice, pending, TWO, ONE)

    assert status == 200, body
    assert body["status"] == "pending_review"
    assert [p["time"] for p in body["proposals"]] == [iso(ONE), iso(TWO)]
    assert body["proposals"][0]["duration"] == 60
    assert body["proposals"][0]["expires_at"] == iso(later(NOW, hours=48))
    assert (await alice.get(pending, "alice"))["proposals"] == body["proposals"]
    [chat] = await rows(pending, kind="proposal", channel="telegram")
    assert chat.payload["kind"] == "proposal"
    assert chat.payload["appointment_id"] == str(pending.id)
    assert chat.payload["times"] == [iso(ONE), iso(TWO)]
    assert chat.payload["duration"] == 60
    await alice.dispatcher.dispatch_due()
    mail = await inbox.wait_for(lambda m: m["Subject"].startswith("New times for your session"))
    assert "Monday 11 March 2030, 14:00 UTC" in body_text(mail)
    assert "Tuesday 12 March 2030, 10:00 UTC" in body_text(mail)


async def test_alice_accepts_a_time_and_her_request_is_scheduled(alice, inbox):
    pending = await alice.request()
    await propose(alice, pending, ONE, TWO)

    status, body = await alice.post(pending, "accept-proposal", "alice", {"time": iso(TWO)})

    assert status == 200, body
    assert body["status"] == "scheduled"
    assert body["scheduled_datetime"] == iso(TWO)
    assert body["jitsi_room_id"]
    assert body["proposals"] == []
    stored = await Appointment.get(id=pending.id)
    assert stored.decided_by_id == alice.cast.theo.id  # type: ignore[attr-defined]
    statuses = {p.start: p.status for p in await Proposal.filter(appointment_id=pending.id)}
    assert statuses == {ONE: ProposalStatus.REPLACED, TWO: ProposalStatus.ACCEPTED}
    # The expiry notice will not leave; the confirmation and reminders will.
    assert [r.status for r in await rows(pending, kind="proposal_expired")] == [
        NotificationStatus.CANCELLED
    ]
    await alice.dispatcher.dispatch_due()
    confirmed = await inbox.wait_for(lambda m: "scheduled" in m["Subject"])
    assert "Tuesday 12 March 2030, 10:00 UTC" in body_text(confirmed)
    accepted = await inbox.wait_for(lambda m: "accepted" in m["Subject"])
    assert "theo@practice.example" in accepted["To"]
    assert sorted(await pending_kinds(pending)) == [
        "join_window:email",
        "join_window:email",
        "reminder_day_before:email",
    ]


async def test_accepting_for_a_scheduled_session_moves_it(alice, inbox):
    session = await alice.book()
    await alice.dispatcher.dispatch_due()
    booked = calendar_of(await inbox.wait_for(lambda m: "scheduled" in m["Subject"]))
    await propose(alice, session, ONE)
    assert (await alice.get(session, "alice"))["scheduled_datetime"] == iso(START)

    status, body = await alice.post(session, "accept-proposal", "alice", {"time": iso(ONE)})

    assert status == 200, body
    assert body["scheduled_datetime"] == iso(ONE)
    assert body["jitsi_room_id"] != session.jitsi_room_id
    assert body["reschedule_count"] == 1
    await alice.deliver_until(later(ONE, hours=2))
    moved = await inbox.wait_for(lambda m: m["Subject"].startswith("Your session has moved"))
    [old], [new] = booked.walk("VEVENT"), calendar_of(moved).walk("VEVENT")
    assert new["UID"] == old["UID"] and new["SEQUENCE"] > old["SEQUENCE"]
    for mail in inbox.messages:
        if "tomorrow" in mail["Subject"] or "open" in mail["Subject"]:
            assert "Friday 8 March" not in body_text(mail)


async def test_a_time_not_on_offer_or_lapsed_is_refused(alice, inbox):
    pending = await alice.request()
    await propose(alice, pending, ONE)
    status, body = await alice.post(pending, "accept-proposal", "alice", {"time": iso(TWO)})
    assert status == 409 and "not on offer" in body["detail"]

    await alice.deliver_until(later(NOW, hours=48))
    status, body = await alice.post(pending, "accept-proposal", "alice", {"time": iso(ONE)})
    assert status == 409 and "expired" in body["detail"]
    assert (await alice.get(pending, "alice"))["proposals"] == []
    # Alice was told when they lapsed.
    lapsed = await inbox.wait_for(lambda m: "expired" in m["Subject"])
    assert "alice@example.com" in lapsed["To"]
    assert await expire_proposals(alice.clock.now) == 1
    assert (await Proposal.get(appointment_id=pending.id)).status == ProposalStatus.EXPIRED


async def test_a_new_round_replaces_the_old_one(alice):
    pending = await alice.request()
    await propose(alice, pending, ONE)
    status, body = await propose(alice, pending, TWO)
    assert status == 200 and [p["time"] for p in body["proposals"]] == [iso(TWO)]
    status, _ = await alice.post(pending, "accept-proposal", "alice", {"time": iso(ONE)})
    assert status == 409
    expiries = await rows(pending, kind="proposal_expired")
    assert sorted(r.status for r in expiries) == [
        NotificationStatus.CANCELLED,
        NotificationStatus.PENDING,
    ]


async def test_a_decision_replaces_the_proposals(alice):
    pending = await alice.request()
    await propose(alice, pending, ONE)
    response = await alice.api.post(
        f"/api/meetings/appointments/{pending.id}/schedule/",
        json={"scheduled_datetime": iso(TWO)},
        headers=alice.cast.headers("theo"),
    )
    assert response.status == 200
    status, _ = await alice.post(pending, "accept-proposal", "alice", {"time": iso(ONE)})
    assert status == 409
    assert (await Proposal.get(appointment_id=pending.id)).status == ProposalStatus.REPLACED
    assert "proposal_expired:email" not in await pending_kinds(pending)


async def test_a_proposed_time_must_be_free_unless_staff_override_a_buffer(alice):
    rules = await get_availability()
    rules.buffer_minutes = 30
    await rules.save()
    await alice.book(ONE, who="charlie")
    pending = await alice.request()

    status, body = await propose(alice, pending, TWO, later(ONE, minutes=30))
    assert status == 409 and [c["kind"] for c in body["clashes"]] == ["session"]
    status, body = await propose(alice, pending, later(ONE, minutes=75))
    assert status == 409 and [c["kind"] for c in body["clashes"]] == ["buffer"]
    assert "Monday 11 March 2030, 15:15 UTC" in body["detail"]
    status, body = await propose(alice, pending, later(ONE, minutes=75), override=True)
    assert status == 200
    # Staff overrode the buffer for this time: Alice may take it.
    status, _ = await alice.post(
        pending, "accept-proposal", "alice", {"time": iso(later(ONE, minutes=75))}
    )
    assert status == 200


async def test_a_time_taken_meanwhile_is_refused_and_the_rest_stay_on_offer(alice):
    pending = await alice.request()
    await propose(alice, pending, ONE, TWO)
    await alice.book(ONE, who="charlie")
    status, body = await alice.post(pending, "accept-proposal", "alice", {"time": iso(ONE)})
    assert status == 409 and [c["kind"] for c in body["clashes"]] == ["session"]
    assert len((await alice.get(pending, "alice"))["proposals"]) == 2
    status, _ = await alice.post(pending, "accept-proposal", "alice", {"time": iso(TWO)})
    assert status == 200


async def test_the_client_must_accept_outside_the_minimum_notice(alice):
    pending = await alice.request()
    soon = later(NOW, hours=5)
    assert (await propose(alice, pending, soon))[0] == 200  # staff may offer it
    status, body = await alice.post(pending, "accept-proposal", "alice", {"time": iso(soon)})
    assert status == 409 and "minimum notice" in body["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "times"),
        ({"times": []}, "times"),
        (
            {"times": [iso(ONE), iso(TWO), iso(later(TWO, days=1)), iso(later(TWO, days=2))]},
            "times",
        ),
        ({"times": ["next week"]}, "times"),
        ({"times": ["2030-03-01T10:00:00Z"]}, "times"),
        ({"times": [iso(ONE)], "duration": 500}, "duration"),
    ],
)
async def test_the_times_are_checked(alice, body, field):
    pending = await alice.request()
    status, answer = await alice.post(pending, "propose", "theo", body)
    assert status == 400 and list(answer) == [field], answer


async def test_who_may_propose_and_accept(alice):
    pending = await alice.request()
    status, _ = await propose(alice, pending, ONE)
    assert (await alice.post(pending, "propose", "alice", {"times": [iso(ONE)]}))[0] == 403
    for who in ("charlie", "theo"):  # not theirs to accept
        status, _ = await alice.post(pending, "accept-proposal", who, {"time": iso(ONE)})
        assert status == 404
    status, body = await alice.post(pending, "accept-proposal", "alice", {"time": "soon"})
    assert status == 400 and list(body) == ["time"]


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_two_clients_accepting_the_same_time_at_once_exactly_one_wins(alice):
    alices, charlies = await alice.request(), await alice.request(who="charlie")
    await propose(alice, alices, ONE)
    await propose(alice, charlies, ONE)

    answers = await asyncio.gather(
        alice.post(alices, "accept-proposal", "alice", {"time": iso(ONE)}),
        alice.post(charlies, "accept-proposal", "charlie", {"time": iso(ONE)}),
    )

    assert sorted(status for status, _ in answers) == [200, 409]
    assert await Appointment.filter(status=AppointmentStatus.SCHEDULED).count() == 1
    loser = alices if answers[1][0] == 200 else charlies
    assert (await Appointment.get(id=loser.id)).status == AppointmentStatus.PENDING_REVIEW
    assert await Proposal.filter(appointment_id=loser.id, status=ProposalStatus.OPEN).count() == 1
    assert await rows(loser, kind="scheduled") == []
