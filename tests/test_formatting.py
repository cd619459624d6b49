"""Times as people read them: the practice's wall clock with its zone named once, dates,
durations, and the start times a therapist is offered inside a client's slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from booking.availability import slot_start_minutes
from booking.formatting import (
    format_clock,
    format_date,
    format_duration,
    format_practice_time,
    format_short_date,
    format_utc,
)


def test_a_practice_on_utc_names_the_zone_once(make_settings) -> None:
    settings = make_settings(PRACTICE_TIMEZONE="UTC")
    when = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    assert format_practice_time(settings, when) == "Thursday 15 January 2026, 10:00 UTC"


def test_elsewhere_the_abbreviation_tells_the_season_and_the_name_tells_the_place(
    make_settings,
) -> None:
    settings = make_settings(PRACTICE_TIMEZONE="Pacific/Auckland")
    winter = datetime(2026, 9, 25, 21, 0, tzinfo=UTC)  # 09:00 NZST on the 26th
    summer = datetime(2026, 9, 27, 20, 0, tzinfo=UTC)  # 09:00 NZDT on the 28th
    assert format_practice_time(settings, winter) == (
        "Saturday 26 September 2026, 09:00 NZST (Pacific/Auckland)"
    )
    assert format_practice_time(settings, summer) == (
        "Monday 28 September 2026, 09:00 NZDT (Pacific/Auckland)"
    )


def test_dates_clocks_and_durations() -> None:
    assert format_date("2030-03-06") == format_date(date(2030, 3, 6)) == "Wednesday 6 March 2030"
    assert format_short_date(date(2030, 3, 6)) == "Wed 6 Mar"
    assert format_clock(9 * 60 + 30) == "09:30"
    assert format_utc(datetime(2030, 3, 6, 14, 30, tzinfo=UTC)) == "2030-03-06 14:30 UTC"
    assert format_duration(50) == "50 minutes"
    assert format_duration(60) == "60 minutes"
    assert format_duration(90) == "90 minutes (1 h 30 min)"


def test_every_weekday_and_month_is_named_as_in_english() -> None:
    """The names come from tables of our own (strftime's follow the process's locale): they
    must say what the C locale's strftime says, on every day of a year."""
    for n in range(366):
        day = date(2030, 1, 1) + timedelta(days=n)
        assert format_date(day) == day.strftime("%A ") + str(day.day) + day.strftime(" %B %Y")
        assert format_short_date(day) == day.strftime("%a ") + str(day.day) + day.strftime(" %b")


def test_start_times_stay_inside_the_chosen_slots() -> None:
    minutes = slot_start_minutes(["evening", "morning"])
    assert [format_clock(m) for m in minutes] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
        "18:00",
        "18:30",
        "19:00",
        "19:30",
        "20:00",
        "20:30",
    ]
    assert slot_start_minutes([]) == []
