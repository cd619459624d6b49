"""The `/api/` index's entry for the audit trail (the route of `api.audit`).

Merged by `api.lifecycle_index` into the appointments group, in the shape of its entries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def audit_endpoints(u: Callable[[str], str], base: str) -> dict[str, Any]:
    return {
        "audit_trail": {
            "description": "Who read or changed whose data, newest first (staff)",
            "url": u(f"{base}/admin/audit/"),
            "methods": ["GET"],
            "authentication": "Required (Staff users only)",
            "query_parameters": {
                "actor": "The acting user's id (UUID)",
                "target": "What was acted on (an appointment's, a user's or a series' id)",
                "action": "e.g. appointment.view, appointment.list, appointment.schedule",
                "since": "YYYY-MM-DD or an ISO 8601 date and time",
                "page": "Page number (page_size: at most 100)",
            },
            "response": '{"count", "next", "previous", "results"}: each result {"id", '
            '"at", "actor", "action", "target", "ip_hash"}; no personal values',
            "side_effects": ["Reading the trail is itself recorded (audit.view)"],
        },
    }
