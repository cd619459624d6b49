"""`/api/meetings/series/{id}/`: a weekly series, read and cancelled "from this one on".

A series is booked by `schedule/` with `repeat` (`api.appointments`); each occurrence is an
ordinary appointment, moved or cancelled on its own by the routes of `api.lifecycle`.
"""

from __future__ import annotations

import uuid
from datetime import date

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.app_keys import SETTINGS, request_now
from api.appointment_models import AppointmentOut, IsoDate, render_appointment
from api.auth import Access
from api.fields import CancellationReason
from api.routing import Routes
from booking import proposals
from booking.errors import InvalidInput
from booking.series import cancel_series, get_series_for
from models import Appointment, Series, User

routes = Routes()

ONE_SERIES = "/api/meetings/series/{series_id:[0-9a-fA-F-]{32,36}}"


class SeriesPath(BaseModel):
    series_id: uuid.UUID


class CancelSeriesBody(BaseModel):
    """The first practice-local date to cancel (default today) and an optional reason."""

    model_config = ConfigDict(extra="forbid")
    from_: IsoDate | None = Field(
        None, alias="from", description="YYYY-MM-DD; this occurrence and all later ones."
    )
    reason: CancellationReason | None = None


class SeriesOut(BaseModel):
    id: str
    every_weeks: int
    occurrences: list[AppointmentOut] = Field(description="Every occurrence, oldest first.")


def _first_day(value: str | None) -> date | None:
    """`from` as a date; "2026-02-30" has the shape of one and is still a 400, not a 500."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise InvalidInput({"from": ["Enter a date in YYYY-MM-DD format."]}) from None


async def _render(
    request: web.Request, series: Series, occurrences: list[Appointment], user: User
) -> SeriesOut:
    now = request_now(request)
    settings = request.app[SETTINGS]
    offers = await proposals.offers_for(occurrences, now)
    return SeriesOut(
        id=str(series.id),
        every_weeks=series.every_weeks,
        occurrences=[render_appointment(settings, a, user, now, offers[a.id]) for a in occurrences],
    )


@routes.endpoint(
    "GET",
    f"{ONE_SERIES}/",
    access=Access.USER,
    path_params=SeriesPath,
    response=SeriesOut,
    tag="series",
)
async def series_detail(request: web.Request, *, user: User, path_params: SeriesPath) -> SeriesOut:
    """A series and its occurrences, oldest first (its client or staff; else 404)."""
    series, occurrences = await get_series_for(user, path_params.series_id, audit=True)
    return await _render(request, series, occurrences, user)


@routes.endpoint(
    "POST",
    f"{ONE_SERIES}/cancel/",
    access=Access.USER,
    path_params=SeriesPath,
    body=CancelSeriesBody,
    response=SeriesOut,
    errors={409: "No occurrence from that date can still be cancelled"},
    tag="series",
)
async def cancel_series_from(
    request: web.Request, *, user: User, path_params: SeriesPath, body: CancelSeriesBody
) -> SeriesOut:
    """Cancel the occurrence on `from` (default today) and every later one.

    Each under the rules of a single cancel: its client or staff, late inside the
    cancellation notice for a client, both sides told, the calendar's `.ics` CANCEL.
    """
    now = request_now(request)
    first_day = _first_day(body.from_)
    await cancel_series(
        request.app[SETTINGS], path_params.series_id, user, first_day, body.reason, now=now
    )
    series, occurrences = await get_series_for(user, path_params.series_id)
    return await _render(request, series, occurrences, user)
