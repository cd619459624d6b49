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

from tortoise import BaseDBAsyncClient, connections

from booking.db_clients import Statements, uuid_value
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


# One aggregate over the client's other appointments, as SQL written once per dialect: the
# ORM built this query anew for every request (a sixth of what a request cost). Parameters:
# 1 scheduled, 2 window start, 3 now, 4 no_show, 5 e-mail index, 6 account id (NULL matches
# nothing), 7 this id.
_SQL = Statements(
    history="""
SELECT COUNT(*) AS earlier,
  COUNT(CASE WHEN status = {1} AND scheduled_datetime >= {2}
             AND scheduled_datetime <= {3} THEN 1 END) AS sessions,
  COUNT(CASE WHEN status = {1} AND scheduled_datetime >= {2}
             AND scheduled_datetime <= {3} AND attendance = {4} THEN 1 END) AS no_shows,
  COUNT(CASE WHEN late_cancellation AND cancelled_at >= {2} THEN 1 END) AS late
FROM appointments
WHERE (email_index = {5} OR user_id = {6}) AND id <> {7}
"""
)


async def client_history(
    appointment: Appointment, now: datetime, conn: BaseDBAsyncClient | None = None
) -> ClientHistory:
    """The client's other appointments (by the account or the address), in one query."""
    conn = conn or connections.get("default")
    user_id = appointment.user_id  # type: ignore[attr-defined]
    values = [
        AppointmentStatus.SCHEDULED.value,
        now - HISTORY_WINDOW,
        now,
        Attendance.NO_SHOW.value,
        appointment.email_index,
        uuid_value(conn, user_id),
        uuid_value(conn, appointment.id),
    ]
    rows = await conn.execute_query_dict(_SQL.sql(conn, "history"), values)
    row = rows[0] if rows else {}
    return ClientHistory(
        sessions=row.get("sessions") or 0,
        no_shows=row.get("no_shows") or 0,
        late_cancellations=row.get("late") or 0,
        earlier_requests=row.get("earlier") or 0,
    )
