"""GET /api/meetings/practice/: a web client's booking form shows the same safety line the
bot and the request e-mail show."""

from __future__ import annotations

from api.app import create_app
from booking.messages.appointment_emails import NOT_AN_EMERGENCY_SERVICE

PRACTICE = "/api/meetings/practice/"


async def test_anyone_reads_the_name_zone_and_that_this_is_no_emergency_service(api, db):
    response = await api.get(PRACTICE)
    assert response.status == 200
    assert await response.json() == {
        "name": "Therapy practice",
        "timezone": "UTC",
        "crisis_message": None,
        "emergency_notice": NOT_AN_EMERGENCY_SERVICE,
    }
    assert "not monitored for emergencies" in NOT_AN_EMERGENCY_SERVICE


async def test_the_practices_crisis_line_is_there_when_set(make_settings, make_client, db):
    settings = make_settings(
        CRISIS_MESSAGE="  If you are in danger now, call 112.  ",
        PRACTICE_NAME="Harbour Counselling",
        PRACTICE_TIMEZONE="Europe/London",
    )
    client = await make_client(create_app(settings, manage_database=False))
    body = await (await client.get(PRACTICE)).json()
    assert body["crisis_message"] == "If you are in danger now, call 112."
    assert body["name"] == "Harbour Counselling"
    assert body["timezone"] == "Europe/London"
    assert body["emergency_notice"] == NOT_AN_EMERGENCY_SERVICE
