"""Every route is declared once (api.routing), and every status its declaration publishes is
one the route really answers: driven here with real requests, route by route."""

from __future__ import annotations

import io
import json
import warnings
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from aiohttp import web
from pydantic import BaseModel
from tortoise import connections

from api.app import create_app
from api.auth import Access
from api.parsing import MAX_BODY_BYTES
from api.routing import Endpoint, Routes, UndeclaredStatus, app_routes, declaration_of
from models import WaitlistOffer, WaitlistOfferStatus
from tests.meetings_support import (
    auth,
    first_dates,
    make_cast,
    make_user,
    open_every_day,
    request_body,
)
from tests.privacy_support import drive_privacy_statuses

# What each route answers, written out by hand: a declaration that changes its contract
# must change this table too, in the same commit, for a reviewer to see.
EXPECTED = {
    ("get", "/"): {200},
    ("get", "/api/"): {200, 401},
    ("get", "/api/docs/"): {200, 401},
    ("get", "/api/docs/{asset}"): {200, 401, 404},
    ("get", "/api/schema/"): {200, 400, 401},
    ("get", "/healthz"): {200, 401, 503},
    ("post", "/api/auth/register/"): {201, 400, 401, 413, 415, 429},
    ("post", "/api/auth/verify-otp/"): {200, 400, 401, 413, 415, 429},
    ("post", "/api/auth/login/"): {200, 400, 401, 413, 415, 429},
    ("post", "/api/auth/resend-otp/"): {200, 400, 401, 413, 415, 429},
    ("post", "/api/auth/forgot-password/"): {200, 400, 401, 413, 415, 429},
    ("post", "/api/auth/verify-password-reset-otp/"): {200, 400, 401, 413, 415, 429},
    ("post", "/api/auth/reset-password/"): {200, 400, 401, 413, 415, 429},
    ("post", "/api/auth/token/refresh/"): {200, 400, 401, 413, 415},
    ("get", "/api/meetings/admin/availability/"): {200, 401, 403},
    ("put", "/api/meetings/admin/availability/"): {200, 400, 401, 403, 413, 415},
    ("patch", "/api/meetings/admin/availability/"): {200, 400, 401, 403, 413, 415},
    ("get", "/api/meetings/appointments/available-dates/"): {200, 401},
    ("get", "/api/meetings/appointments/available-slots/"): {200, 400, 401},
    ("get", "/api/meetings/admin/blocked-dates/"): {200, 400, 401, 403},
    ("post", "/api/meetings/admin/blocked-dates/"): {201, 400, 401, 403, 413, 415},
    ("delete", "/api/meetings/admin/blocked-dates/{block_id}/"): {200, 401, 403, 404},
    ("post", "/api/meetings/appointments/create/"): {201, 400, 401, 413, 415, 429},
    ("get", "/api/meetings/appointments/"): {200, 400, 401, 404},
    ("get", "/api/meetings/user/appointments/"): {200, 400, 401, 404},
    ("get", "/api/meetings/appointments/stats/"): {200, 401, 403},
    ("get", "/api/meetings/appointments/{appointment_id}/"): {200, 401, 404},
    ("post", "/api/meetings/appointments/{appointment_id}/schedule/"): {
        200,
        400,
        401,
        403,
        404,
        409,
        413,
        415,
    },
    ("post", "/api/meetings/appointments/{appointment_id}/reject/"): {
        200,
        400,
        401,
        403,
        404,
        409,
        413,
        415,
    },
    ("get", "/api/meetings/appointments/{appointment_id}/jitsi-meeting/"): {200, 400, 401, 404},
    ("post", "/api/meetings/appointments/{appointment_id}/cancel/"): {
        200,
        400,
        401,
        404,
        409,
        413,
        415,
    },
    ("post", "/api/meetings/appointments/{appointment_id}/reschedule/"): {
        200,
        400,
        401,
        403,
        404,
        409,
        413,
        415,
    },
    ("post", "/api/meetings/appointments/{appointment_id}/propose/"): {
        200,
        400,
        401,
        403,
        404,
        409,
        413,
        415,
    },
    ("post", "/api/meetings/appointments/{appointment_id}/accept-proposal/"): {
        200,
        400,
        401,
        404,
        409,
        413,
        415,
    },
    ("post", "/api/meetings/appointments/{appointment_id}/reschedule-request/"): {
        200,
        400,
        401,
        404,
        409,
        413,
        415,
    },
    ("post", "/api/meetings/appointments/{appointment_id}/reschedule-request/keep/"): {
        200,
        401,
        403,
        404,
        409,
    },
    ("post", "/api/meetings/appointments/{appointment_id}/confirm/"): {200, 401, 404, 409},
    ("post", "/api/meetings/appointments/{appointment_id}/attendance/"): {
        200,
        400,
        401,
        403,
        404,
        409,
        413,
        415,
    },
    ("post", "/api/meetings/appointments/{appointment_id}/running-late/"): {
        200,
        400,
        401,
        404,
        409,
        413,
        415,
    },
}
EXPECTED[("get", "/api/meetings/series/{series_id}/")] = {200, 401, 404}
EXPECTED[("post", "/api/meetings/series/{series_id}/cancel/")] = {200, 400, 401, 404, 409, 413, 415}
WAITLIST = "/api/meetings/waitlist/"
EXPECTED[("post", WAITLIST)] = {201, 400, 401, 409, 413, 415}
EXPECTED[("get", WAITLIST)] = {200, 401}
EXPECTED[("delete", WAITLIST + "{entry_id}/")] = {200, 401, 404, 409}
EXPECTED[("post", WAITLIST + "offers/{offer_id}/accept/")] = {200, 401, 404, 409}
EXPECTED[("post", WAITLIST + "offers/{offer_id}/decline/")] = {200, 401, 404, 409}
AUDIT = "/api/meetings/admin/audit/"
EXPECTED[("get", AUDIT)] = {200, 400, 401, 403, 404}
EXPECTED[("get", "/api/meetings/practice/")] = {200, 401}
ERASE_CLIENT = "/api/meetings/admin/clients/{user_id}/erase/"
EXPECTED[("get", "/api/auth/me/export/")] = {200, 401}
EXPECTED[("post", "/api/auth/me/erase/")] = {200, 400, 401, 409, 413, 415, 429}
EXPECTED[("post", ERASE_CLIENT)] = {200, 401, 403, 404, 409}
TWO_STEP = "/api/auth/2fa/"
EXPECTED[("post", TWO_STEP + "setup/")] = {200, 401, 403, 409, 429}
EXPECTED[("post", TWO_STEP + "confirm/")] = {200, 400, 401, 403, 409, 413, 415, 429}
# A path parameter that matches the route's pattern but names nothing.
NOTHING = {"appointment_id": "-" * 36, "asset": "nothing.js", "block_id": "999999"}
NOTHING["series_id"] = "-" * 36
NOTHING.update(entry_id="-" * 36, offer_id="-" * 36)
NOTHING["user_id"] = "-" * 36


