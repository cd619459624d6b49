"""admin/blocked-dates/: Theo's days away; clients are never offered them, and booking on
them needs Theo's override."""

from __future__ import annotations

import pytest
from tortoise import connections

from models import BlockedDate
from tests.availability_support import (
    BLOCKED,
    a_request,
    at,
    clocked,
    dates_offered,
    day,
    slots_of,
)
from tests.meetings_support import request_body

NOTE = "Sister's wedding in Lisbon"


async def test_theo_blocks_a_week_with_a_private_note_and_reads_it_back(db, make_client):
    cast, api = await clocked(db, make_client)
    theo = cast.headers("theo")
    sent = {"start_date": day(7).isoformat(), "end_date": day(11).isoformat(), "note": NOTE}
    response = await api.post(BLOCKED, json=sent, headers=theo)
    assert response.status == 201, await response.text()
    created = await response.json()
    assert {k: created[k] for k in sent} == sent
    listed = await (await api.get(BLOCKED, headers=theo)).json()
    assert listed == [created]


async def test_one_day_needs_no_end_date(db, make_client):
    cast, api = await clocked(db, make_client)
    response = await api.post(
        BLOCKED, json={"start_date": day(3).isoformat()}, headers=cast.headers("theo")
    )
    body = await response.json()
    assert response.status == 201
    assert body["start_date"] == body["end_date"] == day(3).isoformat()
    assert body["note"] is None


async def test_the_note_is_encrypted_at_rest(db, make_client):
    cast, api = await clocked(db, make_client)
    sent = {"start_date": day(7).isoformat(), "note": NOTE}
    assert (await api.post(BLOCKED, json=sent, headers=cast.headers("theo"))).status == 201
    rows = await connections.get("default").execute_query_dict("SELECT note FROM blocked_dates")
    assert len(rows) == 1 and "Lisbon" not in str(rows[0]["note"])
    assert (await BlockedDate.get()).note == NOTE


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start_date": "2026-03-10", "end_date": "2026-03-09"}, "end_date"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"start_date": "10/03/2026"}, "start_date"),
        ({"start_date": "2026-03-10", "end_date": "soon"}, "end_date"),
        ({"start_date": "2026-03-10", "end_date": "2027-03-11"}, "end_date"),
        ({"start_date": "2026-03-10", "note": "x" * 501}, "note"),
        ({"end_date": "2026-03-10"}, "start_date"),
        ({"start_date": "2026-03-10", "reason": "holiday"}, "reason"),
    ],
)
async def test_a_bad_period_is_a_400_naming_its_field(db, make_client, body, field):
    cast, api = await clocked(db, make_client)
    response = await api.post(BLOCKED, json=body, headers=cast.headers("theo"))
    assert response.status == 400
    assert field in await response.json()
    assert await BlockedDate.all().count() == 0


async def test_periods_over_are_listed_only_when_asked(db, make_client):
    cast, api = await clocked(db, make_client)
    theo = cast.headers("theo")
    await BlockedDate.create(start_date=day(-10), end_date=day(-3))
    await BlockedDate.create(start_date=day(-2), end_date=day(0))  # ends today: still listed
    await BlockedDate.create(start_date=day(20), end_date=day(20))
    current = await (await api.get(BLOCKED, headers=theo)).json()
    assert [p["start_date"] for p in current] == [day(-2).isoformat(), day(20).isoformat()]
    every = await (await api.get(BLOCKED, params={"include_past": "true"}, headers=theo)).json()
    assert len(every) == 3


async def test_removing_a_period_answers_it_and_opens_its_days_again(db, make_client):
    cast, api = await clocked(db, make_client)
    theo = cast.headers("theo")
    created = await (
        await api.post(BLOCKED, json={"start_date": day(2).isoformat()}, headers=theo)
    ).json()
    assert day(2).isoformat() not in await dates_offered(api)
    response = await api.delete(f"{BLOCKED}{created['id']}/", headers=theo)
    assert response.status == 200
    assert await response.json() == created
    assert day(2).isoformat() in await dates_offered(api)
    assert (await api.delete(f"{BLOCKED}{created['id']}/", headers=theo)).status == 404


async def test_alice_and_strangers_cannot_see_or_change_days_away(db, make_client):
    cast, api = await clocked(db, make_client)
    block = await BlockedDate.create(start_date=day(2), end_date=day(2), note=NOTE)
    for who, status in (("alice", 403), ("anonymous", 401)):
        headers = cast.headers(who)
        assert (await api.get(BLOCKED, headers=headers)).status == status
        sent = {"start_date": day(3).isoformat()}
        assert (await api.post(BLOCKED, json=sent, headers=headers)).status == status
        assert (await api.delete(f"{BLOCKED}{block.id}/", headers=headers)).status == status
    assert await BlockedDate.all().count() == 1


async def test_a_blocked_day_is_never_offered_nor_its_slots(db, make_client):
    _cast, api = await clocked(db, make_client)
    await BlockedDate.create(start_date=day(2), end_date=day(3))  # Wednesday, Thursday
    offered = await dates_offered(api)
    assert day(1).isoformat() in offered and day(4).isoformat() in offered
    assert day(2).isoformat() not in offered and day(3).isoformat() not in offered
    assert await slots_of(api, 2) == [] and await slots_of(api, 3) == []
    assert await slots_of(api, 4) == ["morning", "afternoon", "evening"]


async def test_a_request_for_a_day_blocked_since_is_refused_on_preferred_dates(db, make_client):
    _cast, api = await clocked(db, make_client)
    await BlockedDate.create(start_date=day(2), end_date=day(2))
    body = request_body([day(2).isoformat(), day(3).isoformat()])
    response = await api.post("/api/meetings/appointments/create/", json=body)
    assert response.status == 400
    errors = await response.json()
    assert list(errors) == ["preferred_dates"]
    assert day(2).isoformat() in errors["preferred_dates"][0]


async def test_scheduling_on_a_blocked_day_needs_theos_override(db, make_client):
    cast, api = await clocked(db, make_client)
    await BlockedDate.create(start_date=day(2), end_date=day(4), note=NOTE)
    request = await a_request()
    url = f"/api/meetings/appointments/{request.id}/schedule/"
    when = {"scheduled_datetime": at(3, 10).isoformat()}
    response = await api.post(url, json=when, headers=cast.headers("theo"))
    assert response.status == 409
    body = await response.json()
    assert body["clashes"] == [
        {
            "kind": "blocked_day",
            "detail": f"falls on a blocked day (away {day(2).isoformat()} to {day(4)})",
        }
    ]
    assert "blocked day" in body["detail"] and NOTE not in body["detail"]
    response = await api.post(url, json={**when, "override": True}, headers=cast.headers("theo"))
    assert response.status == 200, await response.text()
    assert (await response.json())["status"] == "scheduled"


async def test_a_session_running_past_midnight_into_a_blocked_day_clashes(db, make_client):
    cast, api = await clocked(db, make_client)
    await BlockedDate.create(start_date=day(3), end_date=day(3))
    request = await a_request()
    response = await api.post(
        f"/api/meetings/appointments/{request.id}/schedule/",
        json={"scheduled_datetime": at(2, 23, 30).isoformat(), "scheduled_duration": 60},
        headers=cast.headers("theo"),
    )
    assert response.status == 409
    assert [c["kind"] for c in (await response.json())["clashes"]] == ["blocked_day"]
