"""A therapist books a weekly series from a request's buttons; the client sees it as one entry."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from booking.appointments import create_appointment, schedule_appointment
from booking.availability import DAY_NAMES
from booking.formatting import format_short_date
from booking.offers import available_dates
from bot import series_views, texts
from bot.attendance_views import MarkAttendance
from bot.callbacks import ALL_CALLBACKS, MAX_BYTES
from models import Appointment, AppointmentStatus, Notification, User
from tests.bot.harness import BotUnderTest, linked_user
from tests.bot.test_bot_staff_decisions import request_from, walk_to_confirm
from tests.fake_telegram import BotMessage, FakeUser


async def _series_of(client: User) -> list[Appointment]:
    return list(
        await Appointment.filter(user_id=client.id, series_id__not_isnull=True).order_by(
            "scheduled_datetime"
        )
    )


async def _weekly_from_summary(theo: FakeUser, summary: BotMessage, count: int = 4) -> BotMessage:
    """Every week -> how many: the count question, answered; what the message shows next."""
    assert summary.button_texts[:3] == ["Confirm", "Every week", "Every 2 weeks"]
    await theo.press(summary, "Every week")
    counts = await theo.expect("how many sessions?")
    assert counts.button_texts == [
        "4 sessions",
        "8 sessions",
        "12 sessions",
        "26 sessions",
        "Pick another time",
        "Cancel",
    ]
    await theo.press(counts, f"{count} sessions")
    return counts


async def _session_at(bot: BotUnderTest, staff: User, client: User, at: datetime) -> None:
    """Another client's session, booked elsewhere (the API, say)."""
    request = await create_appointment(
        bot.settings,
        first_name=client.first_name,
        last_name=client.last_name,
        email=client.email,
        preferred_dates=[(await available_dates(bot.settings))[0]],
        preferred_time_slots=["evening"],
        user=client,
    )
    await schedule_appointment(bot.settings, request.id, staff, at, 60)


