"""`/api/meetings/waitlist/`: the rules of the door. Bad input is a 400 naming the field;
anonymous callers get 401; a client sees and leaves only their own entries (someone else's
entry or offer is not found), staff see all; a settled offer is a 409.

The clock is the lifecycle stories' (Monday 4 March 2030); Charlie's Friday session at
10:00 is the time that gets freed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.lifecycle import cancel_appointment
from models import WaitlistEntry, WaitlistEntryStatus, WaitlistOffer, WaitlistOfferStatus
from tests.lifecycle_support import NOW, START, Story, story

URL = "/api/meetings/waitlist/"
FRIDAYS = {"weekdays": [4], "preferred_time_slots": ["morning"]}
pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
async def st(db, make_client) -> Story:
    return await story(db, make_client)


async def _join(st: Story, who: str, body: dict) -> tuple[int, dict]:
    response = await st.api.post(URL, json=body, headers=st.cast.headers(who))
    return response.status, await response.json()


async def _list(st: Story, who: str) -> tuple[int, list | dict]:
    response = await st.api.get(URL, headers=st.cast.headers(who))
    return response.status, await response.json()


async def _call(st: Story, method: str, url: str, who: str) -> tuple[int, dict]:
    response = await st.api.request(method, url, headers=st.cast.headers(who), json={})
    return response.status, await response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weekdays": [7]}, "weekdays"),
        ({"weekdays": ["monday"]}, "weekdays"),
        ({"from_date": "2030-03-20", "to_date": "2030-03-10"}, "to_date"),
        ({"from_date": "2030-03-10"}, "to_date"),
        ({"weekdays": [1], "preferred_time_slots": ["night"]}, "preferred_time_slots"),
        ({"weekdays": [1], "from_date": "2030-02-30", "to_date": "2030-03-10"}, "from_date"),
        ({}, "weekdays"),
        ({"weekdays": [1], "colour": "blue"}, "colour"),
    ],
)
async def test_bad_input_is_a_400_naming_the_field(st, body, field):
    status, answer = await _join(st, "alice", body)
    assert status == 400, answer
    assert field in answer, answer
    assert await WaitlistEntry.all().count() == 0


async def test_anonymous_callers_are_401_everywhere(st):
    entry_url = f"{URL}00000000-0000-0000-0000-000000000001/"
    offer_url = f"{URL}offers/00000000-0000-0000-0000-000000000001"
    for method, url in (
        ("POST", URL),
        ("GET", URL),
        ("DELETE", entry_url),
        ("POST", f"{offer_url}/accept/"),
        ("POST", f"{offer_url}/decline/"),
    ):
        status, _ = await _call(st, method, url, "anonymous")
        assert status == 401, (method, url)


async def test_a_client_sees_their_own_entries_and_staff_see_all(st):
    status, alices = await _join(st, "alice", {**FRIDAYS, "note": "Mornings only"})
    assert status == 201, alices
    assert alices["weekdays"] == [4] and alices["status"] == "waiting"
    assert alices["note"] == "Mornings only" and alices["offer"] is None
    st.clock.now = NOW + timedelta(minutes=1)  # Charlie joins after Alice
    status, charlies = await _join(
        st, "charlie", {"from_date": "2030-03-10", "to_date": "2030-03-20"}
    )
    assert status == 201, charlies
    assert charlies["preferred_time_slots"] == ["morning", "afternoon", "evening"]

    status, seen = await _list(st, "alice")
    assert status == 200 and [e["id"] for e in seen] == [alices["id"]]
    status, seen = await _list(st, "theo")
    assert status == 200 and [e["id"] for e in seen] == [alices["id"], charlies["id"]]
    assert seen[1]["client_name"] == "Charlie Chen"

    # Staff do not wait: they book freed time directly.
    status, answer = await _join(st, "theo", FRIDAYS)
    assert status == 409, answer


async def test_delete_leaves_and_someone_elses_entry_is_not_found(st):
    _, entry = await _join(st, "alice", FRIDAYS)
    one = f"{URL}{entry['id']}/"
    assert (await _call(st, "DELETE", one, "charlie"))[0] == 404
    assert (await _call(st, "DELETE", f"{URL}not-a-uuid/", "alice"))[0] in (400, 404)

    status, left = await _call(st, "DELETE", one, "alice")
    assert status == 200 and left["status"] == "left"
    assert (await WaitlistEntry.get(id=entry["id"])).status == WaitlistEntryStatus.LEFT
    assert (await _list(st, "alice"))[1] == []
    # Leaving twice: the entry is gone from the list already.
    assert (await _call(st, "DELETE", one, "alice"))[0] == 409

    # Staff may take anyone's entry off the list.
    _, again = await _join(st, "alice", FRIDAYS)
    status, left = await _call(st, "DELETE", f"{URL}{again['id']}/", "theo")
    assert status == 200 and left["status"] == "left"


async def _offered_to_alice(st: Story) -> str:
    session = await st.book(START, who="charlie")
    await _join(st, "alice", FRIDAYS)
    await cancel_appointment(st.settings, session.id, st.cast.theo, now=NOW)
    offer = await WaitlistOffer.get(status=WaitlistOfferStatus.HELD)
    return f"{URL}offers/{offer.id}"


async def test_the_held_time_shows_on_the_entry_and_only_its_client_may_answer(st):
    offer = await _offered_to_alice(st)
    _, [entry] = await _list(st, "alice")
    assert entry["offer"]["status"] == "held"
    assert entry["offer"]["scheduled_datetime"].startswith("2030-03-08T10:00")

    for action in ("accept", "decline"):
        assert (await _call(st, "POST", f"{offer}/{action}/", "charlie"))[0] == 404
        assert (await _call(st, "POST", f"{offer}/{action}/", "theo"))[0] == 409  # staff

    status, session = await _call(st, "POST", f"{offer}/accept/", "alice")
    assert status == 200, session
    assert session["status"] == "scheduled"
    assert session["scheduled_datetime"].startswith("2030-03-08T10:00")
    assert (await _list(st, "alice"))[1] == []  # fulfilled: off the list


async def test_answering_a_settled_offer_is_a_409(st):
    offer = await _offered_to_alice(st)
    status, declined = await _call(st, "POST", f"{offer}/decline/", "alice")
    assert status == 200 and declined["status"] == "declined"
    for action in ("accept", "decline"):
        status, answer = await _call(st, "POST", f"{offer}/{action}/", "alice")
        assert status == 409, answer
        assert "passed this time on" in answer["detail"]


async def test_taking_a_time_whose_hold_ran_out_is_a_409(st):
    offer = await _offered_to_alice(st)
    held = await WaitlistOffer.get(status=WaitlistOfferStatus.HELD)
    st.clock.now = held.expires_at + timedelta(seconds=1)  # the job has not run yet
    status, answer = await _call(st, "POST", f"{offer}/accept/", "alice")
    assert status == 409 and "expired" in answer["detail"]
    # No thanks after the hold: refused too, and the hold is settled as expired at once.
    assert (await _call(st, "POST", f"{offer}/decline/", "alice"))[0] == 409
    assert (await WaitlistOffer.get(id=held.id)).status == WaitlistOfferStatus.EXPIRED
