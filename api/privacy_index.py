"""The `/api/` index's entries for a client's data (the routes of `api.privacy`).

`privacy_auth_endpoints` joins the authentication group, `privacy_staff_endpoints` the
appointments group (merged by `api.lifecycle_index`), in the shape of their entries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ERASED = '{"id", "erased_at", "cancelled", "appointments_erased"}'


def privacy_auth_endpoints(u: Callable[[str], str]) -> dict[str, Any]:
    return {
        "export_my_data": {
            "description": "Everything the practice holds about you, as one JSON document",
            "url": u("/api/auth/me/export/"),
            "methods": ["GET"],
            "authentication": "Required",
            "response": '{"format", "format_version", "generated_at", "account", "telegram", '
            '"appointments", "waitlist", "audit_events"}',
            "side_effects": ["Recorded in the audit trail (client.export)"],
        },
        "erase_me": {
            "description": "Erase your account and every personal value held about you",
            "url": u("/api/auth/me/erase/"),
            "methods": ["POST"],
            "authentication": "Required (clients; a staff account is a 409)",
            "required_fields": ["password"],
            "example_request": {"password": "SecurePassword123"},
            "response": ERASED,
            "side_effects": [
                "Sessions ahead and waiting requests are cancelled; staff are told, unnamed",
                "Names, e-mail, phone, reasons and notes are destroyed; what stays is anonymous",
                "Signed out everywhere; the Telegram link and queued messages go",
                "A wrong or missing password is a 400 and erases nothing",
            ],
        },
    }


def privacy_staff_endpoints(u: Callable[[str], str], base: str) -> dict[str, Any]:
    return {
        "erase_client": {
            "description": "Erase a client who asks in person (as erase_me does)",
            "url": u(f"{base}/admin/clients/<uuid:user_id>/erase/"),
            "methods": ["POST"],
            "authentication": "Required (Staff users only)",
            "response": ERASED,
            "side_effects": ["Recorded in the audit trail (client.erase, you as the actor)"],
        },
    }
