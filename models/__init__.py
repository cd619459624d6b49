"""Tortoise ORM models. Personal fields are encrypted at rest; e-mail is found by blind index."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.choices import (
    AppointmentStatus,
    Attendance,
    CodePurpose,
    NotificationChannel,
    NotificationStatus,
    ProposalStatus,
    RescheduleRequestStatus,
    Role,
    TimeSlot,
    WaitlistEntryStatus,
    WaitlistOfferStatus,
)
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
    "AppointmentEvent",
    "AppointmentStatus",
    "Attendance",
    "AuditEvent",
    "Availability",
    "BlockedDate",
    "CodePurpose",
    "ConversationState",
    "DecryptionError",
    "EncryptedJSONField",
    "EncryptedTextField",
    "Notification",
    "NotificationChannel",
    "NotificationStatus",
    "OneTimeCode",
    "Proposal",
    "ProposalStatus",
    "RateLimitHit",
    "RecoveryCode",
    "RefreshToken",
    "RescheduleRequest",
    "RescheduleRequestStatus",
    "Role",
    "Series",
    "TimeSlot",
    "User",
    "Vault",
    "WaitlistEntry",
    "WaitlistEntryStatus",
    "WaitlistOffer",
    "WaitlistOfferStatus",
    "blind_index",
    "configure_encryption",
    "current_vault",
    "normalise_email",
]


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
    # Two-step sign-in (TOTP, RFC 6238): the secret is encrypted; enabled once confirmed.
    totp_secret = EncryptedTextField(null=True)
    totp_enabled_at = fields.DatetimeField(null=True)
    # The last time step a code was accepted for: a code is never accepted twice.
    totp_last_step = fields.BigIntField(null=True)
    # Set when the person's data was erased: the row stays, anonymous, so stats stay true.
    erased_at = fields.DatetimeField(null=True)
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


class RecoveryCode(Model):
    """A single-use two-step recovery code, stored as a hash."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="recovery_codes", on_delete=fields.CASCADE
    )
    code_hash = fields.CharField(max_length=255)
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "recovery_codes"


class AuditEvent(Model):
    """Append-only record of a staff access or action: ids and times only, no personal values.

    Plain id columns, not foreign keys: erasing or deleting a person never rewrites the trail.
    """

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    actor_id = fields.UUIDField(null=True, db_index=True)  # the user who acted; None: the system
    action = fields.CharField(max_length=64, db_index=True)
    target = fields.CharField(max_length=64, null=True, db_index=True)  # appointment/user id
    # The client whose data the event concerns (their export lists it).
    subject_id = fields.UUIDField(null=True, db_index=True)
    ip_hash = fields.CharField(max_length=64, null=True)  # keyed HMAC of the caller's IP

    class Meta:
        table = "audit_events"


class RateLimitHit(Model):
    """One counted attempt in a sliding window; `bucket` holds no personal data (hashed)."""

    id = fields.IntField(primary_key=True)
    bucket = fields.CharField(max_length=160)  # (bucket, at) below serves it
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "rate_limit_hits"
        # A bucket's hits in its window are counted from the index alone.
        indexes = (Index(fields=("bucket", "at")),)


class Availability(Model):
    """The practice's weekly availability and booking rules: one row."""

    id = fields.IntField(primary_key=True)
    available_days = fields.JSONField(default=list)
    minimum_notice_hours = fields.IntField(default=24)
    booking_horizon_days = fields.IntField(default=30)
    buffer_minutes = fields.IntField(default=0)
    max_sessions_per_day = fields.IntField(null=True)  # None: no cap
    cancellation_notice_hours = fields.IntField(default=24)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "availability"


class BlockedDate(Model):
    """Days off (holidays, training): `start_date` to `end_date` inclusive, practice dates."""

    id = fields.IntField(primary_key=True)
    start_date = fields.DateField(db_index=True)
    end_date = fields.DateField(db_index=True)
    note = EncryptedTextField(null=True)  # private to staff
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "blocked_dates"
        ordering = ["start_date", "id"]


