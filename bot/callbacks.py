"""Typed callback data, defined once: every inline button's payload is one of these classes.

`pack()` gives the string Telegram stores on the button (at most 64 bytes, checked when it is
packed), `unpack()` reads it back and refuses anything malformed. Handlers register
`Kind.filter(field=value, ...)` as their pattern (as aiogram's `CallbackData.filter()`): it
accepts well-formed data of that kind whose named fields hold those values, e.g.
`CallbackQueryHandler(confirm, pattern=StaffStep.filter(action="confirm"))`. `Kind.matches`
only asks whether data claims to be of the kind (its prefix), for the fallbacks that answer
a stale or forged press. Callback data comes from the client: unpacking proves only its
shape; handlers still check who pressed and the current state of what it names.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import typing
import uuid
from datetime import UTC, date, datetime
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
        """The data claims to be of this class (its prefix); it may still be malformed."""
        return isinstance(data, str) and data.split(SEPARATOR, 1)[0] == cls.prefix

    @classmethod
    def filter(cls, **fixed: Any) -> CallbackFilter:
        """A `CallbackQueryHandler` pattern: well-formed data of this class with these values.

        The values are checked here, when the handler is built: a field the class does not
        have, an action it does not allow, or a value that cannot be packed is an error.
        """
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = set(fixed) - names
        if unknown:
            raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
        if "action" in fixed and fixed["action"] not in cls.actions:
            raise ValueError(f"{cls.__name__} has no action {fixed['action']!r}")
        for value in fixed.values():
            _encode(value)
        return CallbackFilter(cls, tuple(fixed.items()))

    @classmethod
    def unpack(cls, data: object) -> Self:
        if not isinstance(data, str):
            raise MalformedCallback(repr(data))
        prefix, *parts = data.split(SEPARATOR)
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        if prefix != cls.prefix or len(parts) != len(fields):
            raise MalformedCallback(data)
        hints = _hints(cls)
        values = {
            f.name: _decode(hints[f.name], part) for f, part in zip(fields, parts, strict=True)
        }
        if "action" in values and values["action"] not in cls.actions:
            raise MalformedCallback(data)
        return cls(**values)


@functools.cache
def _hints(cls: type[CallbackData]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@dataclasses.dataclass(frozen=True)
class CallbackFilter:
    """What `CallbackData.filter()` returns: callable on a press's data, true when it fits."""

    kind: type[CallbackData]
    fixed: tuple[tuple[str, Any], ...]  # (field, value) pairs

    def __call__(self, data: object) -> bool:
        if not self.kind.matches(data):
            return False
        try:
            unpacked = self.kind.unpack(data)
        except MalformedCallback:
            return False
        return all(getattr(unpacked, name) == value for name, value in self.fixed)

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={value!r}" for name, value in self.fixed)
        return f"{self.kind.__name__}.filter({values})"


# --- everyone --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MenuAction(CallbackData):
    """A button of the /start menu."""

    prefix = "m"
    actions = frozenset({"register", "login", "book", "appointments", "help", "pending", "today"})
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
    actions = frozenset({"confirm", "override", "back", "cancel", "other_day", "skip"})
    action: str
    appointment: uuid.UUID


@dataclasses.dataclass(frozen=True)
class StaffRepeat(CallbackData):
    """A request booked as a series: every 1-4 weeks; `count` 0 asks how many sessions;
    `skip` books the weeks that do not clash (`bot.conversations.series`)."""

    prefix = "sr"
    appointment: uuid.UUID
    every_weeks: int
    count: int
    skip: bool


@dataclasses.dataclass(frozen=True)
class ToggleWeekday(CallbackData):
    """Open or close a weekday in /availability (0=Monday .. 6=Sunday)."""

    prefix = "av"
    weekday: int


@dataclasses.dataclass(frozen=True)
class EditRule(CallbackData):
    """A booking rule pressed in /availability (`rule`: its field name): ask its new value."""

    prefix = "ae"
    rule: str


@dataclasses.dataclass(frozen=True)
class SetRule(CallbackData):
    """A quick value offered for a rule (for the daily cap, 0 means no cap)."""

    prefix = "au"
    rule: str
    value: int


@dataclasses.dataclass(frozen=True)
class RulesStep(CallbackData):
    """Back from a rule's question to the /availability card."""

    prefix = "ab"
    actions = frozenset({"back"})
    action: str


@dataclasses.dataclass(frozen=True)
class AwayStep(CallbackData):
    """/away: add days away, skip the note, or stop."""

    prefix = "aw"
    actions = frozenset({"add", "skip", "cancel"})
    action: str


