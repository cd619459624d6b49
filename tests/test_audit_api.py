"""GET /api/meetings/admin/audit/: Theo reads who looked at or changed whose file, and when.

Theo and Uma are the practice's therapists; Alice and Charlie its clients. Every staff read
of a client's data and every staff decision made through the API leaves one row naming ids
only, with a keyed hash of the caller's address: the same for the same address, another for
another. A client's own reads leave nothing, and a client cannot read the trail.
"""

from __future__ import annotations

import pytest
from yarl import URL

from booking.audit import hash_ip
from models import AuditEvent
from tests.meetings_support import auth, make_cast, make_request, make_user, tomorrow_at

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

AUDIT = "/api/meetings/admin/audit/"
MEETINGS = "/api/meetings/appointments/"
THEOS_DESK = "203.0.113.7"
THEOS_PHONE = "198.51.100.23"


@pytest.fixture
async def settings(make_settings, database_url):
    # The test client connects from 127.0.0.1: trusted as a proxy, its X-Forwarded-For
    # names the caller, so one test plays two addresses.
    return make_settings(DATABASE_URL=database_url, TRUSTED_PROXIES="127.0.0.1")


def from_(address: str, headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "X-Forwarded-For": address}


async def rows(**where) -> list[AuditEvent]:
    return list(await AuditEvent.filter(**where).order_by("id"))


async def test_theos_list_view_and_decision_are_recorded_with_his_address_hashed(api, db):
    cast = await make_cast(db)
    request = await make_request(db, user=cast.alice)
    theo = cast.headers("theo")

    assert (await api.get(MEETINGS, headers=from_(THEOS_DESK, theo))).status == 200
    one = f"{MEETINGS}{request.id}/"
    assert (await api.get(one, headers=from_(THEOS_DESK, theo))).status == 200
    when = {"scheduled_datetime": tomorrow_at(10, 2).isoformat()}
    response = await api.post(f"{one}schedule/", json=when, headers=from_(THEOS_PHONE, theo))
    assert response.status == 200

    events = await rows(actor_id=cast.theo.id)
    assert [e.action for e in events] == [
        "appointment.list",
        "appointment.view",
        "appointment.schedule",
    ]
    listed, viewed, scheduled = events
    assert listed.target is None  # the whole list, no filter
    assert viewed.target == scheduled.target == str(request.id)
    assert viewed.subject_id == scheduled.subject_id == cast.alice.id
    # Same address, same hash; another address, another; never the address itself.
    assert listed.ip_hash == viewed.ip_hash == hash_ip(THEOS_DESK)
    assert scheduled.ip_hash == hash_ip(THEOS_PHONE) != viewed.ip_hash
    assert all(THEOS_DESK not in (e.ip_hash or "") for e in events)


async def test_one_row_per_list_request_not_per_appointment_shown(api, db):
    cast = await make_cast(db)
    for _ in range(3):
        await make_request(db, user=cast.alice)
    theo = cast.headers("theo")
    for _ in range(2):  # twice within a second: a cached page must not skip the row
        assert (await api.get(MEETINGS, headers=theo)).status == 200
    assert len(await rows(action="appointment.list")) == 2


async def test_theos_email_lookup_names_the_filter_and_alices_account_not_her_address(api, db):
    cast = await make_cast(db)
    await make_request(db, user=cast.alice)
    query = {"email": "alice@example.com", "status": "pending_review"}
    assert (await api.get(MEETINGS, params=query, headers=cast.headers("theo"))).status == 200
    (lookup,) = await rows(action="appointment.list")
    assert lookup.target == "status=pending_review,email"
    assert lookup.subject_id == cast.alice.id


async def test_rejection_availability_and_blocked_days_are_recorded_but_not_stats(api, db):
    cast = await make_cast(db)
    request = await make_request(db, user=cast.charlie)
    theo = cast.headers("theo")
    assert (await api.get(f"{MEETINGS}stats/", headers=theo)).status == 200
    reject = f"{MEETINGS}{request.id}/reject/"
    body = {"rejection_reason": "Charlie Chen needs a specialist"}
    assert (await api.post(reject, json=body, headers=theo)).status == 200
    rules = "/api/meetings/admin/availability/"
    assert (await api.patch(rules, json={"buffer_minutes": 15}, headers=theo)).status == 200
    away = {"start_date": tomorrow_at(9, 5).date().isoformat(), "note": "Theo's wedding"}
    response = await api.post("/api/meetings/admin/blocked-dates/", json=away, headers=theo)
    assert response.status == 201
    block = (await response.json())["id"]
    delete = f"/api/meetings/admin/blocked-dates/{block}/"
    assert (await api.delete(delete, headers=theo)).status == 200

    events = await rows(actor_id=cast.theo.id)
    assert [e.action for e in events] == [
        "appointment.reject",
        "availability.change",
        "availability.change",
        "availability.change",
    ]
    assert events[0].subject_id == cast.charlie.id
    assert events[1].target == "buffer_minutes"
    assert events[2].target.startswith("blocked added ")
    assert events[3].target.startswith("blocked removed ")
    assert "wedding" not in " ".join(e.target or "" for e in events)