def endpoints(settings) -> dict[tuple[str, str], Endpoint]:
    found = {}
    for method, path, handler in app_routes(create_app(settings, manage_database=False)):
        endpoint = declaration_of(handler)
        assert endpoint is not None, f"{method.upper()} {path} has no declaration"
        found[(method, path)] = endpoint
    return found


def test_every_route_of_the_app_is_declared_and_publishes_the_expected_statuses(make_settings):
    declared = endpoints(make_settings())
    assert {key: endpoint.statuses for key, endpoint in declared.items()} == EXPECTED


def test_the_declared_errors_follow_from_access_input_and_path(make_settings):
    for (method, path), endpoint in endpoints(make_settings()).items():
        where = f"{method.upper()} {path}"
        has_input = endpoint.body is not None or endpoint.query is not None
        assert not has_input or 400 in endpoint.errors, where
        if endpoint.access.reads_token:
            assert 401 in endpoint.errors, where
        refuses_clients = endpoint.access in (Access.STAFF, Access.ENROLMENT)
        assert (403 in endpoint.errors) == refuses_clients, where
        assert endpoint.path_params is None or 404 in endpoint.errors, where
        assert (413 in endpoint.errors) == (endpoint.body is not None), where
        assert (415 in endpoint.errors) == (endpoint.body is not None), where


class Recorder:
    """Sends requests and notes which status each declared route gave."""

    def __init__(self, api) -> None:
        self.api = api
        self.seen: dict[tuple[str, str], set[int]] = defaultdict(set)

    async def call(
        self, method: str, path: str, *, url: str | None = None, **kwargs: Any
    ) -> tuple[int, Any]:
        response = await self.api.request(method.upper(), url or path, **kwargs)
        self.seen[(method, path)].add(response.status)
        body = await response.read()
        is_json = response.content_type == "application/json"
        return response.status, json.loads(body) if is_json and body else None


