"""The therapist edits the booking rules in /availability and plans days away in /away; the
client's calendar and slot picker, and the therapist's start times, follow the rules."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from booking.appointments import create_appointment, schedule_appointment
from booking.availability import get_rules, practice_today, update_rules
from booking.formatting import format_short_date
from booking.messages.chat import reference
from booking.offers import available_dates
from bot import texts
from bot.callbacks import AwayRemove, EditRule
from bot.keyboards import TICK
from models import Appointment, AppointmentStatus, BlockedDate, User
from tests.bot.harness import BotUnderTest, day_label, linked_user
from tests.fake_telegram import FakeUser


async def a_request(bot: BotUnderTest, client: User, day, slots=("evening",)) -> Appointment:
    appointment = await create_appointment(
        bot.settings,
        first_name=client.first_name,
        last_name=client.last_name,
        email=client.email,
        preferred_dates=[day],
        preferred_time_slots=list(slots),
        user=client,
    )
    assert bot.dispatcher is not None
    bot.dispatcher.wake()
    return appointment


async def a_session_at(bot: BotUnderTest, staff: User, client: User, start: datetime) -> None:
    request = await a_request(bot, client, (await available_dates(bot.settings))[0])
    await schedule_appointment(bot.settings, request.id, staff, start, 60, override=True)


# --- /availability -----------------------------------------------------------------------------


async def test_theo_types_a_new_minimum_notice(bot: BotUnderTest, theo: FakeUser) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await theo.send("/availability")
    card = await theo.expect("Clients book at least 24 h ahead and at most 30 days ahead.")
    await theo.press(card, "Notice: 24 h ✎")
    question = await theo.expect("How many hours ahead must clients book at least?")
    assert "Now: 24 h." in question.text
    assert question.button_texts == ["0 h", "12 h", "24 h", "48 h", "Back"]
    await theo.send("36 h")
    saved = await theo.expect("Notice: 36 h.")
    assert saved.message_id == question.message_id and saved.button_texts == []
    card = await theo.expect("Clients book at least 36 h ahead")
    assert "Notice: 36 h ✎" in card.button_texts
    assert (await get_rules()).minimum_notice_hours == 36


async def test_theo_taps_quick_values_and_lifts_the_daily_cap(
    bot: BotUnderTest, theo: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await theo.send("/availability")
    card = await theo.expect("Buffer around each session: 0 min.")
    await theo.press(card, "Buffer: 0 min ✎")
    question = await theo.expect("How many free minutes before and after every session?")
    press = await theo.press(question, "15 min")
    assert await press.answered() == "Buffer: 15 min."
    card = await theo.expect("Buffer around each session: 15 min.")
    await theo.press(card, "Daily cap: no cap ✎")
    await theo.expect("At most how many sessions a day?")
    await theo.send("6")
    await theo.expect("Daily cap: 6 sessions.")  # the question, answered
    card = await theo.expect("Tap a day to open or close it")
    assert "Daily cap: 6 sessions." in card.text
    assert (await get_rules()).max_sessions_per_day == 6
    await theo.press(card, "Daily cap: 6 sessions ✎")
    question = await theo.expect("At most how many sessions a day?")
    await theo.press(question, "no cap")
    await theo.expect("Daily cap: no cap.")
    rules = await get_rules()
    assert rules.max_sessions_per_day is None and rules.buffer_minutes == 15


async def test_a_value_out_of_bounds_is_told_and_asked_again(
    bot: BotUnderTest, theo: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await theo.send("/availability")
    card = await theo.expect("Open weekdays:")
    await theo.press(card, "Horizon: 30 days ✎")
    await theo.expect("How many days ahead may clients book?")
    await theo.send("400")
    await theo.expect("Ensure this value is between 1 and 365.")
    await theo.send("soon")
    await theo.expect("Please type a whole number")
    await theo.send("60")
    await theo.expect("at most 60 days ahead")
    assert (await get_rules()).booking_horizon_days == 60


async def test_back_changes_nothing_and_cancel_leaves_the_question(
    bot: BotUnderTest, theo: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await theo.send("/availability")
    card = await theo.expect("Open weekdays:")
    await theo.press(card, "Late cancel: 24 h ✎")
    question = await theo.expect("cancels late?")
    await theo.press(question, "Back")
    await theo.expect("A client cancelling within 24 h of the start cancels late.")
    await theo.press(card, "Late cancel: 24 h ✎")
    await theo.expect("cancels late?")
    await theo.send("/cancel")
    await theo.expect(texts.CANCELLED)
    await theo.send("12")  # no longer a value: just text
    await theo.expect(texts.FREE_TEXT)
    assert (await get_rules()).cancellation_notice_hours == 24


async def test_clients_cannot_change_rules_or_days_away(
    bot: BotUnderTest, theo: FakeUser, alice: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await linked_user(alice, "alice@example.com")
    block = await BlockedDate.create(
        start_date=practice_today(bot.settings), end_date=practice_today(bot.settings)
    )
    for command in ("/availability", "/away"):
        await alice.send(command)
        await alice.expect(texts.STAFF_ONLY)
    await alice.send("/start")
    welcome = await alice.expect("Hello!")
    for data in (EditRule("minimum_notice_hours"), AwayRemove(block.id)):
        press = await alice.press_data(welcome.message_id, data.pack())
        assert await press.answered() == texts.STAFF_ONLY
    assert await BlockedDate.filter(id=block.id).exists()


# --- /away ----------------------------------------------------------------------------------------


async def test_theo_blocks_days_with_a_note_and_is_told_of_sessions_then(
    bot: BotUnderTest, theo: FakeUser, alice: FakeUser
) -> None:
    staff = await linked_user(theo, "theo@practice.example", staff=True)
    client = await linked_user(alice, "alice@example.com")
    today = practice_today(bot.settings)
    first, last = today + timedelta(days=3), today + timedelta(days=5)
    await a_session_at(bot, staff, client, datetime.combine(first, time(10), bot.settings.zone))
    await theo.send("/away")
    listing = await theo.expect("No days away are planned.")
    await theo.press(listing, "Add days away")
    calendar = await theo.expect("Your first day away?")
    assert "Cancel" in calendar.button_texts and "Later »" in calendar.button_texts
    await theo.press(calendar, day_label(first))
    calendar = await theo.expect("Your last day away?")
    await theo.press(calendar, day_label(last))
    await theo.expect("A note for yourself (clients never see it)?")
    await theo.send("Conference in Ghent")
    saved = await theo.expect(f"Blocked {format_short_date(first)} – {format_short_date(last)}")
    assert "1 session is booked then: move or cancel them from /upcoming." in saved.text
    listing = await theo.expect("Days away (never offered to clients):")
    assert f"{format_short_date(last)}: Conference in Ghent" in listing.text
    block = await BlockedDate.get()
    assert (block.start_date, block.end_date, block.note) == (first, last, "Conference in Ghent")
    offered = await available_dates(bot.settings)
    assert not {first, first + timedelta(days=1), last} & set(offered)
    assert last + timedelta(days=1) in offered


async def test_one_day_away_without_a_note_then_removed(bot: BotUnderTest, theo: FakeUser) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    day = practice_today(bot.settings) + timedelta(days=2)
    await theo.send("/away")
    listing = await theo.expect("No days away")
    await theo.press(listing, "Add days away")
    calendar = await theo.expect("Your first day away?")
    await theo.press(calendar, day_label(day))
    calendar = await theo.expect("Your last day away?")
    await theo.press(calendar, f"{TICK}{day_label(day)}")  # the first day, ticked
    note = await theo.expect("A note for yourself")
    await theo.press(note, "Skip")
    listing = await theo.expect(f"Blocked {format_short_date(day)}: clients are not offered")
    assert day not in await available_dates(bot.settings)
    press = await theo.press(listing, f"Remove {format_short_date(day)}")
    assert await press.answered() == f"{format_short_date(day)} is open again."
    await theo.expect("No days away are planned.")
    assert day in await available_dates(bot.settings)
    assert await BlockedDate.all().count() == 0


async def test_the_away_calendar_pages_ahead_and_a_stale_day_is_refused(
    bot: BotUnderTest, theo: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    today = practice_today(bot.settings)
    await theo.send("/away")
    listing = await theo.expect("No days away")
    await theo.press(listing, "Add days away")
    first_page = await theo.expect("Your first day away?")
    await theo.press(first_page, "Later »")
    second_page = await theo.expect("Your first day away?")
    assert "« Earlier" in second_page.button_texts
    wanted = today + timedelta(days=40)
    await theo.press(second_page, day_label(wanted))
    calendar = await theo.expect("Your last day away?")
    # A day before the first one cannot be the last: not even from an older keyboard.
    press = await theo.press(first_page, day_label(today + timedelta(days=1)))
    assert await press.answered() == texts.STALE_BUTTON
    await theo.press(calendar, f"{TICK}{day_label(wanted)}")
    note = await theo.expect("A note for yourself")
    await theo.press(note, "Cancel")
    await theo.expect("No days away are planned.")
    assert await BlockedDate.all().count() == 0


# --- what the client and the therapist are offered -------------------------------------------


async def test_the_clients_calendar_offers_no_blocked_or_full_day(
    bot: BotUnderTest, theo: FakeUser, alice: FakeUser
) -> None:
    staff = await linked_user(theo, "theo@practice.example", staff=True)
    client = await linked_user(alice, "alice@example.com")
    await update_rules({"max_sessions_per_day": 1, "booking_horizon_days": 14})
    offered = await available_dates(bot.settings)
    blocked, full, still_open = offered[1], offered[2], offered[3]
    await BlockedDate.create(start_date=blocked, end_date=blocked)
    await a_session_at(bot, staff, client, datetime.combine(full, time(10), bot.settings.zone))
    await alice.send("/book")
    calendar = await alice.expect("Which days would suit you?")
    pressable = {
        b["text"] for b in calendar.inline_buttons if not b["callback_data"].startswith("x:")
    }
    assert day_label(still_open) in pressable
    assert day_label(blocked) not in pressable and day_label(full) not in pressable
    last = practice_today(bot.settings) + timedelta(days=14)
    assert day_label(last + timedelta(days=1)) not in calendar.button_texts


async def test_the_slot_picker_offers_only_slots_with_room(
    bot: BotUnderTest, theo: FakeUser, alice: FakeUser
) -> None:
    staff = await linked_user(theo, "theo@practice.example", staff=True)
    client = await linked_user(alice, "alice@example.com")
    await update_rules({"buffer_minutes": 60})
    day = (await available_dates(bot.settings))[2]
    await a_session_at(bot, staff, client, datetime.combine(day, time(10, 30), bot.settings.zone))
    await alice.send("/book")
    calendar = await alice.expect("Which days would suit you?")
    await alice.press(calendar, day_label(day))
    calendar = await alice.expect("Which days would suit you?")
    await alice.press(calendar, "Next (1 chosen)")
    slots = await alice.expect("Which times of day suit you?")
    assert "Morning (09:00-12:00)" not in slots.button_texts
    assert "Afternoon (13:00-17:00)" in slots.button_texts


async def test_theo_is_offered_free_starts_and_schedules_anyway_past_a_buffer(
    bot: BotUnderTest, theo: FakeUser, alice: FakeUser, charlie: FakeUser
) -> None:
    staff = await linked_user(theo, "theo@practice.example", staff=True)
    client = await linked_user(alice, "alice@example.com")
    other = await linked_user(charlie, "charlie@example.com")
    await update_rules({"buffer_minutes": 30})
    day = (await available_dates(bot.settings))[2]
    zone = bot.settings.zone
    await a_session_at(bot, staff, other, datetime.combine(day, time(19), zone))
    appointment = await a_request(bot, client, day)
    request = await theo.expect(f"New appointment request ({reference(appointment.id)})")
    await theo.press(request, "Schedule")
    days = await theo.expect("Pick the day")
    await theo.press(days, format_short_date(day))
    times = await theo.expect("pick the start time")
    # The evening's starts, less those whose first quarter hour meets 18:30-20:30.
    assert times.button_texts == ["18:00", "20:30", "Back", "Cancel"]
    await theo.press(times, "18:00")
    durations = await theo.expect("How long is the session?")
    await theo.press(durations, "60 min")
    summary = await theo.expect("Careful, this time:")
    assert "is within the 30-minute buffer around the session at 19:00-20:00" in summary.text
    assert "Confirm" not in summary.button_texts
    press = await theo.press(summary, "Schedule anyway")
    assert await press.answered() == texts.SCHEDULED_TOAST
    scheduled = await Appointment.get(id=appointment.id)
    assert scheduled.status == AppointmentStatus.SCHEDULED
    assert scheduled.scheduled_datetime == datetime.combine(day, time(18), zone)
