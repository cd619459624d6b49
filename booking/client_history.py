"""A client's recent history with the practice, for the therapist deciding a new request.

- `await client_history(appointment, now, conn=None) -> ClientHistory`: the client's other
  appointments (found by their account or by the e-mail's blind index, never by a personal
  value): sessions that started in the last `HISTORY_MONTHS` months, how many of those were
  recorded as no-shows, how many the client cancelled late, and whether they ever asked before
- `history_line(history) -> str`: "3 sessions, 1 no-show in the last 6 months", or
  "First request"
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.functions import Count

from models import Appointment, AppointmentStatus, Attendance

HISTORY_MONTHS = 6
HISTORY_WINDOW = timedelta(days=183)  # about six months


@dataclass(frozen=True)
class ClientHistory:
    sessions: int  # scheduled sessions that started inside the window
    no_shows: int  # of those, recorded as no-shows
    late_cancellations: int  # sessions the client cancelled late inside the window
    earlier_requests: int  # every other appointment of the client, ever
    months: int = HISTORY_MONTHS

    def as_payload(self) -> dict[str, Any]:
        return {**asdict(self), "line": history_line(self)}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def history_line(history: ClientHistory) -> str:
    """What the therapist reads under a new request."""
    if not history.earlier_requests:
        return "First request"
    parts = [_plural(history.sessions, "session"), _plural(history.no_shows, "no-show")]
    if history.late_cancellations:
        parts.append(_plural(history.late_cancellations, "late cancellation"))
    return f"{', '.join(parts)} in the last {history.months} months"


def _same_client(appointment: Appointment) -> Q:
    user_id = appointment.user_id  # type: ignore[attr-defined]
    same = Q(email_index=appointment.email_index)
    return same | Q(user_id=user_id) if user_id else same


async def client_history(
    appointment: Appointment, now: datetime, conn: BaseDBAsyncClient | None = None
) -> ClientHistory:
    """The client's other appointments, counted in one aggregate query."""
    since = now - HISTORY_WINDOW
    held = Q(
        status=AppointmentStatus.SCHEDULED,
        scheduled_datetime__gte=since,
        scheduled_datetime__lte=now,
    )
    late = Q(late_cancellation=True, cancelled_at__gte=since)
    rows = (
        await Appointment.filter(_same_client(appointment))
        .exclude(id=appointment.id)
        .using_db(conn)
        .annotate(
            earlier=Count("id"),
            sessions=Count("id", _filter=held),
            no_shows=Count("id", _filter=held & Q(attendance=Attendance.NO_SHOW)),
            late=Count("id", _filter=late),
        )
        .values("earlier", "sessions", "no_shows", "late")
    )
    row = rows[0] if rows else {}
    return ClientHistory(
        sessions=row.get("sessions") or 0,
        no_shows=row.get("no_shows") or 0,
        late_cancellations=row.get("late") or 0,
        earlier_requests=row.get("earlier") or 0,
    )
