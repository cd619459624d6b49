"""Typed callback data and its matcher (`Kind.filter(...)`): pure, no Telegram, no database."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

import pytest

from bot.callbacks import (
    MAX_BYTES,
    BookingStep,
    CallbackData,
    DecideRequest,
    Ignore,
    MenuAction,
    StaffDay,
    StaffStep,
)

SOME_ID = uuid.UUID("12345678-1234-5678-1234-567812345678")
OTHER_ID = uuid.UUID("87654321-4321-8765-4321-876543218765")


def test_a_filter_accepts_its_kind_with_the_fixed_values_only() -> None:
    schedule = DecideRequest.filter(action="schedule")
    assert schedule(DecideRequest("schedule", SOME_ID).pack())
    assert schedule(DecideRequest("schedule", OTHER_ID).pack())
    assert not schedule(DecideRequest("reject", SOME_ID).pack())
    assert not schedule(StaffStep("confirm", SOME_ID).pack())  # another kind


def test_a_filter_without_values_accepts_any_well_formed_data_of_its_kind() -> None:
    any_day = StaffDay.filter()
    assert any_day(StaffDay(SOME_ID, date(2026, 6, 10)).pack())
    assert not any_day(BookingStep("next").pack())


def test_a_filter_can_fix_several_fields() -> None:
    this_request = StaffStep.filter(action="back", appointment=SOME_ID)
    assert this_request(StaffStep("back", SOME_ID).pack())
    assert not this_request(StaffStep("back", OTHER_ID).pack())
    assert not this_request(StaffStep("cancel", SOME_ID).pack())


@pytest.mark.parametrize(
    "forged",
    [
        "rq:schedule:not-a-uuid",
        "rq:delete:12345678123456781234567812345678",  # an action the class does not allow
        "rq:schedule:12345678123456781234567812345678:extra",
        "rq",
        "",
        None,
        42,
        b"rq:schedule:12345678123456781234567812345678",
    ],
)
def test_a_filter_refuses_malformed_or_forged_data(forged: object) -> None:
    assert not DecideRequest.filter()(forged)
    assert not DecideRequest.filter(action="schedule")(forged)


def test_matches_only_reads_the_prefix_for_the_stale_button_fallbacks() -> None:
    assert DecideRequest.matches("rq:schedule:not-a-uuid")
    assert not DecideRequest.filter()("rq:schedule:not-a-uuid")


def test_a_filter_with_a_mistake_fails_when_the_handler_is_built() -> None:
    with pytest.raises(ValueError, match="no action 'sheddule'"):
        DecideRequest.filter(action="sheddule")
    with pytest.raises(TypeError, match="no field day"):
        DecideRequest.filter(day=date(2026, 6, 10))
    with pytest.raises(ValueError, match="cannot be packed"):
        Ignore.filter(reason="not a token")


def test_a_filter_says_what_it_matches() -> None:
    assert repr(MenuAction.filter(action="book")) == "MenuAction.filter(action='book')"


def test_telegrams_64_byte_cap_is_checked_when_packing() -> None:
    @dataclasses.dataclass(frozen=True)
    class TooLong(CallbackData):
        prefix = "tl"
        first: uuid.UUID
        second: uuid.UUID

    with pytest.raises(ValueError, match=f"over {MAX_BYTES} bytes"):
        TooLong(SOME_ID, OTHER_ID).pack()
