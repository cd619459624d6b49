"""Theo is asked "Did the client (ref. ...) attend?" once the session's join window closes,
once per session; his Attended / No-show presses record it (a second press changes it); a
moved session is asked about at its new time only, a cancelled one never; Alice's forged
press records nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from booking.appointments import schedule_appointment
from booking.attendance import record_attendance
from booking.lifecycle import cancel_appointment, reschedule_appointment
from bot import texts
from bot.attendance_views import MarkAttendance
from bot.callbacks import ALL_CALLBACKS, MAX_BYTES, minute_stamp
from models import Appointment, AppointmentEvent, Attendance
from tests.bot.harness import BotUnderTest
from tests.bot.lifecycle_support import in_practice_time, people, request_of
from tests.fake_telegram import FakeUser

QUESTION = "Did the client (ref. "


def prompts_in(person: FakeUser) -> list[str]:
    return [event.text for event in person.unread() if QUESTION in event.text]


async def past_session(bot: BotUnderTest, client, therapist) -> Appointment:
    """Alice's session that began two hours ago (booked the day before), window closed."""
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)
    request = await request_of(bot, client)
    return await schedule_appointment(
        bot.settings, request.id, therapist, start, 60, override=True, now=start - timedelta(days=1)
    )


async def time_passes_until(bot: BotUnderTest, moment: datetime) -> None:
    """The outbox's clock reaches `moment` and it runs until nothing more is due then.

    Telegram's pace (about one message a second per chat) holds some rows back for a few
    seconds: the clock moves on by that much between rounds.
    """
    assert bot.dispatcher is not None
    for step in range(30):
        now = moment + timedelta(seconds=5 * step)
        bot.dispatcher.clock = lambda now=now: now
        if not await bot.dispatcher.dispatch_due():
            return
    raise AssertionError("the outbox never ran dry")


async def test_theo_is_asked_once_and_his_presses_record_the_answer(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await past_session(bot, client, therapist)

    await time_passes_until(bot, datetime.now(UTC))
    prompt = await theo.expect(QUESTION)
    assert prompt.button_texts == ["Attended", "No-show", "Show details"]
    # Later rounds of the outbox never ask again.
    await time_passes_until(bot, datetime.now(UTC) + timedelta(days=3))
    assert prompts_in(theo) == []
    await alice.expect("Your session is confirmed.")
    assert not [e for e in alice.unread() if QUESTION in e.text]  # only staff are asked

    press = await theo.press(prompt, "No-show")
    assert await press.answered() == "Recorded: No-show."
    edited = await theo.expect("Recorded: No-show.")
    assert edited.button_texts == ["Attended", "✓ No-show", "Show details"]
    assert (await Appointment.get(id=session.id)).attendance == Attendance.NO_SHOW

    # She was there after all: the other button changes the answer.
    press = await theo.press(edited, "Attended")
    assert await press.answered() == "Recorded: Attended."
    edited = await theo.expect("Recorded: Attended.")
    assert edited.button_texts == ["✓ Attended", "No-show", "Show details"]
    assert (await Appointment.get(id=session.id)).attendance == Attendance.ATTENDED
    kinds = await AppointmentEvent.filter(appointment_id=session.id).values_list("kind", flat=True)
    assert [k for k in kinds if k.startswith("marked_")] == ["marked_no_show", "marked_attended"]


async def test_a_moved_session_is_asked_about_at_its_new_time_and_a_cancelled_one_never(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    moved = await schedule_appointment(
        bot.settings, (await request_of(bot, client)).id, therapist, in_practice_time(bot, 3, 10)
    )
    new_start = in_practice_time(bot, 4, 12)
    await reschedule_appointment(bot.settings, moved.id, therapist, new_start)
    dropped = await schedule_appointment(
        bot.settings, (await request_of(bot, client)).id, therapist, in_practice_time(bot, 3, 18)
    )
    await cancel_appointment(bot.settings, dropped.id, client)

    # Past the old time's window, before the new one's close: nobody is asked yet.
    await time_passes_until(bot, in_practice_time(bot, 3, 20))
    assert prompts_in(theo) == []

    await time_passes_until(bot, new_start + timedelta(minutes=75))
    prompt = await theo.expect(QUESTION)
    assert (
        prompt.button("Attended")["callback_data"]
        == MarkAttendance("attended", moved.id, minute_stamp(new_start)).pack()
    )
    await time_passes_until(bot, new_start + timedelta(days=30))
    assert prompts_in(theo) == []  # the cancelled session's, and a second one, never came


async def test_alices_forged_press_records_nothing(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await past_session(bot, client, therapist)
    data = MarkAttendance("attended", session.id, minute_stamp(session.scheduled_datetime))

    press = await alice.press_data(1, data.pack())

    assert await press.answered() == texts.STAFF_ONLY
    assert (await Appointment.get(id=session.id)).attendance is None


def test_the_attendance_buttons_have_a_prefix_of_their_own_within_64_bytes() -> None:
    assert MarkAttendance.prefix not in {kind.prefix for kind in ALL_CALLBACKS}
    data = MarkAttendance("no_show", uuid.UUID(int=2**128 - 1), minute_stamp(datetime.now(UTC)))
    assert len(data.pack().encode()) <= MAX_BYTES
    assert MarkAttendance.unpack(data.pack()) == data


async def test_stats_show_the_attendance_figures(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    client, therapist = await people(alice, theo)
    session = await past_session(bot, client, therapist)
    await record_attendance(bot.settings, session.id, therapist, "no_show")

    await theo.send("/stats")

    figures = await theo.expect("Requests so far:")
    assert "Attendance recorded for 1 sessions: attended 0.00%, no-show 100.00%" in figures.text
