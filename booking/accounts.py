"""Accounts: staff set-up, registration, verification, sign-in, password reset, Telegram link.

Both doors call these; each takes plain values, returns plain values or a `User`, and
raises `booking.errors` (InvalidInput with the API's field names, NotAuthenticated,
RateLimited). `ip` is the client's address for per-IP limits (None: not counted).

Web (the `/api/auth/` endpoints):
- `await register_user(settings, *, email, first_name, last_name, password, phone=None,
  ip=None) -> None`
- `await verify_registration(settings, *, email, code, ip=None) -> User`
- `await resend_code(settings, *, email, context="registration", ip=None) -> None`
- `await request_password_reset(settings, *, email, ip=None) -> None`
- `await check_password_reset_code(settings, *, email, code, ip=None) -> None`
- `await reset_password(settings, *, email, code, new_password, ip=None) -> User`
- `await sign_in(settings, *, email, password, otp=None, ip=None, now=None) -> SignIn` (user,
  access, refresh); `booking.two_factor.SecondFactorRequired` when a staff account with
  two-step sign-in on needs its code
- `await refresh_session(settings, refresh) -> TokenPair` (see `booking.sessions`)

Telegram ("register in chat" and "link my account"; the code is e-mailed, typed in chat):
- `await start_telegram_link(settings, email, telegram_user_id, first_name=None,
  last_name=None, phone=None) -> None`: sends a `telegram_link` code to the address,
  creating an unverified account (no password) when there is none. Answers the same for
  known and unknown addresses. RateLimited past the sending limits.
- `await confirm_telegram_link(settings, email, telegram_user_id, code, otp=None) -> User`: checks
  the code (only the Telegram user who asked may use it), links the account to that
  Telegram user (unlinking any other account it was linked to), marks the e-mail
  verified. InvalidInput({"code": [human message]}) on a wrong or expired code;
  SecondFactorRequired when the account is staff with two-step sign-in on and `otp` is
  missing or wrong.
- `await find_user_by_telegram_id(telegram_user_id) -> User | None`

The no-enumeration rules: register, resend, forgot-password and sign-in answer the same
for known and unknown addresses, after the same work: one argon2 step (register, sign-in; a
dummy hash stands in for a missing or unusable one) and the same writes in one commit (the
code routes; `queue_code_if` rehearses a code's writes where none is sent). A taken address
gets an e-mail ("someone tried to register") instead of a code; an unverified one gets a
fresh code (the newest names win; a different second password voids the first). Signing in
with an unknown address, a wrong password, an unverified address or a deactivated account
answers the same 401: "please verify first" to someone holding the right password would
tell an attacker who registers an address whether it was already taken.

The field rules (e-mail, names, phone) are those of `booking.person_fields`; the e-mails
(codes, notices) are queued by `booking.account_notices`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from booking.account_notices import (
    queue_code,
    queue_code_if,
    queue_password_changed_notice,
    queue_register_attempt_notice,
)
from booking.audit import STAFF_LOGIN, record_audit
from booking.codes import check_code_sending, consume_code, limit_code_sending, verify_code
from booking.errors import InvalidInput, NotAuthenticated
from booking.passwords import (
    UNUSABLE_PASSWORD,
    PasswordWork,
    hash_or_check,
    hash_password,
    validate_password,
    verify_password,
)
from booking.person_fields import Profile, check_profile, clean_email
from booking.ratelimit import RateLimit, check_all, record_all
from booking.sessions import TokenPair, revoke_user_sessions, rotate_refresh_token, start_session
from booking.settings import Settings
from booking.two_factor import second_step
from models import CodePurpose, User, blind_index

log = logging.getLogger(__name__)

SIGN_IN_FAILED = "No active account found with the given credentials"

# Failed sign-ins (wrong password, unknown address alike); a full bucket refuses even the
# right password, or guessing would simply continue.
SIGN_IN_FAILURES_PER_ADDRESS = RateLimit("sign-in-fail:address", 10, timedelta(minutes=15))
SIGN_IN_FAILURES_PER_IP = RateLimit("sign-in-fail:ip", 50, timedelta(minutes=15))


def _now() -> datetime:
    return datetime.now(UTC)


async def find_user_by_email(email: str) -> User | None:
    return await User.get_or_none(email_index=blind_index(email))


async def find_user_by_telegram_id(telegram_user_id: int) -> User | None:
    return await User.get_or_none(telegram_user_id=telegram_user_id)


async def create_or_promote_staff(
    *, email: str, first_name: str, last_name: str, password: str
) -> tuple[User, bool]:
    """Create a verified staff user, or promote the existing one and set its password."""
    address = clean_email(email)
    validate_password(password)
    password_hash = await hash_password(password)
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        user = (
            await User.filter(email_index=blind_index(address))
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if user is None:
            user = await User.create(
                email=address,
                email_index=blind_index(address),
                first_name=first_name,
                last_name=last_name,
                password_hash=password_hash,
                is_staff=True,
                email_verified_at=now,
                using_db=conn,
            )
            return user, True
        user.is_staff = True
        user.is_active = True
        user.password_hash = password_hash
        user.email_verified_at = user.email_verified_at or now
        if first_name:
            user.first_name = first_name
        if last_name:
            user.last_name = last_name
        await user.save(using_db=conn)
        return user, False


async def _locked_user(index: str, conn: BaseDBAsyncClient) -> User | None:
    return await User.filter(email_index=index).using_db(conn).select_for_update().first()


AccountStep = Callable[[User | None, BaseDBAsyncClient, datetime], Awaitable[None]]


async def _on_account(address: str, step: AccountStep) -> None:
    """Run `step` in a transaction on the address's account, locked (None: there is none).

    Once more when a concurrent registration of the same new address won the insert: this
    time `step` finds the account.
    """
    for attempt in range(2):
        try:
            async with in_transaction() as conn:
                await step(await _locked_user(blind_index(address), conn), conn, _now())
            return
        except IntegrityError:
            if attempt:
                raise


async def _create_account(
    profile: Profile, conn: BaseDBAsyncClient, *, password_hash: str | None = None
) -> User:
    """A new, unverified account with the details as given."""
    return await User.create(
        email=profile.email,
        email_index=blind_index(profile.email),
        first_name=profile.first_name,
        last_name=profile.last_name,
        phone=profile.phone,
        password_hash=password_hash,
        using_db=conn,
    )


# Registration ------------------------------------------------------------------------------


async def register_user(
    settings: Settings,
    *,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    phone: str | None = None,
    ip: str | None = None,
) -> None:
    """Register, or (for a taken address) tell its owner; the caller cannot tell which."""
    profile = check_profile(
        email, first_name, last_name, phone, password=password, names_required=True
    )
    await check_code_sending(profile.email, ip=ip)  # before the slow hash; counted in `_register`
    # One argon2 computation whatever the address (a timing that differs would tell who has
    # an account); when the account changes before it is locked, the work is done again.
    while True:
        user = await find_user_by_email(profile.email)
        stored = user.password_hash if _checks_password(user) else None  # type: ignore[union-attr]
        work = await hash_or_check(password, stored)
        with contextlib.suppress(_AccountChanged):
            await _on_account(
                profile.email, functools.partial(_register, settings, profile, work, ip)
            )
            return


class _AccountChanged(Exception):
    """The account is not as it was when its password work was chosen."""


def _checks_password(user: User | None) -> bool:
    """A pending account whose stored password the typed one is compared with."""
    pending = user is not None and user.email_verified_at is None and user.is_active
    return pending and bool(user.password_hash)  # type: ignore[union-attr]


async def _register(
    settings: Settings,
    profile: Profile,
    work: PasswordWork,
    ip: str | None,
    user: User | None,
    conn: BaseDBAsyncClient,
    now: datetime,
) -> None:
    """`register_user`'s step on the locked account; the count commits with it, any address."""
    await limit_code_sending(profile.email, ip=ip, using_db=conn)
    if _checks_password(user) != (work.checked is not None) or (
        work.checked is not None and user.password_hash != work.checked  # type: ignore[union-attr]
    ):
        raise _AccountChanged
    if user is None:
        user = await _create_account(profile, conn, password_hash=work.new_hash)
        await queue_code(settings, user, CodePurpose.REGISTRATION, now=now, using_db=conn)
    elif user.email_verified_at is None and user.is_active:
        user.first_name = profile.first_name
        user.last_name = profile.last_name
        user.phone = profile.phone or user.phone
        # Nobody has proved this address yet, so two registrations may come from two people.
        # The first password stands while later ones repeat it; a different one voids it for
        # good, and the owner chooses a password by reset after verifying. Otherwise someone
        # registering a stranger's address just before they verify would know the password
        # of their account, and so read the requests they made before registering.
        if work.checked is None:
            user.password_hash = work.new_hash
        elif not work.matches:
            user.password_hash = UNUSABLE_PASSWORD
        await user.save(using_db=conn)
        await queue_code(settings, user, CodePurpose.REGISTRATION, now=now, using_db=conn)
    else:  # taken: its owner hears of it; the writes of a new code are rehearsed (timing)
        if user.is_active:
            await queue_register_attempt_notice(settings, user, now=now, using_db=conn)
        purpose = CodePurpose.REGISTRATION
        await queue_code_if(settings, None, profile.email, purpose, now=now, using_db=conn)


