"""/book: calendar -> slots -> note -> summary -> the request, as the API would create it."""

from __future__ import annotations

import re
from datetime import date, timedelta

from booking.availability import set_available_days
from booking.offers import available_dates
from bot.callbacks import PickDate
from models import Appointment, AppointmentStatus, ConversationState, User
from tests.bot.harness import BotUnderTest, day_label, linked_user
from tests.fake_telegram import BotMessage, FakeTelegram, FakeUser
from tests.smtp_sink import Inbox, body_text


async def open_calendar(alice: FakeUser) -> BotMessage:
    await alice.send("/book")
    return await alice.expect("Which days would suit you?")


async def tick(alice: FakeUser, calendar: BotMessage, day: date) -> BotMessage:
    await alice.press(calendar, day_label(day))
    return await alice.expect("Which days would suit you?")


async def test_alice_books_two_dates_in_the_evening_with_a_note(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await linked_user(alice, "alice@example.com")
    first, second = (await available_dates(bot.settings))[2:4]
    calendar = await open_calendar(alice)
    calendar = await tick(alice, calendar, first)
    calendar = await tick(alice, calendar, second)
    assert f"✓{day_label(first)}" in calendar.button_texts
    assert "Next (2 chosen)" in calendar.button_texts

    await alice.press(calendar, "Next (2 chosen)")
    slots = await alice.expect("Which times of day suit you?")
    await alice.press(slots, "Evening (18:00-21:00)")
    slots = await alice.expect("Which times of day suit you?")
    assert "✓ Evening (18:00-21:00)" in slots.button_texts
    await alice.press(slots, "Next")
    await alice.expect("Anything you would like the therapist to know")
    await alice.send("Trouble sleeping since the move.")

    summary = await alice.expect("Please check your request:")
    assert "Name: Alice Archer" in summary.text
    assert "Times: Evening (18:00-21:00)" in summary.text
    assert "Note: Trouble sleeping since the move." in summary.text
    await alice.press(summary, "Confirm")
    await alice.expect("Your request is sent.")

    appointment = await Appointment.get()
    assert appointment.preferred_dates == [first.isoformat(), second.isoformat()]
    assert appointment.preferred_time_slots == ["evening"]
    assert appointment.reason == "Trouble sleeping since the move."
    assert appointment.status == AppointmentStatus.PENDING_REVIEW
    account = await User.get(telegram_user_id=alice.id)
    assert appointment.user_id == account.id  # type: ignore[attr-defined]
    # The draft is gone with the conversation (stored after the reply: the update's end).
    await bot.settle()
    assert not await ConversationState.filter(key__startswith="conv:booking").exists()


async def test_only_open_dates_can_be_ticked(bot: BotUnderTest, alice: FakeUser) -> None:
    await set_available_days([0])  # Mondays only
    await linked_user(alice, "alice@example.com")
    calendar = await open_calendar(alice)
    open_days = await available_dates(bot.settings)
    assert all(d.weekday() == 0 for d in open_days)
    closed_dot = calendar.button("·")
    press = await alice.press_data(calendar.message_id, closed_dot["callback_data"])
    assert await press.answered() == "That day is not available."
    # A forged press for a closed date changes nothing either.
    closed_day = open_days[0] + timedelta(days=1)  # a Tuesday
    press = await alice.press_data(calendar.message_id, PickDate(closed_day).pack())
    assert await press.answered() == "That day is not available."
    press = await alice.press_data(calendar.message_id, calendar.button("Next")["callback_data"])
    assert await press.answered() == "Pick at least one date first."


async def test_text_where_a_button_is_expected_points_to_the_buttons(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await linked_user(alice, "alice@example.com")
    await open_calendar(alice)
    await alice.send("next tuesday please")
    await alice.expect("Please use the buttons above, or send /cancel to stop.")


async def test_a_press_on_a_stale_keyboard_changes_nothing(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await linked_user(alice, "alice@example.com")
    day = (await available_dates(bot.settings))[0]
    old_calendar = await open_calendar(alice)
    calendar = await tick(alice, old_calendar, day)
    await alice.press(calendar, "Next (1 chosen)")
    await alice.expect("Which times of day suit you?")

    press = await alice.press(old_calendar, day_label((await available_dates(bot.settings))[1]))
    assert await press.answered() == "That button is no longer active. Send /start to begin again."
    await alice.expect_nothing()


async def test_a_client_without_an_account_is_sent_to_register_first(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await alice.send("/book")
    reply = await alice.expect("First create an account with /register")
    assert "Create an account" in reply.button_texts
    assert not await Appointment.exists()


async def test_change_goes_back_to_the_calendar_and_cancel_sends_nothing(
    bot: BotUnderTest, alice: FakeUser
) -> None:
    await linked_user(alice, "alice@example.com")
    day = (await available_dates(bot.settings))[1]  # its morning is past the notice
    calendar = await tick(alice, await open_calendar(alice), day)
    await alice.press(calendar, "Next (1 chosen)")
    slots = await alice.expect("Which times of day suit you?")
    await alice.press(slots, "Morning (09:00-12:00)")
    slots = await alice.expect("Which times")
    await alice.press(slots, "Next")
    prompt = await alice.expect("Anything you would like the therapist to know")
    await alice.press(prompt, "Skip")
    summary = await alice.expect("Please check your request:")
    assert "Note: none" in summary.text
    await alice.press(summary, "Change")
    calendar = await alice.expect("Which days would suit you?")
    assert f"✓{day_label(day)}" in calendar.button_texts  # the choices are kept
    await alice.press(calendar, "Cancel")
    await alice.expect("Booking cancelled. Nothing was sent.")
    assert not await Appointment.exists()


async def test_an_account_without_a_full_name_is_asked_for_one_before_the_summary(
    bot: BotUnderTest, telegram: FakeTelegram, inbox: Inbox
) -> None:
    bo = telegram.user(1004, "Bo")  # no last name on Telegram
    await bo.send("/login")
    await bo.expect("What e-mail address did you register with?")
    await bo.send("bo@example.com")  # no account yet: /login creates one, as the code proves
    await bo.expect("We sent a 6-digit code")
    await inbox.wait_for(lambda m: "bo@example.com" in str(m["To"]))
    code = re.search(r"\b(\d{6})\b", body_text(inbox.to("bo@example.com")[0]))
    assert code
    await bo.send(code.group(1))
    await bo.expect("Your account is linked to this chat")

    day = (await available_dates(bot.settings))[1]  # its morning is past the notice
    await bo.send("/book")
    calendar = await bo.expect("Which days would suit you?")
    await bo.press(calendar, day_label(day))
    calendar = await bo.expect("Which days would suit you?")
    await bo.press(calendar, "Next (1 chosen)")
    slots = await bo.expect("Which times of day suit you?")
    await bo.press(slots, "Morning (09:00-12:00)")
    slots = await bo.expect("Which times")
    await bo.press(slots, "Next")
    prompt = await bo.expect("Anything you would like the therapist to know")
    await bo.press(prompt, "Skip")
    await bo.expect("What name should the therapist see on your request?")
    await bo.send("Bo")
    await bo.expect("Please send both your first and your last name")
    await bo.send("Bo Berg")
    summary = await bo.expect("Please check your request:")
    assert "Name: Bo Berg" in summary.text
    await bo.press(summary, "Confirm")
    await bo.expect("Your request is sent.")
    appointment = await Appointment.get()
    assert (appointment.first_name, appointment.last_name) == ("Bo", "Berg")
