"""The `/api/` index's entries for two-step sign-in (the 2fa routes of `api.accounts`).

They join the authentication group (re-exported by `api.lifecycle_index`), in the shape of
its entries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def two_step_endpoints(u: Callable[[str], str]) -> dict[str, Any]:
    return {
        "two_factor_setup": {
            "description": "Staff: start two-step sign-in (a TOTP secret for an authenticator app)",
            "url": u("/api/auth/2fa/setup/"),
            "methods": ["POST"],
            "authentication": "Required (staff; 409 once enrolled)",
            "response": '{"secret", "otpauth_uri"}',
        },
        "two_factor_confirm": {
            "description": "Staff: turn two-step sign-in on with the app's current code",
            "url": u("/api/auth/2fa/confirm/"),
            "methods": ["POST"],
            "authentication": "Required (staff)",
            "required_fields": ["otp"],
            "example_request": {"otp": "123456"},
            "response": '{"recovery_codes": [10 single-use codes, shown once]}',
            "side_effects": [
                'From then on login/ needs "otp" too (a current code or a recovery code)',
                "Recorded in the audit trail (staff.2fa_enabled)",
            ],
        },
    }
