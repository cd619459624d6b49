"""Lock-screen-safe messages: what a phone's notification preview shows names nobody and
tells no reason. Alice's declined request reaches her chat without the reason; Show details
edits the message to show it (an edit does not notify); Charlie, pressing the same button,
sees nothing. Theo's new-request notice names neither Alice nor her note until he presses,
and his look is an audited read. And Zephyrine, a client with a name nobody else has,
goes through every flow: no message the bot sent carries her name, a reason or a note."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from telegram import InlineKeyboardMarkup

from booking.appointments import reject_appointment
from booking.audit import APPOINTMENT_VIEW
from booking.lifecycle import cancel_appointment
from booking.message_details import DetailsOf, MessageDetails
from booking.offers import available_dates
from booking.proposals import request_reschedule
from booking.waitlist import accept_offer, join_waitlist
from booking.waitlist_offers import process_waitlist
from bot import detail_views
from bot.attendance_views import MarkAttendance
from bot.callbacks import ALL_CALLBACKS, MAX_BYTES
from bot.detail_callbacks import ShowDetails
from bot.series_views import CancelSeries
from models import (
    Appointment,
    AuditEvent,
    Notification,
    NotificationChannel,
    User,
    WaitlistOffer,
    blind_index,
)
from tests.bot.harness import BotUnderTest, book_in_chat, day_label, linked_user, walk_to_the_note
from tests.bot.lifecycle_support import (
    deliver,
    in_practice_time,
    people,
    request_of,
    session_at,
)
from tests.fake_telegram import BotMessage, FakeTelegram, FakeUser

REASON = "Away at a conference in Lisbon that week"
SHOW, HIDE = detail_views.SHOW_LABEL, detail_views.HIDE_LABEL
EMAIL = NotificationChannel.EMAIL


def _sent_texts(telegram: FakeTelegram) -> list[str]:
    """Every message text (and caption) the bot sent: what a notification preview shows."""
    return [
        str(call.params.get("text") or call.params.get("caption") or "")
        for call in telegram.calls
        if call.method in ("sendMessage", "sendDocument")
    ]


async def _declined(bot: BotUnderTest, alice: FakeUser, theo: FakeUser) -> BotMessage:
    client, therapist = await people(alice, theo)
    request = await request_of(bot, client)
    await reject_appointment(bot.settings, request.id, therapist, REASON)
    await deliver(bot)
    return await alice.expect("could not be accepted")


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_alices_rejection_arrives_without_its_reason_and_show_details_reveals_it(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser, telegram: FakeTelegram
) -> None:
    message = await _declined(bot, alice, theo)
    assert REASON not in message.text
    assert message.kind == "sent" and SHOW in message.button_texts
    assert not any(REASON in text for text in _sent_texts(telegram))

    await alice.press(message, SHOW)
    shown = await alice.expect(REASON)
    assert shown.kind == "edited" and shown.message_id == message.message_id
    assert shown.text.startswith(message.text)  # what happened stays on top
    assert HIDE in shown.button_texts

    await alice.press(shown, HIDE)
    hidden = await alice.expect("could not be accepted")
    assert hidden.kind == "edited" and REASON not in hidden.text
    assert SHOW in hidden.button_texts


async def test_show_details_reads_the_reason_as_it_is_now(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    message = await _declined(bot, alice, theo)
    await Appointment.all().update(rejection_reason="Fully booked that month")
    await alice.press(message, SHOW)
    shown = await alice.expect("Fully booked that month")
    assert REASON not in shown.text


async def test_an_erased_appointments_details_are_not_kept(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    message = await _declined(bot, alice, theo)
    await Appointment.all().update(erased_at=datetime.now(UTC))
    await alice.press(message, SHOW)
    shown = await alice.expect(detail_views.ERASED)
    assert REASON not in shown.text


async def test_charlie_pressing_alices_show_details_sees_nothing(
    bot: BotUnderTest, alice: FakeUser, charlie: FakeUser, theo: FakeUser
) -> None:
    message = await _declined(bot, alice, theo)
    await linked_user(charlie, "charlie@example.com")
    await charlie.send("/start")
    own = await charlie.expect("Hello!")
    # The same button's data, pressed from Charlie's chat (on his own message, and on none).
    data = message.button(SHOW)["callback_data"]
    for message_id in (own.message_id, message.message_id):
        press = await charlie.press_data(message_id, data)
        assert await press.answered() == detail_views.NOT_YOURS
    await charlie.expect_nothing()
    assert not any(REASON in e.text for e in charlie.chat.events)
    assert await AuditEvent.filter(action=APPOINTMENT_VIEW).count() == 0


async def test_a_stranger_without_an_account_is_refused_too(
    bot: BotUnderTest, alice: FakeUser, telegram: FakeTelegram, theo: FakeUser
) -> None:
    message = await _declined(bot, alice, theo)
    stranger = telegram.user(1999, "Sam")
    press = await stranger.press_data(1, message.button(SHOW)["callback_data"])
    assert await press.answered() == detail_views.NOT_YOURS
    await stranger.expect_nothing()


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_theos_new_request_notice_names_nobody_until_he_presses_and_his_look_is_audited(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser, telegram: FakeTelegram
) -> None:
    client, therapist = await people(alice, theo)
    await walk_to_the_note(alice, [(await _open_days(bot))[0]])
    await alice.send("Panic attacks on the underground")
    summary = await alice.expect("Please check your request:")
    assert summary.kind == "edited"  # sent neutral first, the note only in the edit
    await alice.press(summary, "Confirm")
    await alice.expect("Your request is sent.")

    notice = await theo.expect("New appointment request")
    assert "Alice" not in notice.text and "Archer" not in notice.text
    assert "Panic attacks" not in notice.text
    assert {"Schedule", "Reject", SHOW} <= set(notice.button_texts)
    assert not any("Panic attacks" in t or "Archer" in t for t in _sent_texts(telegram))

    await theo.press(notice, SHOW)
    shown = await theo.expect("Panic attacks on the underground")
    assert "Client: Alice Archer" in shown.text and shown.kind == "edited"
    assert {"Schedule", "Reject", HIDE} <= set(shown.button_texts)
    [event] = await AuditEvent.filter(action=APPOINTMENT_VIEW, actor_id=therapist.id)
    appointment = await Appointment.get()
    assert event.target == str(appointment.id)
    assert event.subject_id == client.id

    # The buttons still work after the details were shown.
    await theo.press(shown, "Reject")
    await theo.expect("Why can this request not be accepted?")


async def _open_days(bot: BotUnderTest) -> list[date]:
    return await available_dates(bot.settings)


def test_show_details_data_fits_telegrams_limit_and_its_prefix_is_its_own() -> None:
    data = ShowDetails("hide", "cancelled", Appointment().id, True)
    assert len(data.pack().encode()) <= MAX_BYTES
    assert ShowDetails.unpack(data.pack()) == data
    others = {k.prefix for k in (*ALL_CALLBACKS, MarkAttendance, CancelSeries)}
    assert ShowDetails.prefix not in others


# --- Zephyrine goes through every flow -------------------------------------------------------

NAME = ("Zephyrine", "Quillfeather")
BOOKING_NOTE = "Grief after my brother's accident"
REJECTION = "Xanthippe protocol conflict"
CANCELLATION = "Vortigern clinic closure"
MOVE_NOTE = "Ophthalmology surgery Thursday"
WAITLIST_NOTE = "Insomnia worsening nightly"
SECRETS = (*NAME, BOOKING_NOTE, REJECTION, CANCELLATION, MOVE_NOTE, WAITLIST_NOTE)


async def _book_with_note(client: FakeUser, day: date) -> Appointment:
    await client.send("/book")
    calendar = await client.expect("Which days would suit you?")
    await client.press(calendar, day_label(day))
    calendar = await client.expect("Which days would suit you?")
    await client.press(calendar, "Next (1 chosen)")
    slots = await client.expect("Which times of day suit you?")
    await client.press(slots, "Evening (18:00-21:00)")
    slots = await client.expect("Which times of day suit you?")
    await client.press(slots, "Next")
    await client.expect("Anything you would like the therapist to know")
    await client.send(BOOKING_NOTE)
    summary = await client.expect("Please check your request:")
    await client.press(summary, "Confirm")
    await client.expect("Your request is sent.")
    return await Appointment.all().order_by("-created_at").first()  # type: ignore[return-value]


async def test_no_message_sent_in_any_flow_carries_zephyrines_name_reason_or_note(
    bot: BotUnderTest, telegram: FakeTelegram, theo: FakeUser
) -> None:
    zephyrine = telegram.user(1077, *NAME)
    therapist = await linked_user(theo, "theo@practice.example", staff=True)
    client = await linked_user(zephyrine, "zq@example.com", first_name=NAME[0], last_name=NAME[1])
    await zephyrine.send("/start")
    await zephyrine.expect("Hello!")
    days = await _open_days(bot)

    # Booked in the chat with a note; Theo rejects it in the chat with a typed reason.
    first = await _book_with_note(zephyrine, days[0])
    notice = await theo.expect("New appointment request")
    await theo.press(notice, "Reject")
    await theo.expect("Why can this request not be accepted?")
    await theo.send(REJECTION)
    await theo.expect("Rejected by you.")
    await deliver(bot)
    await zephyrine.expect("could not be accepted")
    assert (await Appointment.get(id=first.id)).rejection_reason == REJECTION

    # Booked again, scheduled; Zephyrine asks to move it with a note; /pending, /upcoming,
    # /today and /appointments list it; then Theo cancels it with a reason.
    await book_in_chat(zephyrine, [days[1]])
    await theo.send("/pending")
    await theo.expect("Request (")
    session = await session_at(bot, client, therapist, in_practice_time(bot, 2, 18))
    await request_reschedule(bot.settings, session.id, client, [days[3]], ["morning"], MOVE_NOTE)
    await deliver(bot)
    await theo.expect("asks to move")
    await theo.send("/upcoming")
    await theo.expect("Session (")
    await theo.send("/today")
    await zephyrine.send("/appointments")
    await zephyrine.expect("Your requests:")
    await cancel_appointment(bot.settings, session.id, therapist, CANCELLATION)
    await deliver(bot)
    await zephyrine.expect("The practice cancelled")

    # On the waitlist with a note; a freed time is offered and taken; Theo hears of it.
    await join_waitlist(
        bot.settings,
        client,
        weekdays=range(7),
        preferred_time_slots=["morning"],
        note=WAITLIST_NOTE,
    )
    other = await User.create(
        email="dora@example.com",
        email_index=blind_index("dora@example.com"),
        first_name="Dora",
        last_name="Dunn",
        email_verified_at=datetime.now(UTC),
    )
    freed = await session_at(bot, other, therapist, in_practice_time(bot, 3, 10))
    await cancel_appointment(bot.settings, freed.id, therapist)
    await process_waitlist(bot.settings)
    await deliver(bot)
    offer = await WaitlistOffer.filter(status="held").first()
    assert offer is not None
    await accept_offer(bot.settings, offer.id, client)
    await deliver(bot)
    await theo.expect("From the waitlist")

    # Everything any chat was sent: none of it carries a secret, and there was plenty.
    sent = _sent_texts(telegram)
    assert len(sent) > 15
    leaks = [(secret, text) for text in sent for secret in SECRETS if secret in text]
    assert not leaks, leaks

    # And every e-mail of these flows: its subject names no one and no reason either.
    subjects = [n.payload["subject"] for n in await Notification.filter(channel=EMAIL)]
    assert len(subjects) > 10
    assert not [s for s in subjects if any(secret in s for secret in SECRETS)]
    assert not [s for s in subjects if "therap" in s.lower()]  # the practice: "Calm Minds"

    # Theo's Show details on the waitlist notice reveals the note that came with it.
    taken = [e for e in theo.chat.events if "From the waitlist" in e.text][-1]
    await theo.press(taken, SHOW)
    await theo.expect(WAITLIST_NOTE)


def test_on_a_list_show_adds_one_hide_row_and_hide_takes_it_away() -> None:
    first, second = Appointment().id, Appointment().id
    rows = detail_views.listed_rows([("Reason 1", first), ("Reason 2", second)], "rejected")
    markup = InlineKeyboardMarkup(rows)
    shown = detail_views.toggled_markup(markup, ShowDetails("show", "rejected", second, True))
    assert shown is not None
    labels = [[b.text for b in row] for row in shown.inline_keyboard]
    assert labels == [["Reason 1", "Reason 2"], [HIDE]]
    hide = ShowDetails.unpack(shown.inline_keyboard[1][0].callback_data)
    assert hide == ShowDetails("hide", "rejected", second, True)
    hidden = detail_views.toggled_markup(shown, hide)
    assert hidden is not None
    assert [[b.text for b in row] for row in hidden.inline_keyboard] == [["Reason 1", "Reason 2"]]


def test_details_text_shows_only_what_there_is() -> None:
    staff_view = MessageDetails(DetailsOf.CLIENT, client_name="Alice Archer", note="Sleep")
    assert detail_views.details_text(staff_view) == "Client: Alice Archer\nNote: Sleep"
    assert detail_views.details_text(MessageDetails(DetailsOf.REJECTED)) == "No reason was given."
    erased = MessageDetails(DetailsOf.CLIENT, erased=True)
    assert detail_views.details_text(erased) == detail_views.ERASED
    text = detail_views.with_details("Your request was declined.", "Reason: full")
    assert detail_views.neutral_part(text) == "Your request was declined."


async def test_appointments_lists_a_declined_request_with_its_reason_behind_a_button(
    bot: BotUnderTest, alice: FakeUser, theo: FakeUser
) -> None:
    await _declined(bot, alice, theo)
    await alice.send("/appointments")
    listing = await alice.expect("Your requests:")
    assert REASON not in listing.text and "A reason was given: tap Reason 1." in listing.text
    await alice.press(listing, "Reason 1")
    shown = await alice.expect(REASON)
    assert shown.message_id == listing.message_id and HIDE in shown.button_texts
    await alice.press(shown, HIDE)
    hidden = await alice.expect("Your requests:")
    assert REASON not in hidden.text and "Reason 1" in hidden.button_texts
