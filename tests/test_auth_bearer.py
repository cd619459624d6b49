"""`Authorization: Bearer`: only a genuine, current access token lets Alice in; staff need staff."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from booking.accounts import create_or_promote_staff
from booking.tokens import ACCESS_LIFETIME, issue_token
from models import User, blind_index
from tests.auth_support import _segment, claims, unsigned
from tests.fixed_secrets import TEST_SECRETS
from tests.raw_http import raw_request, request_bytes

MINE = "/api/meetings/user/appointments/"
STAFF_ONLY = "/api/meetings/admin/availability/"
SECRET = TEST_SECRETS["JWT_SECRET"]


@pytest.fixture
async def alice(db) -> User:
    return await User.create(
        email="alice@example.com",
        email_index=blind_index("alice@example.com"),
        first_name="Alice",
        last_name="Archer",
        email_verified_at=datetime.now(UTC),
    )


def hs512(payload: dict) -> str:
    """Signed with the right secret, under an algorithm the server does not list."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(payload, SECRET, algorithm="HS512")


def signed_raw(payload: dict, **raw_claims: str) -> str:
    """Rightly signed, with claims spliced in as raw JSON text (Infinity, NaN, 1e999)."""
    body = json.dumps({k: v for k, v in payload.items() if k not in raw_claims})
    body = body[:-1] + "".join(f', "{k}": {v}' for k, v in raw_claims.items()) + "}"
    header = _segment({"alg": "HS256", "typ": "JWT"})
    signing_input = f"{header}.{_b64(body.encode())}"
    signature = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def status_of(api, path: str, headers: dict[str, str]) -> tuple[int, dict]:
    response = await api.get(path, headers=headers)
    return response.status, await response.json()


async def test_alices_access_token_opens_her_page(api, settings, alice):
    token, _ = issue_token(settings, alice.id, "access")
    assert (await status_of(api, MINE, bearer(token)))[0] == 200


async def test_without_a_token_her_page_is_401_and_says_so(api):
    status, body = await status_of(api, MINE, {})
    assert status == 401
    assert body == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda uid: unsigned({"user_id": uid}), id="alg-none"),
        pytest.param(
            lambda uid: jwt.encode(claims(user_id=uid), "a" * 40, algorithm="HS256"),
            id="bad-signature",
        ),
        pytest.param(lambda uid: hs512(claims(user_id=uid)), id="other-algorithm"),
        pytest.param(
            lambda uid: jwt.encode(
                claims(user_id=uid, token_type="refresh", family="f"), SECRET, algorithm="HS256"
            ),
            id="refresh-token",
        ),
        pytest.param(
            lambda uid: jwt.encode(claims(user_id=uid, jti=None), SECRET, algorithm="HS256"),
            id="no-jti",
        ),
        pytest.param(
            lambda uid: jwt.encode(claims(user_id=uid, token_type=None), SECRET, algorithm="HS256"),
            id="no-token-type",
        ),
        pytest.param(
            lambda uid: jwt.encode(claims(user_id=uid, exp=None), SECRET, algorithm="HS256"),
            id="no-exp",
        ),
        pytest.param(
            lambda uid: jwt.encode(claims(user_id=uid, iat=None), SECRET, algorithm="HS256"),
            id="no-iat",
        ),
        pytest.param(
            lambda uid: jwt.encode(
                claims(user_id="00000000-0000-0000-0000-000000000000"), SECRET, algorithm="HS256"
            ),
            id="unknown-user",
        ),
        pytest.param(lambda uid: "garbage", id="garbage"),
        # Validly signed, but with times no clock can hold (a 500 before).
        pytest.param(
            lambda uid: jwt.encode(claims(user_id=uid, exp=1e20), SECRET, algorithm="HS256"),
            id="exp-1e20",
        ),
        pytest.param(
            lambda uid: jwt.encode(claims(user_id=uid, iat=-1e20), SECRET, algorithm="HS256"),
            id="iat-minus-1e20",
        ),
        pytest.param(
            lambda uid: jwt.encode(claims(user_id=uid, exp=10**30), SECRET, algorithm="HS256"),
            id="exp-10e30",
        ),
        pytest.param(lambda uid: signed_raw(claims(user_id=uid), iat="1e999"), id="iat-infinite"),
        pytest.param(lambda uid: signed_raw(claims(user_id=uid), exp="NaN"), id="exp-nan"),
    ],
)
async def test_mallorys_forged_tokens_are_401(api, alice, forge):
    status, body = await status_of(api, MINE, bearer(forge(str(alice.id))))
    assert status == 401
    assert set(body) == {"detail"}


async def test_the_well_formed_forgery_control_passes(api, alice):
    """The forgeries above fail for their flaw alone: signed right, the same claims pass."""
    token = jwt.encode(claims(user_id=str(alice.id)), SECRET, algorithm="HS256")
    assert (await status_of(api, MINE, bearer(token)))[0] == 200


async def test_an_expired_access_token_is_401(api, settings, alice):
    long_ago = datetime.now(UTC) - ACCESS_LIFETIME - timedelta(seconds=5)
    token, _ = issue_token(settings, alice.id, "access", now=long_ago)
    status, body = await status_of(api, MINE, bearer(token))
    assert status == 401
    assert "expired" in body["detail"]


async def test_a_deactivated_alice_is_shut_out_at_once(api, settings, alice):
    token, _ = issue_token(settings, alice.id, "access")
    await User.filter(id=alice.id).update(is_active=False)
    assert (await status_of(api, MINE, bearer(token)))[0] == 401


@pytest.mark.parametrize("header", ["Token abc", "Bearer", "Basic YWxpY2U6cHc="])
async def test_other_authorization_schemes_are_401(api, header):
    assert (await status_of(api, MINE, {"Authorization": header}))[0] == 401


async def test_staff_pages_are_403_for_alice_and_open_for_theo(api, settings, alice):
    token, _ = issue_token(settings, alice.id, "access")
    assert (await status_of(api, STAFF_ONLY, bearer(token)))[0] == 403
    theo, _ = await create_or_promote_staff(
        email="theo@example.com", first_name="Theo", last_name="Thorne", password="therapist pass"
    )
    token, _ = issue_token(settings, theo.id, "access")
    assert (await status_of(api, STAFF_ONLY, bearer(token)))[0] == 200
    assert (await status_of(api, STAFF_ONLY, {}))[0] == 401


@pytest.mark.parametrize("token", [b"\xe9", b"abc\xff.def", b"\xc3\x28"])
async def test_a_header_that_is_not_utf8_is_401_not_a_crash(api, alice, token):
    """`Authorization: Bearer \xe9` reached PyJWT as a lone surrogate: a 500 on every route."""
    for path in ("/api/", MINE):
        request = request_bytes("GET", path, {"Authorization": b"Bearer " + token})
        response = await raw_request(api.server.host, api.server.port, request)
        assert response.status == 401, (path, response.body)
        assert set(response.json()) == {"detail"}