async def verify_registration(
    settings: Settings, *, email: str, code: object, ip: str | None = None
) -> User:
    """Confirm the address with the registration code."""
    address = clean_email(email)
    index = blind_index(address)
    row = await verify_code(settings, index, CodePurpose.REGISTRATION, code, ip=ip)
    now = _now()
    async with in_transaction() as conn:
        await consume_code(row, now=now, using_db=conn)
        user = await _locked_user(index, conn)
        if user is None:
            raise InvalidInput({"otp": ["This account no longer exists."]})
        if user.email_verified_at is None:
            user.email_verified_at = now
            await user.save(using_db=conn, update_fields=["email_verified_at", "updated_at"])
    log.info("user %s verified their e-mail", user.id)
    return user


async def resend_code(
    settings: Settings, *, email: str, context: str = "registration", ip: str | None = None
) -> None:
    """A fresh code for registration or password reset, when one makes sense; same answer."""
    if context == CodePurpose.PASSWORD_RESET:
        await request_password_reset(settings, email=email, ip=ip)
        return
    if context != CodePurpose.REGISTRATION:
        raise InvalidInput({"context": [f'"{context}" is not a valid choice.']})
    await _send_code(
        settings, email, ip, CodePurpose.REGISTRATION, lambda user: user.email_verified_at is None
    )


