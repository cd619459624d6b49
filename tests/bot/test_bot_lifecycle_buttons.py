"""The buttons of a session's life, without Telegram or a database: what each outbox payload
kind carries, within Telegram's 64 bytes, and the start each button was made for."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import texts
from bot.callbacks import (
    MAX_BYTES,
    AcceptTime,
    ClientAction,
    LateBy,
    MoveAsk,
    PlanDay,
    PlanLength,
    PlanStep,
    PlanTime,
    StaffAction,
    from_minute_stamp,
    minute_stamp,
)
from bot.commands import bot_commands
from bot.delivery import _markup
from bot.session_keyboards import plan_confirm

SOME_ID = uuid.UUID("12345678-1234-5678-1234-567812345678")
START = datetime(2026, 6, 10, 17, 0, tzinfo=UTC)
AT = minute_stamp(START)
LONDON = ZoneInfo("Europe/London")


def payload(kind: str, audience: str = "client", **more: object) -> dict:
    return {
        "kind": kind,
        "audience": audience,
        "appointment_id": str(SOME_ID),
        "scheduled_datetime": START.isoformat(),
        "text": "...",
        "buttons": [[{"text": "Join session", "url": "https://meet.example/room"}]],
        **more,
    }


def texts_of(markup) -> list[str]:
    return [b.text for row in (markup.inline_keyboard if markup else []) for b in row]


@pytest.mark.parametrize(
    "data",
    [
        ClientAction("cancel_yes", SOME_ID, AT),
        LateBy(SOME_ID, AT, 15),
        AcceptTime(SOME_ID, AT),
        StaffAction("cancel_yes", SOME_ID, AT),
        PlanDay(SOME_ID, date(2026, 12, 31)),
        PlanTime(SOME_ID, 20 * 60 + 30),
        PlanLength(SOME_ID, 90),
        PlanStep("other_day", SOME_ID),
        MoveAsk("cancel"),
    ],
)
def test_lifecycle_callback_data_round_trips_within_64_bytes(data) -> None:
    packed = data.pack()
    assert len(packed.encode()) <= MAX_BYTES
    assert type(data).unpack(packed) == data


def test_a_minute_stamp_names_the_start_to_the_minute() -> None:
    assert from_minute_stamp(minute_stamp(START)) == START
    assert minute_stamp(None) == 0


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("scheduled", ["Join session", "Ask to move", "Cancel"]),
        ("moved", ["Join session", "Ask to move", "Cancel"]),
        ("reschedule_kept", ["Join session", "Ask to move", "Cancel"]),
        ("reminder_day_before", ["Join session", "I'll be there", "Can't make it"]),
        ("join_window", ["Join session", "Running late"]),
        ("rejected", ["Join session"]),
        ("cancelled", ["Join session"]),
    ],
)
def test_each_client_kind_carries_its_buttons(kind: str, expected: list[str]) -> None:
    markup = _markup(payload(kind), UTC)
    assert texts_of(markup) == expected
    for button in markup.inline_keyboard[-1]:
        if button.callback_data and ClientAction.matches(button.callback_data):
            pressed = ClientAction.unpack(button.callback_data)
            assert (pressed.appointment, pressed.at) == (SOME_ID, AT)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "reschedule_request",
            ["Join session", "Move", "Propose times", "Keep", "Cancel session", "Show details"],
        ),
        (
            "proposal_accepted",
            ["Join session", "Move", "Propose times", "Cancel session", "Show details"],
        ),
        ("join_window", ["Join session"]),  # the therapist's own reminder: no client buttons
        ("running_late", ["Join session"]),
        ("cancelled", ["Join session"]),
    ],
)
def test_each_staff_kind_carries_its_buttons(kind: str, expected: list[str]) -> None:
    assert texts_of(_markup(payload(kind, "staff"), UTC)) == expected


def test_proposed_times_are_buttons_on_the_practices_wall_clock() -> None:
    times = ["2026-06-10T17:00:00+00:00", "2026-06-11T08:30:00+00:00"]
    markup = _markup(payload("proposal", times=times, buttons=[]), LONDON)
    assert texts_of(markup) == ["Wed 10 Jun 18:00", "Thu 11 Jun 09:30", "None of these work"]
    first = AcceptTime.unpack(markup.inline_keyboard[0][0].callback_data)
    assert from_minute_stamp(first.time) == datetime(2026, 6, 10, 17, tzinfo=UTC)


def test_a_new_request_still_gets_schedule_reject_and_propose() -> None:
    new_request = {"kind": "new_request", "appointment_id": str(SOME_ID), "text": "..."}
    assert texts_of(_markup(new_request, UTC)) == [
        "Schedule",
        "Reject",
        "Propose times",
        "Show details",
    ]


def test_confirm_is_withheld_past_a_session_and_is_anyway_past_a_buffer() -> None:
    assert texts_of(plan_confirm(SOME_ID, blocked=False, warned=False))[0] == "Confirm"
    assert texts_of(plan_confirm(SOME_ID, blocked=False, warned=True))[0] == "Schedule anyway"
    blocked = texts_of(plan_confirm(SOME_ID, blocked=True, warned=True))
    assert "Confirm" not in blocked and "Schedule anyway" not in blocked


def test_help_tells_each_side_what_their_sessions_buttons_do() -> None:
    client_help = texts.help_text(is_staff=False)
    for words in ("Cancel", "late cancellation", "Ask to move", "I'll be there", "Running late"):
        assert words in client_help
    assert "/upcoming" not in client_help
    staff_help = texts.help_text(is_staff=True)
    for words in ("/upcoming", "Move", "Propose times", "Keep", "Schedule anyway"):
        assert words in staff_help
    assert "upcoming" in [c.command for c in bot_commands(is_staff=True)]
    assert "upcoming" not in [c.command for c in bot_commands(is_staff=False)]