class Series(Model):
    """Sessions booked together, every `every_weeks` weeks: each occurrence is an Appointment."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    every_weeks = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "series"


class Appointment(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="appointments", null=True, on_delete=fields.SET_NULL
    )
    # email_index and status are looked up through the composite indexes of Meta, which
    # begin with them: an index of their own would only be one more to write per booking.
    email_index = fields.CharField(max_length=64)
    first_name = EncryptedTextField()
    last_name = EncryptedTextField()
    email = EncryptedTextField()
    phone = EncryptedTextField(null=True)
    reason = EncryptedTextField(null=True)
    rejection_reason = EncryptedTextField(null=True)
    preferred_dates = fields.JSONField(default=list)
    preferred_time_slots = fields.JSONField(default=list)
    status = fields.CharEnumField(
        AppointmentStatus, max_length=32, default=AppointmentStatus.PENDING_REVIEW
    )
    scheduled_datetime = fields.DatetimeField(null=True, db_index=True)
    scheduled_duration = fields.IntField(null=True)
    jitsi_room_id = fields.CharField(max_length=128, null=True, unique=True)
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="decisions", null=True, on_delete=fields.SET_NULL
    )
    decided_at = fields.DatetimeField(null=True)
    cancelled_by = fields.CharEnumField(Role, max_length=16, null=True)
    cancelled_at = fields.DatetimeField(null=True)
    cancellation_reason = EncryptedTextField(null=True)
    # A client cancelled a scheduled session inside the cancellation notice: allowed, counted.
    late_cancellation = fields.BooleanField(default=False)
    client_confirmed_at = fields.DatetimeField(null=True)
    reschedule_count = fields.IntField(default=0)
    # The .ics SEQUENCE: raised by every move and by the cancellation (same UID throughout).
    calendar_sequence = fields.IntField(default=0)
    # Did the client come? Null until staff record it (after the start).
    attendance = fields.CharEnumField(Attendance, max_length=16, null=True)
    attendance_recorded_at = fields.DatetimeField(null=True)
    # Set when the personal fields were erased (the client's request, or retention).
    erased_at = fields.DatetimeField(null=True, db_index=True)
    series: fields.ForeignKeyNullableRelation[Series] = fields.ForeignKeyField(
        "models.Series", related_name="appointments", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "appointments"
        ordering = ["-created_at"]
        indexes = (
            # The lists' order (newest first, then id): a page is read off the index, not
            # sorted out of the whole table; with a status filter; a client's own rows.
            Index(fields=("created_at", "id")),
            Index(fields=("status", "created_at", "id")),
            Index(fields=("user_id", "created_at")),
            Index(fields=("email_index", "created_at")),
            # The booked sessions of a window (offers, clashes).
            Index(fields=("status", "scheduled_datetime")),
            # stats/: every column its one aggregate reads, so it never touches the rows.
            Index(fields=("status", "late_cancellation", "reschedule_count", "attendance")),
        )


class AppointmentEvent(Model):
    """One transition of an appointment: who (role, user), what, when; no personal values."""

    id = fields.IntField(primary_key=True)
    appointment: fields.ForeignKeyRelation[Appointment] = fields.ForeignKeyField(
        "models.Appointment", related_name="events", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="appointment_events", null=True, on_delete=fields.SET_NULL
    )
    actor_role = fields.CharEnumField(Role, max_length=16)
    kind = fields.CharField(max_length=32)
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "appointment_events"


class Proposal(Model):
    """A time staff offer for a request or a session; the client accepts one of a round."""

    id = fields.IntField(primary_key=True)
    appointment: fields.ForeignKeyRelation[Appointment] = fields.ForeignKeyField(
        "models.Appointment", related_name="proposals", on_delete=fields.CASCADE
    )
    proposed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="proposals_made", null=True, on_delete=fields.SET_NULL
    )
    start = fields.DatetimeField()
    duration = fields.IntField()
    # Staff offered it past an overridable clash (buffer, blocked day, daily cap).
    override = fields.BooleanField(default=False)
    expires_at = fields.DatetimeField(db_index=True)
    status = fields.CharEnumField(
        ProposalStatus, max_length=16, default=ProposalStatus.OPEN, db_index=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "proposals"


class RescheduleRequest(Model):
    """A client's wish to move a scheduled session; it stays booked until staff decide."""

    id = fields.IntField(primary_key=True)
    appointment: fields.ForeignKeyRelation[Appointment] = fields.ForeignKeyField(
        "models.Appointment", related_name="reschedule_requests", on_delete=fields.CASCADE
    )
    preferred_dates = fields.JSONField(default=list)
    preferred_time_slots = fields.JSONField(default=list)
    note = EncryptedTextField(null=True)
    requested_at = fields.DatetimeField()
    # Asked inside the minimum notice before the session's start.
    late = fields.BooleanField(default=False)
    status = fields.CharEnumField(
        RescheduleRequestStatus,
        max_length=16,
        default=RescheduleRequestStatus.OPEN,
        db_index=True,
    )
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "reschedule_requests"


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
        # A transition cancels its appointment's still-pending rows: found by appointment,
        # not by scanning every pending reminder of the practice.
        indexes = (Index(fields=("appointment_id", "status")),)


class ConversationState(Model):
    """The bot's persisted conversation, user and chat data (a restart loses no chat)."""

    key = fields.CharField(max_length=255, primary_key=True)
    data = EncryptedJSONField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "conversation_states"


class WaitlistEntry(Model):
    """A client waiting for freed time: on these weekdays and/or dates, in these slots."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="waitlist_entries", on_delete=fields.CASCADE
    )
    weekdays = fields.JSONField(default=list)  # 0=Monday .. 6=Sunday; [] = any
    from_date = fields.DateField(null=True)
    to_date = fields.DateField(null=True)
    preferred_time_slots = fields.JSONField(default=list)
    note = EncryptedTextField(null=True)
    # "Tell me if an earlier time opens": the scheduled session to bring forward.
    appointment: fields.ForeignKeyNullableRelation[Appointment] = fields.ForeignKeyField(
        "models.Appointment", related_name="waitlist_entries", null=True, on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(
        WaitlistEntryStatus, max_length=16, default=WaitlistEntryStatus.WAITING, db_index=True
    )
    joined_at = fields.DatetimeField(db_index=True)  # the order offers follow
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "waitlist_entries"


class WaitlistOffer(Model):
    """Freed time held for one entry until `expires_at`; the next in line gets it after."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    entry: fields.ForeignKeyRelation[WaitlistEntry] = fields.ForeignKeyField(
        "models.WaitlistEntry", related_name="offers", on_delete=fields.CASCADE
    )
    start = fields.DatetimeField(db_index=True)
    duration = fields.IntField()
    status = fields.CharEnumField(
        WaitlistOfferStatus, max_length=16, default=WaitlistOfferStatus.HELD, db_index=True
    )
    # Set while held, cleared when settled: unique, so one time and one entry hold at most
    # one offer each, whatever number of workers races to make one.
    held_time = fields.CharField(max_length=40, null=True, unique=True)
    held_entry = fields.CharField(max_length=40, null=True, unique=True)
    expires_at = fields.DatetimeField(db_index=True)
    created_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)
    # The session the accepted offer scheduled or moved.
    appointment: fields.ForeignKeyNullableRelation[Appointment] = fields.ForeignKeyField(
        "models.Appointment", related_name="waitlist_offers", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "waitlist_offers"
