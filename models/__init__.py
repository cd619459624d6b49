"""Tortoise ORM models. Personal fields are encrypted at rest; e-mail is found by blind index."""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.encryption import (
    DecryptionError,
    EncryptedJSONField,
    EncryptedTextField,
    Vault,
    blind_index,
    configure_encryption,
    current_vault,
    normalise_email,
)

__all__ = [
    "Appointment",
    "AppointmentStatus",
    "Availability",
    "CodePurpose",
    "ConversationState",
    "DecryptionError",
    "EncryptedJSONField",
    "EncryptedTextField",
    "Notification",
    "NotificationChannel",
    "NotificationStatus",
    "OneTimeCode",
    "RateLimitHit",
    "RefreshToken",
    "TimeSlot",
    "User",
    "Vault",
    "blind_index",
    "configure_encryption",
    "current_vault",
    "normalise_email",
]


class AppointmentStatus(StrEnum):
    PENDING_REVIEW = "pending_review"
    SCHEDULED = "scheduled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class TimeSlot(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


class CodePurpose(StrEnum):
    REGISTRATION = "registration"
    PASSWORD_RESET = "password_reset"
    TELEGRAM_LINK = "telegram_link"


class NotificationChannel(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class User(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    email = EncryptedTextField()
    email_index = fields.CharField(max_length=64, unique=True)
    first_name = EncryptedTextField()
    last_name = EncryptedTextField()
    phone = EncryptedTextField(null=True)
    password_hash = fields.CharField(max_length=255, null=True)
    is_staff = fields.BooleanField(default=False)
    is_active = fields.BooleanField(default=True)
    email_verified_at = fields.DatetimeField(null=True)
    telegram_user_id = fields.BigIntField(null=True, unique=True)
    timezone = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "users"

    def __str__(self) -> str:
        return f"User {self.id}"


class OneTimeCode(Model):
    id = fields.IntField(primary_key=True)
    email_index = fields.CharField(max_length=64, db_index=True)
    purpose = fields.CharEnumField(CodePurpose, max_length=32)
    code_hash = fields.CharField(max_length=255)
    expires_at = fields.DatetimeField()
    attempts = fields.IntField(default=0)
    consumed_at = fields.DatetimeField(null=True)
    # Who asked for a telegram_link code: the code only links that Telegram account.
    telegram_user_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "one_time_codes"


class RefreshToken(Model):
    id = fields.IntField(primary_key=True)
    jti = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    family = fields.CharField(max_length=64, db_index=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "refresh_tokens"


class RateLimitHit(Model):
    """One counted attempt in a sliding window; `bucket` holds no personal data (hashed)."""

    id = fields.IntField(primary_key=True)
    bucket = fields.CharField(max_length=160, db_index=True)
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "rate_limit_hits"


class Availability(Model):
    """The practice's weekly availability: one row."""

    id = fields.IntField(primary_key=True)
    available_days = fields.JSONField(default=list)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "availability"


class Appointment(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="appointments", null=True, on_delete=fields.SET_NULL
    )
    email_index = fields.CharField(max_length=64, db_index=True)
    first_name = EncryptedTextField()
    last_name = EncryptedTextField()
    email = EncryptedTextField()
    phone = EncryptedTextField(null=True)
    reason = EncryptedTextField(null=True)
    rejection_reason = EncryptedTextField(null=True)
    preferred_dates = fields.JSONField(default=list)
    preferred_time_slots = fields.JSONField(default=list)
    status = fields.CharEnumField(
        AppointmentStatus, max_length=32, default=AppointmentStatus.PENDING_REVIEW, db_index=True
    )
    scheduled_datetime = fields.DatetimeField(null=True, db_index=True)
    scheduled_duration = fields.IntField(null=True)
    jitsi_room_id = fields.CharField(max_length=128, null=True, unique=True)
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="decisions", null=True, on_delete=fields.SET_NULL
    )
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "appointments"
        ordering = ["-created_at"]


class Notification(Model):
    """The outbox: every message to a person is a row, written with the change that causes it."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharEnumField(NotificationChannel, max_length=16)
    recipient = EncryptedTextField()
    payload = EncryptedJSONField()
    kind = fields.CharField(max_length=64)
    appointment: fields.ForeignKeyNullableRelation[Appointment] = fields.ForeignKeyField(
        "models.Appointment", related_name="notifications", null=True, on_delete=fields.CASCADE
    )
    due_at = fields.DatetimeField(db_index=True)
    status = fields.CharEnumField(
        NotificationStatus, max_length=16, default=NotificationStatus.PENDING, db_index=True
    )
    attempts = fields.IntField(default=0)
    # Encrypted: a relay's error text may quote the recipient's address.
    last_error = EncryptedTextField(null=True)
    sent_at = fields.DatetimeField(null=True)
    claimed_until = fields.DatetimeField(null=True)
    dedupe_key = fields.CharField(max_length=200, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "notifications"


class ConversationState(Model):
    """The bot's persisted conversation, user and chat data (a restart loses no chat)."""

    key = fields.CharField(max_length=255, primary_key=True)
    data = EncryptedJSONField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "conversation_states"