async def test_alices_own_reads_record_nothing(api, db):
    cast = await make_cast(db)
    request = await make_request(db, user=cast.alice)
    alice = cast.headers("alice")
    assert (await api.get(MEETINGS, headers=alice)).status == 200
    assert (await api.get("/api/meetings/user/appointments/", headers=alice)).status == 200
    assert (await api.get(f"{MEETINGS}{request.id}/", headers=alice)).status == 200
    assert (await api.get("/api/meetings/waitlist/", headers=alice)).status == 200
    assert await rows() == []


async def test_alice_cannot_read_the_trail(api, db):
    cast = await make_cast(db)
    response = await api.get(AUDIT, headers=cast.headers("alice"))
    assert response.status == 403
    assert await rows(action="audit.view") == []


async def test_the_page_names_ids_only_and_reading_it_is_recorded(api, db):
    cast = await make_cast(db)
    request = await make_request(db, user=cast.alice)
    theo = cast.headers("theo")
    await api.get(f"{MEETINGS}{request.id}/", headers=from_(THEOS_DESK, theo))

    response = await api.get(AUDIT, headers=from_(THEOS_DESK, theo))
    assert response.status == 200
    page = await response.json()
    assert page["count"] == 1 and page["next"] is None and page["previous"] is None
    (event,) = page["results"]
    assert set(event) == {"id", "at", "actor", "action", "target", "ip_hash"}
    assert event["actor"] == str(cast.theo.id)
    assert event["action"] == "appointment.view"
    assert event["target"] == str(request.id)
    assert event["ip_hash"] == hash_ip(THEOS_DESK)
    text = await response.text()
    for personal in ("alice@example.com", "Alice", "Archer", "Trouble sleeping", THEOS_DESK):
        assert personal not in text

    (read,) = await rows(action="audit.view")
    assert read.actor_id == cast.theo.id


async def test_filters_actor_target_action_since_and_pages(api, db):
    cast = await make_cast(db)
    uma = await make_user("uma@practice.example", first_name="Uma", staff=True)
    alices = await make_request(db, user=cast.alice)
    charlies = await make_request(db, user=cast.charlie)
    for who, appointment in ((cast.theo, alices), (uma, charlies), (uma, alices)):
        await api.get(f"{MEETINGS}{appointment.id}/", headers=auth(db, who))
    theo = cast.headers("theo")

    async def page(**query) -> dict:
        response = await api.get(AUDIT, params=query, headers=theo)
        assert response.status == 200, await response.text()
        return await response.json()

    umas = await page(actor=str(uma.id))
    assert umas["count"] == 2
    assert {e["target"] for e in umas["results"]} == {str(alices.id), str(charlies.id)}
    on_alices = await page(target=str(alices.id), action="appointment.view")
    assert on_alices["count"] == 2
    assert {e["actor"] for e in on_alices["results"]} == {str(cast.theo.id), str(uma.id)}
    assert (await page(since="2999-01-01"))["count"] == 0
    assert (await page(since="2000-01-01T00:00:00+00:00", action="appointment.view"))["count"] == 3

    first = await page(action="appointment.view", page_size=2)
    assert first["count"] == 3 and len(first["results"]) == 2 and first["previous"] is None
    assert "page=2" in first["next"]
    second = await (await api.get(URL(first["next"]).path_qs, headers=theo)).json()
    assert len(second["results"]) == 1 and second["next"] is None
    # Newest first, and no row twice across the pages.
    ids = [e["id"] for e in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 3
    assert (await api.get(AUDIT, params={"page": "9"}, headers=theo)).status == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-02-30"}, "since"),
        ({"actor": "theo"}, "actor"),
        ({"page": "0"}, "page"),
    ],
)
async def test_a_bad_filter_is_a_400_naming_it(api, db, query, field):
    cast = await make_cast(db)
    response = await api.get(AUDIT, params=query, headers=cast.headers("theo"))
    assert response.status == 400
    assert field in await response.json()


async def test_an_absurd_page_is_past_the_end_not_an_error(api, db):
    cast = await make_cast(db)
    params = {"page": str(10**30)}
    response = await api.get(AUDIT, params=params, headers=cast.headers("theo"))
    assert response.status == 404
