"""Who may call a route (its declared `Access`) and who is calling (a Bearer access token)."""

from __future__ import annotations

from enum import StrEnum

from aiohttp import web
from pydantic import BaseModel, Field

from api.app_keys import SETTINGS
from booking.errors import NotAuthenticated, PermissionDenied
from booking.sessions import active_user_for_access_token
from booking.two_factor import TwoFactorRequired, TwoFactorSessionOnly, must_enrol
from models import User


class Access(StrEnum):
    """Who may call a route; the OpenAPI `security` and the 401/403 answers follow from it."""

    # Anyone. A token that is sent must still be valid (401 otherwise), as in DRF.
    PUBLIC = "public"
    # Anyone, and `Authorization` is not even read: a client whose access token has just
    # expired must still be able to sign in again or refresh it (as SimpleJWT's views do).
    TOKEN_IGNORED = "token_ignored"
    # Anyone; the signed-in user, if any, is handed to the handler.
    OPTIONAL = "optional"
    # A signed-in user (401 otherwise).
    USER = "user"
    # A signed-in staff user (401 when anonymous, 403 when not staff).
    STAFF = "staff"
    # A signed-in user, staff who have yet to enrol in two-step sign-in included: the
    # enrolment routes, the only ones such staff may call under STAFF_REQUIRE_2FA.
    ENROLMENT = "enrolment"

    @property
    def reads_token(self) -> bool:
        return self is not Access.TOKEN_IGNORED

    @property
    def needs_user(self) -> bool:
        return self in (Access.USER, Access.STAFF, Access.ENROLMENT)


class Refusal(BaseModel):
    """A 401 or 403 answer: `detail`, and a flag when the caller has a step left to take."""

    detail: str
    two_factor_required: bool = Field(
        False,
        description="True for a staff member who must enrol in two-step sign-in first "
        "(STAFF_REQUIRE_2FA): only /api/auth/2fa/setup/ and /api/auth/2fa/confirm/ answer.",
    )


class SignInRefusal(BaseModel):
    """The sign-in's 401: `otp_required` after a right password that needs its code."""

    detail: str
    otp_required: bool = Field(
        False,
        description="True when the password was right and the account uses two-step sign-in: "
        'send the request again with "otp" (a current code or a recovery code).',
    )


def refusal_models(access: Access) -> dict[int, type[BaseModel]]:
    """The bodies of the refusals `access` implies that may say more than `detail`."""
    if access is Access.STAFF:
        return {403: Refusal}
    if access is Access.USER:
        return {401: Refusal}
    return {}


async def authenticate(request: web.Request, access: Access) -> User | None:
    """The caller `access` lets in (None: anonymous); NotAuthenticated or PermissionDenied."""
    user = None
    header = request.headers.get("Authorization", "") if access.reads_token else ""
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("Authorization header must be 'Bearer <access token>'.")
        user = await active_user_for_access_token(request.app[SETTINGS], token.strip())
    if access.needs_user and user is None:
        raise NotAuthenticated("Authentication credentials were not provided.")
    if access is Access.STAFF and not user.is_staff:  # type: ignore[union-attr]
        raise PermissionDenied("Staff only.")
    if user is not None and access.needs_user and must_enrol(request.app[SETTINGS], user):
        # The session opens enrolment only: staff routes say so with the contract's 403;
        # the signed-in routes (where staff read every client's requests) with a 401.
        if access is Access.STAFF:
            raise TwoFactorRequired()
        if access is Access.USER:
            raise TwoFactorSessionOnly()
    return user
