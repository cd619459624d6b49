"""Helpers shared by the session-lifecycle tests (not a test module itself).

The stories run on a settable clock in 2030: the API reads it (`app[CLOCK]`), the
services get it as `now=`, and the real outbox dispatcher delivers over the real SMTP
server of `conftest.py` when the clock reaches a row's due time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from icalendar import Calendar

from booking.appointments import schedule_appointment
from booking.mailer import SmtpEmailSender
from booking.notifications import Dispatcher
from booking.settings import Settings
from models import Appointment, Notification, NotificationChannel, NotificationStatus, User
from tests.meetings_support import Cast, Clock, clocked_api, make_cast, make_request

NOW = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)  # a Monday
START = datetime(2030, 3, 8, 10, 0, tzinfo=UTC)  # the Friday after


class Story:
    """Alice, Charlie and Theo, the API on the clock, and the dispatcher on the same clock."""

    def __init__(self, settings: Settings, cast: Cast, api: Any, clock: Clock) -> None:
        self.settings = settings
        self.cast = cast
        self.api = api
        self.clock = clock
        self.dispatcher = Dispatcher(
            {NotificationChannel.EMAIL: SmtpEmailSender(settings)}, clock=clock
        )

    async def book(
        self, start: datetime = START, *, who: str = "alice", duration: int = 60
    ) -> Appointment:
        """A session of `who`'s, scheduled by Theo for `start`."""
        owner: User = getattr(self.cast, who)
        request = await make_request(self.settings, user=owner, email=owner.email)
        await schedule_appointment(
            self.settings, request.id, self.cast.theo, start, duration, now=self.clock.now
        )
        return await Appointment.get(id=request.id)

    async def request(self, *, who: str = "alice") -> Appointment:
        owner: User = getattr(self.cast, who)
        return await make_request(self.settings, user=owner, email=owner.email)

    async def post(
        self, appointment: Appointment, action: str, who: str, body: dict | None = None
    ) -> tuple[int, dict]:
        response = await self.api.post(
            f"/api/meetings/appointments/{appointment.id}/{action}/",
            json=body if body is not None else {},
            headers=self.cast.headers(who),
        )
        return response.status, await response.json()

    async def get(self, appointment: Appointment, who: str) -> dict:
        response = await self.api.get(
            f"/api/meetings/appointments/{appointment.id}/", headers=self.cast.headers(who)
        )
        assert response.status == 200, await response.text()
        return await response.json()

    async def deliver_until(self, when: datetime) -> int:
        """Move the clock to `when` and deliver everything due by then."""
        self.clock.now = when
        return await self.dispatcher.dispatch_due()


async def story(settings: Settings, make_client: Any) -> Story:
    cast = await make_cast(settings)
    clock = Clock(NOW)
    return Story(settings, cast, await clocked_api(settings, make_client, clock), clock)


async def rows(appointment: Appointment, **filters: Any) -> list[Notification]:
    return list(await Notification.filter(appointment_id=appointment.id, **filters).order_by("id"))


async def pending_kinds(appointment: Appointment) -> list[str]:
    found = await rows(appointment, status=NotificationStatus.PENDING)
    return sorted(f"{row.kind}:{row.channel.value}" for row in found)


def calendar_of(message: EmailMessage) -> Calendar:
    """The message's `.ics`, parsed by icalendar; its content type names the method."""
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            content = part.get_content()
            parsed = Calendar.from_ical(content)
            assert part.get_param("method") == parsed["METHOD"]
            return parsed
    raise AssertionError("no text/calendar attachment")


def later(value: datetime, **delta: float) -> datetime:
    return value + timedelta(**delta)