async def _send_code(
    settings: Settings, email: str, ip: str | None, purpose: CodePurpose, wanted: Callable
) -> None:
    """Count the send, then queue a code for an active account `wanted` finds fit, or else
    rehearse its writes (`queue_code_if`): one commit and the same writes for any address."""
    address = clean_email(email)
    async with in_transaction() as conn:
        await limit_code_sending(address, ip=ip, using_db=conn)
        user = await _locked_user(blind_index(address), conn)
        to = user if user is not None and user.is_active and wanted(user) else None
        await queue_code_if(settings, to, address, purpose, now=_now(), using_db=conn)


# Password reset ----------------------------------------------------------------------------


async def request_password_reset(settings: Settings, *, email: str, ip: str | None = None) -> None:
    """E-mail a reset code when the address has an active account; same answer otherwise."""
    await _send_code(settings, email, ip, CodePurpose.PASSWORD_RESET, lambda user: True)


async def check_password_reset_code(
    settings: Settings, *, email: str, code: object, ip: str | None = None
) -> None:
    """Tell whether the reset code is right, without using it up (a wrong try still counts)."""
    address = clean_email(email)
    await verify_code(settings, blind_index(address), CodePurpose.PASSWORD_RESET, code, ip=ip)


async def reset_password(
    settings: Settings,
    *,
    email: str,
    code: object,
    new_password: str,
    ip: str | None = None,
) -> User:
    """Set a new password with the reset code; signs out every session and tells the owner.

    The code proves the inbox, so the address counts as verified afterwards.
    """
    address = clean_email(email)
    validate_password(new_password, field="new_password")
    index = blind_index(address)
    row = await verify_code(settings, index, CodePurpose.PASSWORD_RESET, code, ip=ip)
    password_hash = await hash_password(new_password)
    now = _now()
    async with in_transaction() as conn:
        await consume_code(row, now=now, using_db=conn)
        user = await _locked_user(index, conn)
        if user is None or not user.is_active:
            raise InvalidInput({"otp": ["This account can no longer be used."]})
        user.password_hash = password_hash
        user.email_verified_at = user.email_verified_at or now
        await user.save(
            using_db=conn, update_fields=["password_hash", "email_verified_at", "updated_at"]
        )
        revoked = await revoke_user_sessions(user.id, now=now, using_db=conn)
        await queue_password_changed_notice(settings, user, row, using_db=conn)
    log.info("user %s reset their password; %s session(s) revoked", user.id, revoked)
    return user


# Sign-in -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    user: User
    access: str
    refresh: str


