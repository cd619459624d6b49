"""Private Jitsi rooms, the join window and per-person meeting links.

Services (plain values in and out):

- `new_room_name() -> str` (160 bits from `secrets`, lower-case base32: safe in any URL and
  on Jitsi deployments that lower-case room names)
- `JoinWindow.of(appointment)` / `JoinWindow(opens_at, closes_at)`: from 10 minutes before
  the start to 15 minutes after the end; `.status(now)` and `.contains(now)`
- `meeting_status(appointment, now=None) -> "pending" | "scheduled" | "active" | "completed"`
- `can_join(appointment, now=None) -> bool` (exactly when `active`)
- `Participant.for_user(user)` / `Participant.for_client(appointment)`
- `meeting_url(settings, appointment, participant=None, now=None) -> str | None`:
  `JITSI_BASE_URL/<room>`, plus `?jwt=<token>` when JITSI_APP_ID/SECRET are set and a
  participant is given (the token names this room only, expires when the window closes,
  and makes only staff moderators). Only a scheduled session has a link: a request, a
  rejected or a cancelled appointment gets none, so no token is ever issued for it; a
  moved session has a new room, so links to the old one lead nowhere.
- `meeting_info(settings, appointment, user, now=None) -> MeetingInfo` (what the
  `jitsi-meeting/` endpoint and the bot's "join" screen show; InvalidInput when the
  appointment is not scheduled; access is checked by the caller, see
  `booking.appointments.get_appointment_for`)
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

import jwt

from booking.errors import InvalidInput
from booking.formatting import format_duration, format_practice_time
from booking.settings import Settings
from models import Appointment, AppointmentStatus, User

JOIN_OPENS_BEFORE = timedelta(minutes=10)
JOIN_CLOSES_AFTER = timedelta(minutes=15)
ROOM_PREFIX = "session-"
ROOM_RANDOM_BYTES = 20  # 160 bits


def _utcnow() -> datetime:
    return datetime.now(UTC)


def new_room_name() -> str:
    """An unguessable room name: knowing one session's room says nothing of another's."""
    token = base64.b32encode(secrets.token_bytes(ROOM_RANDOM_BYTES)).decode("ascii")
    return ROOM_PREFIX + token.rstrip("=").lower()


@dataclass(frozen=True)
class JoinWindow:
    """When a session can be joined: [opens_at, closes_at], both inclusive."""

    opens_at: datetime
    closes_at: datetime

    @classmethod
    def around(cls, start: datetime, duration_minutes: int) -> JoinWindow:
        end = start + timedelta(minutes=duration_minutes)
        return cls(start - JOIN_OPENS_BEFORE, end + JOIN_CLOSES_AFTER)

    @classmethod
    def of(cls, appointment: Appointment) -> JoinWindow | None:
        if appointment.status != AppointmentStatus.SCHEDULED or not appointment.scheduled_datetime:
            return None
        return cls.around(appointment.scheduled_datetime, appointment.scheduled_duration or 60)

    def contains(self, now: datetime) -> bool:
        return self.opens_at <= now <= self.closes_at

    def status(self, now: datetime) -> str:
        if now < self.opens_at:
            return "scheduled"
        if now > self.closes_at:
            return "completed"
        return "active"


def meeting_status(appointment: Appointment, now: datetime | None = None) -> str:
    window = JoinWindow.of(appointment)
    if window is None or not appointment.jitsi_room_id:
        return "pending"
    return window.status(now or _utcnow())


def can_join(appointment: Appointment, now: datetime | None = None) -> bool:
    return meeting_status(appointment, now) == "active"


@dataclass(frozen=True)
class Participant:
    """Who a link is for: their own token carries their display name and role."""

    id: str
    name: str
    email: str | None
    moderator: bool

    @classmethod
    def for_user(cls, user: User) -> Participant:
        return cls(
            id=str(user.id),
            name=user.first_name or "",
            email=user.email,
            moderator=bool(user.is_staff),
        )

    @classmethod
    def for_client(cls, appointment: Appointment) -> Participant:
        user_id = appointment.user_id  # type: ignore[attr-defined]
        return cls(
            id=str(user_id) if user_id else f"appointment-{appointment.id}",
            name=appointment.first_name or "",
            email=appointment.email,
            moderator=False,
        )


def jitsi_token(
    settings: Settings,
    room: str,
    participant: Participant,
    window: JoinWindow,
    now: datetime | None = None,
) -> str:
    """A Jitsi JWT (prosody token auth) for one person and one room, valid until the window
    closes. `nbf` is left out on purpose: an early click should reach Jitsi's own "meeting
    has not started" page, not an authentication error."""
    assert settings.jitsi_app_id and settings.jitsi_app_secret
    now = now or _utcnow()
    host = urlsplit(settings.jitsi_base_url).hostname or "*"
    claims = {
        "aud": "jitsi",
        "iss": settings.jitsi_app_id,
        "sub": host,
        "room": room,
        "iat": int(now.timestamp()),
        "exp": int(window.closes_at.timestamp()),
        "moderator": participant.moderator,
        "context": {
            "user": {
                "id": participant.id,
                "name": participant.name,
                "email": participant.email or "",
                "moderator": participant.moderator,
            }
        },
    }
    return jwt.encode(claims, settings.jitsi_app_secret.get_secret_value(), algorithm="HS256")


