"""Two-step sign-in for staff: TOTP (RFC 6238) codes from an authenticator app, and recovery codes.

Enrolment is for staff accounts only (a client's account holds their own requests and is
reached by e-mailed codes; `PermissionDenied` for them):

- `await begin_enrolment(settings, user) -> Enrolment`: a new secret (encrypted at rest in
  `User.totp_secret`) and its `otpauth://` URI (issuer PRACTICE_NAME, account the e-mail).
  Again before confirmation: a new secret replaces the old one. Once enrolled: `Conflict`
  (turning it off or re-enrolling is the operator's job, see the README), so a stolen
  session can never swap the secret for its own.
- `await confirm_enrolment(settings, user, otp, *, now=None, ip=None) -> list[str]`: a
  current code of the new secret turns two-step sign-in on and answers the ten recovery
  codes, once (only their keyed hashes are stored); every refresh token of the account is
  revoked (sessions from before the second step end). Audited (`staff.2fa_enabled`).
- `await check_second_factor(user, otp, *, now=None) -> bool`: a current TOTP code (one
  step of clock drift either way) newer than the last one accepted, or an unused recovery
  code. Each is accepted once: the acceptance is one conditional UPDATE, so two sign-ins
  racing with the same code cannot both pass.
- `await second_step(user, otp, limits, *, now=None)`: the sign-in's (and the Telegram
  link's) second step, counting a wrong code in the sign-in's failure limits.
- `await reset_two_factor(email) -> User | None`: the operator's way back for a lost phone.
- `needs_second_factor(user)`, `must_enrol(settings, user)`: whether sign-in asks for a code;
  whether STAFF_REQUIRE_2FA keeps this staff member from staff work until they enrol.

Recovery codes are 10 characters of base32 (50 random bits), shown grouped `ABCDE-FGHIJ`;
being random rather than chosen, a keyed HMAC (the blind-index key) is enough to store them:
a stolen table cannot be searched without the key, and checking one needs no argon2.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from booking.audit import STAFF_2FA_ENABLED, STAFF_2FA_RESET, record_audit
from booking.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied
from booking.ratelimit import RateLimit, check_all, record_all
from booking.sessions import revoke_user_sessions
from booking.settings import Settings
from models import RecoveryCode, User, blind_index, current_vault

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10
TOTP_DIGITS = 6
# Codes of the step before and after the current one pass too (a phone's clock drifts).
VALID_WINDOW = 1
RECOVERY_HASH_PURPOSE = "recovery-code"

STAFF_ONLY = "Two-step sign-in is for staff accounts."
ALREADY_ENROLLED = (
    "Two-step sign-in is already on for this account. To move it to a new device, sign in "
    "with a recovery code and ask the operator to reset it."
)
NOT_STARTED = "Start with 2fa/setup/: there is no secret to confirm yet."
WRONG_CODE = "That code is not right. Enter the current 6-digit code from your authenticator app."
OTP_REQUIRED = (
    'Enter the 6-digit code from your authenticator app (or one of your recovery codes) as "otp".'
)
OTP_WRONG = "That code is not right, or has been used already."
ENROL_FIRST = (
    "Staff accounts must use two-step sign-in: set it up with /api/auth/2fa/setup/ and "
    "/api/auth/2fa/confirm/ first."
)

# Enrolment steps per staff member (a fresh secret each time; a wrong confirmation counts).
SETUPS_PER_USER = RateLimit("2fa-setup:user", 10, timedelta(hours=1))
CONFIRM_FAILURES_PER_USER = RateLimit("2fa-confirm-fail:user", 10, timedelta(minutes=15))


class SecondFactorRequired(NotAuthenticated):
    """The password was right; a current code (or a recovery code) is still needed."""

    default_detail = OTP_REQUIRED
    extra = {"otp_required": True}


class TwoFactorRequired(PermissionDenied):
    """STAFF_REQUIRE_2FA: this staff member must enrol before doing staff work."""

    default_detail = ENROL_FIRST
    extra = {"two_factor_required": True}


class TwoFactorSessionOnly(NotAuthenticated):
    """STAFF_REQUIRE_2FA: until they enrol, a staff member's session opens only enrolment."""

    default_detail = ENROL_FIRST
    extra = {"two_factor_required": True}


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


def _now() -> datetime:
    return datetime.now(UTC)


def needs_second_factor(user: User) -> bool:
    """Whether signing in as `user` takes a code after the password."""
    return user.is_staff and user.totp_enabled_at is not None and bool(user.totp_secret)


def must_enrol(settings: Settings, user: User) -> bool:
    """Whether STAFF_REQUIRE_2FA holds this staff member back until they enrol."""
    return settings.staff_require_2fa and user.is_staff and user.totp_enabled_at is None


def _staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied(STAFF_ONLY)


async def begin_enrolment(settings: Settings, user: User) -> Enrolment:
    """A new secret for `user` (replacing one not yet confirmed); Conflict once enrolled."""
    _staff(user)
    await SETUPS_PER_USER.hit(str(user.id))
    secret = pyotp.random_base32()  # 32 characters: 160 bits, RFC 4226's recommended length
    # Conditional: a confirmation that won the race has turned it on, and stays as it is.
    changed = await User.filter(id=user.id, totp_enabled_at__isnull=True).update(
        totp_secret=secret, totp_last_step=None
    )
    if not changed:
        raise Conflict(ALREADY_ENROLLED)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=settings.practice_name)
    return Enrolment(secret=secret, otpauth_uri=uri)


