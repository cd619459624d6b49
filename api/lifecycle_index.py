"""The `/api/` index's entries for a session's life after booking (routes of `api.lifecycle`,
and of `api.series` for a weekly series; the waitlist's from `api.waitlist_index`).

Kept apart from `api.index` so each stays short; `api.index` merges them into the
appointments group, in the same shape as its own entries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.audit_index import audit_endpoints
from api.practice import practice_endpoints
from api.privacy_index import privacy_auth_endpoints as privacy_auth_endpoints
from api.privacy_index import privacy_staff_endpoints
from api.two_factor_index import two_step_endpoints as two_step_endpoints
from api.waitlist_index import waitlist_endpoints

STATE_CHECKED = "409 when the appointment's state no longer allows it (a stale action)"


def lifecycle_endpoints(u: Callable[[str], str], base: str) -> dict[str, Any]:
    one = f"{base}/appointments/<uuid:pk>"
    return {
        "cancel_appointment": {
            "description": "Cancel a request or a session (its owner, or staff)",
            "url": u(f"{one}/cancel/"),
            "methods": ["POST"],
            "authentication": "Required (owner or staff)",
            "optional_fields": ["reason"],
            "prerequisites": "Status 'pending_review' or 'scheduled', not yet started",
            "example_request": {"reason": "I have to travel that week"},
            "side_effects": [
                "Updates status to 'cancelled' (cancelled_by, cancelled_at, reason encrypted)",
                "A client cancelling less than cancellation_notice_hours before the start: "
                "late_cancellation = true (allowed, counted in stats)",
                "Cancels every queued reminder; the room is closed",
                "Tells the other side by e-mail and chat; the client's e-mail carries an "
                ".ics METHOD:CANCEL (same UID, higher SEQUENCE)",
                STATE_CHECKED,
            ],
        },
        "reschedule_appointment": {
            "description": "Move a scheduled session to a new time (staff)",
            "url": u(f"{one}/reschedule/"),
            "methods": ["POST"],
            "authentication": "Required (Staff users only)",
            "required_fields": ["scheduled_datetime"],
            "optional_fields": ["scheduled_duration", "override"],
            "prerequisites": "Status 'scheduled', not yet started",
            "example_request": {"scheduled_datetime": "2024-01-16T14:00:00Z"},
            "side_effects": [
                "New time and a new private room (the old link stops working)",
                "Old reminders cancelled, new ones queued",
                "E-mails the client an updated .ics (same UID, higher SEQUENCE)",
                "409 naming the clashes (override: all but another session)",
            ],
        },
        "propose_times": {
            "description": "Offer the client 1-3 times (staff)",
            "url": u(f"{one}/propose/"),
            "methods": ["POST"],
            "authentication": "Required (Staff users only)",
            "required_fields": ["times"],
            "optional_fields": ["duration", "override"],
            "prerequisites": "Status 'pending_review' or 'scheduled'",
            "example_request": {"times": ["2024-01-16T14:00:00Z", "2024-01-17T09:00:00Z"]},
            "side_effects": [
                "Each time checked free (409 naming the clashes)",
                "Replaces the times still on offer; they lapse after PROPOSAL_EXPIRY_HOURS "
                "(48) and the client is told",
                "The client gets them by e-mail and as buttons in the chat",
            ],
        },
        "accept_proposal": {
            "description": "Take one of the proposed times (the appointment's owner)",
            "url": u(f"{one}/accept-proposal/"),
            "methods": ["POST"],
            "authentication": "Required (owner)",
            "required_fields": ["time"],
            "example_request": {"time": "2024-01-16T14:00:00Z"},
            "side_effects": [
                "Schedules the request, or moves the session, if the time is still free",
                "409 when it is taken, lapsed or inside the minimum notice; the other "
                "times stay on offer",
            ],
        },
        "request_reschedule": {
            "description": "Ask to move a scheduled session (the appointment's owner)",
            "url": u(f"{one}/reschedule-request/"),
            "methods": ["POST"],
            "authentication": "Required (owner)",
            "required_fields": ["preferred_dates", "preferred_time_slots"],
            "optional_fields": ["note"],
            "example_request": {
                "preferred_dates": ["2024-01-18"],
                "preferred_time_slots": ["afternoon"],
                "note": "Any afternoon that week",
            },
            "side_effects": [
                "The session stays booked; the appointment shows reschedule_request",
                "Inside the minimum notice the request is accepted and flagged late",
                "Staff get it in the chat with Move / Propose times / Keep",
            ],
        },
        "keep_session": {
            "description": "Answer a move request by keeping the session (staff)",
            "url": u(f"{one}/reschedule-request/keep/"),
            "methods": ["POST"],
            "authentication": "Required (Staff users only)",
            "prerequisites": "An open reschedule_request",
            "side_effects": ["The client is told the session stays as booked"],
        },
        "confirm_attendance": {
            "description": "\"I'll be there\" (the appointment's owner)",
            "url": u(f"{one}/confirm/"),
            "methods": ["POST"],
            "authentication": "Required (owner)",
            "prerequisites": "Status 'scheduled', not over",
            "response_includes": "client_confirmed_at (cleared when the session moves)",
        },
        "running_late": {
            "description": "Tell the therapist at once you are running late (owner)",
            "url": u(f"{one}/running-late/"),
            "methods": ["POST"],
            "authentication": "Required (owner)",
            "required_fields": ["minutes"],
            "validation": "minutes: 5, 10 or 15; from two hours before the start to its end",
            "example_request": {"minutes": 10},
        },
        "record_attendance": {
            "description": "Record whether the client attended a session (staff)",
            "url": u(f"{one}/attendance/"),
            "methods": ["POST"],
            "authentication": "Required (Staff users only)",
            "required_fields": ["attendance"],
            "validation": "attendance: 'attended' or 'no_show'",
            "prerequisites": "Status 'scheduled', from the session's start on (409 before)",
            "example_request": {"attendance": "no_show"},
            "side_effects": [
                "Sets attendance (null until recorded); meeting_status is unchanged",
                "A later answer replaces the recorded one; each answer is an event",
                "Counted in stats as attendance_rate and no_show_rate",
                "Staff are asked in the chat when the join window closes (Attended / No-show)",
            ],
        },
        **_series_endpoints(u, base),
        **waitlist_endpoints(u, base),
        **audit_endpoints(u, base),
        **privacy_staff_endpoints(u, base),
        **practice_endpoints(u, base),
    }


def _series_endpoints(u: Callable[[str], str], base: str) -> dict[str, Any]:
    """A weekly series (booked by schedule/ with `repeat`): read it, cancel it from a date."""
    one = f"{base}/series/<uuid:series_id>"
    return {
        "series_detail": {
            "description": "A weekly series and its occurrences, oldest first (owner or staff)",
            "url": u(f"{one}/"),
            "methods": ["GET"],
            "authentication": "Required (the series' client or staff; 404 for anyone else)",
            "response_includes": {
                "id": "The series id (every occurrence carries it as `series`)",
                "every_weeks": "1-4",
                "occurrences": "Appointment objects, oldest first",
            },
        },
        "cancel_series": {
            "description": "Cancel an occurrence and every later one (owner or staff)",
            "url": u(f"{one}/cancel/"),
            "methods": ["POST"],
            "authentication": "Required (the series' client or staff)",
            "optional_fields": ["from", "reason"],
            "validation": "from: YYYY-MM-DD, the practice's date (default today)",
            "example_request": {"from": "2024-02-06", "reason": "Moving away"},
            "side_effects": [
                "Each occurrence from that date on is cancelled by the rules of a single "
                "cancel: late inside the notice for a client, both sides told, its reminders "
                "cancelled, the client's e-mail carries its .ics METHOD:CANCEL",
                "Earlier occurrences stay as they are; moving one occurrence moves only it",
                "409 when no occurrence from that date can still be cancelled",
            ],
        },
    }
