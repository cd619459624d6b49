"""Answers reused for a second (booking.freshness): never stale after a write made here."""

from __future__ import annotations

import asyncio
import time

import pytest
from tortoise.transactions import in_transaction

from booking.audit import record_audit
from booking.db_clients import changes_answers, counted_as
from booking.freshness import Fresh, write_mark
from models import Availability, BlockedDate, ConversationState, RateLimitHit

BOTH_DATABASES = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> int:
        self.calls += 1
        await asyncio.sleep(0.01)
        return self.calls


@BOTH_DATABASES
async def test_an_answer_is_reused_until_a_write_goes_through_this_process(db):
    cache, compute = Fresh(), Counter()
    assert await cache.get("k", compute) == 1
    assert await cache.get("k", compute) == 1  # reused
    before = write_mark()
    await BlockedDate.create(start_date="2026-12-01", end_date="2026-12-02")
    assert write_mark() != before
    assert await cache.get("k", compute) == 2  # the write dropped it


@BOTH_DATABASES
async def test_updates_and_deletes_drop_it_too(db):
    cache, compute = Fresh(), Counter()
    row = await BlockedDate.create(start_date="2026-12-01", end_date="2026-12-02")
    assert await cache.get("k", compute) == 1
    await BlockedDate.filter(id=row.id).update(end_date="2026-12-03")
    assert await cache.get("k", compute) == 2
    assert await cache.get("k", compute) == 2
    await BlockedDate.filter(id=row.id).delete()
    assert await cache.get("k", compute) == 3


@BOTH_DATABASES
async def test_an_answer_computed_during_an_open_transaction_is_dropped_at_its_commit(db):
    """A reader that ran before the commit saw the old rows: the commit must retire its answer."""
    cache = Fresh()

    async def count() -> int:
        return await BlockedDate.all().count()

    async with in_transaction() as conn:
        await BlockedDate.create(start_date="2026-12-01", end_date="2026-12-02", using_db=conn)
        # Another task reads meanwhile (on PostgreSQL through another pooled connection).
        seen = await asyncio.create_task(cache.get("k", count))
    assert seen in (0, 1)  # SQLite's single connection may show the uncommitted row
    assert await cache.get("k", count) == 1


@BOTH_DATABASES
async def test_an_answer_of_named_tables_outlives_writes_to_the_others(db):
    """`Fresh(tables=...)`: the signed-in user's row and the rules read one table each; a
    booking (a write to other tables) must not retire them, a write to theirs must, also
    from inside a transaction, at once and again at its commit."""
    cache, compute = Fresh(tables=("blocked_dates",)), Counter()
    assert await cache.get("k", compute) == 1
    await Availability.create()
    async with in_transaction() as conn:
        await Availability.filter().using_db(conn).update(buffer_minutes=5)
    assert await cache.get("k", compute) == 1  # other tables: kept
    async with in_transaction() as conn:
        await BlockedDate.create(start_date="2026-12-01", end_date="2026-12-02", using_db=conn)
        assert await cache.get("k", compute) == 2  # a write of its table, uncommitted
    assert await cache.get("k", compute) == 3  # and its commit
    await BlockedDate.all().delete()
    assert await cache.get("k", compute) == 4
    async with in_transaction() as conn:  # raw SQL of no telling which table: counts for all
        await conn.execute_script("CREATE TABLE scratch_for_the_test (n INTEGER)")
    assert await cache.get("k", compute) == 5


@BOTH_DATABASES
async def test_a_write_counted_under_another_name_retires_only_what_reads_everything(db):
    """`counted_as(table, name)`: a cache naming `table` outlives the block's writes to it
    (in a transaction or not); one reading every table does not; the block's writes to
    other tables count as theirs."""
    named, every = Fresh(tables=("blocked_dates",)), Fresh()
    named_calls, every_calls = Counter(), Counter()
    assert await named.get("k", named_calls) == 1
    assert await every.get("k", every_calls) == 1
    with counted_as("blocked_dates", "blocked_dates:test"):
        await BlockedDate.create(start_date="2026-12-01", end_date="2026-12-02")
        async with in_transaction() as conn:
            await BlockedDate.filter().using_db(conn).update(end_date="2026-12-03")
    assert await named.get("k", named_calls) == 1  # kept
    assert await every.get("k", every_calls) == 2  # retired
    with counted_as("availability", "availability:test"):
        await BlockedDate.create(start_date="2026-12-05", end_date="2026-12-06")
    assert await named.get("k", named_calls) == 2  # another table's renaming: counted
    await BlockedDate.all().delete()  # and outside the block, as always
    assert await named.get("k", named_calls) == 3