def _clean_code(otp: object) -> str:
    return str(otp).strip().replace(" ", "").replace("-", "").upper() if otp is not None else ""


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (within the window) whose code is `code`; None when none is."""
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        # Every step compared, in constant time each: the answer's timing tells nothing.
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _recovery_hash(user: User, code: str) -> str:
    return current_vault().keyed_hash(RECOVERY_HASH_PURPOSE, f"{user.id}:{code}")


def _new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode()[:RECOVERY_CODE_LENGTH]
    return f"{raw[:5]}-{raw[5:]}"


async def confirm_enrolment(
    settings: Settings,
    user: User,
    otp: object,
    *,
    now: datetime | None = None,
    ip: str | None = None,
) -> list[str]:
    """Turn two-step sign-in on with a current code; the ten recovery codes, shown once."""
    _staff(user)
    now = now or _now()
    key = str(user.id)
    await CONFIRM_FAILURES_PER_USER.check(key)
    current = await User.get(id=user.id)
    if current.totp_enabled_at is not None:
        raise Conflict(ALREADY_ENROLLED)
    if not current.totp_secret:
        raise Conflict(NOT_STARTED)
    step = _matching_step(current.totp_secret, _clean_code(otp), now)
    if step is None:
        await CONFIRM_FAILURES_PER_USER.record(key)
        raise InvalidInput({"otp": [WRONG_CODE]})
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    async with in_transaction() as conn:
        # The secret the code was checked against is the one kept: a setup that replaced it
        # meanwhile made a secret nobody confirmed. The confirming code is used up.
        enabled = await (
            User.filter(id=user.id, totp_enabled_at__isnull=True)
            .using_db(conn)
            .update(totp_secret=current.totp_secret, totp_enabled_at=now, totp_last_step=step)
        )
        if not enabled:
            raise Conflict(ALREADY_ENROLLED)
        # Sessions signed in with the password alone end: one may be a thief's, and would
        # otherwise refresh past the second step for good (this one's access token lasts
        # until it expires; then a sign-in with a code).
        await revoke_user_sessions(user.id, now=now, using_db=conn)
        await RecoveryCode.filter(user_id=user.id).using_db(conn).delete()
        await RecoveryCode.bulk_create(
            [
                RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user, _clean_code(c)))
                for c in codes
            ],
            using_db=conn,
        )
        await record_audit(user, STAFF_2FA_ENABLED, target=user.id, ip=ip, at=now, using_db=conn)
    return codes


async def check_second_factor(user: User, otp: object, *, now: datetime | None = None) -> bool:
    """Whether `otp` is a current TOTP code or an unused recovery code of `user`; uses it up."""
    if not needs_second_factor(user):
        return False
    now = now or _now()
    code = _clean_code(otp)
    step = _matching_step(user.totp_secret, code, now)  # type: ignore[arg-type]
    if step is not None:
        # Accepted only for a step newer than the last accepted one, in one UPDATE: the
        # database lets exactly one of two racing sign-ins with the same code through.
        accepted = await User.filter(
            Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step), id=user.id
        ).update(totp_last_step=step)
        return bool(accepted)
    if len(code) != RECOVERY_CODE_LENGTH:
        return False
    used = await RecoveryCode.filter(
        user_id=user.id, code_hash=_recovery_hash(user, code), used_at__isnull=True
    ).update(used_at=now)
    return bool(used)


async def second_step(
    user: User,
    otp: object,
    limits: list[tuple[RateLimit, str | None]],
    *,
    now: datetime | None = None,
) -> None:
    """A sign-in's second step when `user` needs one: SecondFactorRequired while `otp` is
    missing or wrong (a wrong one counts in `limits`, the sign-in's failure limits)."""
    if not needs_second_factor(user):
        return
    # The limits run on the real clock, as the password's do (`now` may be a test's clock).
    await check_all(limits)
    if otp is None or otp == "":
        raise SecondFactorRequired()
    if not await check_second_factor(user, otp, now=now):
        await record_all(limits)
        raise SecondFactorRequired(OTP_WRONG)


async def reset_two_factor(email: str, *, now: datetime | None = None) -> User | None:
    """Turn two-step sign-in off for the staff account of `email` (a lost phone, no recovery
    codes left): the operator's `python -m booking reset-2fa`; the owner enrols again.

    Every session of the account is signed out: whoever had it may have had the codes too.
    """
    now = now or _now()
    async with in_transaction() as conn:
        user = await User.filter(email_index=blind_index(email)).using_db(conn).first()
        if user is None:
            return None
        await (
            User.filter(id=user.id)
            .using_db(conn)
            .update(totp_secret=None, totp_enabled_at=None, totp_last_step=None)
        )
        await RecoveryCode.filter(user_id=user.id).using_db(conn).delete()
        await revoke_user_sessions(user.id, now=now, using_db=conn)
        await record_audit(None, STAFF_2FA_RESET, target=user.id, at=now, using_db=conn)
    return user


@dataclass(frozen=True)
class TwoFactorStatus:
    enabled_at: datetime | None
    recovery_codes_left: int


async def two_factor_status(user: User) -> TwoFactorStatus:
    """Whether two-step sign-in is on, and how many recovery codes are left."""
    left = 0
    if user.totp_enabled_at is not None:
        left = await RecoveryCode.filter(user_id=user.id, used_at__isnull=True).count()
    return TwoFactorStatus(enabled_at=user.totp_enabled_at, recovery_codes_left=left)
