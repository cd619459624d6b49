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
- `clean_phone(value, field, errors) -> str | None`
- `clean_text(value, field, limit, errors) -> str | None` (optional free text)
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import EmailStr, TypeAdapter, ValidationError

from booking.errors import InvalidInput
from models import normalise_email

NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254  # RFC 5321's path limit
PHONE_MAX_LENGTH = 32
PHONE_PATTERN = r"^\+?[0-9][0-9 ()./-]{4,28}[0-9]$"
PHONE_RE = re.compile(PHONE_PATTERN)
REASON_MAX_LENGTH = 2000
REJECTION_REASON_MAX_LENGTH = 1000
MAX_PREFERRED_DATES = 30

FieldErrors = dict[str, list[str]]

BLANK = "This field may not be blank."
NOT_A_STRING = "Not a valid string."
INVALID_EMAIL = "Enter a valid email address."
INVALID_PHONE = "Enter a valid phone number, e.g. +1 234 567 890."

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


def clean_name(value: Any, field: str, errors: FieldErrors, *, required: bool = True) -> str:
    """A first or last name: at most NAME_MAX_LENGTH characters, not blank when required."""
    text = _text(value, field, errors)
    if text is None:
        return ""
    if not text:
        if required:
            errors.setdefault(field, []).append(BLANK)
    elif len(text) > NAME_MAX_LENGTH:
        errors.setdefault(field, []).append(too_long(NAME_MAX_LENGTH))
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
