"""GET series/<id>/ and POST series/<id>/cancel/: Alice reads her series and cancels "this
and following"; no reminder of a cancelled occurrence ever leaves; Charlie sees nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import Appointment, AppointmentStatus, Notification, NotificationStatus
from tests.lifecycle_support import NOW, story

FIRST = "2030-03-05T10:00:00Z"  # a Tuesday
REMINDERS = ("reminder_day_before", "join_window")


@pytest.fixture
def settings(make_settings, database_url, smtp_settings):
    return make_settings(DATABASE_URL=database_url, **smtp_settings)


@pytest.fixture
async def alice(db, make_client):
    return await story(db, make_client)


async def six_tuesdays(alice) -> dict:
    request = await alice.request()
    status, body = await alice.post(
        request,
        "schedule",
        "theo",
        {"scheduled_datetime": FIRST, "repeat": {"every_weeks": 1, "count": 6}},
    )
    assert status == 200, body
    return body


async def series_call(alice, method: str, series_id: str, who: str, body=None):
    url = f"/api/meetings/series/{series_id}/" + ("cancel/" if method == "post" else "")
    response = await alice.api.request(
        method.upper(), url, json=body, headers=alice.cast.headers(who)
    )
    return response.status, await response.json()


async def test_alice_cancels_this_and_following_and_no_reminder_of_them_leaves(alice, inbox):
    booked = await six_tuesdays(alice)
    await alice.dispatcher.dispatch_due()  # the confirmations

    status, body = await series_call(
        alice, "post", booked["series"], "alice", {"from": "2030-03-19", "reason": "Moving away"}
    )

    assert status == 200, body
    statuses = [o["status"] for o in body["occurrences"]]
    assert statuses == ["scheduled"] * 2 + ["cancelled"] * 4
    cancelled = [o for o in body["occurrences"] if o["status"] == "cancelled"]
    assert all(o["cancelled_by"] == "client" and not o["late_cancellation"] for o in cancelled)
    assert all(o["cancellation_reason"] == "Moving away" for o in cancelled)
    # Past the end of the series, no reminder of a cancelled occurrence was sent...
    await alice.deliver_until(datetime(2030, 4, 30, tzinfo=UTC))
    ids = [o["id"] for o in cancelled]
    sent = await Notification.filter(
        appointment_id__in=ids, kind__in=REMINDERS, status=NotificationStatus.SENT
    ).count()
    assert sent == 0
    assert not await Notification.filter(
        appointment_id__in=ids, status=NotificationStatus.PENDING
    ).exists()
    # ... while the two kept sessions had theirs.
    kept = [o["id"] for o in body["occurrences"][:2]]
    assert (
        await Notification.filter(
            appointment_id__in=kept, kind="reminder_day_before", status=NotificationStatus.SENT
        ).count()
        == 2
    )
    # Each cancelled occurrence carries its own calendar CANCEL to Alice.
    cancels = [m for m in inbox.messages if "cancelled" in str(m["Subject"]) and "alice" in m["To"]]
    assert len(cancels) == 4


async def test_cancel_defaults_to_today_and_theo_may_cancel_any_series(alice):
    booked = await six_tuesdays(alice)
    alice.clock.now = NOW + timedelta(days=8)  # after the first Tuesday

    status, body = await series_call(alice, "post", booked["series"], "theo", {})

    assert status == 200, body
    assert [o["status"] for o in body["occurrences"]] == ["scheduled"] + ["cancelled"] * 5
    status, again = await series_call(alice, "post", booked["series"], "theo", {})
    assert status == 409, again


async def test_charlie_can_neither_read_nor_cancel_alices_series(alice):
    booked = await six_tuesdays(alice)

    for method in ("get", "post"):
        status, body = await series_call(alice, method, booked["series"], "charlie", {})
        assert status == 404, body
    assert await Appointment.filter(status=AppointmentStatus.SCHEDULED).count() == 6


async def test_alice_and_theo_read_the_series_oldest_first(alice):
    booked = await six_tuesdays(alice)

    for who in ("alice", "theo"):
        status, body = await series_call(alice, "get", booked["series"], who)
        assert status == 200, body
        assert body["id"] == booked["series"] and body["every_weeks"] == 1
        starts = [o["scheduled_datetime"] for o in body["occurrences"]]
        assert starts == sorted(starts) and len(starts) == 6
        assert body["occurrences"][0]["id"] == booked["id"]


async def test_a_from_that_is_no_date_is_a_400_and_cancels_nothing(alice):
    booked = await six_tuesdays(alice)

    for wrong in ("2030-02-30", "7465-08-98"):
        status, body = await series_call(alice, "post", booked["series"], "alice", {"from": wrong})
        assert status == 400, body
        assert body == {"from": ["Enter a date in YYYY-MM-DD format."]}
    assert await Appointment.filter(status=AppointmentStatus.SCHEDULED).count() == 6
