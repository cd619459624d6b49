"""The choices the models store (plain string enums): statuses, roles, slots, purposes."""

from __future__ import annotations

from enum import StrEnum


class AppointmentStatus(StrEnum):
    PENDING_REVIEW = "pending_review"
    SCHEDULED = "scheduled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Attendance(StrEnum):
    """Whether the client came to a session that has started (recorded by staff)."""

    ATTENDED = "attended"
    NO_SHOW = "no_show"


class Role(StrEnum):
    """Which side acted: the client or the practice (`system` for what time itself does)."""

    CLIENT = "client"
    STAFF = "staff"
    SYSTEM = "system"


class ProposalStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    REPLACED = "replaced"


class RescheduleRequestStatus(StrEnum):
    OPEN = "open"
    MOVED = "moved"
    KEPT = "kept"
    CANCELLED = "cancelled"


class TimeSlot(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


class CodePurpose(StrEnum):
    REGISTRATION = "registration"
    PASSWORD_RESET = "password_reset"
    TELEGRAM_LINK = "telegram_link"
    ERASURE = "erasure"  # the bot's /deleteme, confirmed by a code sent to the address


class NotificationChannel(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class WaitlistEntryStatus(StrEnum):
    WAITING = "waiting"
    FULFILLED = "fulfilled"
    LEFT = "left"  # the client left the list
    LAPSED = "lapsed"  # its range passed, or the session it wanted to bring forward is gone


class WaitlistOfferStatus(StrEnum):
    HELD = "held"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # the time was taken otherwise, or the entry left
