"""`/api/meetings/practice/`: what a web client shows around its booking form.

The practice's name and time zone, and the safety line: `CRISIS_MESSAGE` (the practice's own
words for where to turn in a crisis, null when unset) and that this service is not monitored
for emergencies, the same words the request e-mail carries. The bot shows them in /start and
on the booking summary; a web client has no other way to learn them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from api.app_keys import SETTINGS
from api.auth import Access
from api.routing import Routes
from booking.messages.appointment_emails import NOT_AN_EMERGENCY_SERVICE

routes = Routes()

PRACTICE = "/api/meetings/practice/"


class PracticeOut(BaseModel):
    name: str = Field(description="PRACTICE_NAME")
    timezone: str = Field(description="PRACTICE_TIMEZONE: the zone of days and time slots")
    crisis_message: str | None = Field(
        description="Where to turn in a crisis (CRISIS_MESSAGE); null when the practice set none"
    )
    emergency_notice: str = Field(
        description="Always: this service is not monitored for emergencies; show it by the form"
    )


@routes.endpoint("GET", PRACTICE, access=Access.PUBLIC, response=PracticeOut, tag="availability")
async def practice(request: web.Request) -> PracticeOut:
    """The practice's name, time zone and safety line, for a booking form."""
    settings = request.app[SETTINGS]
    crisis = (settings.crisis_message or "").strip() or None
    return PracticeOut(
        name=settings.practice_name,
        timezone=settings.practice_timezone,
        crisis_message=crisis,
        emergency_notice=NOT_AN_EMERGENCY_SERVICE,
    )


def practice_endpoints(u: Callable[[str], str], base: str) -> dict[str, Any]:
    """The `/api/` index's entry for this route (merged by `api.lifecycle_index`)."""
    return {
        "practice": {
            "description": "The practice's name, time zone and safety line, for a booking form",
            "url": u(f"{base}/practice/"),
            "methods": ["GET"],
            "authentication": "Not required",
            "response": '{"name", "timezone", "crisis_message" (null when unset), '
            '"emergency_notice"}',
        },
    }
