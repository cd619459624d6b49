"""Who may do what: every /api/meetings/ endpoint against anonymous, client, another client
and staff. Alice owns the request; Charlie is another client; Theo is the therapist."""

from __future__ import annotations

import pytest

from booking.appointments import schedule_appointment
from models import Appointment, AppointmentStatus, Availability
from tests.meetings_support import first_dates, make_cast, make_request, request_body, tomorrow_at

PERSONAS = ["anonymous", "alice", "charlie", "theo"]

# (method, path template, body, expected status per persona)
MATRIX = [
    ("GET", "/api/meetings/admin/availability/", None, [401, 403, 403, 200]),
    ("PUT", "/api/meetings/admin/availability/", {"available_days": [1]}, [401, 403, 403, 200]),
    ("PATCH", "/api/meetings/admin/availability/", {"available_days": [2]}, [401, 403, 403, 200]),
    ("GET", "/api/meetings/appointments/available-dates/", None, [200, 200, 200, 200]),
    ("POST", "/api/meetings/appointments/create/", "request", [201, 201, 201, 201]),
    ("GET", "/api/meetings/appointments/", None, [401, 200, 200, 200]),
    ("GET", "/api/meetings/appointments/?email=alice@example.com", None, [401, 200, 200, 200]),
    ("GET", "/api/meetings/user/appointments/", None, [401, 200, 200, 200]),
    ("GET", "/api/meetings/appointments/{pending}/", None, [401, 200, 404, 200]),
    ("GET", "/api/meetings/appointments/{scheduled}/jitsi-meeting/", None, [401, 200, 404, 200]),
    ("POST", "/api/meetings/appointments/{pending}/schedule/", "schedule", [401, 403, 403, 200]),
    ("POST", "/api/meetings/appointments/{pending}/reject/", {}, [401, 403, 403, 200]),
    ("GET", "/api/meetings/appointments/stats/", None, [401, 403, 403, 200]),
]


@pytest.mark.parametrize(
    ("persona", "method", "path", "body", "expected"),
    [
        pytest.param(who, method, path, body, statuses[i], id=f"{who}-{method}-{path}")
        for method, path, body, statuses in MATRIX
        for i, who in enumerate(PERSONAS)
    ],
)
async def test_each_person_gets_exactly_their_access(
    api, db, persona, method, path, body, expected
):
    cast = await make_cast(db)
    pending = await make_request(db, user=cast.alice)
    scheduled = await make_request(db, user=cast.alice)
    await schedule_appointment(db, scheduled.id, cast.theo, tomorrow_at(10, 3))
    if body == "request":
        body = request_body(await first_dates(db))
    elif body == "schedule":
        body = {"scheduled_datetime": tomorrow_at(15, 3).isoformat()}
    url = path.format(pending=pending.id, scheduled=scheduled.id)
    before = await Availability.first().values("available_days")

    response = await api.request(method, url, json=body, headers=cast.headers(persona))

    assert response.status == expected, await response.text()
    if expected >= 400:
        assert "detail" in await response.json()
        # A refused action changes nothing.
        assert (await Appointment.get(id=pending.id)).status == AppointmentStatus.PENDING_REVIEW
        assert await Availability.first().values("available_days") == before


async def test_charlie_sees_none_of_alices_requests_in_his_lists(api, db):
    cast = await make_cast(db)
    await make_request(db, user=cast.alice)
    for path in (
        "/api/meetings/appointments/",
        "/api/meetings/user/appointments/",
        "/api/meetings/appointments/?email=alice@example.com",
    ):
        response = await api.get(path, headers=cast.headers("charlie"))
        page = await response.json()
        assert page["count"] == 0 and page["results"] == [], path


async def test_anonymous_email_lookup_is_not_offered(api, db):
    """The seed's `?email=` lookup would tell anyone who is in therapy."""
    await make_request(db)
    response = await api.get("/api/meetings/appointments/?email=alice@example.com")
    assert response.status == 401
    assert "alice" not in await response.text()
