"""The sliding window behind each limit: counts per key, frees up as hits age, keeps no address."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from tortoise import Tortoise

from booking.errors import RateLimited
from booking.ratelimit import RateLimit, check_all, hit_all, record_all
from models import RateLimitHit

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
THREE_A_MINUTE = RateLimit("test:three", 3, timedelta(minutes=1))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def test_the_fourth_hit_in_a_minute_waits_for_the_first_to_age_out(db):
    for second in (0, 20, 40):
        await THREE_A_MINUTE.hit("alice@example.com", now=at(second))
    with pytest.raises(RateLimited) as limited:
        await THREE_A_MINUTE.hit("alice@example.com", now=at(50))
    assert limited.value.retry_after == 10
    await THREE_A_MINUTE.hit("alice@example.com", now=at(61))  # the 0 s hit has left
    with pytest.raises(RateLimited) as limited:
        await THREE_A_MINUTE.hit("alice@example.com", now=at(62))
    assert limited.value.retry_after == 18  # now the 20 s hit is the one to wait for


TWO_AN_HOUR = RateLimit("test:two", 2, timedelta(hours=1))


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_several_buckets_are_checked_in_one_query_and_recorded_in_one_statement(db):
    limits = [(THREE_A_MINUTE, "carol@example.com"), (TWO_AN_HOUR, "10.0.0.7"), (TWO_AN_HOUR, None)]
    await check_all(limits, now=at(0))  # empty buckets
    await record_all(limits, now=at(0))
    assert await RateLimitHit.all().count() == 2  # the key of None is skipped
    await check_all(limits, now=at(30))  # 1 of 3 and 1 of 2
    await record_all(limits, now=at(30))
    with pytest.raises(RateLimited) as limited:  # the hourly bucket is full
        await check_all(limits, now=at(40))
    assert limited.value.retry_after == 3600 - 40  # until its first hit leaves
    await check_all([(THREE_A_MINUTE, "carol@example.com")], now=at(40))  # 2 of 3: room
    await check_all([(TWO_AN_HOUR, "10.0.0.8")], now=at(40))  # another key: its own bucket
    assert await check_all([], now=at(40)) is None


async def test_refused_attempts_do_not_lengthen_the_wait(db):
    for second in (0, 1, 2):
        await THREE_A_MINUTE.hit("bob@example.com", now=at(second))
    for second in range(3, 59):
        with pytest.raises(RateLimited):
            await THREE_A_MINUTE.hit("bob@example.com", now=at(second))
    await THREE_A_MINUTE.hit("bob@example.com", now=at(60.5))


async def test_each_key_has_its_own_bucket(db):
    for _ in range(3):
        await THREE_A_MINUTE.hit("alice@example.com", now=T0)
    await THREE_A_MINUTE.hit("bob@example.com", now=T0)
    with pytest.raises(RateLimited):
        await THREE_A_MINUTE.hit(" Alice@Example.com", now=T0)  # the same address, normalised


async def test_check_and_record_count_only_what_the_caller_records(db):
    limit = RateLimit("test:failures", 2, timedelta(minutes=5))
    await limit.check("10.0.0.1", now=T0)
    await limit.check("10.0.0.1", now=T0)  # checking counts nothing
    await limit.record("10.0.0.1", now=T0)
    await limit.record("10.0.0.1", now=T0)
    with pytest.raises(RateLimited) as limited:
        await limit.check("10.0.0.1", now=at(60))
    assert limited.value.retry_after == 240


async def test_one_full_bucket_does_not_use_up_the_others(db):
    per_ip = RateLimit("test:ip", 1, timedelta(minutes=1))
    for _ in range(3):
        await THREE_A_MINUTE.hit("alice@example.com", now=T0)
    with pytest.raises(RateLimited):
        await hit_all([(per_ip, "10.0.0.1"), (THREE_A_MINUTE, "alice@example.com")], now=T0)
    # The IP bucket was only checked, not counted, so it still has its one hit left.
    await per_ip.hit("10.0.0.1", now=T0)


async def test_the_table_never_holds_an_address_or_an_ip(db):
    await THREE_A_MINUTE.hit("alice@example.com", now=T0)
    await THREE_A_MINUTE.hit("203.0.113.7", now=T0)
    buckets = await RateLimitHit.all().values_list("bucket", flat=True)
    assert len(set(buckets)) == 2
    for bucket in buckets:
        assert "alice" not in bucket and "203.0.113" not in bucket
        assert bucket.startswith("test:three:")


async def test_a_test_setting_multiplies_every_limit_and_the_next_start_resets_it(make_settings):
    from booking.db import database

    async with database(make_settings(RATE_LIMIT_MULTIPLIER="2")):
        await Tortoise.generate_schemas()
        for second in range(6):
            await THREE_A_MINUTE.hit("carol@example.com", now=at(second))
        with pytest.raises(RateLimited):
            await THREE_A_MINUTE.hit("carol@example.com", now=at(7))
    async with database(make_settings()):
        assert THREE_A_MINUTE.allowed == 3


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_concurrent_code_requests_counted_in_their_transactions_keep_the_limit(api, db):
    """forgot-password counts its send in the transaction that queues the code; twenty at
    once for one address still let exactly five through (PostgreSQL: a lock per bucket)."""
    from booking.codes import SEND_PER_ADDRESS

    body = {"email": "alice@example.com"}
    responses = await asyncio.gather(
        *(api.post("/api/auth/forgot-password/", json=body) for _ in range(20))
    )
    statuses = sorted(r.status for r in responses)
    assert statuses.count(200) == SEND_PER_ADDRESS.limit, statuses
    assert set(statuses) == {200, 429}
