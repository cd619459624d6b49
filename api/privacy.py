"""A client's data: take it (`me/export/`) and erase it (`me/erase/`, or staff for them).

Each handler calls one service of `booking.privacy`; the export is a JSON document of its
own format (`booking.privacy_export`), published here as an open object.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.app_keys import SETTINGS, request_now
from api.auth import Access
from api.client_address import client_ip
from api.routing import Routes
from booking import privacy
from booking.passwords import MAX_LENGTH as PASSWORD_MAX_LENGTH
from models import User

routes = Routes()


class EraseBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # Optional here so a missing password is answered like a wrong one: 400 naming it.
    password: Annotated[str, Field(max_length=PASSWORD_MAX_LENGTH)] = ""


class UserPath(BaseModel):
    user_id: uuid.UUID


class ExportOut(BaseModel):
    """The export document (see the README's "Take my data" for every field)."""

    model_config = ConfigDict(extra="allow")

    format: str
    format_version: int
    generated_at: str
    account: dict[str, Any]
    telegram: dict[str, Any] | None
    appointments: list[dict[str, Any]]
    waitlist: list[dict[str, Any]]
    audit_events: list[dict[str, Any]]


class ErasureOut(BaseModel):
    id: str = Field(description="The erased account's id (it stays, anonymous)")
    erased_at: str
    cancelled: int = Field(description="Sessions and requests cancelled by the erasure")
    appointments_erased: int = Field(description="Appointments whose personal fields went")


@routes.endpoint(
    "GET", "/api/auth/me/export/", access=Access.USER, response=ExportOut, tag="privacy"
)
async def export_my_data(request: web.Request, *, user: User) -> dict[str, Any]:
    """Everything the practice holds about you, as one JSON document.

    The account (never the password hash or the two-step secret), your appointments with
    their reasons, decisions and history, your move requests and waitlist entries with
    their notes, the Telegram link (its id) and the audit events about you.
    """
    return await privacy.export_data(user, ip=client_ip(request), now=request_now(request))


@routes.endpoint(
    "POST",
    "/api/auth/me/erase/",
    access=Access.USER,
    body=EraseBody,
    response=ErasureOut,
    errors={
        400: "Wrong or missing password (nothing was erased), or an account without a "
        "password (made in Telegram: use the bot's /deleteme)",
        409: "A staff account cannot be erased",
        429: "Too many wrong passwords (see Retry-After)",
    },
    tag="privacy",
)
async def erase_me(request: web.Request, *, user: User, body: EraseBody) -> dict[str, Any]:
    """Erase your account and every personal value the practice holds about you.

    Confirmed with your password. Your future sessions and waiting requests are cancelled
    (the therapist is told, without your name); what remains is anonymous (dates and
    statuses), so the practice's numbers stay true. It cannot be undone.
    """
    erasure = await privacy.erase_with_password(
        request.app[SETTINGS],
        user,
        body.password,
        ip=client_ip(request),
        now=request_now(request),
    )
    return erasure.as_dict()


@routes.endpoint(
    "POST",
    "/api/meetings/admin/clients/{user_id}/erase/",
    access=Access.STAFF,
    path_params=UserPath,
    response=ErasureOut,
    errors={409: "A staff account, or one erased already"},
    tag="privacy",
)
async def erase_client(
    request: web.Request, *, user: User, path_params: UserPath
) -> dict[str, Any]:
    """Erase a client who asked in person (audited as `client.erase` with you as actor)."""
    erasure = await privacy.erase_client_by_staff(
        request.app[SETTINGS],
        user,
        path_params.user_id,
        ip=client_ip(request),
        now=request_now(request),
    )
    return erasure.as_dict()
