"""`/api/auth/`: registration, codes, sign-in, password reset, token refresh, and staff's
two-step sign-in (`2fa/setup/`, `2fa/confirm/`, login's `otp`: `booking.two_factor`).

Paths, methods and field names are the seed's (the 2fa routes are this service's own). Each
handler gets its parsed body, calls one service of `booking.accounts` (or `two_factor`) and
returns the answer; answers that must not tell a known address from an unknown one are
module constants, so they are byte-identical.
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from api.app_keys import SETTINGS, request_now
from api.auth import Access, SignInRefusal
from api.client_address import client_ip
from api.fields import Email, Name, Phone
from api.routing import Routes
from booking import accounts, two_factor
from booking.passwords import MAX_LENGTH as PASSWORD_MAX_LENGTH
from booking.passwords import is_usable
from models import User

routes = Routes()

# Sanity bounds of fields whose rules live elsewhere (a code is checked by booking.codes,
# a refresh token by its signature).
OTP_MAX_LENGTH = 200
REFRESH_TOKEN_MAX_LENGTH = 4096

Password = Annotated[str, Field(max_length=PASSWORD_MAX_LENGTH)]


# --- request models ---------------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _code(value: object) -> object:
    # DRF's CharField takes numbers too; a number loses leading zeros, so pad them back.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**6:
        return f"{value:06d}"
    return value


def _repeats(first: str):
    """A validator: the field repeats `first` (checked when `first` itself is valid)."""

    def check(value: str, info: ValidationInfo) -> str:
        if first in info.data and value != info.data[first]:
            raise ValueError("Password fields didn't match.")
        return value

    return check


class RegisterBody(_Body):
    email: Email
    first_name: Name
    last_name: Name
    phone_number: Phone | None = None
    password: Password
    password2: Password

    _same = field_validator("password2")(_repeats("password"))


class EmailBody(_Body):
    email: Email


class CodeBody(EmailBody):
    otp: str = Field(max_length=OTP_MAX_LENGTH)

    _otp = field_validator("otp", mode="before")(_code)


class LoginBody(EmailBody):
    password: Password
    otp: str | None = Field(
        None,
        max_length=OTP_MAX_LENGTH,
        description="Staff with two-step sign-in: a current code or an unused recovery code.",
    )

    _otp = field_validator("otp", mode="before")(_code)


class ResendBody(EmailBody):
    context: Literal["registration", "password_reset"] | None = None


class ResetBody(CodeBody):
    new_password: Password
    confirm_password: Password

    _same = field_validator("confirm_password")(_repeats("new_password"))


class RefreshBody(_Body):
    refresh: str = Field(max_length=REFRESH_TOKEN_MAX_LENGTH)


# --- response models --------------------------------------------------------------------------


class MessageOut(BaseModel):
    message: str


class UserOut(BaseModel):
    id: str
    email: str
    first_name: str
    last_name: str
    phone_number: str | None
    is_staff: bool
    email_verified: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=str(user.id),
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            phone_number=user.phone,
            is_staff=user.is_staff,
            email_verified=user.email_verified_at is not None,
        )


class TokenPairOut(BaseModel):
    access: str
    refresh: str


class LoginOut(TokenPairOut):
    user: UserOut


REGISTERED = MessageOut(
    message="Registration received. We have sent a 6-digit verification code to the "
    "e-mail address; enter it to verify the address, then sign in."
)
CODE_SENT = MessageOut(message="If the address can receive a code, we have sent a new one to it.")
RESET_SENT = MessageOut(
    message="If an account exists for this address, we have sent a password reset code to it."
)
VERIFIED = MessageOut(message="Email verified successfully. You can now sign in.")
VERIFIED_CHOOSE_PASSWORD = MessageOut(
    message="Email verified successfully. This address was registered more than once with "
    "different passwords, so none was kept: choose your password with forgot-password."
)
RESET_CODE_OK = MessageOut(message="The code is valid. You can now choose a new password.")
PASSWORD_RESET = MessageOut(message="Your password has been reset. You can now sign in.")

RATE_LIMITED = {429: "Too many codes sent or wrong codes tried (see Retry-After)"}


# --- handlers ---------------------------------------------------------------------------------


def _auth_route(path: str, body: type[BaseModel] | None, response: type[BaseModel], **more):
    """The declaration every `/api/auth/` route shares: a POST with a JSON body."""
    more.setdefault("access", Access.PUBLIC)
    more.setdefault("errors", RATE_LIMITED)
    return routes.endpoint(
        "POST", f"/api/auth/{path}", body=body, response=response, tag="auth", **more
    )


@_auth_route("register/", RegisterBody, MessageOut, status=201)
async def register(request: web.Request, *, body: RegisterBody) -> MessageOut:
    """Register and e-mail a code; a taken address answers exactly the same."""
    await accounts.register_user(
        request.app[SETTINGS],
        email=body.email,
        first_name=body.first_name,
        last_name=body.last_name,
        phone=body.phone_number,
        password=body.password,
        ip=client_ip(request),
    )
    return REGISTERED


@_auth_route("verify-otp/", CodeBody, MessageOut)
async def verify_otp(request: web.Request, *, body: CodeBody) -> MessageOut:
    """Confirm the e-mail address with the registration code."""
    user = await accounts.verify_registration(
        request.app[SETTINGS], email=body.email, code=body.otp, ip=client_ip(request)
    )
    return VERIFIED if is_usable(user.password_hash) else VERIFIED_CHOOSE_PASSWORD


@_auth_route(
    "login/",
    LoginBody,
    LoginOut,
    access=Access.TOKEN_IGNORED,
    errors={
        401: "Wrong e-mail or password, or the account cannot sign in (one answer for all); "
        'after a right password of an account with two-step sign-in, "otp_required" while '
        '"otp" is missing or wrong',
        429: "Too many failed sign-ins for this address or client (see Retry-After)",
    },
    error_models={401: SignInRefusal},
)
async def login(request: web.Request, *, body: LoginBody) -> LoginOut:
    """Access and refresh tokens plus the user; one 401 for every kind of failure.

    Staff with two-step sign-in send `otp` too: without it (or with a wrong or used code)
    the right password answers 401 with `"otp_required": true`.
    """
    result = await accounts.sign_in(
        request.app[SETTINGS],
        email=body.email,
        password=body.password,
        otp=body.otp,
        ip=client_ip(request),
        now=request_now(request),
    )
    return LoginOut(access=result.access, refresh=result.refresh, user=UserOut.of(result.user))


@_auth_route("resend-otp/", ResendBody, MessageOut)
async def resend_otp(request: web.Request, *, body: ResendBody) -> MessageOut:
    """A fresh code for registration or password reset; the same answer for any address."""
    await accounts.resend_code(
        request.app[SETTINGS],
        email=body.email,
        context=body.context or "registration",
        ip=client_ip(request),
    )
    return CODE_SENT


@_auth_route("forgot-password/", EmailBody, MessageOut)
async def forgot_password(request: web.Request, *, body: EmailBody) -> MessageOut:
    """E-mail a password reset code; the same answer for any address."""
    await accounts.request_password_reset(
        request.app[SETTINGS], email=body.email, ip=client_ip(request)
    )
    return RESET_SENT


@_auth_route("verify-password-reset-otp/", CodeBody, MessageOut)
async def verify_password_reset_otp(request: web.Request, *, body: CodeBody) -> MessageOut:
    """Check a reset code without using it up."""
    await accounts.check_password_reset_code(
        request.app[SETTINGS], email=body.email, code=body.otp, ip=client_ip(request)
    )
    return RESET_CODE_OK


@_auth_route("reset-password/", ResetBody, MessageOut)
async def reset_password(request: web.Request, *, body: ResetBody) -> MessageOut:
    """Set a new password with the reset code; every session of the user is signed out."""
    await accounts.reset_password(
        request.app[SETTINGS],
        email=body.email,
        code=body.otp,
        new_password=body.new_password,
        ip=client_ip(request),
    )
    return PASSWORD_RESET


@_auth_route(
    "token/refresh/",
    RefreshBody,
    TokenPairOut,
    access=Access.TOKEN_IGNORED,
    errors={401: "The refresh token is invalid, expired or already used"},
)
async def token_refresh(request: web.Request, *, body: RefreshBody) -> TokenPairOut:
    """Swap a refresh token for a new pair; a reused one signs out its whole family."""
    pair = await accounts.refresh_session(request.app[SETTINGS], body.refresh)
    return TokenPairOut(access=pair.access, refresh=pair.refresh)


# --- two-step sign-in (staff) -------------------------------------------------------------


class ConfirmBody(_Body):
    otp: str = Field(max_length=OTP_MAX_LENGTH, description="The current 6-digit code.")

    _otp = field_validator("otp", mode="before")(_code)


class EnrolmentOut(BaseModel):
    secret: str = Field(description="Base32 TOTP secret, for typing into an authenticator app")
    otpauth_uri: str = Field(description="The same as an otpauth:// URI (show it as a QR code)")


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str] = Field(description="Ten single-use codes, shown this once")


@_auth_route(
    "2fa/setup/",
    None,
    EnrolmentOut,
    access=Access.ENROLMENT,
    errors={
        403: "Two-step sign-in is for staff accounts",
        409: "Two-step sign-in is already on for this account",
        429: "Too many set-ups (see Retry-After)",
    },
)
async def two_factor_setup(request: web.Request, *, user: User) -> EnrolmentOut:
    """Start two-step sign-in (staff): a new TOTP secret and its otpauth:// URI.

    Until confirmed, calling again replaces the secret. Once on, 409: a stolen session
    cannot swap the secret for its own (the operator resets it, see the README).
    """
    enrolment = await two_factor.begin_enrolment(request.app[SETTINGS], user)
    return EnrolmentOut(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)


@_auth_route(
    "2fa/confirm/",
    ConfirmBody,
    RecoveryCodesOut,
    access=Access.ENROLMENT,
    errors={
        403: "Two-step sign-in is for staff accounts",
        409: "No set-up to confirm, or two-step sign-in is already on",
        429: "Too many wrong codes (see Retry-After)",
    },
)
async def two_factor_confirm(
    request: web.Request, *, user: User, body: ConfirmBody
) -> RecoveryCodesOut:
    """Turn two-step sign-in on with a current code; answers the ten recovery codes once."""
    codes = await two_factor.confirm_enrolment(
        request.app[SETTINGS], user, body.otp, now=request_now(request), ip=client_ip(request)
    )
    return RecoveryCodesOut(recovery_codes=codes)