async def test_theo_books_four_weekly_sessions_and_alice_sees_one_entry_with_the_next_join(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    alice_account = await linked_user(alice, "alice@example.com")
    appointment = await request_from(alice_account, bot)
    first = date.fromisoformat(appointment.preferred_dates[0])

    request = await theo.expect("New appointment request")
    summary = await walk_to_confirm(theo, request, format_short_date(first), "18:00")
    counts = await _weekly_from_summary(theo, summary)

    weekday = DAY_NAMES[first.weekday()]
    outcome = await theo.expect("Scheduled by you")
    assert outcome.message_id == request.message_id
    assert f"Series: Weekly, {weekday}s 18:00, 4 of 4 left." in outcome.text
    assert outcome.button_texts == ["Move", "Propose times", "Cancel session", "Show details"]

    series = await _series_of(alice_account)
    assert len(series) == 4
    assert series[0].id == appointment.id  # the first occurrence is the request itself
    assert len({a.series_id for a in series}) == 1  # type: ignore[attr-defined]
    assert all(a.status == AppointmentStatus.SCHEDULED for a in series)
    local = [a.scheduled_datetime.astimezone(bot.settings.zone) for a in series]  # type: ignore[union-attr]
    assert [t.date() for t in local] == [first + timedelta(weeks=n) for n in range(4)]
    assert {t.time() for t in local} == {time(18)}

    # One chat confirmation for the series, not one per week.
    await alice.expect("Your session is confirmed.")
    await alice.expect_nothing()

    # A second press on the count (another device still shows it) books nothing more.
    press = await theo.press(counts, "4 sessions")
    assert await press.answered() == texts.STALE_BUTTON
    assert len(await _series_of(alice_account)) == 4

    # Alice's /appointments: the series is one entry, with the next session's Join.
    await alice.send("/appointments")
    listing = await alice.expect("Your requests:")
    assert f"1. Weekly, {weekday}s 18:00, 4 of 4 left" in listing.text
    assert "Next: " in listing.text and "2." not in listing.text
    join = f"Join {format_short_date(first)}, 18:00"
    assert listing.button_texts[:3] == [join, "Ask to move 1", "Cancel 1"]
    assert [b for b in listing.button_texts if b.startswith("Join")] == [join]
    assert listing.url_of(join).endswith(f"/{series[0].jitsi_room_id}")


async def test_clashing_weeks_are_named_and_skipped_on_skip(
    bot: BotUnderTest, alice: FakeUser, charlie: FakeUser, theo: FakeUser
) -> None:
    theo_account = await linked_user(theo, "theo@practice.example", staff=True)
    alice_account = await linked_user(alice, "alice@example.com")
    charlie_account = await linked_user(charlie, "charlie@example.com")
    appointment = await request_from(alice_account, bot)
    first = date.fromisoformat(appointment.preferred_dates[0])
    # Charlie has the evenings of weeks 2 and 3 at 18:00.
    for week in (1, 2):
        day = first + timedelta(weeks=week)
        await _session_at(bot, theo_account, charlie_account, datetime.combine(day, time(18)))

    request = await theo.expect("New appointment request")
    summary = await walk_to_confirm(theo, request, format_short_date(first), "18:00")
    await _weekly_from_summary(theo, summary)
    clashes = await theo.expect("Weeks 2 and 3 of 4 clash:")
    for week in (1, 2):
        assert format_short_date(first + timedelta(weeks=week)) in clashes.text
    assert "Skip them and book the other 2" in clashes.text
    assert clashes.button_texts == ["Skip them", "Choose another time", "Cancel"]
    assert await _series_of(alice_account) == []  # nothing booked while the clash is open

    # Choose another time: back to the start times; 18:30 clashes the same weeks.
    await theo.press(clashes, "Choose another time")
    times = await theo.expect("pick the start time")
    await theo.press(times, "18:30")
    durations = await theo.expect("How long is the session?")
    await theo.press(durations, "60 min")
    summary = await theo.expect("Schedule the session for")
    await _weekly_from_summary(theo, summary)
    clashes = await theo.expect("Weeks 2 and 3 of 4 clash:")
    await theo.press(clashes, "Skip them")

    outcome = await theo.expect("Scheduled by you")
    skipped = ", ".join(format_short_date(first + timedelta(weeks=w)) for w in (1, 2))
    assert f"Skipped: {skipped}." in outcome.text
    assert "2 of 2 left" in outcome.text
    series = await _series_of(alice_account)
    booked = [a.scheduled_datetime.astimezone(bot.settings.zone) for a in series]  # type: ignore[union-attr]
    assert booked == [
        datetime.combine(first + timedelta(weeks=w), time(18, 30), bot.settings.zone)
        for w in (0, 3)
    ]
    await alice.expect("Your session is confirmed.")
    await alice.expect_nothing()


async def test_cancel_on_the_clash_question_books_nothing_and_gives_the_buttons_back(
    bot: BotUnderTest, alice: FakeUser, charlie: FakeUser, theo: FakeUser
) -> None:
    theo_account = await linked_user(theo, "theo@practice.example", staff=True)
    alice_account = await linked_user(alice, "alice@example.com")
    appointment = await request_from(alice_account, bot, reason="Weekly would be best")
    first = date.fromisoformat(appointment.preferred_dates[0])
    charlie_account = await linked_user(charlie, "charlie@example.com")
    clash = datetime.combine(first + timedelta(weeks=3), time(18))
    await _session_at(bot, theo_account, charlie_account, clash)

    request = await theo.expect("New appointment request")
    summary = await walk_to_confirm(theo, request, format_short_date(first), "18:00")
    await _weekly_from_summary(theo, summary)
    clashes = await theo.expect("Week 4 of 4 clashes:")
    assert "Skip it and book the other 3" in clashes.text
    await theo.press(clashes, "Cancel")
    restored = await theo.expect("Request (ref. ")
    assert restored.button_texts == ["Schedule", "Reject", "Propose times", "Show details"]
    fresh = await Appointment.get(id=appointment.id)
    assert fresh.status == AppointmentStatus.PENDING_REVIEW
    assert fresh.series_id is None  # type: ignore[attr-defined]


def test_the_clash_question_names_the_weeks() -> None:
    assert series_views.named_weeks([4]) == "Week 4"
    assert series_views.named_weeks([4, 9]) == "Weeks 4 and 9"
    assert series_views.named_weeks([2, 4, 9]) == "Weeks 2, 4 and 9"
    text = series_views.clashes_text(
        [(4, date(2026, 3, 3), "Blocked"), (9, date(2026, 4, 7), "Busy")], 12
    )
    assert text.splitlines() == [
        "Weeks 4 and 9 of 12 clash:",
        "- Tue 3 Mar: Blocked",
        "- Tue 7 Apr: Busy",
        "Skip them and book the other 10, choose another time, or cancel.",
    ]


def test_every_series_button_fits_telegrams_64_bytes() -> None:
    some = uuid.uuid4()
    for every in series_views.OFFERED_RHYTHMS:
        markup = series_views.clash_choices(some, every, max(series_views.COUNTS))
        for row in markup.inline_keyboard:
            for button in row:
                assert len(str(button.callback_data).encode()) <= 64


async def test_help_tells_staff_about_series(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await linked_user(alice, "alice@example.com")
    await theo.send("/help")
    assert "Every week / Every 2 weeks" in (await theo.expect("What I can do:")).text
    await alice.send("/help")
    assert "Every week" not in (await alice.expect("What I can do:")).text


async def _four_weeks_for(bot: BotUnderTest, client: User, theo: FakeUser) -> date:
    """The client's request, booked by Theo every week, 4 sessions at 18:00; the first day."""
    appointment = await request_from(client, bot)
    first = date.fromisoformat(appointment.preferred_dates[0])
    request = await theo.expect("New appointment request")
    summary = await walk_to_confirm(theo, request, format_short_date(first), "18:00")
    await _weekly_from_summary(theo, summary)
    await theo.expect("Scheduled by you")
    return first


async def test_alice_cancels_her_series_this_and_all_later_from_appointments(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    alice_account = await linked_user(alice, "alice@example.com")
    first = await _four_weeks_for(bot, alice_account, theo)
    await alice.expect("Your session is confirmed.")

    await alice.send("/appointments")
    listing = await alice.expect("Your requests:")
    assert listing.button_texts[-1] == "Cancel 1 and all later"
    await alice.press(listing, "Cancel 1 and all later")
    confirm = await alice.expect("Cancel 4 sessions of your series, from ")
    assert f"from {format_short_date(first)} 18:00 on?" in confirm.text
    assert "late cancellation" in confirm.text
    assert confirm.button_texts == ["Yes, cancel them", "No, keep them"]

    # No, keep them: nothing changes.
    await alice.press(confirm, "No, keep them")
    assert "your series stays as it is" in (await alice.expect("Nothing was cancelled")).text
    assert all(a.status == AppointmentStatus.SCHEDULED for a in await _series_of(alice_account))

    await alice.press(listing, "Cancel 1 and all later")
    confirm = await alice.expect("Cancel 4 sessions of your series")
    await alice.press(confirm, "Yes, cancel them")
    done = await alice.expect("Cancelled 4 sessions.")
    assert done.message_id == confirm.message_id
    series = await _series_of(alice_account)
    assert [a.status for a in series] == [AppointmentStatus.CANCELLED] * 4

    # No reminder of them leaves, even once due.
    ids = [a.id for a in series]
    await Notification.filter(appointment_id__in=ids).update(
        due_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert bot.dispatcher is not None
    await bot.dispatcher.dispatch_due()
    await alice.expect_nothing()

    # A second press (the confirm still shown elsewhere, or the old list) changes nothing.
    press = await alice.press(confirm, "Yes, cancel them")
    assert await press.answered() == series_views.NOTHING_AHEAD
    press = await alice.press(listing, "Cancel 1 and all later")
    assert await press.answered() == series_views.NOTHING_AHEAD
    assert (await alice.expect("Your requests:")).button_texts == []  # the old list's buttons go
    await alice.expect_nothing()
    assert [a.status for a in await _series_of(alice_account)] == [AppointmentStatus.CANCELLED] * 4


async def test_only_the_client_of_a_series_can_cancel_it_from_the_chat(
    bot: BotUnderTest, alice: FakeUser, charlie: FakeUser, theo: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    alice_account = await linked_user(alice, "alice@example.com")
    await linked_user(charlie, "charlie@example.com")
    first = await _four_weeks_for(bot, alice_account, theo)
    series = await _series_of(alice_account)

    forged = series_views.CancelSeries("yes", series[0].series_id, first).pack()  # type: ignore[attr-defined]
    for someone in (charlie, theo):
        press = await someone.press_data(1, forged)
        assert await press.answered() == "Appointment not found."
    assert all(a.status == AppointmentStatus.SCHEDULED for a in await _series_of(alice_account))


def test_the_series_cancel_buttons_have_a_prefix_of_their_own_within_64_bytes() -> None:
    kind = series_views.CancelSeries
    assert kind.prefix not in {k.prefix for k in (*ALL_CALLBACKS, MarkAttendance)}
    data = kind("yes", uuid.UUID(int=2**128 - 1), date(2026, 12, 31))
    assert len(data.pack().encode()) <= MAX_BYTES
    assert kind.unpack(data.pack()) == data
