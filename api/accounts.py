"""`/api/auth/`: registration, codes, sign-in, password reset and token refresh.

Paths, methods and field names are the seed's. Each handler parses the body, calls one
service of `booking.accounts` and renders the answer; answers that must not tell a known
address from an unknown one are module constants, so they are byte-identical.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from api.auth import ignores_authorization
from api.keys import SETTINGS
from api.openapi import documented
from api.schemas import parse_body
from booking import accounts
from booking.passwords import is_usable
from models import User

routes = web.RouteTableDef()

REGISTERED = {
    "message": "Registration received. We have sent a 6-digit verification code to the "
    "e-mail address; enter it to verify the address, then sign in."
}
CODE_SENT = {"message": "If the address can receive a code, we have sent a new one to it."}
RESET_SENT = {
    "message": "If an account exists for this address, we have sent a password reset code to it."
}
VERIFIED = {"message": "Email verified successfully. You can now sign in."}
VERIFIED_CHOOSE_PASSWORD = {
    "message": "Email verified successfully. This address was registered more than once with "
    "different passwords, so none was kept: choose your password with forgot-password."
}
RESET_CODE_OK = {"message": "The code is valid. You can now choose a new password."}
PASSWORD_RESET = {"message": "Your password has been reset. You can now sign in."}

# Long enough for any real address, name or password; the rules themselves live in booking.
EMAIL_MAX = 254
TEXT_MAX = 200
PASSWORD_MAX = 1024


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _code(value: object) -> object:
    # DRF's CharField takes numbers too; a number loses leading zeros, so pad them back.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**6:
        return f"{value:06d}"
    return value


class RegisterBody(_Body):
    email: str = Field(max_length=EMAIL_MAX)
    first_name: str = Field(max_length=TEXT_MAX)
    last_name: str = Field(max_length=TEXT_MAX)
    phone_number: str | None = Field(None, max_length=TEXT_MAX)
    password: str = Field(max_length=PASSWORD_MAX)
    password2: str = Field(max_length=PASSWORD_MAX)

    @field_validator("password2")
    @classmethod
    def _same(cls, value: str, info: ValidationInfo) -> str:
        if "password" in info.data and value != info.data["password"]:
            raise ValueError("Password fields didn't match.")
        return value


class EmailBody(_Body):
    email: str = Field(max_length=EMAIL_MAX)


class CodeBody(EmailBody):
    otp: str = Field(max_length=TEXT_MAX)

    _otp = field_validator("otp", mode="before")(_code)


class LoginBody(EmailBody):
    password: str = Field(max_length=PASSWORD_MAX)


class ResendBody(EmailBody):
    context: Literal["registration", "password_reset"] | None = None


class ResetBody(CodeBody):
    new_password: str = Field(max_length=PASSWORD_MAX)
    confirm_password: str = Field(max_length=PASSWORD_MAX)

    @field_validator("confirm_password")
    @classmethod
    def _same(cls, value: str, info: ValidationInfo) -> str:
        if "new_password" in info.data and value != info.data["new_password"]:
            raise ValueError("Password fields didn't match.")
        return value


class RefreshBody(_Body):
    refresh: str = Field(max_length=4096)


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


class LoginOut(BaseModel):
    access: str
    refresh: str
    user: UserOut


class TokenPairOut(BaseModel):
    access: str
    refresh: str


def user_json(user: User) -> dict:
    return {
        "id": str(user.id),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone_number": user.phone,
        "is_staff": user.is_staff,
        "email_verified": user.email_verified_at is not None,
    }


@routes.post("/api/auth/register/")
@documented(response=MessageOut, status=201, tag="auth", auth="none")
async def register(request: web.Request) -> web.Response:
    """Register and e-mail a code; a taken address answers exactly the same."""
    body = await parse_body(request, RegisterBody)
    await accounts.register_user(
        request.app[SETTINGS],
        email=body.email,
        first_name=body.first_name,
        last_name=body.last_name,
        phone=body.phone_number,
        password=body.password,
        ip=request.remote,
    )
    return web.json_response(REGISTERED, status=201)


@routes.post("/api/auth/verify-otp/")
@documented(response=MessageOut, tag="auth", auth="none")
async def verify_otp(request: web.Request) -> web.Response:
    """Confirm the e-mail address with the registration code."""
    body = await parse_body(request, CodeBody)
    user = await accounts.verify_registration(
        request.app[SETTINGS], email=body.email, code=body.otp, ip=request.remote
    )
    return web.json_response(
        VERIFIED if is_usable(user.password_hash) else VERIFIED_CHOOSE_PASSWORD
    )


@routes.post("/api/auth/login/")
@documented(response=LoginOut, tag="auth", auth="none")
@ignores_authorization
async def login(request: web.Request) -> web.Response:
    """Access and refresh tokens plus the user; one 401 for every kind of failure."""
    body = await parse_body(request, LoginBody)
    result = await accounts.sign_in(
        request.app[SETTINGS], email=body.email, password=body.password, ip=request.remote
    )
    return web.json_response(
        {"access": result.access, "refresh": result.refresh, "user": user_json(result.user)}
    )


@routes.post("/api/auth/resend-otp/")
@documented(response=MessageOut, tag="auth", auth="none")
async def resend_otp(request: web.Request) -> web.Response:
    """A fresh code for registration or password reset; the same answer for any address."""
    body = await parse_body(request, ResendBody)
    await accounts.resend_code(
        request.app[SETTINGS],
        email=body.email,
        context=body.context or "registration",
        ip=request.remote,
    )
    return web.json_response(CODE_SENT)


@routes.post("/api/auth/forgot-password/")
@documented(response=MessageOut, tag="auth", auth="none")
async def forgot_password(request: web.Request) -> web.Response:
    """E-mail a password reset code; the same answer for any address."""
    body = await parse_body(request, EmailBody)
    await accounts.request_password_reset(
        request.app[SETTINGS], email=body.email, ip=request.remote
    )
    return web.json_response(RESET_SENT)


@routes.post("/api/auth/verify-password-reset-otp/")
@documented(response=MessageOut, tag="auth", auth="none")
async def verify_password_reset_otp(request: web.Request) -> web.Response:
    """Check a reset code without using it up."""
    body = await parse_body(request, CodeBody)
    await accounts.check_password_reset_code(
        request.app[SETTINGS], email=body.email, code=body.otp, ip=request.remote
    )
    return web.json_response(RESET_CODE_OK)


@routes.post("/api/auth/reset-password/")
@documented(response=MessageOut, tag="auth", auth="none")
async def reset_password(request: web.Request) -> web.Response:
    """Set a new password with the reset code; every session of the user is signed out."""
    body = await parse_body(request, ResetBody)
    await accounts.reset_password(
        request.app[SETTINGS],
        email=body.email,
        code=body.otp,
        new_password=body.new_password,
        ip=request.remote,
    )
    return web.json_response(PASSWORD_RESET)


@routes.post("/api/auth/token/refresh/")
@documented(response=TokenPairOut, tag="auth", auth="none")
@ignores_authorization
async def token_refresh(request: web.Request) -> web.Response:
    """Swap a refresh token for a new pair; a reused one signs out its whole family."""
    body = await parse_body(request, RefreshBody)
    pair = await accounts.refresh_session(request.app[SETTINGS], body.refresh)
    return web.json_response({"access": pair.access, "refresh": pair.refresh})
