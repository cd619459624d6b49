"""Freed time goes to the waitlist one entry at a time, in join order; exactly one takes it.

Dora's Friday session at 10:00 is what gets freed; Alice joined the waitlist first, Charlie
second. Theo is the therapist. The clock is the lifecycle stories' (a Monday in 2030).
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from booking.appointments import schedule_appointment
from booking.blocked_dates import add_blocked_dates, remove_blocked_dates
from booking.errors import Conflict
from booking.lifecycle import cancel_appointment, reschedule_appointment
from booking.proposals import accept_proposal, propose_times
from booking.waitlist import accept_offer, decline_offer, join_waitlist, leave_waitlist
from booking.waitlist_offers import process_waitlist
from models import (
    Appointment,
    AppointmentStatus,
    Notification,
    WaitlistEntry,
    WaitlistEntryStatus,
    WaitlistOffer,
    WaitlistOfferStatus,
)
from tests.lifecycle_support import NOW, START, Story, story
from tests.meetings_support import make_user

FRIDAY = 4
HOLD = timedelta(minutes=30)


@pytest.fixture
async def st(db, make_client) -> Story:
    return await story(db, make_client)


async def _dora_session(st: Story, start=START) -> Appointment:
    dora = await make_user("dora@example.com", first_name="Dora", last_name="Dunn")
    st.cast.dora = dora  # type: ignore[attr-defined]
    return await st.book(start, who="dora")


async def _join(st: Story, who: str, minutes_later: int = 0, **kw) -> WaitlistEntry:
    user = getattr(st.cast, who)
    kw.setdefault("weekdays", [FRIDAY])
    kw.setdefault("preferred_time_slots", ["morning"])
    return await join_waitlist(st.settings, user, now=NOW + timedelta(minutes=minutes_later), **kw)


async def _held(who_entry: WaitlistEntry) -> WaitlistOffer | None:
    return await WaitlistOffer.get_or_none(entry_id=who_entry.id, status=WaitlistOfferStatus.HELD)


async def _sessions_at(start) -> list[Appointment]:
    return list(
        await Appointment.filter(status=AppointmentStatus.SCHEDULED, scheduled_datetime=start)
    )


async def _free_dora(st: Story) -> tuple[WaitlistEntry, WaitlistEntry]:
    session = await _dora_session(st)
    alice = await _join(st, "alice")
    charlie = await _join(st, "charlie", 1)
    await cancel_appointment(st.settings, session.id, st.cast.theo, now=NOW + timedelta(hours=1))
    return alice, charlie


async def test_a_cancelled_session_is_offered_to_the_first_to_join_only(st):
    alice, charlie = await _free_dora(st)
    offer = await _held(alice)
    assert offer is not None and offer.start == START
    assert offer.expires_at == NOW + timedelta(hours=1) + HOLD
    assert await _held(charlie) is None  # one at a time
    told = await Notification.filter(kind="waitlist_offer").values_list("dedupe_key", flat=True)
    assert told and all(str(offer.id) in key for key in told)


async def test_an_expired_hold_passes_to_the_next_client(st):
    alice, charlie = await _free_dora(st)
    first = await _held(alice)
    assert first is not None
    # Before the hold ends the job changes nothing; after it, Charlie gets the time.
    assert await process_waitlist(st.settings, first.expires_at - timedelta(seconds=1)) == 0
    after = first.expires_at + timedelta(seconds=1)
    assert await process_waitlist(st.settings, after) == 1
    assert await process_waitlist(st.settings, after) == 0  # idempotent
    await first.refresh_from_db()
    assert first.status == WaitlistOfferStatus.EXPIRED
    second = await _held(charlie)
    assert second is not None and second.start == START
    with pytest.raises(Conflict):
        await accept_offer(st.settings, first.id, st.cast.alice, now=after)
    session = await accept_offer(st.settings, second.id, st.cast.charlie, now=after)
    assert session.status == AppointmentStatus.SCHEDULED and session.scheduled_datetime == START
    assert (await WaitlistEntry.get(id=charlie.id)).status == WaitlistEntryStatus.FULFILLED
    assert (await WaitlistEntry.get(id=alice.id)).status == WaitlistEntryStatus.WAITING
    assert await Notification.filter(kind="waitlist_taken").exists()


async def test_no_thanks_passes_the_time_on_at_once(st):
    alice, charlie = await _free_dora(st)
    first = await _held(alice)
    assert first is not None
    await decline_offer(st.settings, first.id, st.cast.alice, now=NOW + timedelta(hours=1))
    assert await _held(charlie) is not None
    with pytest.raises(Conflict):
        await decline_offer(st.settings, first.id, st.cast.alice, now=NOW + timedelta(hours=1))


async def test_when_nobody_takes_it_staff_are_told(st):
    alice, charlie = await _free_dora(st)
    later = NOW + timedelta(hours=1)
    for entry, who in ((alice, st.cast.alice), (charlie, st.cast.charlie)):
        offer = await _held(entry)
        assert offer is not None
        await decline_offer(st.settings, offer.id, who, now=later)
    assert await Notification.filter(kind="waitlist_unclaimed").exists()


async def test_a_time_booked_by_staff_meanwhile_is_withdrawn_and_offered_to_nobody(st):
    alice, charlie = await _free_dora(st)
    offer = await _held(alice)
    assert offer is not None
    later = NOW + timedelta(hours=1, minutes=5)
    request = await st.request(who="charlie")
    await schedule_appointment(st.settings, request.id, st.cast.theo, START, now=later)
    assert await process_waitlist(st.settings, later) == 1
    await offer.refresh_from_db()
    assert offer.status == WaitlistOfferStatus.WITHDRAWN
    assert await Notification.filter(kind="waitlist_gone").exists()
    assert await _held(charlie) is None  # the time is not free: nobody is offered it
    with pytest.raises(Conflict):
        await accept_offer(st.settings, offer.id, st.cast.alice, now=later)
    assert len(await _sessions_at(START)) == 1


async def test_nobody_is_offered_time_that_is_not_free(st):
    # Dora's session moves half an hour later: the old 10:00 overlaps its new time.
    session = await _dora_session(st)
    alice = await _join(st, "alice")
    half_past = START + timedelta(minutes=30)
    await reschedule_appointment(st.settings, session.id, st.cast.theo, half_past, now=NOW)
    assert await _held(alice) is None
    # Freed inside the minimum notice (24 h): clients may not take it.
    await reschedule_appointment(
        st.settings,
        session.id,
        st.cast.theo,
        START + timedelta(days=7),
        now=START - timedelta(hours=2),
    )
    assert await _held(alice) is None
    # A blocked day: not offered either.
    other = await st.book(START + timedelta(days=14), who="dora")
    day = (START + timedelta(days=14)).date()
    await add_blocked_dates(day)
    await cancel_appointment(st.settings, other.id, st.cast.theo, now=NOW)
    assert await _held(alice) is None
    assert not await Notification.filter(kind="waitlist_offer").exists()


async def test_an_entry_only_gets_what_matches_it(st):
    session = await _dora_session(st)
    await _join(st, "alice", weekdays=[0])  # Mondays only
    charlie = await _join(st, "charlie", 1, preferred_time_slots=["morning"])
    await cancel_appointment(st.settings, session.id, st.cast.theo, now=NOW)
    assert await _held(charlie) is not None  # Alice joined first, but Friday is not hers


async def test_earlier_time_moves_the_clients_later_session(st):
    later = await st.book(START + timedelta(days=7), who="alice")
    entry = await join_waitlist(st.settings, st.cast.alice, appointment_id=later.id, now=NOW)
    assert entry.to_date == (START + timedelta(days=7)).date()
    session = await _dora_session(st)
    await cancel_appointment(st.settings, session.id, st.cast.theo, now=NOW)
    offer = await _held(entry)
    assert offer is not None
    moved = await accept_offer(st.settings, offer.id, st.cast.alice, now=NOW)
    assert moved.id == later.id and moved.scheduled_datetime == START
    assert (await WaitlistEntry.get(id=entry.id)).status == WaitlistEntryStatus.FULFILLED


async def test_a_removed_day_away_is_offered(st):
    await _dora_session(st)  # opens every day
    block = await add_blocked_dates(START.date() + timedelta(days=3))
    alice = await _join(
        st, "alice", weekdays=[], from_date=block.start_date, to_date=block.end_date
    )
    await remove_blocked_dates(block.id, st.settings, now=NOW)
    assert await _held(alice) is not None


async def test_leaving_passes_a_held_time_on_and_ranges_that_passed_lapse(st):
    alice, charlie = await _free_dora(st)
    await leave_waitlist(st.settings, alice.id, st.cast.alice, now=NOW + timedelta(hours=1))
    assert await _held(charlie) is not None
    gone = await _join(
        st, "alice", weekdays=[], from_date=date(2030, 3, 5), to_date=date(2030, 3, 6)
    )
    await process_waitlist(st.settings, NOW + timedelta(days=3))
    assert (await WaitlistEntry.get(id=gone.id)).status == WaitlistEntryStatus.LAPSED


# --- races: exactly one session, on SQLite and PostgreSQL ----------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_take_it_pressed_twice_at_once_makes_exactly_one_session(st):
    alice, _ = await _free_dora(st)
    offer = await _held(alice)
    assert offer is not None
    when = NOW + timedelta(hours=1)
    results = await asyncio.gather(
        accept_offer(st.settings, offer.id, st.cast.alice, now=when),
        accept_offer(st.settings, offer.id, st.cast.alice, now=when),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Appointment", "Conflict"]
    assert len(await _sessions_at(START)) == 1


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_two_waitlisted_clients_pressing_take_it_at_once_make_one_session(st):
    # Alice presses at the last second of her hold while the job, a moment later by its
    # clock, passes the time to Charlie, who presses at once: one of them gets it.
    alice, charlie = await _free_dora(st)
    first = await _held(alice)
    assert first is not None
    before, after = first.expires_at - timedelta(seconds=1), first.expires_at + timedelta(seconds=1)

    async def charlie_presses():
        await process_waitlist(st.settings, after)
        second = await _held(charlie)
        if second is None:
            raise Conflict("nothing offered")
        return await accept_offer(st.settings, second.id, st.cast.charlie, now=after)

    results = await asyncio.gather(
        accept_offer(st.settings, first.id, st.cast.alice, now=before),
        charlie_presses(),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Appointment", "Conflict"]
    assert len(await _sessions_at(START)) == 1
    assert await WaitlistEntry.filter(status=WaitlistEntryStatus.FULFILLED).count() == 1


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_take_it_racing_a_staff_booking_of_the_same_time_makes_one_session(st):
    alice, _ = await _free_dora(st)
    offer = await _held(alice)
    assert offer is not None
    request = await st.request(who="charlie")
    when = NOW + timedelta(hours=1)
    results = await asyncio.gather(
        accept_offer(st.settings, offer.id, st.cast.alice, now=when),
        schedule_appointment(st.settings, request.id, st.cast.theo, START, now=when),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results].count("Appointment") == 1
    assert len(await _sessions_at(START)) == 1


async def test_a_session_moved_to_a_proposed_time_offers_its_old_time(st):
    session = await _dora_session(st)
    alice = await _join(st, "alice")
    later = START + timedelta(days=3)  # Monday
    await propose_times(st.settings, session.id, st.cast.theo, [later], now=NOW)
    await accept_proposal(st.settings, session.id, st.cast.dora, later, now=NOW)  # type: ignore[attr-defined]
    offer = await _held(alice)
    assert offer is not None and offer.start == START


async def test_taking_an_earlier_time_offers_the_later_one_to_the_next_in_line(st):
    later = START + timedelta(days=7)
    session = await st.book(later, who="alice")
    mine = await join_waitlist(st.settings, st.cast.alice, appointment_id=session.id, now=NOW)
    charlie = await _join(st, "charlie", 1)
    await cancel_appointment(st.settings, (await _dora_session(st)).id, st.cast.theo, now=NOW)
    offer = await _held(mine)
    assert offer is not None
    await accept_offer(st.settings, offer.id, st.cast.alice, now=NOW)
    freed = await _held(charlie)
    assert freed is not None and freed.start == later
