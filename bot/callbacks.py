"""Typed callback data, defined once: every inline button's payload is one of these classes.

`pack()` gives the string Telegram stores on the button (at most 64 bytes), `unpack()` reads
it back and refuses anything malformed, and `matches` is the pattern handlers register with.
Callback data comes from the client: unpacking proves only its shape; handlers still check
who pressed and the current state of what it names.
"""

from __future__ import annotations

import dataclasses
import re
import typing
import uuid
from datetime import date
from typing import Any, ClassVar, Self

MAX_BYTES = 64  # Telegram's limit for callback_data
SEPARATOR = ":"
_TOKEN = re.compile(r"^[a-z0-9_]+$")


class MalformedCallback(ValueError):
    """The data does not parse as the class it claims to be (a stale or forged button)."""


def _encode(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if not _TOKEN.match(text):
        raise ValueError(f"{text!r} cannot be packed into callback data")
    return text


def _decode(kind: Any, text: str) -> Any:
    try:
        if kind is uuid.UUID:
            if len(text) != 32:
                raise ValueError
            return uuid.UUID(hex=text)
        if kind is date:
            if len(text) != 8 or not text.isdigit():
                raise ValueError
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if kind is bool:
            return {"1": True, "0": False}[text]
        if kind is int:
            if not re.fullmatch(r"-?[0-9]{1,9}", text):
                raise ValueError
            return int(text)
    except (ValueError, KeyError):
        raise MalformedCallback(text) from None
    if not _TOKEN.match(text):
        raise MalformedCallback(text)
    return text


class CallbackData:
    """Base of the typed payloads: a dataclass whose fields are str, int, bool, date or UUID."""

    prefix: ClassVar[str]
    # Allowed values of a field named `action`, when the class has one.
    actions: ClassVar[frozenset[str]] = frozenset()

    def pack(self) -> str:
        parts = [self.prefix]
        parts += [_encode(getattr(self, f.name)) for f in dataclasses.fields(self)]  # type: ignore[arg-type]
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def matches(cls, data: object) -> bool:
        """For `CallbackQueryHandler(pattern=...)`: the data claims to be of this class."""
        return isinstance(data, str) and data.split(SEPARATOR, 1)[0] == cls.prefix

    @classmethod
    def unpack(cls, data: object) -> Self:
        if not isinstance(data, str):
            raise MalformedCallback(repr(data))
        prefix, *parts = data.split(SEPARATOR)
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        if prefix != cls.prefix or len(parts) != len(fields):
            raise MalformedCallback(data)
        hints = typing.get_type_hints(cls)
        values = {
            f.name: _decode(hints[f.name], part) for f, part in zip(fields, parts, strict=True)
        }
        if "action" in values and values["action"] not in cls.actions:
            raise MalformedCallback(data)
        return cls(**values)


# --- everyone --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MenuAction(CallbackData):
    """A button of the /start menu."""

    prefix = "m"
    actions = frozenset({"register", "login", "book", "appointments", "help"})
    action: str


@dataclasses.dataclass(frozen=True)
class Ignore(CallbackData):
    """A label on a keyboard (a weekday header, a closed day): pressing it does nothing."""

    prefix = "x"
    reason: str  # "closed", "label"


# --- registration ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RegistrationStep(CallbackData):
    prefix = "rg"
    actions = frozenset({"use_name", "resend", "change_email", "cancel"})
    action: str


# --- booking ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PickDate(CallbackData):
    """Toggle a preferred date on the booking calendar."""

    prefix = "bd"
    day: date


@dataclasses.dataclass(frozen=True)
class PickSlot(CallbackData):
    """Toggle a preferred time slot."""

    prefix = "bt"
    slot: str


@dataclasses.dataclass(frozen=True)
class BookingStep(CallbackData):
    prefix = "bk"
    actions = frozenset({"next", "back", "skip", "confirm", "change", "cancel"})
    action: str


# --- staff -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DecideRequest(CallbackData):
    """Schedule or Reject on a new request's message."""

    prefix = "rq"
    actions = frozenset({"schedule", "reject"})
    action: str
    appointment: uuid.UUID


@dataclasses.dataclass(frozen=True)
class StaffDay(CallbackData):
    """The day a therapist picked for a request."""

    prefix = "sd"
    appointment: uuid.UUID
    day: date


@dataclasses.dataclass(frozen=True)
class StaffTime(CallbackData):
    """A start time (practice wall clock, minutes after midnight)."""

    prefix = "st"
    appointment: uuid.UUID
    minute: int


@dataclasses.dataclass(frozen=True)
class StaffDuration(CallbackData):
    prefix = "su"
    appointment: uuid.UUID
    minutes: int


@dataclasses.dataclass(frozen=True)
class StaffStep(CallbackData):
    prefix = "ss"
    actions = frozenset({"confirm", "back", "cancel", "other_day", "skip"})
    action: str
    appointment: uuid.UUID


@dataclasses.dataclass(frozen=True)
class ToggleWeekday(CallbackData):
    """Open or close a weekday in /availability (0=Monday .. 6=Sunday)."""

    prefix = "av"
    weekday: int


ALL_CALLBACKS: tuple[type[CallbackData], ...] = (
    MenuAction,
    Ignore,
    RegistrationStep,
    PickDate,
    PickSlot,
    BookingStep,
    DecideRequest,
    StaffDay,
    StaffTime,
    StaffDuration,
    StaffStep,
    ToggleWeekday,
)
