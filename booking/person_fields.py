"""The rules for a person's fields (names, e-mail, phone, free texts), defined once.

Accounts and appointments validate with these, and the API's request schemas take their
limits from the same constants, so a published `maxLength` and the rule that enforces it
can never disagree. Messages are DRF's wording, as the API promises DRF's error shape.

Each `clean_*` takes the raw value, the field name to report under and a DRF-shaped
`errors` dict (`{"field": ["message"]}`) that collects every field's problems at once; it
returns the cleaned value (stripped text; None for an empty optional field):

- `clean_email(email, field="email") -> str` (raises InvalidInput at once: an address is
  needed before anything else can be checked)
- `clean_name(value, field, errors, *, required=True) -> str` ("" when empty and optional)
- `name_problem(text) -> str | None` (the name rule alone, for a door that asks again)
- `clean_phone(value, field, errors) -> str | None`
- `clean_text(value, field, limit, errors) -> str | None` (optional free text)
- `check_profile(email, first_name, last_name, phone, *, password=None, names_required)
  -> Profile`: an account's details (and password) checked at once, InvalidInput naming
  every field at fault
- `parse_day(value) -> date | None` (a date, or `YYYY-MM-DD` text; None otherwise) and
  `clean_date(value, field, errors, *, required=True) -> date | None` on top of it
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import EmailStr, TypeAdapter, ValidationError

from booking.errors import InvalidInput
from booking.passwords import password_problems
from models import normalise_email

NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254  # RFC 5321's path limit
PHONE_MAX_LENGTH = 32
PHONE_PATTERN = r"^\+?[0-9][0-9 ()./-]{4,28}[0-9]$"
PHONE_RE = re.compile(PHONE_PATTERN)
REASON_MAX_LENGTH = 2000
REJECTION_REASON_MAX_LENGTH = 1000
BLOCKED_DATE_NOTE_MAX_LENGTH = 500  # the therapist's private note on days away
MAX_PREFERRED_DATES = 30

FieldErrors = dict[str, list[str]]

BLANK = "This field may not be blank."
NOT_A_STRING = "Not a valid string."
INVALID_EMAIL = "Enter a valid email address."
INVALID_PHONE = "Enter a valid phone number, e.g. +1 234 567 890."
CONTROL_CHARACTERS = "This field may not contain control characters (such as line breaks)."
# Hangul and braille fillers: letters (or symbols) by category, blank on screen.
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")

_email_adapter = TypeAdapter(EmailStr)


def too_long(limit: int) -> str:
    return f"Ensure this field has no more than {limit} characters."


def clean_email(email: str, field: str = "email") -> str:
    """The normalised address, or InvalidInput naming the field."""
    candidate = normalise_email(email or "")
    try:
        _email_adapter.validate_python(candidate)
    except ValidationError:
        raise InvalidInput({field: [INVALID_EMAIL]}) from None
    return candidate


def _text(value: Any, field: str, errors: FieldErrors) -> str | None:
    """The stripped text, "" for None, or None (problem noted) for a value that is no string."""
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(NOT_A_STRING)
        return None
    return value.strip()


def name_problem(text: str) -> str | None:
    """What is wrong with a (stripped, non-empty) name, or None.

    A name shows in e-mails, in the therapist's chat and on the calendar: control characters
    (NUL, CR, LF, escapes) would break those lines or smuggle new ones in, and a name of
    invisible characters only (zero-width spaces and joiners, fillers) names nobody. Joiners
    inside a real word stay: some scripts need them.
    """
    if any(unicodedata.category(char) == "Cc" for char in text):
        return CONTROL_CHARACTERS
    if not any(_visible(char) for char in text):
        return BLANK
    if len(text) > NAME_MAX_LENGTH:
        return too_long(NAME_MAX_LENGTH)
    return None


def _visible(char: str) -> bool:
    # Letters, digits, marks, punctuation and symbols show; separators and format characters
    # do not, nor the letters Unicode keeps as blank fillers.
    return unicodedata.category(char)[0] in "LNMPS" and char not in INVISIBLE_LETTERS


def clean_name(value: Any, field: str, errors: FieldErrors, *, required: bool = True) -> str:
    """A first or last name (see `name_problem`); not blank when required."""
    text = _text(value, field, errors)
    if text is None:
        return ""
    if not text:
        if required:
            errors.setdefault(field, []).append(BLANK)
    elif problem := name_problem(text):
        errors.setdefault(field, []).append(problem)
    return text


def clean_text(value: Any, field: str, limit: int, errors: FieldErrors) -> str | None:
    """An optional free text (a reason, a note) of at most `limit` characters."""
    text = _text(value, field, errors)
    if text and len(text) > limit:
        errors.setdefault(field, []).append(too_long(limit))
    return text or None


def clean_phone(value: Any, field: str, errors: FieldErrors) -> str | None:
    """An optional phone number: digits with the usual separators, an optional leading +."""
    text = clean_text(value, field, PHONE_MAX_LENGTH, errors)
    if text and not PHONE_RE.match(text):
        errors.setdefault(field, []).append(INVALID_PHONE)
    return text


@dataclass(frozen=True)
class Profile:
    """A person's details as typed, cleaned: stripped names ("" when not given), phone or None."""

    email: str
    first_name: str
    last_name: str
    phone: str | None


def check_profile(
    email: str,
    first_name: str | None,
    last_name: str | None,
    phone: str | None,
    *,
    password: str | None = None,
    names_required: bool,
) -> Profile:
    """Every field's problems at once, as DRF does; the cleaned details otherwise."""
    errors: FieldErrors = {}
    address = ""
    try:
        address = clean_email(email)
    except InvalidInput as exc:
        errors.update(exc.errors)
    first = clean_name(first_name, "first_name", errors, required=names_required)
    last = clean_name(last_name, "last_name", errors, required=names_required)
    phone_text = clean_phone(phone, "phone_number", errors)
    if password is not None and (problems := password_problems(password)):
        errors["password"] = problems
    if errors:
        raise InvalidInput(errors)
    return Profile(email=address, first_name=first, last_name=last, phone=phone_text)


def parse_day(value: Any) -> date | None:
    """A date, or one typed as YYYY-MM-DD (outer spaces aside); None for anything else."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value.strip()) != 10:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def clean_date(
    value: Any, field: str, errors: FieldErrors, *, required: bool = True
) -> date | None:
    """A typed YYYY-MM-DD date; a problem is added to `errors` under `field`."""
    if value is None and not required:
        return None
    day = parse_day(value)
    if day is None:
        errors.setdefault(field, []).append("Enter a date in YYYY-MM-DD format.")
    return day
