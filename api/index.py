"""`GET /api/`: the API's index (the seed's `api_root`), with absolute URLs of this server."""

from __future__ import annotations

from typing import Any, NotRequired

from aiohttp import web
from pydantic import ConfigDict
from typing_extensions import TypedDict

from api.app_keys import SETTINGS
from api.auth import Access
from api.lifecycle_index import lifecycle_endpoints, privacy_auth_endpoints, two_step_endpoints
from api.routing import Routes
from api.urls import server_base

routes = Routes()

VERSION = "1.0.0"


# --- the index's shape (its response model) -----------------------------------------------------
# TypedDicts rather than models: an entry carries only the keys that apply to it, as the
# seed's does, and the published schema says which are always there. `extra="forbid"`: a
# key added to the document below without a place here is an error, not silently dropped.


class EndpointEntry(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]
    description: str
    url: str
    methods: list[str]
    authentication: NotRequired[str]
    required_fields: NotRequired[list[str]]
    optional_fields: NotRequired[list[str]]
    query_parameters: NotRequired[dict[str, str]]
    url_parameter: NotRequired[str]
    prerequisites: NotRequired[str]
    validation: NotRequired[str]
    example_request: NotRequired[dict[str, Any]]
    side_effects: NotRequired[list[str]]
    response: NotRequired[str]
    response_fields: NotRequired[dict[str, str]]
    response_includes: NotRequired[str | dict[str, str]]


class JitsiIntegration(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]
    description: str
    features: list[str]
    meeting_lifecycle: dict[str, str]
    join_conditions: list[str]


class EndpointGroup(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]
    description: str
    base_path: str
    endpoints: dict[str, EndpointEntry]
    jitsi_integration: NotRequired[JitsiIntegration]


