"""The chat's error table: each domain error has its answer, as each has its HTTP status."""

from __future__ import annotations

import booking.errors
from booking.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from bot import texts
from bot.errors import ANSWERS, chat_answer


def test_every_domain_error_has_a_chat_answer() -> None:
    kinds = {
        value
        for value in vars(booking.errors).values()
        if isinstance(value, type) and issubclass(value, DomainError) and value is not DomainError
    }
    assert kinds == set(ANSWERS)


def test_invalid_input_is_told_with_every_message() -> None:
    error = InvalidInput({"email": ["Enter a valid email address."], "phone": ["Too short."]})
    assert chat_answer(error) == "Enter a valid email address. Too short."


def test_the_service_words_are_kept_where_they_say_what_happened() -> None:
    assert chat_answer(Conflict("That time overlaps another session.")) == (
        "That time overlaps another session."
    )
    assert chat_answer(NotFound("Appointment not found.")) == "Appointment not found."
    assert chat_answer(PermissionDenied(texts.STAFF_ONLY)) == texts.STAFF_ONLY


def test_limits_and_missing_accounts_get_the_chats_own_words() -> None:
    assert chat_answer(RateLimited(120)) == texts.rate_limited(120)
    assert "2 minutes" in chat_answer(RateLimited(120))
    assert chat_answer(NotAuthenticated()) == texts.NOT_LINKED