@BOTH_DATABASES
async def test_writes_to_tables_no_answer_reads_retire_nothing(db):
    """Staff reads write audit rows, the bot its state, the limits their hits: no cached
    answer reads those tables, so none is retired (in a transaction or not)."""
    cache, compute = Fresh(), Counter()
    assert await cache.get("k", compute) == 1
    await record_audit(None, "test.read", target="x")
    await ConversationState.create(key="test", data={"a": 1})
    await RateLimitHit.create(bucket="test:write", at="2026-01-01T00:00:00+00:00")
    async with in_transaction() as conn:
        await record_audit(None, "test.read", using_db=conn)
        await ConversationState.filter(key="test").using_db(conn).update(data={"a": 2})
    assert await cache.get("k", compute) == 1
    await BlockedDate.create(start_date="2026-12-01", end_date="2026-12-02")
    assert await cache.get("k", compute) == 2


@BOTH_DATABASES
async def test_an_answer_lives_at_most_max_age(db):
    cache, compute = Fresh(max_age=0.05), Counter()
    assert await cache.get("k", compute) == 1
    await asyncio.sleep(0.1)
    assert await cache.get("k", compute) == 2


@BOTH_DATABASES
async def test_concurrent_misses_share_one_computation(db):
    cache, compute = Fresh(), Counter()
    answers = await asyncio.gather(*(cache.get("k", compute) for _ in range(20)))
    assert answers == [1] * 20
    assert compute.calls == 1


@BOTH_DATABASES
async def test_a_failed_computation_is_not_kept(db):
    cache = Fresh()

    async def broken() -> int:
        raise OSError("database went away")

    for _ in range(2):
        try:
            await cache.get("k", broken)
        except OSError:
            pass
        else:
            raise AssertionError("the failure was cached")
    assert await cache.get("k", Counter()) == 1


class SlowCounter(Counter):
    async def __call__(self) -> int:
        self.calls += 1
        calls = self.calls
        await asyncio.sleep(0.2)
        return calls


@BOTH_DATABASES
async def test_an_old_answer_is_served_while_a_task_computes_it_again(db):
    cache, compute = Fresh(max_age=1.0, refresh_after=0.1), SlowCounter()
    assert await cache.get("k", compute) == 1
    await asyncio.sleep(0.15)
    started = time.monotonic()
    answers = await asyncio.gather(*(cache.get("k", compute) for _ in range(5)))
    assert answers == [1] * 5  # served at once, not waited for
    assert time.monotonic() - started < 0.1
    assert compute.calls == 2  # one refresh for them all
    await asyncio.sleep(0.3)
    assert await cache.get("k", compute) == 2


@BOTH_DATABASES
async def test_a_refreshed_answer_ages_from_its_computations_start(db):
    cache, compute = Fresh(max_age=0.3, refresh_after=0.05), SlowCounter()
    assert await cache.get("k", compute) == 1
    await asyncio.sleep(0.06)
    assert await cache.get("k", compute) == 1  # the refresh starts now: its rows are of now
    await asyncio.sleep(0.25)  # it ended 0.2 s after it started
    assert cache.peek("k") == 2
    await asyncio.sleep(0.1)  # 0.35 s after the refresh's start: expired, whenever it ended
    assert cache.peek("k") is None


@BOTH_DATABASES
async def test_a_write_during_a_refresh_is_not_hidden_by_it(db):
    cache = Fresh(refresh_after=0.05)

    async def rows() -> int:
        count = await BlockedDate.all().count()
        await asyncio.sleep(0.2)
        return count

    assert await cache.get("k", rows) == 0
    await asyncio.sleep(0.06)
    assert await cache.get("k", rows) == 0  # a refresh starts, from before the write
    await BlockedDate.create(start_date="2026-12-01", end_date="2026-12-02")
    assert await cache.get("k", rows) == 1  # computed for the write, never the refresh's
    await asyncio.sleep(0.25)  # the refresh has ended, and stored what it had
    assert await cache.get("k", rows) == 1


@BOTH_DATABASES
async def test_no_refresh_is_started_inside_a_transaction(db):
    cache, compute = Fresh(refresh_after=0.05), SlowCounter()
    assert await cache.get("k", compute) == 1
    await asyncio.sleep(0.06)
    async with in_transaction():
        assert await cache.get("k", compute) == 1
    assert compute.calls == 1  # a task would have outlived the transaction's connection


@pytest.mark.parametrize(
    ("statement", "counts"),
    [
        ('INSERT INTO "appointments" ("id") VALUES ($1)', True),
        ('UPDATE "availability" SET "buffer_minutes"=?', True),
        ('DELETE FROM "blocked_dates" WHERE "id"=?', True),
        ('INSERT INTO "audit_events" ("at") VALUES (?)', False),
        ('INSERT OR REPLACE INTO "conversation_states" ("key") VALUES (?)', False),
        ('  delete from rate_limit_hits where "at" < ?', False),
        ('SELECT COUNT(*) FROM "appointments"', False),
        ("PRAGMA wal_checkpoint(TRUNCATE)", False),
        ('CREATE TABLE "x" ("id" INT)', True),  # a statement whose table is not told counts
    ],
)
def test_which_statements_count_as_changes(statement, counts):
    assert changes_answers(statement) is counts