class ApiIndex(TypedDict):
    """The API's index: every endpoint with its absolute URL, workflows and data formats."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]
    message: str
    version: str
    base_url: str
    documentation: dict[str, str]
    project_structure: dict[str, str]
    endpoints: dict[str, EndpointGroup]
    appointment_workflows: dict[str, list[str]]
    authentication_flows: dict[str, list[str]]
    quick_start: dict[str, list[str]]
    data_specifications: dict[str, dict[str, str | list[str]]]
    authentication_notes: dict[str, str | dict[str, str]]


# --- the document -------------------------------------------------------------------------------


def _auth_endpoints(u: Any) -> dict[str, Any]:
    return {
        "register": {
            "description": "Register a new user and send a verification code by e-mail",
            "url": u("/api/auth/register/"),
            "methods": ["POST"],
            "required_fields": ["email", "first_name", "last_name", "password", "password2"],
            "example_request": {
                "email": "user@example.com",
                "first_name": "John",
                "last_name": "Doe",
                "phone_number": "+1234567890",
                "password": "SecurePassword123",
                "password2": "SecurePassword123",
            },
        },
        "verify_otp": {
            "description": "Verify the e-mail address with the code",
            "url": u("/api/auth/verify-otp/"),
            "methods": ["POST"],
            "required_fields": ["email", "otp"],
            "example_request": {"email": "user@example.com", "otp": "123456"},
        },
        "login": {
            "description": "Authenticate and receive JWT tokens",
            "url": u("/api/auth/login/"),
            "methods": ["POST"],
            "required_fields": ["email", "password"],
            "example_request": {"email": "user@example.com", "password": "SecurePassword123"},
        },
        "resend_otp": {
            "description": "Send a new code for e-mail verification or password reset",
            "url": u("/api/auth/resend-otp/"),
            "methods": ["POST"],
            "required_fields": ["email"],
            "optional_fields": ["context (registration/password_reset)"],
            "example_request": {"email": "user@example.com", "context": "registration"},
        },
        "forgot_password": {
            "description": "Start a password reset",
            "url": u("/api/auth/forgot-password/"),
            "methods": ["POST"],
            "required_fields": ["email"],
            "example_request": {"email": "user@example.com"},
        },
        "verify_password_reset_otp": {
            "description": "Check a password reset code",
            "url": u("/api/auth/verify-password-reset-otp/"),
            "methods": ["POST"],
            "required_fields": ["email", "otp"],
            "example_request": {"email": "user@example.com", "otp": "123456"},
        },
        "reset_password": {
            "description": "Set a new password with the code",
            "url": u("/api/auth/reset-password/"),
            "methods": ["POST"],
            "required_fields": ["email", "otp", "new_password", "confirm_password"],
            "example_request": {
                "email": "user@example.com",
                "otp": "123456",
                "new_password": "NewSecurePassword123",
                "confirm_password": "NewSecurePassword123",
            },
        },
        "token_refresh": {
            "description": "Exchange a refresh token for new tokens (rotated on every use)",
            "url": u("/api/auth/token/refresh/"),
            "methods": ["POST"],
            "required_fields": ["refresh"],
            "example_request": {"refresh": "your_refresh_token_here"},
        },
    }


MEETING_FIELDS = {
    "jitsi_meet_url": "Your own Jitsi link (only for scheduled appointments)",
    "jitsi_room_id": "Jitsi room ID",
    "has_jitsi_meeting": "Boolean indicating if the meeting is created",
    "can_join_meeting": "Boolean indicating if the meeting can be joined now",
    "meeting_status": "pending, scheduled, active or completed",
}


def _meeting_endpoints(u: Any) -> dict[str, Any]:
    base = "/api/meetings"
    return {
        "admin_availability": {
            "description": "Get or update the weekly availability and the booking rules (staff)",
            "url": u(f"{base}/admin/availability/"),
            "methods": ["GET", "PUT", "PATCH"],
            "authentication": "Required (Staff users only)",
            "response_fields": {
                "available_days": "List of weekday numbers (0-6) when appointments are accepted",
                "available_days_display": "Human-readable day names",
                "minimum_notice_hours": "Clients book at least this far ahead (default 24)",
                "booking_horizon_days": "Dates are offered this many days ahead (default 30)",
                "buffer_minutes": "Free minutes kept around every session (default 0)",
                "max_sessions_per_day": "At most this many sessions a day (null: no cap)",
                "cancellation_notice_hours": "A client cancelling later cancels late (24)",
            },
            "validation": "400 names a value out of bounds; a rule left out keeps its value",
            "example_request": {"available_days": [0, 1, 2, 3, 4], "buffer_minutes": 15},
        },
        "available_dates": {
            "description": "Dates on offer, from tomorrow to the booking horizon (public)",
            "url": u(f"{base}/appointments/available-dates/"),
            "methods": ["GET"],
            "authentication": "None required",
            "response": "List of dates in YYYY-MM-DD format (practice time zone): open "
            "weekdays, not blocked, not at the daily cap, with a slot that has room past the "
            "minimum notice",
        },
        "available_slots": {
            "description": "The time slots of one day with room for a 60-minute session (public)",
            "url": u(f"{base}/appointments/available-slots/"),
            "methods": ["GET"],
            "authentication": "None required",
            "query_parameters": {"date": "YYYY-MM-DD, from today to the booking horizon"},
            "response": '{"date", "slots"}: slots where an hour from a whole or half hour '
            "fits, past the notice, clear of sessions and buffers ([] on a closed/full day)",
        },
        "blocked_dates": {
            "description": "Days away: list them, or block a period (staff)",
            "url": u(f"{base}/admin/blocked-dates/"),
            "methods": ["GET", "POST"],
            "authentication": "Required (Staff users only)",
            "required_fields": ["start_date"],
            "optional_fields": ["end_date (inclusive; default start_date)", "note (private)"],
            "example_request": {"start_date": "2024-08-05", "end_date": "2024-08-16"},
            "side_effects": ["Never offered to clients; booking on them needs override"],
        },
        "remove_blocked_dates": {
            "description": "Unblock a period (staff); answers the period removed",
            "url": u(f"{base}/admin/blocked-dates/<int:pk>/"),
            "methods": ["DELETE"],
            "authentication": "Required (Staff users only)",
            "url_parameter": "pk (id of the blocked period)",
        },
        "create_appointment": {
            "description": "Create an appointment request (public)",
            "url": u(f"{base}/appointments/create/"),
            "methods": ["POST"],
            "authentication": "None required (a signed-in client's request is linked)",
            "required_fields": [
                "first_name",
                "last_name",
                "email",
                "preferred_dates",
                "preferred_time_slots",
            ],
            "optional_fields": ["phone", "reason"],
            "example_request": {
                "first_name": "John",
                "last_name": "Doe",
                "email": "john@example.com",
                "phone": "+1234567890",
                "reason": "Initial consultation for anxiety",
                "preferred_dates": ["2024-01-15", "2024-01-16"],
                "preferred_time_slots": ["morning", "afternoon"],
            },
            "validation": "Preferred dates must be available dates",
        },
        "list_appointments": {
            "description": "List appointment requests (staff see all, clients their own)",
            "url": u(f"{base}/appointments/"),
            "methods": ["GET"],
            "authentication": "Required",
            "query_parameters": {
                "status": "pending_review, scheduled or rejected",
                "email": "Staff only: requests made with this e-mail",
                "page": "Page number",
                "page_size": "Results per page (at most 100)",
            },
            "response_fields": MEETING_FIELDS,
        },
        "appointment_detail": {
            "description": "One appointment (its owner or staff)",
            "url": u(f"{base}/appointments/<uuid:pk>/"),
            "methods": ["GET"],
            "authentication": "Required",
            "url_parameter": "pk (UUID of the appointment)",
            "response_includes": "Jitsi meeting information for scheduled appointments",
        },
        "user_appointments": {
            "description": "Appointments of the signed-in user",
            "url": u(f"{base}/user/appointments/"),
            "methods": ["GET"],
            "authentication": "Required",
            "response": "Paginated list of the user's requests with Jitsi meeting details",
        },
        "schedule_appointment": {
            "description": "Schedule an appointment and create its private Jitsi room (staff)",
            "url": u(f"{base}/appointments/<uuid:pk>/schedule/"),
            "methods": ["POST"],
            "authentication": "Required (Staff users only)",
            "required_fields": ["scheduled_datetime"],
            "optional_fields": ["scheduled_duration", "override", "repeat", "skip_conflicts"],
            "prerequisites": "Appointment must be in 'pending_review' status",
            "validation": '409 names each clash; "override": true books past all but a session',
            "example_request": {
                "scheduled_datetime": "2024-01-15T10:00:00Z",
                "scheduled_duration": 60,
            },
            "side_effects": [
                "Updates status to 'scheduled'",
                "Generates a private Jitsi room",
                "E-mails the client the time, the link and a calendar invitation",
                "Queues reminders a day before and when the room opens",
                "Clears rejection reason if any",
            ],
            "response_includes": {
                "jitsi_meet_url": "Generated Jitsi meeting URL",
                "jitsi_room_id": "Unique Jitsi room ID",
                "has_jitsi_meeting": "true",
            },
        },
        "reject_appointment": {
            "description": "Reject an appointment request (staff)",
            "url": u(f"{base}/appointments/<uuid:pk>/reject/"),
            "methods": ["POST"],
            "authentication": "Required (Staff users only)",
            "optional_fields": ["rejection_reason"],
            "prerequisites": "Appointment must be in 'pending_review' status",
            "example_request": {"rejection_reason": "No availability for preferred dates"},
            "side_effects": [
                "Updates status to 'rejected'",
                "Clears Jitsi meeting information",
                "Sends rejection e-mail to the client",
                "Clears scheduled datetime if any",
            ],
        },
        "jitsi_meeting_info": {
            "description": "Jitsi meeting of a scheduled appointment (owner or staff)",
            "url": u(f"{base}/appointments/<uuid:pk>/jitsi-meeting/"),
            "methods": ["GET"],
            "authentication": "Required",
            "prerequisites": "Appointment must be in 'scheduled' status",
            "response_fields": {
                "meeting_url": "Jitsi meeting URL (your own link)",
                "room_id": "Jitsi room ID",
                "scheduled_time": "Scheduled time in the practice's time zone",
                "duration": "Meeting duration",
                "can_join": "Boolean indicating if the meeting can be joined now",
                "meeting_status": "Current meeting status",
                "join_instructions": "Instructions for joining the meeting",
            },
        },
        "appointment_stats": {
            "description": "Appointment statistics (staff)",
            "url": u(f"{base}/appointments/stats/"),
            "methods": ["GET"],
            "authentication": "Required (Staff users only)",
            "response_fields": {
                "total_requests": "Total number of appointment requests",
                "pending_review": "Number of pending review requests",
                "scheduled": "Number of scheduled appointments",
                "rejected": "Number of rejected requests",
                "completion_rate": "Percentage of requests that were scheduled",
            },
        },
    }


def api_root_document(base: str, settings_zone: str) -> dict[str, Any]:
    """The index document for a server reachable at `base` (scheme://host[:port])."""

    def u(path: str) -> str:
        return base + path

    return {
        "message": "Therapy Appointment API",
        "version": VERSION,
        "base_url": u("/api/"),
        "documentation": {"openapi": u("/api/schema/"), "browsable": u("/api/docs/")},
        "project_structure": {
            "authentication": "/api/auth/ - User authentication and management",
            "appointments": "/api/meetings/ - Appointment booking system",
            "documentation": "/api/docs/ - Browsable API documentation (OpenAPI at /api/schema/)",
        },
        "endpoints": {
            "authentication": {
                "description": "User authentication and management endpoints",
                "base_path": "/api/auth/",
                "endpoints": _auth_endpoints(u) | privacy_auth_endpoints(u) | two_step_endpoints(u),
            },
            "appointments": {
                "description": "Appointment requests and management with Jitsi video meetings",
                "base_path": "/api/meetings/",
                "endpoints": {
                    **_meeting_endpoints(u),
                    **lifecycle_endpoints(u, "/api/meetings"),
                },
                "jitsi_integration": {
                    "description": "Automatic Jitsi video meeting integration",
                    "features": [
                        "A private room is generated when an appointment is scheduled",
                        "Room names carry at least 128 random bits",
                        "No setup required for clients - just click and join",
                        "Meeting availability based on scheduled time",
                        "With JITSI_APP_ID/JITSI_APP_SECRET every link carries its own token",
                    ],
                    "meeting_lifecycle": {
                        "pending": "No Jitsi meeting created",
                        "scheduled": "Meeting created, its join window has not opened yet",
                        "active": "Can be joined from 10 minutes before the start",
                        "completed": "Ended 15 minutes after the scheduled end",
                    },
                    "join_conditions": [
                        "Appointment must be in 'scheduled' status",
                        "Current time must be within 10 minutes before to 15 minutes after "
                        "the scheduled end",
                        "Client and therapist each have their own link to the same room",
                    ],
                },
            },
        },
        "appointment_workflows": {
            "client_booking_flow": [
                "1. GET /api/meetings/appointments/available-dates/ - Check available dates "
                "(available-slots/?date= gives a day's slots)",
                "2. POST /api/meetings/appointments/create/ - Submit appointment request",
                "3. GET /api/meetings/user/appointments/ - Track request status",
                "4. Receive e-mail notification when scheduled/rejected",
            ],
            "admin_management_flow": [
                "1. PUT /api/meetings/admin/availability/ - Set weekly availability and "
                "booking rules; POST /api/meetings/admin/blocked-dates/ - Days away",
                "2. GET /api/meetings/appointments/ - Review pending requests",
                "3. POST /api/meetings/appointments/{id}/schedule/ - Schedule appointment OR",
                "4. POST /api/meetings/appointments/{id}/reject/ - Reject with reason",
                "5. GET /api/meetings/appointments/stats/ - Monitor performance",
            ],
            "status_lifecycle": [
                "pending_review → scheduled (with datetime)",
                "pending_review → rejected (with optional reason)",
                "pending_review | scheduled → cancelled (owner or staff; late when a client "
                "cancels inside cancellation_notice_hours)",
                "scheduled → scheduled at a new time (staff move, or the client accepts a "
                "proposed time); a request accepting a proposal → scheduled",
            ],
        },
        "authentication_flows": {
            "registration_flow": [
                "1. POST /api/auth/register/ - Register user and send code",
                "2. POST /api/auth/verify-otp/ - Verify e-mail with the code",
                "3. POST /api/auth/login/ - Login with credentials",
            ],
            "password_reset_flow": [
                "1. POST /api/auth/forgot-password/ - Request password reset code",
                "2. POST /api/auth/verify-password-reset-otp/ - Verify the code",
                "3. POST /api/auth/reset-password/ - Set new password",
            ],
        },
        "quick_start": {
            "for_users": [
                "1. Register: POST /api/auth/register/",
                "2. Verify email: POST /api/auth/verify-otp/",
                "3. Login: POST /api/auth/login/",
                "4. Check availability: GET /api/meetings/appointments/available-dates/",
                "5. Book appointment: POST /api/meetings/appointments/create/",
            ],
            "for_admins": [
                "1. Create a staff user: python -m booking create-staff --email ...",
                "2. Set availability: PUT /api/meetings/admin/availability/",
                "3. Manage appointments: GET /api/meetings/appointments/",
                "4. Schedule/Reject: Use specific appointment endpoints",
            ],
        },
        "data_specifications": {
            "appointment": {
                "status_choices": [
                    "pending_review - Initial state, awaiting admin action",
                    "scheduled - Approved with specific date/time",
                    "rejected - Not accepted, with optional reason",
                    "cancelled - Cancelled by the client or staff (cancelled_by)",
                ],
                "time_slot_choices": [
                    "morning - 9AM to 12PM",
                    "afternoon - 1PM to 5PM",
                    "evening - 6PM to 9PM",
                ],
                "time_zone": f"Days and time slots are in {settings_zone}; times are stored in UTC",
                "preferred_dates_format": "YYYY-MM-DD (array of strings)",
                "encrypted_fields": [
                    "first_name",
                    "last_name",
                    "email",
                    "phone",
                    "reason",
                    "rejection_reason",
                ],
            },
            "availability": {
                "day_format": "0=Monday, 1=Tuesday, ..., 6=Sunday",
                "example": "[0, 1, 2, 3, 4] for Monday-Friday",
                "rules": "minimum_notice_hours 0-720 (24; binds clients only), "
                "booking_horizon_days 1-365 (30), buffer_minutes 0-120 (0), "
                "max_sessions_per_day 1-48 or null (no cap), cancellation_notice_hours 0-720 (24)",
            },
        },
        "authentication_notes": {
            "token_usage": "Include JWT token in Authorization header: Bearer <token>",
            "token_refresh": "Use refresh token to get new access token when expired",
            "permissions": {
                "public_endpoints": "No authentication required",
                "user_endpoints": "Valid JWT token required",
                "admin_endpoints": "Staff user with valid JWT token required",
            },
        },
    }


@routes.endpoint("GET", "/api/", access=Access.PUBLIC, response=ApiIndex, tag="service")
async def api_root(request: web.Request) -> dict[str, Any]:
    """The API's index: every endpoint with its absolute URL, workflows and data formats."""
    settings = request.app[SETTINGS]
    return api_root_document(server_base(request), settings.practice_timezone)