@dataclasses.dataclass(frozen=True)
class AwayDay(CallbackData):
    """/away: the first or the last day away, picked on the calendar."""

    prefix = "ad"
    day: date


@dataclasses.dataclass(frozen=True)
class AwayPage(CallbackData):
    """/away: the calendar moved to start at `first`."""

    prefix = "ap"
    first: date


@dataclasses.dataclass(frozen=True)
class AwayRemove(CallbackData):
    """/away: unblock a period (its id)."""

    prefix = "ax"
    block: int


# --- a session's life (cancel, move, proposals, reminders) ----------------------------------
# `at` is the session's start the button was made for, in minutes since the epoch (UTC; 0 while
# no time is set): a press whose `at` is not the session's start now comes from a message the
# session has outgrown (moved, scheduled, cancelled) and is refused, never applied.


def minute_stamp(moment: datetime | None) -> int:
    """A time as callback data: minutes since the epoch (UTC); 0 for none."""
    return int(moment.timestamp()) // 60 if moment is not None else 0


def from_minute_stamp(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp * 60, UTC)


@dataclasses.dataclass(frozen=True)
class ClientAction(CallbackData):
    """A client's button on a session or request: cancel (and its confirm step), ask to move,
    I'll be there, running late, none of the proposed times."""

    prefix = "ca"
    actions = frozenset(
        {"cancel", "cancel_yes", "cancel_no", "ask_move", "attend", "late", "decline"}
    )
    action: str
    appointment: uuid.UUID
    at: int


@dataclasses.dataclass(frozen=True)
class LateBy(CallbackData):
    """ "Running late" -> how many minutes (5, 10, 15)."""

    prefix = "lb"
    appointment: uuid.UUID
    at: int
    minutes: int


@dataclasses.dataclass(frozen=True)
class AcceptTime(CallbackData):
    """One of the times staff proposed (`time`: minutes since the epoch, UTC)."""

    prefix = "pa"
    appointment: uuid.UUID
    time: int


@dataclasses.dataclass(frozen=True)
class StaffAction(CallbackData):
    """A therapist's button on a session's message (or a client's move request)."""

    prefix = "sa"
    actions = frozenset({"cancel", "cancel_yes", "card", "move", "propose", "keep"})
    action: str
    appointment: uuid.UUID
    at: int


@dataclasses.dataclass(frozen=True)
class PlanDay(CallbackData):
    """Move / Propose times: the day picked."""

    prefix = "pd"
    appointment: uuid.UUID
    day: date


@dataclasses.dataclass(frozen=True)
class PlanTime(CallbackData):
    """Move / Propose times: the start (practice wall clock, minutes after midnight)."""

    prefix = "pt"
    appointment: uuid.UUID
    minute: int


@dataclasses.dataclass(frozen=True)
class PlanLength(CallbackData):
    """Move / Propose times: the duration in minutes."""

    prefix = "pl"
    appointment: uuid.UUID
    minutes: int


@dataclasses.dataclass(frozen=True)
class PlanStep(CallbackData):
    """Move / Propose times: the other buttons of the steps."""

    prefix = "ps"
    actions = frozenset({"other_day", "back", "cancel", "confirm", "override", "more", "done"})
    action: str
    appointment: uuid.UUID


@dataclasses.dataclass(frozen=True)
class MoveAsk(CallbackData):
    """The client's "ask to move": dates, slots, note (the appointment is in the draft)."""

    prefix = "ma"
    actions = frozenset({"next", "back", "skip", "send", "cancel"})
    action: str


@dataclasses.dataclass(frozen=True)
class WaitlistPress(CallbackData):
    """The waitlist: Take it / No thanks on a held time (`target`: the offer), "tell me if an
    earlier time opens" on a session (`target`: the session), "tell me if something opens"
    at the end of the booking calendar (`target`: the nil UUID)."""

    prefix = "wl"
    actions = frozenset({"take", "pass", "earlier", "anything"})
    action: str
    target: uuid.UUID


# Buttons that start a flow of their own: a conversation in progress leaves for them.
ENTRY_CALLBACKS: tuple[type[CallbackData], ...] = (
    MenuAction,
    DecideRequest,
    ClientAction,
    AcceptTime,
    StaffAction,
    EditRule,
    AwayStep,
    WaitlistPress,
)


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
    StaffRepeat,
    ToggleWeekday,
    EditRule,
    SetRule,
    RulesStep,
    AwayStep,
    AwayDay,
    AwayPage,
    AwayRemove,
    ClientAction,
    LateBy,
    AcceptTime,
    StaffAction,
    PlanDay,
    PlanTime,
    PlanLength,
    PlanStep,
    MoveAsk,
    WaitlistPress,
)
