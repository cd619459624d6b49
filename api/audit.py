"""`/api/meetings/admin/audit/`: the audit trail, read by staff (`booking.audit`).

Each event names ids, an action, a time and a keyed hash of the caller's IP: never an
e-mail address, a name or any other personal value. Reading the trail is itself recorded.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, Field, StringConstraints

from api.appointment_models import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from api.auth import Access
from api.routing import Routes
from api.urls import page_links
from booking.audit import AuditFilter, read_audit
from booking.errors import NotFound
from models import AuditEvent, User

routes = Routes()

AUDIT = "/api/meetings/admin/audit/"


class AuditQuery(BaseModel):
    """Filters and pagination of the audit trail."""

    actor: str | None = Field(None, description="The acting user's id (UUID).")
    target: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None, description="What was acted on: an appointment's or a user's id, a series' id."
    )
    action: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None, description="e.g. appointment.view, appointment.schedule, staff.login."
    )
    since: str | None = Field(
        None, description="YYYY-MM-DD or an ISO 8601 date and time (UTC without an offset)."
    )
    page: Annotated[int, Field(ge=1)] = 1
    page_size: Annotated[int, Field(ge=1)] = Field(
        DEFAULT_PAGE_SIZE, description=f"At most {MAX_PAGE_SIZE}."
    )


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor: uuid.UUID | None = Field(description="The acting user's id; null: the system.")
    action: str
    target: str | None
    ip_hash: str | None = Field(description="Keyed hash of the caller's IP; null from the bot.")

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        return cls(
            id=event.id,
            at=event.at,
            actor=event.actor_id,
            action=event.action,
            target=event.target,
            ip_hash=event.ip_hash,
        )


@routes.endpoint(
    "GET",
    AUDIT,
    access=Access.STAFF,
    query=AuditQuery,
    response=Page[AuditEventOut],
    errors={404: "The page is past the end of the list"},
    tag="audit",
)
async def list_audit_events(
    request: web.Request, *, user: User, query: AuditQuery
) -> Page[AuditEventOut]:
    """Who read or changed what, newest first (staff); filters actor, target, action, since."""
    where = AuditFilter.parse(
        actor=query.actor, target=query.target, action=query.action, since=query.since
    )
    size = min(query.page_size, MAX_PAGE_SIZE)
    total, rows = await read_audit(user, where, offset=(query.page - 1) * size, limit=size)
    if query.page > 1 and not rows:
        raise NotFound("Invalid page.")  # DRF's words, as api.appointments

    following, preceding = page_links(request, query.page, size, total)
    return Page[AuditEventOut](
        count=total,
        next=following,
        previous=preceding,
        results=[AuditEventOut.of(event) for event in rows],
    )
