"""Personas and helpers shared by the meetings tests (not a test module itself)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from booking.appointments import create_appointment
from booking.availability import set_available_days
from booking.offers import available_dates
from booking.settings import Settings
from booking.tokens import issue_token
from models import Appointment, User, blind_index

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


async def make_user(
    email: str,
    *,
    first_name: str = "Alice",
    last_name: str = "Archer",
    staff: bool = False,
    verified: bool = True,
    telegram_user_id: int | None = None,
) -> User:
    return await User.create(
        email=email,
        email_index=blind_index(email),
        first_name=first_name,
        last_name=last_name,
        is_staff=staff,
        email_verified_at=datetime.now(UTC) if verified else None,
        telegram_user_id=telegram_user_id,
    )


def auth(settings: Settings, user: User) -> dict[str, str]:
    token, _ = issue_token(settings, user.id, "access")
    return {"Authorization": f"Bearer {token}"}


class Cast:
    """The people of the stories: Alice and Charlie are clients, Theo is the therapist."""

    def __init__(self, settings: Settings, alice: User, charlie: User, theo: User) -> None:
        self.settings = settings
        self.alice = alice
        self.charlie = charlie
        self.theo = theo

    def headers(self, who: str) -> dict[str, str]:
        if who == "anonymous":
            return {}
        return auth(self.settings, getattr(self, who))


async def make_cast(settings: Settings) -> Cast:
    alice = await make_user("alice@example.com", first_name="Alice", last_name="Archer")
    charlie = await make_user("charlie@example.com", first_name="Charlie", last_name="Chen")
    theo = await make_user(
        "theo@practice.example", first_name="Theo", last_name="Therapist", staff=True
    )
    return Cast(settings, alice, charlie, theo)


async def open_every_day() -> None:
    await set_available_days(EVERY_DAY)


async def first_dates(settings: Settings, count: int = 2) -> list[str]:
    return [d.isoformat() for d in (await available_dates(settings))[:count]]


def request_body(dates: list[str], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": "Alice",
        "last_name": "Archer",
        "email": "alice@example.com",
        "phone": "+44 20 7946 0958",
        "reason": "Trouble sleeping since the move",
        "preferred_dates": dates,
        "preferred_time_slots": ["morning", "afternoon"],
    }
    body.update(overrides)
    return body


async def make_request(
    settings: Settings, *, user: User | None = None, email: str = "alice@example.com", **kw: Any
) -> Appointment:
    await open_every_day()
    dates = await first_dates(settings)
    fields = {
        "first_name": "Alice",
        "last_name": "Archer",
        "email": email,
        "preferred_dates": dates,
        "preferred_time_slots": ["morning"],
        "reason": "Trouble sleeping since the move",
    }
    fields.update(kw)
    return await create_appointment(settings, user=user, **fields)


def tomorrow_at(hour: int, days: int = 1) -> datetime:
    """A UTC datetime `days` from now at `hour`:00 (UTC practice zone in most tests)."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def iso(value: datetime | date) -> str:
    return value.isoformat().replace("+00:00", "Z")


class Clock:
    """A settable clock for the API (`app[CLOCK]`) and the services' `now=`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def clocked_api(settings: Settings, make_client: Any, clock: Clock) -> Any:
    """The API behind a real socket, reading time from `clock`."""
    from api.app import create_app
    from api.app_keys import CLOCK

    app = create_app(settings, manage_database=False)
    app[CLOCK] = clock
    return await make_client(app)
