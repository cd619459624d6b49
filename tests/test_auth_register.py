"""POST /api/auth/register/: Alice signs up by e-mailed code; nobody learns who is a client."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from pathlib import Path

import pytest

from models import User, blind_index
from tests.auth_support import (
    ALICE,
    ALICE_PASSWORD,
    PRACTICE,
    SENDER,
    Visitor,
    code_in,
    next_mail,
)
from tests.smtp_sink import body_text


@pytest.fixture
def alice(mail_api, inbox):
    return Visitor(mail_api, inbox, ALICE, "Alice")


async def test_alice_registers_verifies_signs_in_and_refreshes(alice, inbox):
    mark = len(inbox.messages)
    response = await alice.register()
    assert response.status == 201
    message = await next_mail(inbox, mark, ALICE, "verification code")
    assert PRACTICE in str(message["From"]) and SENDER in str(message["From"])
    assert message.get_body(("html",)) is not None
    code = code_in(message)
    assert code not in str(message["Subject"])

    before = await alice.login()
    assert before.status == 401  # not verified yet

    verified = await alice.post("verify-otp/", {"email": ALICE, "otp": code})
    assert verified.status == 200

    tokens = await alice.tokens()
    assert tokens["user"] == {
        "id": tokens["user"]["id"],
        "email": ALICE,
        "first_name": "Alice",
        "last_name": "Archer",
        "phone_number": "+44 20 7946 0000",
        "is_staff": False,
        "email_verified": True,
    }
    refreshed = await alice.post("token/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status == 200
    pair = await refreshed.json()
    assert set(pair) == {"access", "refresh"}
    assert pair["refresh"] != tokens["refresh"]
    mine = await alice.get("/api/meetings/user/appointments/", pair["access"])
    assert mine.status == 200


async def test_a_taken_address_answers_byte_for_byte_like_a_new_one(alice, mail_api, inbox):
    await alice.register_and_verify()
    bob = Visitor(mail_api, inbox, "bob@example.com", "Bob")

    mark = len(inbox.messages)
    new = await bob.register("bobs own long password")
    taken = await alice.register("mallory tries this one")
    assert (new.status, await new.read()) == (taken.status, await taken.read())
    assert taken.status == 201

    notice = await next_mail(inbox, mark, ALICE, "Someone tried to register")
    assert "No new account was created" in body_text(notice)
    assert not any(c.isdigit() and len(c) == 6 for c in body_text(notice).split())
    # Alice's password is untouched by the attempt.
    assert (await alice.login()).status == 200
    assert (await alice.login("mallory tries this one")).status == 401


async def test_alice_unverified_gets_a_fresh_code_and_only_the_newest_works(alice, inbox):
    mark = len(inbox.messages)
    await alice.register()
    first = await alice.code(mark)
    mark = len(inbox.messages)
    again = await alice.register("second choice of password")
    assert again.status == 201
    second = await alice.code(mark, "verification code")

    if first != second:
        stale = await alice.post("verify-otp/", {"email": ALICE, "otp": first})
        assert stale.status == 400
    ok = await alice.post("verify-otp/", {"email": ALICE, "otp": second})
    assert ok.status == 200
    # Two different passwords for one unproven address: neither is trusted (the other one may
    # be a stranger's); Alice is told to choose hers through forgot-password.
    assert "forgot-password" in (await ok.json())["message"]
    assert (await alice.login("second choice of password")).status == 401
    assert (await alice.login(ALICE_PASSWORD)).status == 401


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"password": "short", "password2": "short"}, "password", "too short"),
        ({"password": "password123", "password2": "password123"}, "password", "too common"),
        ({"password2": "something else entirely"}, "password2", "didn't match"),
        ({"email": "not-an-address"}, "email", "valid email"),
        ({"first_name": "   "}, "first_name", "blank"),
        ({"phone_number": "call me maybe"}, "phone_number", "phone number"),
        ({"first_name": 42}, "first_name", "valid string"),
    ],
)
async def test_bad_registrations_get_drf_shaped_400s(alice, inbox, settle, change, field, message):
    response = await alice.register(**change)
    assert response.status == 400
    body = await response.json()
    assert field in body
    assert any(message in m for m in body[field]), body
    await settle()
    assert inbox.messages == []


async def test_missing_fields_are_each_named(alice):
    response = await alice.post("register/", {"email": ALICE})
    assert response.status == 400
    body = await response.json()
    for field in ("first_name", "last_name", "password", "password2"):
        assert body[field] == ["This field is required."]


async def test_broken_bodies_are_400_or_413_never_500(mail_api):
    url = "/api/auth/register/"
    as_json = {"Content-Type": "application/json"}
    not_json = await mail_api.post(url, data=b"{not json", headers=as_json)
    assert not_json.status == 400
    assert await not_json.json() == {"non_field_errors": ["Request body is not valid JSON."]}
    too_deep = await mail_api.post(url, data=b"[" * 200_000 + b"]" * 200_000, headers=as_json)
    assert too_deep.status == 400
    not_utf8 = await mail_api.post(url, data=b'{"email": "\xff"}', headers=as_json)
    assert not_utf8.status == 400
    a_list = await mail_api.post(url, json=[1, 2, 3])
    assert a_list.status == 400
    huge = await mail_api.post(url, data=io.BytesIO(b"x" * (1024 * 1024 + 10)), headers=as_json)
    assert huge.status == 413
    assert "detail" in await huge.json()
    wrong_method = await mail_api.get(url)
    assert wrong_method.status == 405
    assert await wrong_method.json() == {"detail": "Method not allowed."}


async def test_the_database_holds_no_code_password_or_address_in_plain_text(
    alice,
    inbox,
    mail_settings,
):
    mark = len(inbox.messages)
    await alice.register()
    code = await alice.code(mark)
    path = Path(mail_settings.database_url.removeprefix("sqlite://"))
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    for secret in (code, ALICE_PASSWORD, ALICE, "Alice", "Archer", "20 7946 0000"):
        assert secret.encode() not in raw, secret
    # And the stored code hash is not a bare hash of the digits either.
    connection = sqlite3.connect(path)
    try:
        (stored,) = connection.execute("SELECT code_hash FROM one_time_codes").fetchone()
    finally:
        connection.close()
    assert stored != hashlib.sha256(code.encode()).hexdigest()
    user = await User.get(email_index=blind_index(ALICE))
    assert user.password_hash.startswith("$argon2id$")
