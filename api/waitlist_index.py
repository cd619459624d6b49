"""The `/api/` index's entries for the waitlist (routes of `api.waitlist`).

Merged by `api.lifecycle_index` into the appointments group, in the shape of its entries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from booking.waitlist import MAX_WAITING

CLIENTS = "Required (clients; staff get 409: they book freed time directly)"


def waitlist_endpoints(u: Callable[[str], str], base: str) -> dict[str, Any]:
    waitlist = f"{base}/waitlist"
    offer = f"{waitlist}/offers/<uuid:offer_id>"
    return {
        "join_waitlist": {
            "description": "Wait for freed time: weekdays and/or a date range, time slots",
            "url": u(f"{waitlist}/"),
            "methods": ["POST"],
            "authentication": CLIENTS,
            "optional_fields": [
                "weekdays",
                "from_date",
                "to_date",
                "preferred_time_slots",
                "note",
                "appointment_id",
            ],
            "validation": "weekdays: 0=Monday..6=Sunday; from_date and to_date together "
            "(to_date not before from_date, not passed, at most a year on); weekdays or a "
            "range (or both); preferred_time_slots: morning, afternoon, evening (empty: any); "
            f"at most {MAX_WAITING} entries waiting per client",
            "example_request": {
                "weekdays": [1, 3],
                "preferred_time_slots": ["morning"],
                "note": "Any Tuesday or Thursday morning",
            },
            "side_effects": [
                "With appointment_id (your scheduled session): wait for an earlier time; "
                "the range defaults to tomorrow up to the session's day",
                "Freed time (a cancellation, a move, a removed day away) is offered to the "
                "matching entries one at a time, in the order they joined: a hold of "
                "WAITLIST_HOLD_MINUTES (30) with Take it in the chat and a link by e-mail",
                "When the hold is declined or expires, the next in line gets it",
            ],
        },
        "list_waitlist": {
            "description": "The waiting entries in join order (a client's own; staff all)",
            "url": u(f"{waitlist}/"),
            "methods": ["GET"],
            "authentication": "Required",
            "response_includes": "offer: the time held for the entry right now, or null",
        },
        "leave_waitlist": {
            "description": "Leave the waitlist (the entry's client, or staff)",
            "url": u(f"{waitlist}/<uuid:entry_id>/"),
            "methods": ["DELETE"],
            "authentication": "Required (the entry's client or staff; 404 for anyone else)",
            "side_effects": [
                "The entry's status becomes 'left'; a time it holds passes to the next in line",
                "409 when the entry has left the list already (fulfilled, lapsed, left)",
            ],
        },
        "accept_waitlist_offer": {
            "description": "Take it: the held time becomes your session (or moves yours)",
            "url": u(f"{offer}/accept/"),
            "methods": ["POST"],
            "authentication": "Required (the client it is held for; 404 for anyone else)",
            "side_effects": [
                "Inside the hold and while the time is free (re-checked under the scheduling "
                "lock): a scheduled session, or the session moved there; the first "
                "acceptance wins",
                "The entry is fulfilled; staff are told; the confirmation follows",
                "409 when the hold expired, was settled, or the time is no longer free",
            ],
        },
        "decline_waitlist_offer": {
            "description": "No thanks: the held time passes to the next in line",
            "url": u(f"{offer}/decline/"),
            "methods": ["POST"],
            "authentication": "Required (the client it is held for; 404 for anyone else)",
            "side_effects": [
                "You stay on the waitlist",
                "409 when the hold expired or was settled",
            ],
        },
    }
