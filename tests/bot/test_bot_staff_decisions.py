"""The therapist decides from the request's buttons; the client hears about it in the chat."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

import pytest

from booking.appointments import create_appointment, schedule_appointment
from booking.formatting import format_short_date
from booking.messages.chat import reference
from booking.offers import available_dates
from bot import texts
from bot.callbacks import DecideRequest, StaffStep, StaffTime
from models import Appointment, AppointmentStatus, User, blind_index
from tests.bot.harness import BotUnderTest, book_in_chat, linked_user
from tests.fake_telegram import BotMessage, FakeTelegram, FakeUser
from tests.smtp_sink import Inbox, body_text


async def request_from(
    client: User, bot: BotUnderTest, day_index: int = 2, reason: str | None = None
) -> Appointment:
    """A request made elsewhere (the API, say): the therapist hears of it all the same."""
    day = (await available_dates(bot.settings))[day_index]
    appointment = await create_appointment(
        bot.settings,
        first_name=client.first_name,
        last_name=client.last_name,
        email=client.email,
        preferred_dates=[day],
        preferred_time_slots=["evening"],
        reason=reason,
        user=client,
    )
    assert bot.dispatcher is not None
    bot.dispatcher.wake()
    return appointment


async def walk_to_confirm(
    therapist: FakeUser, request: BotMessage, day_text: str, clock: str, duration: str = "60 min"
) -> BotMessage:
    await therapist.press(request, "Schedule")
    days = await therapist.expect("Pick the day")
    await therapist.press(days, day_text)
    times = await therapist.expect("pick the start time")
    await therapist.press(times, clock)
    durations = await therapist.expect("How long is the session?")
    await therapist.press(durations, duration)
    return await therapist.expect("Schedule the session for")


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_theo_schedules_alices_request_and_the_link_arrives_in_her_chat(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser, inbox: Inbox
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await linked_user(alice, "alice@example.com")
    first, second = (await available_dates(bot.settings))[3:5]
    await book_in_chat(alice, [first, second])

    request = await theo.expect("New appointment request")
    assert request.button_texts == ["Schedule", "Reject", "Propose times", "Show details"]
    await theo.press(request, "Schedule")
    days = await theo.expect("Pick the day")
    assert days.button_texts == [
        format_short_date(first),
        format_short_date(second),
        "Another day",
        "Cancel",
    ]
    await theo.press(days, format_short_date(second))
    times = await theo.expect("pick the start time")
    # Only times inside the evening slot Alice asked for.
    assert times.button_texts[:6] == ["18:00", "18:30", "19:00", "19:30", "20:00", "20:30"]
    await theo.press(times, "18:30")
    durations = await theo.expect("How long is the session?")
    await theo.press(durations, "45 min")
    confirm = await theo.expect("Schedule the session for")
    assert "18:30" in confirm.text and "45 minutes" in confirm.text
    await theo.press(confirm, "Confirm")

    outcome = await theo.expect("Scheduled by you")  # his own chat: "you", never his name
    assert outcome.message_id == request.message_id  # the request's own message shows it
    # ... and is now the session's message: its own buttons move or cancel it.
    assert outcome.button_texts == ["Move", "Propose times", "Cancel session", "Show details"]
    confirmation = await alice.expect("Your session is confirmed.")
    appointment = await Appointment.get()
    assert appointment.status == AppointmentStatus.SCHEDULED
    local = appointment.scheduled_datetime.astimezone(bot.settings.zone)  # type: ignore[union-attr]
    assert (local.date(), local.time()) == (second, time(18, 30))
    assert appointment.scheduled_duration == 45
    assert confirmation.url_of("Join session").endswith(f"/{appointment.jitsi_room_id}")
    # ... and by e-mail, with the same room.
    mail = await inbox.wait_for(
        lambda m: "alice@example.com" in str(m["To"]) and appointment.jitsi_room_id in body_text(m)
    )
    assert mail is not None

    # Her /appointments shows the session with its Join button.
    await alice.send("/appointments")
    listing = await alice.expect("Your requests:")
    assert "Scheduled:" in listing.text and "18:30" in listing.text
    # Named by its date and time, not by a position in the list.
    join = f"Join {format_short_date(second)}, 18:30"
    assert listing.url_of(join) == confirmation.url_of("Join session")


async def test_a_conflict_is_shown_before_confirming_and_confirm_is_withheld(
    bot: BotUnderTest, alice: FakeUser, charlie: FakeUser, theo: FakeUser
) -> None:
    theo_account = await linked_user(theo, "theo@practice.example", staff=True)
    alice_account = await linked_user(alice, "alice@example.com")
    charlie_account = await linked_user(charlie, "charlie@example.com")
    earlier = await request_from(charlie_account, bot)
    day = datetime.fromisoformat(earlier.preferred_dates[0]).date()
    await schedule_appointment(
        bot.settings, earlier.id, theo_account, datetime.combine(day, time(19)), 60
    )
    alices = await request_from(alice_account, bot)

    request = await theo.expect(f"New appointment request ({reference(alices.id)})")
    await theo.press(request, "Schedule")
    days = await theo.expect("Pick the day")
    await theo.press(days, format_short_date(day))
    times = await theo.expect("pick the start time")
    await theo.press(times, "18:30")
    durations = await theo.expect("How long is the session?")
    await theo.press(durations, "60 min")
    summary = await theo.expect("overlaps another session")
    assert "19:00" in summary.text
    assert "Confirm" not in summary.button_texts
    await theo.press(summary, "Pick another time")
    times = await theo.expect("pick the start time")
    await theo.press(times, "20:00")
    durations = await theo.expect("How long is the session?")
    await theo.press(durations, "60 min")
    summary = await theo.expect("Schedule the session for")
    await theo.press(summary, "Confirm")
    await theo.expect("Scheduled by you")


async def test_theo_rejects_with_a_reason_and_alice_is_told(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await request_from(await linked_user(alice, "alice@example.com"), bot)
    request = await theo.expect("New appointment request")
    await theo.press(request, "Reject")
    await theo.expect("Why can this request not be accepted?")
    await theo.send("The practice is full this month.")
    edited = await theo.expect("Rejected by you.")
    assert edited.message_id == request.message_id and edited.button_texts == []
    notice = await alice.expect("could not be accepted")
    # The reason waits behind Show details (a lock screen shows the message's text).
    assert "The practice is full this month." not in notice.text
    await alice.press(notice, "Show details")
    shown = await alice.expect("Reason: The practice is full this month.")
    assert shown.kind == "edited" and shown.message_id == notice.message_id
    assert (await Appointment.get()).status == AppointmentStatus.REJECTED


async def test_a_second_press_changes_nothing_and_says_who_decided_what(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await request_from(await linked_user(alice, "alice@example.com"), bot)
    request = await theo.expect("New appointment request")
    await theo.press(request, "Reject")
    skip = await theo.expect("Why can this request not be accepted?")
    await theo.press(skip, "Skip (reject without a reason)")
    await theo.expect("Rejected by you.")

    # The old keyboard, pressed again (a second device still shows it).
    press = await theo.press(request, "Schedule")
    assert await press.answered() == "Already decided, nothing was changed. Rejected by you."
    assert (await Appointment.get()).status == AppointmentStatus.REJECTED


async def test_a_client_forging_staff_buttons_changes_nothing(
    bot: BotUnderTest, alice: FakeUser, charlie: FakeUser, telegram: FakeTelegram
) -> None:
    appointment = await request_from(await linked_user(alice, "alice@example.com"), bot)
    await linked_user(charlie, "charlie@example.com")
    await charlie.send("/start")
    welcome = await charlie.expect("Hello!")

    for forged in (
        DecideRequest("schedule", appointment.id).pack(),
        DecideRequest("reject", appointment.id).pack(),
    ):
        press = await charlie.press_data(welcome.message_id, forged)
        assert await press.answered() == texts.STAFF_ONLY
    for forged in (
        StaffStep("confirm", appointment.id).pack(),
        StaffTime(appointment.id, 18 * 60).pack(),
        "rq:schedule:not-an-id",
    ):
        press = await charlie.press_data(welcome.message_id, forged)
        assert await press.answered() == texts.STALE_BUTTON

    await charlie.send("/pending")
    await charlie.expect(texts.STAFF_ONLY)
    fresh = await Appointment.get(id=appointment.id)
    assert fresh.status == AppointmentStatus.PENDING_REVIEW
    assert fresh.decided_by_id is None  # type: ignore[attr-defined]
    await alice.expect_nothing()


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_two_therapists_confirming_at_once_one_wins_and_the_other_is_told(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser, tess: FakeUser, telegram: FakeTelegram
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await linked_user(tess, "tess@practice.example", staff=True)
    appointment = await request_from(await linked_user(alice, "alice@example.com"), bot)
    day = format_short_date(datetime.fromisoformat(appointment.preferred_dates[0]).date())

    async def to_confirm(person: FakeUser, at: str) -> BotMessage:
        request = await person.expect("New appointment request")
        return await walk_to_confirm(person, request, day, at)

    summaries = await asyncio.gather(to_confirm(theo, "18:00"), to_confirm(tess, "19:30"))
    for person, summary in zip((theo, tess), summaries, strict=True):
        assert "Schedule the session for" in summary.text, person.profile

    presses = await asyncio.gather(
        theo.press(summaries[0], "Confirm"), tess.press(summaries[1], "Confirm")
    )
    answers = await asyncio.gather(*(p.answered() for p in presses))

    fresh = await Appointment.get(id=appointment.id)
    assert fresh.status == AppointmentStatus.SCHEDULED
    theo_account = await User.get(telegram_user_id=theo.id)
    winner = "Theo" if fresh.decided_by_id == theo_account.id else "Tess"  # type: ignore[attr-defined]
    loser_answer = answers[1] if winner == "Theo" else answers[0]
    assert loser_answer.startswith(f"Already decided, nothing was changed. Scheduled by {winner}")
    loser = tess if winner == "Theo" else theo
    await loser.expect(f"Scheduled by {winner}")
    await alice.expect("Your session is confirmed.")
    await alice.expect_nothing(0.5)  # exactly one confirmation


async def test_cancel_puts_the_request_back_with_its_buttons(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await request_from(await linked_user(alice, "alice@example.com"), bot)
    request = await theo.expect("New appointment request")
    await theo.press(request, "Schedule")
    days = await theo.expect("Pick the day")
    await theo.press(days, "Another day")
    calendar = await theo.expect("Pick another day")
    assert len(calendar.button_texts) > 30
    await theo.press(calendar, "Cancel")
    restored = await theo.expect("Request (ref. ")
    assert restored.button_texts == ["Schedule", "Reject", "Propose times", "Show details"]
    assert (await Appointment.get()).status == AppointmentStatus.PENDING_REVIEW


async def test_switching_to_another_request_gives_the_first_its_buttons_back(
    bot: BotUnderTest, alice: FakeUser, charlie: FakeUser, theo: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    await request_from(await linked_user(alice, "alice@example.com"), bot)
    first = await theo.expect("New appointment request")
    await request_from(await linked_user(charlie, "charlie@example.com"), bot, 3)
    second = await theo.expect("New appointment request")
    await theo.press(first, "Schedule")
    await theo.expect("Pick the day")
    await theo.press(second, "Reject")
    await theo.expect("Why can this request not be accepted?")
    restored = theo.chat.messages[first.message_id]
    assert [b["text"] for row in restored["reply_markup"]["inline_keyboard"] for b in row] == [
        "Schedule",
        "Reject",
        "Propose times",
        "Show details",
    ]


async def test_a_reason_typed_after_a_colleague_decided_changes_nothing(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser, tess: FakeUser
) -> None:
    await linked_user(theo, "theo@practice.example", staff=True)
    tess_account = await linked_user(tess, "tess@practice.example", staff=True)
    appointment = await request_from(await linked_user(alice, "alice@example.com"), bot)
    request = await theo.expect("New appointment request")
    await theo.press(request, "Reject")
    await theo.expect("Why can this request not be accepted?")

    day = datetime.fromisoformat(appointment.preferred_dates[0]).date()
    await schedule_appointment(
        bot.settings, appointment.id, tess_account, datetime.combine(day, time(18)), 60
    )
    await theo.send("Fully booked, sorry.")

    told = await theo.expect("Already decided, nothing was changed. Scheduled by Tess")
    assert told.kind == "sent"
    assert "Scheduled by Tess" in theo.chat.messages[request.message_id]["text"]
    fresh = await Appointment.get(id=appointment.id)
    assert fresh.status == AppointmentStatus.SCHEDULED and fresh.rejection_reason is None


async def test_the_new_request_message_shows_the_clients_note_behind_show_details(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    """Theo reads why Alice asks without starting a decision and cancelling it; the
    notification itself (a lock screen's preview) names neither her nor her note."""
    await linked_user(theo, "theo@practice.example", staff=True)
    alice_account = await linked_user(alice, "alice@example.com")
    await request_from(alice_account, bot, reason="Trouble sleeping since the move")
    request = await theo.expect("New appointment request")
    assert "Trouble sleeping" not in request.text and "Alice" not in request.text
    await theo.press(request, "Show details")
    shown = await theo.expect("Note: Trouble sleeping since the move")
    assert "Client: Alice Archer" in shown.text


async def test_a_therapist_without_a_first_name_is_you_to_herself_and_named_to_colleagues(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser, tess: FakeUser
) -> None:
    """`create-staff --no-input` leaves the first name empty: never "a colleague" for oneself."""
    await User.create(
        email="dr.quinn@practice.example",
        email_index=blind_index("dr.quinn@practice.example"),
        first_name="",
        last_name="",
        is_staff=True,
        email_verified_at=datetime.now(UTC),
        telegram_user_id=theo.id,
    )
    await linked_user(tess, "tess@practice.example", staff=True)
    await request_from(await linked_user(alice, "alice@example.com"), bot)
    mine = await theo.expect("New appointment request")
    hers = await tess.expect("New appointment request")
    await theo.press(mine, "Reject")
    skip = await theo.expect("Why can this request not be accepted?")
    await theo.press(skip, "Skip (reject without a reason)")
    await theo.expect("Rejected by you.")

    press = await tess.press(hers, "Schedule")
    assert await press.answered() == "Already decided, nothing was changed. Rejected by dr.quinn."