def room_url(settings: Settings, room: str) -> str:
    return f"{settings.jitsi_base_url}/{room}"


def meeting_url(
    settings: Settings,
    appointment: Appointment,
    participant: Participant | None = None,
    now: datetime | None = None,
) -> str | None:
    """The link for `participant` (None when there is no meeting, e.g. once cancelled)."""
    window = JoinWindow.of(appointment)
    if window is None or not appointment.jitsi_room_id:
        return None
    url = room_url(settings, appointment.jitsi_room_id)
    if settings.jitsi_app_id and settings.jitsi_app_secret and participant is not None:
        token = jitsi_token(settings, appointment.jitsi_room_id, participant, window, now)
        url = f"{url}?{urlencode({'jwt': token})}"
    return url


@dataclass(frozen=True)
class MeetingInfo:
    meeting_url: str
    room_id: str
    scheduled_datetime: datetime
    scheduled_time: str
    duration_minutes: int
    duration: str
    can_join: bool
    meeting_status: str
    join_window_opens_at: datetime
    join_window_closes_at: datetime
    join_instructions: str


def join_instructions(status: str, window: JoinWindow, settings: Settings) -> str:
    opens = format_practice_time(settings, window.opens_at)
    if status == "scheduled":
        return (
            f"The meeting opens 10 minutes before the start, at {opens}. "
            "Open the link in a browser or the Jitsi Meet app; no account is needed."
        )
    if status == "active":
        return (
            "The meeting is open: open the link in a browser or the Jitsi Meet app, "
            "allow camera and microphone, and enter your name."
        )
    return "This session has ended. Please contact the practice to book another one."


def meeting_info(
    settings: Settings, appointment: Appointment, user: User, now: datetime | None = None
) -> MeetingInfo:
    """The meeting of a scheduled appointment as `user` sees it (their own link)."""
    now = now or _utcnow()
    window = JoinWindow.of(appointment)
    if window is None or not appointment.jitsi_room_id or not appointment.scheduled_datetime:
        raise InvalidInput("This appointment is not scheduled, so it has no meeting yet.")
    participant = Participant.for_user(user)
    status = window.status(now)
    duration = appointment.scheduled_duration or 60
    url = meeting_url(settings, appointment, participant, now)
    assert url is not None
    return MeetingInfo(
        meeting_url=url,
        room_id=appointment.jitsi_room_id,
        scheduled_datetime=appointment.scheduled_datetime,
        scheduled_time=format_practice_time(settings, appointment.scheduled_datetime),
        duration_minutes=duration,
        duration=format_duration(duration),
        can_join=status == "active",
        meeting_status=status,
        join_window_opens_at=window.opens_at,
        join_window_closes_at=window.closes_at,
        join_instructions=join_instructions(status, window, settings),
    )
