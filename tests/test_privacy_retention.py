"""DATA_RETENTION_DAYS: the housekeeping job erases the personal fields of appointments that
ended (rejected, cancelled, or held) more than N days ago, and nothing else.

The clock is the job's `now`: the story runs weeks ahead without waiting for them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from booking.appointments import reject_appointment, schedule_appointment
from booking.audit import RETENTION_ERASE
from booking.lifecycle import cancel_appointment
from booking.proposals import request_reschedule
from booking.retention import erase_expired_appointments
from booking.waitlist_notices import queue_taken
from models import (
    Appointment,
    AppointmentStatus,
    AuditEvent,
    Notification,
    RescheduleRequest,
    User,
    WaitlistEntry,
    WaitlistEntryStatus,
    WaitlistOffer,
    WaitlistOfferStatus,
)
from tests.meetings_support import make_request, make_user

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
DAYS = 30


class Practice:
    """Theo's practice a few weeks in: one request of each fate."""

    def __init__(self, **appointments: Appointment) -> None:
        self.__dict__.update(appointments)


async def a_few_weeks_of_practice(settings) -> tuple[Practice, datetime]:
    now = datetime.now(UTC)
    theo = await make_user("theo@practice.example", first_name="Theo", staff=True)
    rita = await make_user("rita@example.com", first_name="Rita", last_name="Reyes")

    def ask(reason: str):
        return make_request(
            settings, user=rita, email="rita@example.com", first_name="Rita", reason=reason
        )

    rejected = await ask("Rejected one: grief after the Skerries storm")
    await reject_appointment(settings, rejected.id, theo, "Away at the Kilmory retreat")
    cancelled = await ask("Cancelled one: insomnia in Dunmore")
    await cancel_appointment(settings, cancelled.id, rita, "The Dunmore ferry again")
    held = await ask("Held one: the Ardnish inheritance")
    tomorrow = (now + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    await schedule_appointment(settings, held.id, theo, tomorrow)
    await request_reschedule(
        settings,
        held.id,
        rita,
        [(now + timedelta(days=2)).date().isoformat()],
        ["afternoon"],
        note="Thursdays are Lochgair market",
    )
    ahead = await ask("Still ahead: a session in six weeks")
    await schedule_appointment(settings, ahead.id, theo, tomorrow + timedelta(days=42))
    waiting = await ask("Still waiting for a decision")
    return Practice(
        rejected=rejected, cancelled=cancelled, held=held, ahead=ahead, waiting=waiting
    ), now


async def test_with_no_retention_set_everything_is_kept(settings, db):
    practice, now = await a_few_weeks_of_practice(settings)
    assert await erase_expired_appointments(settings, now=now + timedelta(days=400)) == 0
    assert not await Appointment.filter(erased_at__isnull=False).exists()
    assert (await Appointment.get(id=practice.rejected.id)).reason is not None


async def test_finished_appointments_lose_their_personal_fields_after_n_days(
    make_settings, database_url, db
):
    settings = make_settings(DATABASE_URL=database_url, DATA_RETENTION_DAYS=str(DAYS))
    practice, now = await a_few_weeks_of_practice(settings)

    # Three weeks on: nothing is old enough yet.
    assert await erase_expired_appointments(settings, now=now + timedelta(days=21)) == 0

    # Five weeks on: the rejected, the cancelled and the held session are past retention.
    later = now + timedelta(days=DAYS + 5)
    assert await erase_expired_appointments(settings, now=later) == 3
    for gone in (practice.rejected, practice.cancelled, practice.held):
        row = await Appointment.get(id=gone.id)
        assert (row.first_name, row.last_name, row.email, row.phone) == ("", "", "", None)
        assert row.reason is None and row.rejection_reason is None
        assert row.cancellation_reason is None and row.erased_at == later
        assert row.email_index.startswith("erased:")
        assert not await Notification.filter(appointment_id=gone.id).exists()
    # The anonymous rest stays: statuses, times.
    held = await Appointment.get(id=practice.held.id)
    assert held.status == AppointmentStatus.SCHEDULED and held.scheduled_datetime is not None
    assert (await Appointment.get(id=practice.rejected.id)).status == AppointmentStatus.REJECTED
    assert not await RescheduleRequest.filter(
        appointment_id=practice.held.id, note__isnull=False
    ).exists()
    # What is still ahead or undecided keeps its details; so does Rita's account.
    for kept in (practice.ahead, practice.waiting):
        row = await Appointment.get(id=kept.id)
        assert row.first_name == "Rita" and row.reason and row.erased_at is None
    rita = await User.get(email_index=practice.waiting.email_index)
    assert (rita.first_name, rita.erased_at) == ("Rita", None)

    audit = await AuditEvent.filter(action=RETENTION_ERASE).order_by("target")
    assert sorted(e.target for e in audit) == sorted(
        str(a.id) for a in (practice.rejected, practice.cancelled, practice.held)
    )
    assert all(e.actor_id is None and e.subject_id == rita.id for e in audit)

    # Run again: nothing more to do.
    assert await erase_expired_appointments(settings, now=later) == 0


async def test_staffs_waitlist_taken_message_naming_her_goes_with_her_session(
    make_settings, database_url, db
):
    # Rita's held session came from the waitlist: staff were told by e-mail "Rita Reyes
    # took ..." (an outbox row keyed by the offer, not the appointment). Retention of the
    # session must take that row too, or the name outlives it in the delivery history.
    settings = make_settings(DATABASE_URL=database_url, DATA_RETENTION_DAYS=str(DAYS))
    practice, now = await a_few_weeks_of_practice(settings)
    held = await Appointment.get(id=practice.held.id)
    entry = await WaitlistEntry.create(
        user_id=held.user_id, joined_at=now, status=WaitlistEntryStatus.FULFILLED
    )
    offer = await WaitlistOffer.create(
        entry=entry,
        start=held.scheduled_datetime,
        duration=60,
        status=WaitlistOfferStatus.ACCEPTED,
        expires_at=now,
        created_at=now,
        decided_at=now,
        appointment=held,
    )
    async with in_transaction() as conn:
        await queue_taken(settings, conn, offer, held, moved=False)

    def taken():
        return Notification.filter(dedupe_key__startswith=f"waitlist:{offer.id}:").exists()

    assert await taken()

    assert await erase_expired_appointments(settings, now=now + timedelta(days=DAYS + 5)) == 3
    assert not await taken()
