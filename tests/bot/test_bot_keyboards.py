"""Keyboards, texts and callback data are pure: tested here without Telegram or a database."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from bot import keyboards, texts
from bot.callbacks import (
    ALL_CALLBACKS,
    MAX_BYTES,
    BookingStep,
    DecideRequest,
    Ignore,
    MalformedCallback,
    PickDate,
    StaffAction,
    StaffDay,
    StaffDuration,
    StaffStep,
    StaffTime,
)
from bot.detail_callbacks import ShowDetails

TODAY = date(2026, 6, 10)  # a Wednesday
SOME_ID = uuid.UUID("12345678-1234-5678-1234-567812345678")


def _buttons(markup) -> list:
    return [button for row in markup.inline_keyboard for button in row]


def test_every_callback_kind_has_its_own_prefix() -> None:
    prefixes = [cls.prefix for cls in ALL_CALLBACKS]
    assert len(prefixes) == len(set(prefixes))


@pytest.mark.parametrize(
    "data",
    [
        DecideRequest("schedule", SOME_ID),
        StaffDay(SOME_ID, date(2026, 12, 31)),
        StaffTime(SOME_ID, 21 * 60 - 30),
        StaffDuration(SOME_ID, 240),
        StaffStep("other_day", SOME_ID),
        PickDate(date(2026, 1, 1)),
        BookingStep("confirm"),
    ],
)
def test_callback_data_round_trips_within_telegrams_64_bytes(data) -> None:
    packed = data.pack()
    assert len(packed.encode()) <= MAX_BYTES
    assert type(data).matches(packed)
    assert type(data).unpack(packed) == data


@pytest.mark.parametrize(
    "forged",
    [
        "rq:delete:12345678123456781234567812345678",  # an action that does not exist
        "rq:schedule:not-a-uuid",
        "rq:schedule",
        "rq:schedule:12345678123456781234567812345678:extra",
        "bd:20261301",  # month 13
        "st:12345678123456781234567812345678:9e9",
        None,
    ],
)
def test_malformed_or_forged_callback_data_is_refused(forged) -> None:
    kind = DecideRequest if forged is None or forged.startswith("rq") else None
    kind = kind or (PickDate if forged.startswith("bd") else StaffTime)
    with pytest.raises(MalformedCallback):
        kind.unpack(forged)


def test_the_calendar_offers_the_next_30_days_with_only_open_dates_pressable() -> None:
    open_dates = [TODAY + timedelta(days=n) for n in (1, 2, 5, 30)]
    markup = keyboards.booking_calendar(TODAY, open_dates, selected=[open_dates[1]])
    pressable = {
        PickDate.unpack(b.callback_data).day: b.text
        for b in _buttons(markup)
        if PickDate.matches(b.callback_data)
    }
    assert set(pressable) == set(open_dates)
    assert pressable[open_dates[1]].startswith(keyboards.TICK)
    assert not pressable[open_dates[0]].startswith(keyboards.TICK)
    # A closed day in range is shown, but only as a dot that does nothing.
    closed = [b for b in _buttons(markup) if b.callback_data == Ignore("closed").pack()]
    assert len(closed) == 30 - len(open_dates)
    assert markup.inline_keyboard[-1][0].text == "Next (1 chosen)"
    # Weeks run Monday to Sunday: every day row has seven cells.
    assert all(len(row) == 7 for row in markup.inline_keyboard[1:-1])
    assert len(_buttons(markup)) <= 100


def test_the_calendar_names_both_months_when_it_spans_two() -> None:
    markup = keyboards.booking_calendar(TODAY, [], [])
    assert markup.inline_keyboard[0][0].text == "June 2026 – July 2026"
    labels = [b.text for b in _buttons(markup)]
    assert "·" in labels and "Next" in labels


def test_the_therapists_calendar_offers_every_day_from_today_on_the_same_grid() -> None:
    markup = keyboards.staff_calendar(SOME_ID, TODAY)
    days = [
        StaffDay.unpack(b.callback_data).day
        for b in _buttons(markup)
        if StaffDay.matches(b.callback_data)
    ]
    assert days == [TODAY + timedelta(days=n) for n in range(31)]
    client = keyboards.booking_calendar(TODAY, [], [])
    # One builder: the same title and weekday header rows, weeks of seven cells.
    assert [b.text for b in markup.inline_keyboard[0]] == ["June 2026 – July 2026"]
    assert markup.inline_keyboard[1] == client.inline_keyboard[1]
    assert all(len(row) == 7 for row in markup.inline_keyboard[2:-1])
    assert [b.text for b in markup.inline_keyboard[-1]] == ["Back", "Cancel"]


def test_the_calendar_builder_leaves_days_outside_its_range_blank() -> None:
    first, last = date(2026, 6, 12), date(2026, 6, 14)  # Friday to Sunday
    markup = keyboards.calendar(
        first, last, lambda day: keyboards.InlineKeyboardButton(str(day.day), url="https://x"), []
    )
    (week,) = markup.inline_keyboard[2:-1]
    assert [b.text for b in week] == [" ", " ", " ", " ", "12", "13", "14"]
    assert markup.inline_keyboard[0][0].text == "June 2026"
    assert keyboards.day_text(date(2026, 7, 1)) == "1 Jul"


def test_slot_picker_ticks_the_chosen_slots() -> None:
    markup = keyboards.slot_picker(["evening"])
    texts_ = [b.text for b in _buttons(markup)]
    assert texts_[:3] == [
        "Morning (09:00-12:00)",
        "Afternoon (13:00-17:00)",
        f"{keyboards.TICK} Evening (18:00-21:00)",
    ]


def test_a_new_request_carries_schedule_reject_propose_and_show_details_for_that_request() -> None:
    markup = keyboards.request_actions(SOME_ID)
    schedule, reject, propose, details = _buttons(markup)
    assert DecideRequest.unpack(schedule.callback_data) == DecideRequest("schedule", SOME_ID)
    assert DecideRequest.unpack(reject.callback_data) == DecideRequest("reject", SOME_ID)
    assert StaffAction.unpack(propose.callback_data) == StaffAction("propose", SOME_ID, 0)
    assert ShowDetails.unpack(details.callback_data) == ShowDetails(
        "show", "client", SOME_ID, False
    )


def test_the_confirm_button_is_withheld_while_the_time_overlaps() -> None:
    clash = [b.text for b in _buttons(keyboards.staff_confirm(SOME_ID, conflict=True))]
    free = [b.text for b in _buttons(keyboards.staff_confirm(SOME_ID, conflict=False))]
    assert "Confirm" not in clash and "Confirm" in free


def test_outbox_buttons_become_url_buttons() -> None:
    markup = keyboards.link_buttons([[{"text": "Join session", "url": "https://meet.example/r"}]])
    assert markup is not None
    (button,) = _buttons(markup)
    assert button.url == "https://meet.example/r"
    assert keyboards.link_buttons([]) is None


def test_weekday_toggles_show_open_and_closed_days() -> None:
    labels = [b.text for b in _buttons(keyboards.weekday_toggles([0, 4]))]
    assert labels[0] == f"{keyboards.TICK} Monday"
    assert labels[1] == "✗ Tuesday"
    assert labels[4] == f"{keyboards.TICK} Friday"


def test_the_summary_lists_what_will_be_sent() -> None:
    text = texts.booking_summary(
        first_name="Alice",
        last_name="Archer",
        email="alice@example.com",
        days=[date(2026, 6, 12), date(2026, 6, 11)],
        slots=["morning"],
        reason=None,
    )
    assert "Dates: Thu 11 Jun, Fri 12 Jun" in text
    assert "Times: Morning (09:00-12:00)" in text
    assert "Note: none" in text


def test_e_mail_addresses_are_masked_in_chat() -> None:
    assert texts.mask_email("alice@example.com") == "a***e@example.com"
    assert texts.mask_email("al@example.com") == "a***@example.com"


def test_help_shows_staff_commands_only_to_staff() -> None:
    assert "/pending" not in texts.help_text(is_staff=False)
    assert "/pending" in texts.help_text(is_staff=True)
