"""`/api/meetings/waitlist/...`: waiting for freed time, and taking a time held for you.

A signed-in client joins (weekdays and/or a date range, slots, an optional note), lists
their waiting entries and leaves; staff list everyone's. Freed time is offered by
`booking.waitlist_offers` one entry at a time, in join order; the client takes or passes
on the held time here or in the bot. Each handler calls one service of `booking.waitlist`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from api.app_keys import SETTINGS, request_now
from api.appointment_models import AppointmentOut, IsoDate, Slot, render_appointment
from api.auth import Access
from api.routing import Routes
from booking import proposals, waitlist
from booking.waitlist import MAX_WAITING, NOTE_MAX_LENGTH
from models import User, WaitlistEntry, WaitlistOffer

routes = Routes()

WAITLIST = "/api/meetings/waitlist/"
ONE_ENTRY = f"{WAITLIST}{{entry_id}}/"
ONE_OFFER = f"{WAITLIST}offers/{{offer_id}}"
Weekday = Annotated[StrictInt, Field(ge=0, le=6)]


class JoinBody(BaseModel):
    """What time would suit: weekdays and/or a date range, and the time slots."""

    model_config = ConfigDict(extra="forbid")
    weekdays: list[Weekday] = Field(
        [], max_length=7, description="0=Monday .. 6=Sunday; empty: any open day."
    )
    from_date: IsoDate | None = Field(None, description="First date, YYYY-MM-DD (with to_date).")
    to_date: IsoDate | None = Field(None, description="Last date, YYYY-MM-DD (inclusive).")
    preferred_time_slots: list[Slot] = Field(
        [], max_length=3, description="Empty: any slot (morning, afternoon, evening)."
    )
    note: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=NOTE_MAX_LENGTH)] | None
    ) = Field(None, description="For the therapist (encrypted at rest).")
    appointment_id: uuid.UUID | None = Field(
        None,
        description='Your scheduled session to bring forward: "tell me if an earlier time '
        "opens\" (the range then defaults to tomorrow up to the session's day).",
    )


class EntryPath(BaseModel):
    entry_id: uuid.UUID


class OfferPath(BaseModel):
    offer_id: uuid.UUID


class OfferOut(BaseModel):
    id: uuid.UUID
    scheduled_datetime: datetime
    duration: int
    expires_at: datetime
    status: str

    @classmethod
    def of(cls, offer: WaitlistOffer) -> OfferOut:
        return cls(
            id=offer.id,
            scheduled_datetime=offer.start,
            duration=offer.duration,
            expires_at=offer.expires_at,
            status=offer.status.value,
        )


class EntryOut(BaseModel):
    id: uuid.UUID
    user: uuid.UUID
    client_name: str
    weekdays: list[int]
    from_date: date | None
    to_date: date | None
    preferred_time_slots: list[str]
    note: str | None
    appointment: uuid.UUID | None = Field(description="The session to bring forward, if any.")
    status: str
    joined_at: datetime
    offer: OfferOut | None = Field(description="The time held for this entry right now.")

    @classmethod
    def of(cls, entry: WaitlistEntry, user: User, offer: WaitlistOffer | None) -> EntryOut:
        return cls(
            id=entry.id,
            user=user.id,
            client_name=f"{user.first_name} {user.last_name}",
            weekdays=entry.weekdays,
            from_date=entry.from_date,
            to_date=entry.to_date,
            preferred_time_slots=entry.preferred_time_slots,
            note=entry.note,
            appointment=entry.appointment_id,  # type: ignore[attr-defined]
            status=entry.status.value,
            joined_at=entry.joined_at,
            offer=OfferOut.of(offer) if offer is not None else None,
        )


async def _render(entry: WaitlistEntry, now: datetime) -> EntryOut:
    held = await waitlist.held_offers([entry], now)
    owner = await User.get(id=entry.user_id)  # type: ignore[attr-defined]
    return EntryOut.of(entry, owner, held.get(entry.id))


@routes.endpoint(
    "POST",
    WAITLIST,
    access=Access.USER,
    body=JoinBody,
    response=EntryOut,
    status=201,
    errors={409: f"Staff, a session not scheduled, or already {MAX_WAITING} entries waiting"},
    tag="waitlist",
)
async def join_waitlist(request: web.Request, *, user: User, body: JoinBody) -> EntryOut:
    """Join the waitlist (signed-in clients).

    When time is freed (a cancellation, a move, a removed day away) it is offered to the
    matching entries one at a time, in the order they joined: a hold of
    `WAITLIST_HOLD_MINUTES` (30 by default) with Take it in the chat and a link by e-mail.
    """
    now = request_now(request)
    entry = await waitlist.join_waitlist(
        request.app[SETTINGS],
        user,
        weekdays=body.weekdays,
        from_date=body.from_date,
        to_date=body.to_date,
        preferred_time_slots=body.preferred_time_slots,
        note=body.note,
        appointment_id=body.appointment_id,
        now=now,
    )
    return await _render(entry, now)


@routes.endpoint("GET", WAITLIST, access=Access.USER, response=list[EntryOut], tag="waitlist")
async def list_waitlist(request: web.Request, *, user: User) -> list[EntryOut]:
    """The waiting entries, in join order: a client's own; staff see everyone's."""
    now = request_now(request)
    entries = await waitlist.list_waitlist(user)
    held = await waitlist.held_offers(entries, now)
    return [EntryOut.of(e, e.user, held.get(e.id)) for e in entries]


@routes.endpoint(
    "DELETE",
    ONE_ENTRY,
    access=Access.USER,
    path_params=EntryPath,
    response=EntryOut,
    errors={409: "The entry has already left the list"},
    tag="waitlist",
)
async def leave_waitlist(request: web.Request, *, user: User, path_params: EntryPath) -> EntryOut:
    """Leave the waitlist (the entry's client, or staff); a time it holds passes on."""
    now = request_now(request)
    entry = await waitlist.leave_waitlist(
        request.app[SETTINGS], path_params.entry_id, user, now=now
    )
    return await _render(entry, now)


@routes.endpoint(
    "POST",
    f"{ONE_OFFER}/accept/",
    access=Access.USER,
    path_params=OfferPath,
    response=AppointmentOut,
    errors={409: "The hold has expired or was settled, or the time is no longer free"},
    tag="waitlist",
)
async def accept_waitlist_offer(
    request: web.Request, *, user: User, path_params: OfferPath
) -> AppointmentOut:
    """Take the time held for you: it becomes your session (or your session moves there).

    The first acceptance inside the hold wins; the time is re-checked free under the
    scheduling lock. Answers the scheduled (or moved) appointment.
    """
    now = request_now(request)
    settings = request.app[SETTINGS]
    appointment = await waitlist.accept_offer(settings, path_params.offer_id, user, now=now)
    offers = await proposals.offers_for([appointment], now)
    return render_appointment(settings, appointment, user, now, offers[appointment.id])


@routes.endpoint(
    "POST",
    f"{ONE_OFFER}/decline/",
    access=Access.USER,
    path_params=OfferPath,
    response=OfferOut,
    errors={409: "The hold has expired or was settled"},
    tag="waitlist",
)
async def decline_waitlist_offer(
    request: web.Request, *, user: User, path_params: OfferPath
) -> OfferOut:
    """No thanks: the time passes to the next in line; you stay on the waitlist."""
    offer = await waitlist.decline_offer(
        request.app[SETTINGS], path_params.offer_id, user, now=request_now(request)
    )
    return OfferOut.of(offer)
