"""Sliding-window rate limits over the `RateLimitHit` table.

A limit counts hits in a bucket over the last `window` (in SQL, on the (bucket, at) index);
past `limit` the caller gets `RateLimited` with the seconds until the oldest counted hit
leaves the window. Buckets are `<limit name>:<HMAC of the key>` (the blind-index key), so
the table never holds an e-mail address or an IP address. Living in the database, limits
hold across processes and restarts; `booking.scheduler.purge_stale_rows` forgets hits older
than a day.

- `await limit.hit(key, now=None, using_db=None)`: count one attempt, or raise RateLimited
  (not counted); with `using_db`, in the caller's transaction.
- `await limit.check(key, now=None)`: raise RateLimited when the bucket is full, count nothing
  (for limits that only count failures: check first, `record` after a failure).
- `await limit.record(key, now=None)`: count one attempt without checking.
- `configure_rate_limits(multiplier)`: RATE_LIMIT_MULTIPLIER, applied when the database opens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise import BaseDBAsyncClient, connections

from booking.db_clients import placeholders
from booking.errors import RateLimited
from models import RateLimitHit, current_vault

# PostgreSQL advisory locks on buckets: the two-key form, this class (its own key space).
BUCKET_LOCK_CLASS = 0x524C  # "RL"


def _now() -> datetime:
    return datetime.now(UTC)


class _Scale:
    """RATE_LIMIT_MULTIPLIER, set with the database at start (`configure_rate_limits`).

    Process-wide like the encryption keys: the limits are module constants that every
    service shares, and one process runs one configuration.
    """

    multiplier = 1


def configure_rate_limits(multiplier: int) -> None:
    """Every limit times `multiplier` (1: the documented limits; more: tests, load trials)."""
    _Scale.multiplier = max(1, int(multiplier))


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` hits per `window` for each key (an address, an IP, a chat id)."""

    name: str
    limit: int
    window: timedelta

    @property
    def allowed(self) -> int:
        """The limit in force (the documented one unless a test raised it)."""
        return self.limit * _Scale.multiplier

    def bucket(self, key: str) -> str:
        # The blind-index HMAC: equal keys (case and outer spaces aside) meet in one bucket,
        # and the table learns nothing about them.
        digest = current_vault().blind_index(f"{self.name}|{key.strip().lower()}")
        return f"{self.name}:{digest}"

    def _window(self, bucket: str, now: datetime, using_db: BaseDBAsyncClient | None = None):
        return RateLimitHit.filter(bucket=bucket, at__gt=now - self.window).using_db(using_db)

    async def _retry_after(self, bucket: str, count: int, now: datetime) -> int:
        # The bucket has room again once enough of the oldest hits have left the window:
        # the one `allowed` places from the newest (counted and found in SQL, by index).
        if count < self.allowed:
            return 1
        oldest = (
            await self._window(bucket, now)
            .order_by("at")
            .offset(count - self.allowed)
            .limit(1)
            .values_list("at", flat=True)
        )
        if not oldest:
            return 1
        frees_at = oldest[0] + self.window
        return max(1, math.ceil((frees_at - now).total_seconds()))

    async def check(
        self, key: str, *, now: datetime | None = None, using_db: BaseDBAsyncClient | None = None
    ) -> None:
        """Raise RateLimited when the bucket is full; count nothing."""
        now = now or _now()
        bucket = self.bucket(key)
        count = await self._window(bucket, now, using_db).count()
        if count >= self.allowed:
            raise RateLimited(await self._retry_after(bucket, count, now))

    async def record(self, key: str, *, now: datetime | None = None) -> None:
        """Count one attempt."""
        await RateLimitHit.create(bucket=self.bucket(key), at=now or _now())

    async def hit(
        self, key: str, *, now: datetime | None = None, using_db: BaseDBAsyncClient | None = None
    ) -> None:
        """Count one attempt, or raise RateLimited when the bucket is already full.

        The hit is written before counting, so two concurrent callers see each other;
        a refused attempt is taken back and does not lengthen the wait. Inside the caller's
        transaction (`using_db`) the hit commits with the caller's work, and on PostgreSQL a
        lock on the bucket, held to the end of that transaction, keeps concurrent callers in
        line (an uncommitted hit is invisible to the others).
        """
        now = now or _now()
        bucket = self.bucket(key)
        if using_db is not None and using_db.capabilities.dialect == "postgres":
            await using_db.execute_query(
                "SELECT pg_advisory_xact_lock($1, hashtext($2))", [BUCKET_LOCK_CLASS, bucket]
            )
        row = await RateLimitHit.create(bucket=bucket, at=now, using_db=using_db)
        if await self._window(bucket, now, using_db).count() > self.allowed:
            await row.delete(using_db=using_db)
            count = await self._window(bucket, now, using_db).count()
            raise RateLimited(await self._retry_after(bucket, count, now))


async def hit_all(
    limits: list[tuple[RateLimit, str | None]],
    *,
    now: datetime | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> None:
    """Check every (limit, key) first, then count one hit in each; keys of None are skipped.

    Checking all before counting any keeps one full bucket from using up the others.
    """
    now = now or _now()
    present = [(limit, key) for limit, key in limits if key]
    for limit, key in present:
        await limit.check(key, now=now, using_db=using_db)
    for limit, key in present:
        await limit.hit(key, now=now, using_db=using_db)


async def check_all(
    limits: list[tuple[RateLimit, str | None]], *, now: datetime | None = None
) -> None:
    """Raise RateLimited when any of the buckets is full; count nothing (one query)."""
    now = now or _now()
    present = [(limit, limit.bucket(key)) for limit, key in limits if key]
    if not present:
        return
    conn = connections.get("default")
    marks = placeholders(conn, 2 * len(present))
    windows = " OR ".join(
        f"(bucket = {marks[2 * n]} AND at > {marks[2 * n + 1]})" for n in range(len(present))
    )
    sql = f"SELECT bucket, COUNT(*) AS n FROM rate_limit_hits WHERE {windows} GROUP BY bucket"  # noqa: S608 (only placeholders)
    values = [v for limit, bucket in present for v in (bucket, now - limit.window)]
    counts = {row["bucket"]: row["n"] for row in await conn.execute_query_dict(sql, values)}
    for limit, bucket in present:
        count = counts.get(bucket, 0)
        if count >= limit.allowed:
            raise RateLimited(await limit._retry_after(bucket, count, now))


async def record_all(
    limits: list[tuple[RateLimit, str | None]],
    *,
    now: datetime | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> None:
    """Count one attempt in each bucket (keys of None are skipped), in one statement; with
    `using_db`, in the caller's transaction (counted when what it counts commits, and no
    commit of its own)."""
    now = now or _now()
    buckets = [limit.bucket(key) for limit, key in limits if key]
    if not buckets:
        return
    conn = using_db or connections.get("default")
    marks = placeholders(conn, 2 * len(buckets))
    rows = ", ".join(f"({marks[2 * n]}, {marks[2 * n + 1]})" for n in range(len(buckets)))
    values = [v for bucket in buckets for v in (bucket, now)]
    await conn.execute_query(f"INSERT INTO rate_limit_hits (bucket, at) VALUES {rows}", values)  # noqa: S608