def concrete(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def invalid_query(model: type[BaseModel]) -> dict[str, str]:
    """One query parameter with a value its model refuses (a choice, number, flag or pattern)."""
    for name, schema in model.model_json_schema()["properties"].items():
        options = schema.get("anyOf", [schema])
        if any(
            "enum" in option or "pattern" in option or option.get("type") in ("integer", "boolean")
            for option in options
        ):
            return {name: "not-a-valid-value"}
    raise AssertionError(f"{model.__name__}: no parameter to make invalid")


async def test_every_declared_status_is_one_the_route_gives(api, settings, db):
    cast = await make_cast(settings)
    staff, client = cast.headers("theo"), cast.headers("alice")
    record = Recorder(api)
    declared = endpoints(settings)

    for (method, path), endpoint in declared.items():
        url = concrete(path, NOTHING)
        token = staff if endpoint.access.needs_user else {}
        # 401: a token that is sent must be valid, even where none is needed.
        if endpoint.access.reads_token:
            bad = {"Authorization": "Bearer not-a-token"}
            assert (await record.call(method, path, url=url, headers=bad))[0] == 401
        if endpoint.access.needs_user:
            assert (await record.call(method, path, url=url))[0] == 401
        # 403: staff routes refuse a client.
        if endpoint.access is Access.STAFF:
            assert (await record.call(method, path, url=url, headers=client))[0] == 403
        # 404: a path parameter that matches the pattern but names nothing.
        if endpoint.path_params is not None:
            assert (await record.call(method, path, url=url, headers=token))[0] == 404
        unknown = "00000000-0000-4000-8000-000000000000"
        url = concrete(path, {"appointment_id": unknown, "series_id": unknown})
        # 400: a body that is no JSON object; a query value the model refuses.
        if endpoint.body is not None:
            sent = {"data": b"[]", "headers": {**token, "Content-Type": "application/json"}}
            assert (await record.call(method, path, url=url, **sent))[0] == 400
            # 413: past the size limit.
            sent["data"] = io.BytesIO(b" " * (MAX_BODY_BYTES + 1))
            assert (await record.call(method, path, url=url, **sent))[0] == 413
            # 415: JSON sent as another media type.
            sent = {"data": b"{}", "headers": {**token, "Content-Type": "text/plain"}}
            assert (await record.call(method, path, url=url, **sent))[0] == 415
        if endpoint.query is not None:
            query = invalid_query(endpoint.query)
            status, _ = await record.call(method, path, url=url, params=query, headers=token)
            assert status == 400

    await _drive_what_only_the_services_know(record, cast)

    for key, endpoint in declared.items():
        missing = set(endpoint.errors) - record.seen[key]
        assert not missing, f"{key}: declared {sorted(missing)} but never answered them"
        undeclared = record.seen[key] - endpoint.statuses
        assert not undeclared, f"{key}: answered {sorted(undeclared)} undeclared"


async def _drive_what_only_the_services_know(record: Recorder, cast) -> None:
    """409, the sign-in routes' 401, a page past the end, a meeting not scheduled, 429, 503."""
    staff, client = cast.headers("theo"), cast.headers("alice")
    meetings = "/api/meetings/appointments"
    await open_every_day()
    dates = await first_dates(cast.settings)

    create = f"{meetings}/create/"
    status, created = await record.call("post", create, json=request_body(dates))
    assert status == 201
    one = f"{meetings}/{created['id']}"
    jitsi = f"{meetings}/{{appointment_id}}/jitsi-meeting/"
    assert (await record.call("get", jitsi, url=f"{one}/jitsi-meeting/", headers=client))[0] == 400
    reject = f"{meetings}/{{appointment_id}}/reject/"
    assert (await record.call("post", reject, url=f"{one}/reject/", json={}, headers=staff))[
        0
    ] == 200
    assert (await record.call("post", reject, url=f"{one}/reject/", json={}, headers=staff))[
        0
    ] == 409
    schedule = f"{meetings}/{{appointment_id}}/schedule/"
    when = {"scheduled_datetime": f"{dates[0]}T10:00:00Z"}
    assert (await record.call("post", schedule, url=f"{one}/schedule/", json=when, headers=staff))[
        0
    ] == 409
    # A rejected request has no life left: every lifecycle action on it is a 409.
    later = f"{dates[0]}T11:00:00Z"
    lifecycle = {
        "cancel": (staff, {}),
        "reschedule": (staff, when),
        "propose": (staff, {"times": [later]}),
        "accept-proposal": (client, {"time": later}),
        "reschedule-request": (
            client,
            {"preferred_dates": dates[:1], "preferred_time_slots": ["morning"]},
        ),
        "reschedule-request/keep": (staff, {}),
        "confirm": (client, {}),
        "running-late": (client, {"minutes": 5}),
        "attendance": (staff, {"attendance": "attended"}),
    }
    for action, (who, body) in lifecycle.items():
        path = f"{meetings}/{{appointment_id}}/{action}/"
        status, _ = await record.call("post", path, url=f"{one}/{action}/", json=body, headers=who)
        assert status == 409, action

    await _drive_a_series(record, cast, dates)

    await _drive_the_waitlist(record, cast)

    await _drive_two_step_enrolment(record, cast)

    await drive_privacy_statuses(record, cast)

    pages = ((f"{meetings}/", staff), ("/api/meetings/user/appointments/", client))
    for path, who in (*pages, (AUDIT, staff)):
        assert (await record.call("get", path, params={"page": "99"}, headers=who))[0] == 404

    wrong = {"email": "alice@example.com", "password": "not her password"}
    assert (await record.call("post", "/api/auth/login/", json=wrong))[0] == 401
    stale = {"refresh": "not-a-refresh-token"}
    assert (await record.call("post", "/api/auth/token/refresh/", json=stale))[0] == 401

    await _exhaust_the_rate_limits(record, dates)

    await connections.close_all(discard=False)

    async def broken(*args, **kwargs):
        raise OSError("database went away")

    connections.get("default").execute_query = broken
    assert (await record.call("get", "/healthz"))[0] == 503


async def _drive_the_waitlist(record: Recorder, cast) -> None:
    """Staff cannot join (409); leaving twice is a 409; a settled offer is a 409."""
    staff, client = cast.headers("theo"), cast.headers("alice")
    join = {"weekdays": [0, 1, 2, 3, 4]}
    assert (await record.call("post", WAITLIST, json=join, headers=staff))[0] == 409
    status, entry = await record.call("post", WAITLIST, json=join, headers=client)
    assert status == 201, entry
    one = WAITLIST + "{entry_id}/"
    for expected in (200, 409):
        url = f"{WAITLIST}{entry['id']}/"
        assert (await record.call("delete", one, url=url, headers=client))[0] == expected
    offer = await WaitlistOffer.create(
        entry_id=entry["id"],
        start=datetime.now(UTC) + timedelta(days=3),
        duration=60,
        status=WaitlistOfferStatus.EXPIRED,
        expires_at=datetime.now(UTC),
        created_at=datetime.now(UTC),
    )
    for action in ("accept", "decline"):
        path = WAITLIST + "offers/{offer_id}/" + action + "/"
        url = f"{WAITLIST}offers/{offer.id}/{action}/"
        assert (await record.call("post", path, url=url, headers=client))[0] == 409, action


async def _drive_two_step_enrolment(record: Recorder, cast) -> None:
    """Clients cannot enrol; confirming before any set-up, or after enrolling, is a 409;
    both steps are rate limited."""
    theo, alice = cast.headers("theo"), cast.headers("alice")
    setup, confirm = TWO_STEP + "setup/", TWO_STEP + "confirm/"
    assert (await record.call("post", setup, headers=alice))[0] == 403
    assert (await record.call("post", confirm, json={"otp": "000000"}, headers=alice))[0] == 403
    assert (await record.call("post", confirm, json={"otp": "000000"}, headers=theo))[0] == 409
    sam = await make_user("sam@practice.example", first_name="Sam", staff=True)
    sam_headers = auth(cast.settings, sam)
    status, enrolment = await record.call("post", setup, headers=sam_headers)
    assert status == 200, enrolment
    code = {"otp": pyotp.TOTP(enrolment["secret"]).now()}
    assert (await record.call("post", confirm, json=code, headers=sam_headers))[0] == 200
    assert (await record.call("post", setup, headers=sam_headers))[0] == 409
    assert (await record.call("post", confirm, json=code, headers=sam_headers))[0] == 409
    for path, body in ((setup, None), (confirm, {"otp": "000000"})):
        for _ in range(12):
            if (await record.call("post", path, json=body, headers=theo))[0] == 429:
                break
        else:
            raise AssertionError(f"{path}: no 429")


async def _drive_a_series(record: Recorder, cast, dates: list[str]) -> None:
    """A two-week series read and cancelled; cancelling from after its end is a 409."""
    staff = cast.headers("theo")
    status, created = await record.call(
        "post", "/api/meetings/appointments/create/", json=request_body(dates)
    )
    assert status == 201
    schedule = "/api/meetings/appointments/{appointment_id}/schedule/"
    when = {"scheduled_datetime": f"{dates[0]}T15:00:00Z", "repeat": {"every_weeks": 1, "count": 2}}
    url = f"/api/meetings/appointments/{created['id']}/schedule/"
    status, booked = await record.call("post", schedule, url=url, json=when, headers=staff)
    assert status == 200, booked
    one = f"/api/meetings/series/{booked['series']}"
    path = "/api/meetings/series/{series_id}/"
    assert (await record.call("get", path, url=f"{one}/", headers=staff))[0] == 200
    cancel = "/api/meetings/series/{series_id}/cancel/"
    for expected in (200, 409):
        status, _ = await record.call("post", cancel, url=f"{one}/cancel/", json={}, headers=staff)
        assert status == expected


async def _until_429(record: Recorder, path: str, body: dict, attempts: int) -> None:
    for _ in range(attempts):
        if (await record.call("post", path, json=body))[0] == 429:
            return
    raise AssertionError(f"{path}: no 429 within {attempts} attempts")


async def _exhaust_the_rate_limits(record: Recorder, dates: list[str]) -> None:
    auth_ = "/api/auth"
    mallory = "mallory@example.com"
    # Codes sent to one address (shared by register, resend and forgot-password).
    await _until_429(record, f"{auth_}/forgot-password/", {"email": mallory}, 10)
    registration = {
        "email": mallory,
        "first_name": "Mallory",
        "last_name": "Moss",
        "password": "a long enough passphrase",
        "password2": "a long enough passphrase",
    }
    await _until_429(record, f"{auth_}/register/", registration, 1)
    await _until_429(record, f"{auth_}/resend-otp/", {"email": mallory}, 1)
    # Wrong codes from one client (shared by the three routes that check a code).
    wrong_code = {"email": mallory, "otp": "000000"}
    await _until_429(record, f"{auth_}/verify-otp/", wrong_code, 60)
    await _until_429(record, f"{auth_}/verify-password-reset-otp/", wrong_code, 1)
    reset = {
        **wrong_code,
        "new_password": "another passphrase",
        "confirm_password": "another passphrase",
    }
    await _until_429(record, f"{auth_}/reset-password/", reset, 1)
    # Failed sign-ins for one address.
    await _until_429(record, f"{auth_}/login/", {"email": mallory, "password": "guess"}, 15)
    # Appointment requests from one address.
    body = request_body(dates, email=mallory)
    await _until_429(record, "/api/meetings/appointments/create/", body, 25)


async def test_a_status_the_declaration_does_not_list_is_a_warning(make_client, settings):
    routes = Routes()

    @routes.endpoint("GET", "/teapot/", access=Access.PUBLIC, response=dict, tag="test")
    async def teapot(request: web.Request) -> dict:
        """Answers a status nobody declared."""
        raise web.HTTPConflict()

    app = create_app(settings, manage_database=False)
    app.add_routes(routes)
    client = await make_client(app)
    with pytest.warns(UndeclaredStatus, match="GET /teapot/ answered 409"):
        response = await client.get("/teapot/")
    assert response.status == 409


def test_a_declaration_that_contradicts_itself_is_refused():
    routes = Routes()

    async def handler(request: web.Request) -> dict:
        return {}

    with pytest.raises(ValueError, match="path_params"):
        routes.endpoint("GET", "/things/{thing_id}/", access=Access.PUBLIC, response=dict, tag="t")(
            handler
        )
    with pytest.raises(ValueError, match="response model"):
        routes.endpoint("GET", "/things/", access=Access.PUBLIC, tag="t")(handler)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        routes.endpoint("GET", "/things/", access=Access.PUBLIC, response=dict, tag="t")(handler)
    assert [e.canonical for e in routes.endpoints] == ["/things/"]
