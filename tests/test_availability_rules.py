"""admin/availability/: Theo sets the booking rules next to the weekdays; nobody else may."""

from __future__ import annotations

import pytest

from booking.availability import get_rules, update_rules
from booking.errors import InvalidInput
from tests.availability_support import RULES
from tests.meetings_support import make_cast

DEFAULTS = {
    "minimum_notice_hours": 24,
    "booking_horizon_days": 30,
    "buffer_minutes": 0,
    "max_sessions_per_day": None,
    "cancellation_notice_hours": 24,
}


async def test_theo_reads_the_weekdays_and_the_default_rules(api, db):
    cast = await make_cast(db)
    body = await (await api.get(RULES, headers=cast.headers("theo"))).json()
    assert body["available_days"] == [0, 1, 2, 3, 4]
    assert {k: body[k] for k in DEFAULTS} == DEFAULTS


async def test_a_patch_changes_the_rules_sent_and_keeps_the_others(api, db):
    cast = await make_cast(db)
    theo = cast.headers("theo")
    response = await api.patch(RULES, json={"buffer_minutes": 15}, headers=theo)
    assert response.status == 200, await response.text()
    assert {k: (await response.json())[k] for k in DEFAULTS} == {**DEFAULTS, "buffer_minutes": 15}
    changes = {
        "minimum_notice_hours": 48,
        "booking_horizon_days": 60,
        "max_sessions_per_day": 5,
        "cancellation_notice_hours": 12,
    }
    body = await (await api.patch(RULES, json=changes, headers=theo)).json()
    assert {k: body[k] for k in DEFAULTS} == {**changes, "buffer_minutes": 15}
    assert body["available_days"] == [0, 1, 2, 3, 4]
    reread = await (await api.get(RULES, headers=theo)).json()
    assert reread == body


async def test_a_null_cap_lifts_the_cap_and_a_missing_one_keeps_it(api, db):
    cast = await make_cast(db)
    theo = cast.headers("theo")
    await api.patch(RULES, json={"max_sessions_per_day": 3}, headers=theo)
    body = await (await api.patch(RULES, json={"buffer_minutes": 5}, headers=theo)).json()
    assert body["max_sessions_per_day"] == 3
    body = await (await api.patch(RULES, json={"max_sessions_per_day": None}, headers=theo)).json()
    assert body["max_sessions_per_day"] is None


async def test_put_replaces_the_weekdays_and_changes_only_the_rules_sent(api, db):
    cast = await make_cast(db)
    theo = cast.headers("theo")
    await api.patch(RULES, json={"minimum_notice_hours": 12}, headers=theo)
    response = await api.put(
        RULES, json={"available_days": [1, 3], "buffer_minutes": 10}, headers=theo
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["available_days"] == [1, 3]
    assert body["buffer_minutes"] == 10 and body["minimum_notice_hours"] == 12


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("minimum_notice_hours", -1),
        ("minimum_notice_hours", 721),
        ("minimum_notice_hours", "24"),
        ("minimum_notice_hours", 1.5),
        ("minimum_notice_hours", True),
        ("minimum_notice_hours", None),
        ("booking_horizon_days", 0),
        ("booking_horizon_days", 366),
        ("booking_horizon_days", None),
        ("buffer_minutes", -5),
        ("buffer_minutes", 121),
        ("max_sessions_per_day", 0),
        ("max_sessions_per_day", 49),
        ("max_sessions_per_day", "none"),
        ("cancellation_notice_hours", -1),
        ("cancellation_notice_hours", 10_000),
    ],
)
async def test_a_value_out_of_bounds_is_a_400_naming_its_field(api, db, field, value):
    cast = await make_cast(db)
    theo = cast.headers("theo")
    for method in (api.patch, api.put):
        body = {field: value} if method == api.patch else {"available_days": [0], field: value}
        response = await method(RULES, json=body, headers=theo)
        assert response.status == 400, (method, body)
        assert list(await response.json()) == [field]
    current = await (await api.get(RULES, headers=theo)).json()
    assert {k: current[k] for k in DEFAULTS} == DEFAULTS
    assert current["available_days"] == [0, 1, 2, 3, 4]


async def test_the_service_names_the_field_too_for_the_bot(db):
    with pytest.raises(InvalidInput) as refused:
        await update_rules({"buffer_minutes": 500, "booking_horizon_days": 0})
    assert set(refused.value.errors) == {"buffer_minutes", "booking_horizon_days"}
    with pytest.raises(InvalidInput) as refused:
        await update_rules({"max_sessions_per_day": False})
    assert set(refused.value.errors) == {"max_sessions_per_day"}
    assert (await get_rules()).buffer_minutes == 0


@pytest.mark.parametrize("method", ["get", "put", "patch"])
async def test_alice_and_strangers_cannot_read_or_change_the_rules(api, db, method):
    cast = await make_cast(db)
    body = {"available_days": [6], "minimum_notice_hours": 0}
    call = getattr(api, method)
    kwargs = {} if method == "get" else {"json": body}
    assert (await call(RULES, headers=cast.headers("alice"), **kwargs)).status == 403
    assert (await call(RULES, **kwargs)).status == 401
    assert (await get_rules()).minimum_notice_hours == 24
