"""GET appointments/, user/appointments/ and appointments/<id>/: who sees which requests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from booking.appointments import reject_appointment, schedule_appointment
from models import Appointment
from tests.meetings_support import auth, make_cast, make_request, make_user, tomorrow_at

LIST = "/api/meetings/appointments/"
OWN = "/api/meetings/user/appointments/"


async def ids(response) -> set[str]:
    assert response.status == 200, await response.text()
    return {a["id"] for a in (await response.json())["results"]}


async def page_of(api, path, headers, **params) -> dict:
    response = await api.get(path, params=params, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_alice_sees_her_requests_including_one_sent_before_she_signed_in(api, db):
    cast = await make_cast(db)
    linked = await make_request(db, user=cast.alice)
    before_signing_in = await make_request(db, email="ALICE@example.com")
    charlies = await make_request(db, user=cast.charlie, email="charlie@example.com")

    for path in (LIST, OWN):
        seen = await ids(await api.get(path, headers=cast.headers("alice")))
        assert seen == {str(linked.id), str(before_signing_in.id)}, path
    assert await ids(await api.get(LIST, headers=cast.headers("charlie"))) == {str(charlies.id)}


async def test_an_unverified_address_does_not_unlock_anonymous_requests(api, db):
    """Anyone can sign up with Alice's address; only verifying it proves it is theirs."""
    await make_request(db, email="mallory-target@example.com")
    mallory = await make_user("mallory-target@example.com", verified=False)

    response = await api.get(LIST, headers=auth(db, mallory))
    assert (await response.json())["count"] == 0


async def test_theo_sees_every_request_and_filters_by_status_and_email(api, db):
    cast = await make_cast(db)
    alices = await make_request(db, user=cast.alice)
    anonymous_alice = await make_request(db, email="alice@example.com")
    charlies = await make_request(db, email="charlie@example.com")
    await schedule_appointment(db, charlies.id, cast.theo, tomorrow_at(10, 2))
    theo = cast.headers("theo")

    everything = await ids(await api.get(LIST, headers=theo))
    assert everything == {str(alices.id), str(anonymous_alice.id), str(charlies.id)}
    scheduled = await ids(await api.get(LIST, params={"status": "scheduled"}, headers=theo))
    assert scheduled == {str(charlies.id)}
    by_email = await ids(await api.get(LIST, params={"email": " Alice@Example.com"}, headers=theo))
    assert by_email == {str(alices.id), str(anonymous_alice.id)}
    both = await ids(
        await api.get(
            LIST, params={"email": "alice@example.com", "status": "scheduled"}, headers=theo
        )
    )
    assert both == set()


async def test_a_client_filtering_by_someone_elses_email_learns_nothing(api, db):
    cast = await make_cast(db)
    await make_request(db, email="alice@example.com")
    response = await api.get(
        LIST, params={"email": "alice@example.com"}, headers=cast.headers("charlie")
    )
    assert (await response.json()) == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize(
    "params",
    [{"status": "lost"}, {"page": "0"}, {"page": "two"}, {"page_size": "0"}, {"email": "nope"}],
)
async def test_bad_filters_are_refused(api, db, params):
    cast = await make_cast(db)
    response = await api.get(LIST, params=params, headers=cast.headers("theo"))
    assert response.status == 400
    assert list(await response.json()) == list(params)


async def test_lists_are_paginated_like_drf(api, db):
    cast = await make_cast(db)
    made = [await make_request(db, user=cast.alice) for _ in range(25)]
    theo = cast.headers("theo")

    first = await (await api.get(LIST, params={"page_size": "10"}, headers=theo)).json()
    assert first["count"] == 25 and len(first["results"]) == 10
    assert first["previous"] is None
    base = f"http://127.0.0.1:{api.port}{LIST}"
    assert first["next"].startswith(base) and "page=2" in first["next"]
    # Newest first.
    assert first["results"][0]["id"] == str(made[-1].id)

    third = await (
        await api.get(LIST, params={"page_size": "10", "page": "3"}, headers=theo)
    ).json()
    assert len(third["results"]) == 5 and third["next"] is None
    assert "page=2" in third["previous"]
    seen = {a["id"] for a in first["results"]} | {a["id"] for a in third["results"]}
    assert len(seen) == 15

    past_the_end = await api.get(LIST, params={"page_size": "10", "page": "4"}, headers=theo)
    assert past_the_end.status == 404
    capped = await (
        await api.get(OWN, params={"page_size": "500"}, headers=cast.headers("alice"))
    ).json()
    assert len(capped["results"]) == 25


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize(
    "page", ["4611686018427387904", "99999999999999999999", "9223372036854775808"]
)
@pytest.mark.parametrize("path", [LIST, OWN])
async def test_a_page_far_past_the_end_is_404_not_a_database_overflow(api, db, path, page):
    """The offset of such a page fits no database integer (a 500 before)."""
    cast = await make_cast(db)
    await make_request(db, user=cast.alice)
    for who in ("theo", "alice"):
        response = await api.get(path, params={"page": page}, headers=cast.headers(who))
        assert response.status == 404, await response.text()
        assert await response.json() == {"detail": "Invalid page."}


async def test_page_size_is_capped_at_100(api, db):
    cast = await make_cast(db)
    await Appointment.bulk_create(
        [
            Appointment(
                email_index="0" * 64,
                first_name="X",
                last_name="Y",
                email="x@example.com",
                preferred_dates=[],
                preferred_time_slots=[],
            )
            for _ in range(105)
        ]
    )
    page = await (
        await api.get(LIST, params={"page_size": "1000"}, headers=cast.headers("theo"))
    ).json()
    assert page["count"] == 105 and len(page["results"]) == 100


async def test_theo_has_no_own_requests_in_his_user_list(api, db):
    cast = await make_cast(db)
    await make_request(db, user=cast.alice)
    page = await (await api.get(OWN, headers=cast.headers("theo"))).json()
    assert page["count"] == 0


async def test_alice_reads_her_request_and_sees_why_it_was_declined(api, db):
    cast = await make_cast(db)
    appointment = await make_request(db, user=cast.alice)
    await reject_appointment(db, appointment.id, cast.theo, "Fully booked this month")
    response = await api.get(f"{LIST}{appointment.id}/", headers=cast.headers("alice"))
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "rejected"
    assert body["rejection_reason"] == "Fully booked this month"
    assert body["meeting_status"] == "pending"


async def test_charlie_cannot_see_alices_appointment(api, db):
    cast = await make_cast(db)
    appointment = await make_request(db, user=cast.alice)
    response = await api.get(f"{LIST}{appointment.id}/", headers=cast.headers("charlie"))
    assert response.status == 404
    assert "Alice" not in await response.text()


@pytest.mark.parametrize("path", [f"{LIST}{uuid.uuid4()}/", f"{LIST}not-a-uuid/"])
async def test_an_unknown_appointment_is_404_even_for_theo(api, db, path):
    cast = await make_cast(db)
    response = await api.get(path, headers=cast.headers("theo"))
    assert response.status == 404


async def test_times_are_utc_with_a_local_twin(api, db):
    cast = await make_cast(db)
    appointment = await make_request(db, user=cast.alice)
    start = tomorrow_at(10, 2)
    await schedule_appointment(db, appointment.id, cast.theo, start)
    body = await (await api.get(f"{LIST}{appointment.id}/", headers=cast.headers("alice"))).json()
    assert body["scheduled_datetime"] == start.isoformat().replace("+00:00", "Z")
    assert datetime.fromisoformat(body["scheduled_datetime_local"]) == start
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None
    assert datetime.fromisoformat(body["created_at"]) <= datetime.now(UTC)
