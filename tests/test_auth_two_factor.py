"""Two-step sign-in for staff: /api/auth/2fa/setup/, /api/auth/2fa/confirm/, and login's `otp`.

Theo the therapist enrols his authenticator app; from then on his password alone gets a 401
saying a code is needed. Codes are made with pyotp on the API's own settable clock.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from api.app import create_app
from api.app_keys import CLOCK
from booking.accounts import SIGN_IN_FAILURES_PER_ADDRESS, create_or_promote_staff
from booking.audit import STAFF_2FA_ENABLED, STAFF_2FA_RESET, STAFF_LOGIN
from booking.passwords import hash_password
from booking.two_factor import check_second_factor, reset_two_factor
from models import AuditEvent, RecoveryCode, User, blind_index
from tests.meetings_support import Clock, clocked_api
from tests.test_cli import run

THEO = "theo@practice.example"
THEO_PASSWORD = "a long staff passphrase"
ALICE = "alice@example.com"
ALICE_PASSWORD = "correct horse battery"
STAFF_ROUTE = "/api/meetings/admin/availability/"
SIGNED_IN_ROUTE = "/api/meetings/appointments/"
# Five seconds into a 30-second time step, so "the next step" is always 30 seconds on.
START = datetime(2026, 11, 24, 9, 0, 5, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
async def theo(db) -> User:
    user, _ = await create_or_promote_staff(
        email=THEO, first_name="Theo", last_name="Thorne", password=THEO_PASSWORD
    )
    return user


@pytest.fixture
async def alice(db) -> User:
    return await User.create(
        email=ALICE,
        email_index=blind_index(ALICE),
        first_name="Alice",
        last_name="Archer",
        password_hash=await hash_password(ALICE_PASSWORD),
        email_verified_at=datetime.now(UTC),
    )


@pytest.fixture
async def api(db, make_client, clock):
    return await clocked_api(db, make_client, clock)


@pytest.fixture
async def strict_api(db, make_settings, database_url, make_client, clock):
    """The same database behind an app run with STAFF_REQUIRE_2FA=true."""
    strict = make_settings(DATABASE_URL=database_url, STAFF_REQUIRE_2FA="true")
    app = create_app(strict, manage_database=False)
    app[CLOCK] = clock
    return await make_client(app)


async def login(api, email: str, password: str, otp: str | None = None):
    body = {"email": email, "password": password}
    if otp is not None:
        body["otp"] = otp
    response = await api.post("/api/auth/login/", json=body)
    return response.status, await response.json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access']}"}


async def enrol(api, headers: dict[str, str], clock: Clock) -> tuple[pyotp.TOTP, list[str]]:
    """Set up and confirm; the authenticator app and the recovery codes."""
    response = await api.post("/api/auth/2fa/setup/", headers=headers)
    assert response.status == 200, await response.text()
    app = pyotp.TOTP((await response.json())["secret"])
    response = await api.post(
        "/api/auth/2fa/confirm/", json={"otp": app.at(clock.now)}, headers=headers
    )
    assert response.status == 200, await response.text()
    return app, (await response.json())["recovery_codes"]


async def test_theo_enrols_and_from_then_on_signs_in_with_a_code_each_good_once(api, theo, clock):
    status, tokens = await login(api, THEO, THEO_PASSWORD)
    assert status == 200  # not enrolled yet: the password is enough
    headers = bearer(tokens)

    response = await api.post("/api/auth/2fa/setup/", headers=headers)
    first = await response.json()
    assert response.status == 200
    assert first["otpauth_uri"].startswith("otpauth://totp/")
    assert "issuer=" in first["otpauth_uri"] and "theo%40practice.example" in first["otpauth_uri"]
    # Set up again before confirming: a new secret replaces the first.
    response = await api.post("/api/auth/2fa/setup/", headers=headers)
    second = await response.json()
    assert second["secret"] != first["secret"]
    stored = await User.get(id=theo.id)
    assert stored.totp_secret == second["secret"] and stored.totp_enabled_at is None

    app = pyotp.TOTP(second["secret"])
    stale = pyotp.TOTP(first["secret"]).at(clock.now)
    response = await api.post("/api/auth/2fa/confirm/", json={"otp": stale}, headers=headers)
    assert response.status == 400 and "otp" in await response.json()
    response = await api.post(
        "/api/auth/2fa/confirm/", json={"otp": app.at(clock.now)}, headers=headers
    )
    assert response.status == 200
    codes = (await response.json())["recovery_codes"]
    assert len(codes) == 10 == len(set(codes))
    # Stored as keyed hashes only.
    hashes = await RecoveryCode.filter(user_id=theo.id).values_list("code_hash", flat=True)
    assert len(hashes) == 10 and not set(codes) & set(hashes)

    # Enrolled: set-up and confirmation are over.
    assert (await api.post("/api/auth/2fa/setup/", headers=headers)).status == 409
    again = {"otp": app.at(clock.now)}
    assert (await api.post("/api/auth/2fa/confirm/", json=again, headers=headers)).status == 409

    status, body = await login(api, THEO, THEO_PASSWORD)
    assert status == 401 and body["otp_required"] is True
    # The code that confirmed the enrolment is used up.
    status, body = await login(api, THEO, THEO_PASSWORD, app.at(clock.now))
    assert status == 401 and body["otp_required"] is True

    clock.now += timedelta(seconds=30)
    code = app.at(clock.now)
    status, body = await login(api, THEO, THEO_PASSWORD, code)
    assert status == 200 and body["user"]["is_staff"] is True
    status, body = await login(api, THEO, THEO_PASSWORD, code)
    assert status == 401 and body["otp_required"] is True  # the same code, reused

    status, _ = await login(api, THEO, THEO_PASSWORD, codes[3].lower().replace("-", " "))
    assert status == 200  # a recovery code, typed loosely
    status, body = await login(api, THEO, THEO_PASSWORD, codes[3])
    assert status == 401 and body["otp_required"] is True

    actions = await AuditEvent.filter(actor_id=theo.id).values_list("action", flat=True)
    assert sorted(actions) == sorted([STAFF_LOGIN] * 3 + [STAFF_2FA_ENABLED])


async def test_a_code_one_step_off_passes_but_not_two(api, theo, clock):
    _, tokens = await login(api, THEO, THEO_PASSWORD)
    app, _ = await enrol(api, bearer(tokens), clock)
    clock.now += timedelta(minutes=5)
    too_old = app.at(clock.now - timedelta(seconds=60))
    assert (await login(api, THEO, THEO_PASSWORD, too_old))[0] == 401
    assert (await login(api, THEO, THEO_PASSWORD, app.at(clock.now - timedelta(seconds=30))))[
        0
    ] == 200
    # A later step still passes after an earlier one; an earlier one after a later one not.
    assert (await login(api, THEO, THEO_PASSWORD, app.at(clock.now + timedelta(seconds=30))))[
        0
    ] == 200
    assert (await login(api, THEO, THEO_PASSWORD, app.at(clock.now)))[0] == 401


async def test_a_wrong_password_of_an_enrolled_account_is_the_ordinary_401(api, theo, clock):
    _, tokens = await login(api, THEO, THEO_PASSWORD)
    app, _ = await enrol(api, bearer(tokens), clock)
    unknown = await api.post(
        "/api/auth/login/", json={"email": "nobody@example.com", "password": "whatever it is"}
    )
    for otp in (None, app.at(clock.now + timedelta(seconds=30))):
        status, body = await login(api, THEO, "not theos password", otp)
        assert status == 401
        assert body == await unknown.json()
        assert "otp_required" not in body


async def test_wrong_codes_count_as_failed_sign_ins(api, theo, clock):
    _, tokens = await login(api, THEO, THEO_PASSWORD)
    app, _ = await enrol(api, bearer(tokens), clock)
    for _ in range(SIGN_IN_FAILURES_PER_ADDRESS.allowed):
        assert (await login(api, THEO, THEO_PASSWORD, "000000"))[0] == 401
    clock.now += timedelta(seconds=30)
    response = await api.post(
        "/api/auth/login/",
        json={"email": THEO, "password": THEO_PASSWORD, "otp": app.at(clock.now)},
    )
    assert response.status == 429 and "Retry-After" in response.headers


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_two_sign_ins_racing_with_one_code_let_exactly_one_in(api, theo, clock):
    _, tokens = await login(api, THEO, THEO_PASSWORD)
    app, codes = await enrol(api, bearer(tokens), clock)
    clock.now += timedelta(seconds=30)
    code = app.at(clock.now)
    results = await asyncio.gather(*(login(api, THEO, THEO_PASSWORD, code) for _ in range(4)))
    assert sorted(status for status, _ in results) == [200, 401, 401, 401]
    # The same at the service, with a recovery code and a newer TOTP code.
    user = await User.get(id=theo.id)
    for otp in (codes[0], app.at(clock.now + timedelta(seconds=30))):
        passed = await asyncio.gather(
            *(check_second_factor(user, otp, now=clock.now) for _ in range(4))
        )
        assert sorted(passed) == [False, False, False, True], otp


async def test_clients_cannot_enrol_and_sign_in_as_before(strict_api, alice):
    status, tokens = await login(strict_api, ALICE, ALICE_PASSWORD)
    assert status == 200  # STAFF_REQUIRE_2FA leaves clients alone
    headers = bearer(tokens)
    response = await strict_api.post("/api/auth/2fa/setup/", headers=headers)
    assert response.status == 403
    response = await strict_api.post(
        "/api/auth/2fa/confirm/", json={"otp": "123456"}, headers=headers
    )
    assert response.status == 403
    assert (await strict_api.get("/api/meetings/user/appointments/", headers=headers)).status == 200
    assert (await User.get(id=alice.id)).totp_secret is None


async def test_with_2fa_required_theo_signs_in_but_may_only_enrol(strict_api, theo, clock):
    status, tokens = await login(strict_api, THEO, THEO_PASSWORD)
    assert status == 200
    headers = bearer(tokens)
    response = await strict_api.get(STAFF_ROUTE, headers=headers)
    assert response.status == 403
    body = await response.json()
    assert body["two_factor_required"] is True and "2fa/setup" in body["detail"]
    # Signed-in routes (where staff see every client's requests) are shut too.
    response = await strict_api.get(SIGNED_IN_ROUTE, headers=headers)
    assert response.status == 401 and (await response.json())["two_factor_required"] is True

    await enrol(strict_api, headers, clock)
    # The same session goes on once enrolled.
    assert (await strict_api.get(STAFF_ROUTE, headers=headers)).status == 200
    assert (await strict_api.get(SIGNED_IN_ROUTE, headers=headers)).status == 200


async def test_without_the_requirement_unenrolled_staff_work_as_before(api, theo):
    _, tokens = await login(api, THEO, THEO_PASSWORD)
    assert (await api.get(STAFF_ROUTE, headers=bearer(tokens))).status == 200


async def test_a_client_still_sees_the_plain_staff_only_answer(strict_api, alice):
    _, tokens = await login(strict_api, ALICE, ALICE_PASSWORD)
    response = await strict_api.get(STAFF_ROUTE, headers=bearer(tokens))
    assert response.status == 403
    assert "two_factor_required" not in await response.json()


async def test_the_schema_declares_the_refusals_flags(api):
    document = await (await api.get("/api/schema/")).json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    refusal = paths[STAFF_ROUTE]["get"]["responses"]["403"]["content"]["application/json"]
    assert refusal["schema"] == {"$ref": "#/components/schemas/Refusal"}
    assert "two_factor_required" in schemas["Refusal"]["properties"]
    login_401 = paths["/api/auth/login/"]["post"]["responses"]["401"]["content"]
    assert login_401["application/json"]["schema"]["$ref"].endswith("/SignInRefusal")
    assert "otp" in schemas["LoginBody"]["properties"]
    assert set(paths["/api/auth/2fa/setup/"]["post"]["responses"]) == {
        "200",
        "401",
        "403",
        "409",
        "429",
    }


async def test_the_operator_resets_a_lost_phone_and_theo_enrols_again(api, theo, clock):
    _, tokens = await login(api, THEO, THEO_PASSWORD)
    await enrol(api, bearer(tokens), clock)
    refresh = {"refresh": tokens["refresh"]}

    assert await reset_two_factor("Theo@Practice.example") is not None

    stored = await User.get(id=theo.id)
    assert (stored.totp_secret, stored.totp_enabled_at, stored.totp_last_step) == (None,) * 3
    assert not await RecoveryCode.filter(user_id=theo.id).exists()
    # Signed out everywhere; the password alone signs in again, and he can enrol anew.
    assert (await api.post("/api/auth/token/refresh/", json=refresh)).status == 401
    status, tokens = await login(api, THEO, THEO_PASSWORD)
    assert status == 200
    await enrol(api, bearer(tokens), clock)
    assert await AuditEvent.filter(action=STAFF_2FA_RESET, target=str(theo.id)).exists()
    assert await reset_two_factor("nobody@example.com") is None


async def test_reset_2fa_on_the_command_line(tmp_path):
    assert (await run(tmp_path, "migrate"))[0] == 0
    staff = ["create-staff", "--email", THEO, "--no-input"]
    assert (await run(tmp_path, *staff, STAFF_PASSWORD=THEO_PASSWORD))[0] == 0
    code, out, _ = await run(tmp_path, "reset-2fa", "--email", THEO)
    assert code == 0 and "two-step sign-in is off" in out
    code, _, err = await run(tmp_path, "reset-2fa", "--email", "nobody@example.com")
    assert code == 1 and "no account" in err


async def test_enrolling_signs_out_the_sessions_that_signed_in_with_the_password_alone(
    api, theo, clock
):
    # A session from before enrolment (perhaps a thief's, with the password alone) must not
    # keep refreshing past the second step Theo just turned on.
    _, earlier = await login(api, THEO, THEO_PASSWORD)
    _, tokens = await login(api, THEO, THEO_PASSWORD)
    app, _ = await enrol(api, bearer(tokens), clock)

    for old in (earlier, tokens):
        response = await api.post("/api/auth/token/refresh/", json={"refresh": old["refresh"]})
        assert response.status == 401
    clock.now += timedelta(seconds=30)
    status, _ = await login(api, THEO, THEO_PASSWORD, app.at(clock.now))
    assert status == 200