async def sign_in(
    settings: Settings,
    *,
    email: str,
    password: str,
    otp: object = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> SignIn:
    """Tokens for a verified, active account with the right password; one 401 otherwise.

    A staff account with two-step sign-in on also needs `otp` (a current code or an unused
    recovery code): without it, or with a wrong one, `SecondFactorRequired`, a 401 that
    only someone who typed the right password ever sees. A wrong code counts as a failed
    sign-in (a missing one does not: it is the usual first step). Staff sign-ins are audited.
    """
    address = clean_email(email)
    limits = [(SIGN_IN_FAILURES_PER_ADDRESS, address), (SIGN_IN_FAILURES_PER_IP, ip)]
    await check_all(limits)
    user = await User.get_or_none(email_index=blind_index(address))
    # The same argon2 work for every branch: a dummy hash stands in for a missing one.
    correct = await verify_password(user.password_hash if user else None, password)
    if user is None or not correct or not user.is_active or user.email_verified_at is None:
        await record_all(limits)
        raise NotAuthenticated(SIGN_IN_FAILED)
    await second_step(user, otp, limits, now=now)
    pair = await start_session(settings, user)
    if user.is_staff:
        await record_audit(user, STAFF_LOGIN, target=user.id, ip=ip, at=now)
    return SignIn(user=user, access=pair.access, refresh=pair.refresh)


async def refresh_session(settings: Settings, refresh: str) -> TokenPair:
    """Rotate a refresh token (see `booking.sessions.rotate_refresh_token`)."""
    return await rotate_refresh_token(settings, refresh)


# Telegram ----------------------------------------------------------------------------------


async def start_telegram_link(
    settings: Settings,
    email: str,
    telegram_user_id: int,
    first_name: str | None = None,
    last_name: str | None = None,
    phone: str | None = None,
) -> None:
    """E-mail a `telegram_link` code; create the unverified account when there is none."""
    profile = check_profile(email, first_name, last_name, phone, names_required=False)
    await limit_code_sending(profile.email, telegram_user_id=telegram_user_id)

    async def send_link_code(user: User | None, conn: BaseDBAsyncClient, now: datetime) -> None:
        if user is None:
            user = await _create_account(profile, conn)
        elif user.email_verified_at is None and user.is_active:
            # Nobody has proved this address yet: the newest details win, as on the web.
            user.first_name = profile.first_name or user.first_name
            user.last_name = profile.last_name or user.last_name
            user.phone = profile.phone or user.phone
            await user.save(using_db=conn)
        if user.is_active:
            await queue_code(
                settings,
                user,
                CodePurpose.TELEGRAM_LINK,
                telegram_user_id=telegram_user_id,
                now=now,
                using_db=conn,
            )

    await _on_account(profile.email, send_link_code)


async def confirm_telegram_link(
    settings: Settings,
    email: str,
    telegram_user_id: int,
    code: object,
    otp: object = None,
    *,
    now: datetime | None = None,
) -> User:
    """Check the e-mailed code and link the account to this Telegram user.

    A staff account with two-step sign-in on also needs `otp`, as at sign-in (the chat acts
    as that staff member): `SecondFactorRequired` after a right e-mailed code (which stays
    unused) while it is missing or wrong; a wrong one counts as a failed sign-in.
    """
    address = clean_email(email)
    index = blind_index(address)
    row = await verify_code(
        settings,
        index,
        CodePurpose.TELEGRAM_LINK,
        code,
        telegram_user_id=telegram_user_id,
        field="code",
    )
    linked = await User.get_or_none(email_index=index)
    if linked is not None:
        await second_step(linked, otp, [(SIGN_IN_FAILURES_PER_ADDRESS, address)], now=now)
    now = _now()
    async with in_transaction() as conn:
        await consume_code(row, field="code", now=now, using_db=conn)
        user = await _locked_user(index, conn)
        if user is None or not user.is_active:
            raise InvalidInput({"code": ["This account can no longer be used."]})
        if user.telegram_user_id != telegram_user_id:
            # One Telegram account, one user: whoever proved this inbox takes the link over.
            await (
                User.filter(telegram_user_id=telegram_user_id)
                .exclude(id=user.id)
                .using_db(conn)
                .update(telegram_user_id=None)
            )
            user.telegram_user_id = telegram_user_id
        if user.email_verified_at is None and user.password_hash:
            # That password came with an unproven web registration: the code proves this
            # inbox, not who chose the password. The owner sets one by reset if they want it.
            user.password_hash = UNUSABLE_PASSWORD
        user.email_verified_at = user.email_verified_at or now
        await user.save(
            using_db=conn,
            update_fields=["telegram_user_id", "email_verified_at", "password_hash", "updated_at"],
        )
    log.info("user %s linked to a Telegram account", user.id)
    return user
